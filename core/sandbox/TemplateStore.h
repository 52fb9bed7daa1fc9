// Templates: what a sandbox is made from (image, vCPUs, memory, disk size, the defaults of its
// commands: environment, working directory, user, and its network: egress mode, allowlist and
// credential routes). Two built-ins (`default`, `tiny`) and the user's own, one readable JSON
// file each in <config dir>/templates/NAME.json (read and watched through JsonFileDir).
//
// The files are the truth: the store re-reads the directory before every answer and watches
// it, so a file edited by hand counts at once and clients hear of it (templateAdded/Changed/
// Removed). A file that cannot be read or does not validate is skipped and reported as a
// problem naming the file and the field, never fatal. Writes are atomic (QSaveFile) and keep
// every key they do not know (the reserved `pool` and `security` objects, keys inside
// `network` and keys from newer versions), so a file survives a round trip through an older
// service.
// It does not make sandboxes (SandboxManager does, copying what it needs) and holds no
// secrets: everything in a template is visible to every client that may list templates.
#pragma once

#include "EgressPolicy.h"
#include "JsonFileDir.h"
#include "Result.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QObject>
#include <QStringList>

#include <functional>

namespace vivarium {

// What this service accepts in a template: vCPUs up to the host's cores (at most 16), the
// images it can boot today, and the size of a built image (for disk_mib's lower bound).
struct TemplateRules {
    static constexpr int kMaxVcpusCap = 16;
    static constexpr int kMinMemoryMiB = 64;
    static constexpr int kMaxMemoryMiB = 65536;
    static constexpr int kMinDiskMiB = 64;
    static constexpr int kMaxDiskMiB = 1048576; // 1 TiB
    static constexpr int kMaxEnv = 256;          // variables per template
    static constexpr int kMaxDescription = 200;
    static constexpr int kMaxAllow = 256;        // allowlist entries per template
    static constexpr int kMaxRoutes = 64;        // routes per template

    int maxVcpus = 1;
    QStringList images; // the built-in images, in the order shown to users
    // Whether a template may name `image`. Unset: it must be one of `images`. (Image
    // references pulled from registries are accepted through this.)
    std::function<bool(const QString& image)> imageAvailable;
    // The size of a built image in MiB, or 0 when it is not built (then the sandbox's
    // creation checks disk_mib instead). Optional.
    std::function<int(const QString& image)> imageMiB;
    // Whether a route exists, checked when a template is created or changed through the
    // store (not when a file is read: removing a route must not make templates vanish; the
    // sandbox's creation reports a missing route). Optional.
    std::function<bool(const QString& route)> routeExists;

    // maxVcpus from this host's online CPUs.
    static TemplateRules forHost(QStringList images);
    QJsonObject toJson() const; // the limits, for clients' forms
};

// A template's warm pool (`pool` in its file): keep `minReady` booted, unclaimed sandboxes, grow
// ahead of demand up to `max`, and shrink back after `idleTtlS` seconds without a claim. 0/0: no
// pool. See core/sandbox/PoolManager.h.
struct TemplatePool {
    static constexpr int kMaxSize = 32;
    static constexpr int kMinIdleTtlS = 1;
    static constexpr int kMaxIdleTtlS = 7 * 24 * 3600;
    int minReady = 0;
    int max = 0;
    int idleTtlS = 300;

    bool enabled() const { return max > 0; }
    QJsonObject toJson() const;
    bool operator==(const TemplatePool&) const = default;
};

struct Template {
    QString name;
    QString description;
    QString image;
    int vcpus = 1;
    int memoryMiB = 512;
    int diskMiB = 0; // 0: the image's own size
    QMap<QString, QString> env;
    QString workdir; // empty: the user's home directory
    QString user;    // empty: root
    // `network`: {"egress": "none|proxy|open", "allow": ["host[:port]", …], "routes": [name, …]}.
    EgressMode egress = EgressMode::None;
    QStringList allow;  // valid AllowEntry texts, as written
    QStringList routes; // valid route names, without duplicates
    TemplatePool pool;
    // Idle reaping: after idle_timeout_s seconds with no live run and no use (0: never) a
    // sandbox is stopped or hibernated (idle_action), with a warning event first.
    static constexpr int kMaxIdleTimeoutS = 7 * 24 * 3600;
    int idleTimeoutS = 0;
    QString idleAction = "stop";
    bool builtin = false;
    QString file;    // a user template's file
    QJsonObject raw; // a user template's whole file, unknown keys included

    QJsonObject toJson() const; // the API's template object
    QJsonObject networkJson() const; // the `network` object, defaults included
    QList<AllowEntry> allowEntries() const; // `allow` parsed (every entry is valid)
};

// A template file the store skipped, and why.
using TemplateProblem = FileProblem;

class TemplateStore : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 kMaxFileBytes = 64 * 1024;
    static constexpr int kMaxFiles = 1000;

    TemplateStore(QString dir, TemplateRules rules, QObject* parent = nullptr);

    QString dir() const { return m_dir; }
    const TemplateRules& rules() const { return m_rules; }
    static QList<Template> builtins();
    // 1–63 of A-Za-z0-9._-, starting with a letter or digit (the file is NAME.json).
    static bool isValidName(const QString& name);

    // Every usable template: the built-ins, then the user's by name. Each call re-reads the
    // directory, so the answer is never staler than the files.
    QList<Template> list();
    QList<TemplateProblem> problems();
    Result<Template> find(const QString& name);

    // `fields` holds the template's keys (image, vcpus, memory_mib, disk_mib, env, workdir,
    // user, description, network, pool, security); other keys are ignored, a null value
    // removes an optional key, and an object (env, network) replaces the old one whole. create copies `from` (or, without it, the `default`
    // template's fields) and applies `fields`; update applies `fields` to the file as it is
    // (which also mends a file that no longer validates). Built-ins cannot be changed.
    Result<Template> create(const QString& name, const QJsonObject& fields, const QString& from = {});
    Result<Template> update(const QString& name, const QJsonObject& fields);
    Status remove(const QString& name);

    struct FieldError {
        QString field;
        QString message; // a clause that names the field: "field 'vcpus' must be …"
        QString code = QStringLiteral("bad_request");
    };
    // Checks a template object (a file's or a request's), collecting every field error.
    // `out` gets the valid values. The name is the caller's to check.
    static QList<FieldError> validate(const QJsonObject& o, const TemplateRules& rules, Template* out);

    // Re-reads the directory and reports what changed. Called by every query above, and
    // shortly after the directory changes on disk.
    void rescan();

signals:
    void templateAdded(const vivarium::Template& t);
    void templateChanged(const vivarium::Template& t);
    void templateRemoved(const QString& name);
    void problemsChanged(const QList<vivarium::TemplateProblem>& problems);

private:
    struct Entry {
        QString path;
        std::optional<QJsonObject> raw; // parsed, whether or not it validated
        std::optional<Template> valid;
    };
    Result<Template> lookup(const QString& name) const; // without re-reading
    Result<Template> write(const QString& name, const QJsonObject& object);
    QList<FieldError> checkRoutes(const QJsonObject& object) const;

    QString m_dir;
    TemplateRules m_rules;
    JsonFileDir* m_files;
    QMap<QString, Entry> m_entries; // by template name (the file's base name)
    QList<TemplateProblem> m_problems;
};

} // namespace vivarium
