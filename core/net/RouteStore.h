// Credential routes: `openai → https://api.openai.com/v1` with `Authorization: Bearer
// {secret:OPENAI_API_KEY}`. One readable JSON file each in <config dir>/routes/NAME.json
// ({name, upstream, headers: [{name, value}]}), read and watched like templates (JsonFileDir):
// the files are the truth, an invalid one is skipped and reported with its file and field,
// never fatal. Header values are templates: text with {secret:NAME} references, which only
// resolve() replaces, asynchronously, with values from the SecretStore. A route file holds no
// secret, so routes may be listed to any owner client as they are.
// It does not proxy anything (EgressProxy does) and does not decide which sandbox gets which
// route (the template's `network.routes` does).
#pragma once

#include "EgressPolicy.h"
#include "JsonFileDir.h"
#include "Result.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>

namespace vivarium {

class SecretStore;

struct RouteHeader {
    QString name;
    QString value; // a template: {secret:NAME} references, never a value
    bool operator==(const RouteHeader&) const = default;
};

struct Route {
    QString name;
    QUrl upstream;
    QList<RouteHeader> headers;
    QString file;
    QJsonObject raw; // the whole file, unknown keys included

    // The secrets the headers reference, in order of first use, each once.
    QStringList secretNames() const;
    QJsonObject toJson() const; // {name, upstream, headers, secrets, file}
};

// A route with real values, for one sandbox's proxy, and the placeholders its guest sees.
struct ResolvedRoute {
    EgressRoute route;                  // headers with values; placeholder → value; bare values
    QMap<QString, QString> placeholders; // secret name → placeholder (the guest's variable value)
};

class RouteStore : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 kMaxFileBytes = 64 * 1024;
    static constexpr int kMaxFiles = 1000;
    static constexpr int kMaxHeaders = 32;
    static constexpr int kMaxHeaderValue = 8192; // bytes of a value template
    static constexpr int kMaxUpstream = 2048;

    explicit RouteStore(QString dir, QObject* parent = nullptr);

    QString dir() const { return m_dir; }
    QList<Route> list();
    QList<FileProblem> problems();
    Result<Route> find(const QString& name);
    bool exists(const QString& name);

    // `fields`: upstream (required by add) and headers ([{name, value}]); add refuses a name
    // in use, update replaces the fields given.
    Result<Route> add(const QString& name, const QJsonObject& fields);
    Result<Route> update(const QString& name, const QJsonObject& fields);
    Status remove(const QString& name);

    struct FieldError {
        QString field;   // "upstream", "headers", "name"
        QString message; // a clause naming the field: "field 'upstream' must be …"
    };
    // Checks a route object (a file's or a request's), collecting every field error. `out`
    // gets the valid route (name and file are the caller's).
    static QList<FieldError> validate(const QJsonObject& o, Route* out);
    // The {secret:NAME} references in a header value template, or why it is malformed.
    static Result<QStringList> secretReferences(const QString& value);

    // Builds the route for a sandbox: every {secret:NAME} replaced by the secret's value (a
    // missing secret, or a value with a line break, fails with the route and header named).
    // Placeholders are stable per sandbox: pass the sandbox's map back in (it keeps each
    // secret's placeholder; new ones are made for secrets not in it), so a guest's environment
    // stays right across a service restart if the caller persists the map.
    static void resolve(const Route& route, SecretStore& secrets, QMap<QString, QString> placeholders,
                        std::function<void(Result<ResolvedRoute>)> done, QObject* context);
    // vivarium-placeholder-<NAME>-<32 random hex digits>
    static QString makePlaceholder(const QString& secretName);

    void rescan();

signals:
    void routeAdded(const vivarium::Route& route);
    void routeChanged(const vivarium::Route& route);
    void routeRemoved(const QString& name);
    void problemsChanged(const QList<vivarium::FileProblem>& problems);

private:
    struct Entry {
        QString path;
        std::optional<QJsonObject> raw;
        std::optional<Route> valid;
    };
    Result<Route> lookup(const QString& name) const;
    Result<Route> write(const QString& name, const QJsonObject& object);

    QString m_dir;
    JsonFileDir* m_files;
    QMap<QString, Entry> m_entries;
    QList<FileProblem> m_problems;
};

} // namespace vivarium
