// A directory of hand-editable NAME.json files that are the truth for a store (templates,
// routes): reads every file with the same limits and the same problem wording (a file that is
// not a regular file, too large, unreadable, not JSON, not an object), writes atomically
// (QSaveFile) with a chosen mode, and watches the directory and its files so an edit by hand
// is noticed (changed() fires once after an editor's burst of writes and renames).
// It knows nothing of what the objects mean: the store validates them and names the fields.
#pragma once

#include "Result.h"

#include <QFileDevice>
#include <QJsonObject>
#include <QList>
#include <QStringList>
#include <QObject>
#include <QTimer>

#include <functional>
#include <optional>

class QFileSystemWatcher;

namespace vivarium {

// A path as a user reads it: the home directory written as ~.
QString displayPath(const QString& path);
// "field 'x' must …" → "Field 'x' must ….": the API's sentence form of a clause.
QString sentenceOf(QString clause);

// A file a store skipped, and why.
struct FileProblem {
    QString file;    // the path, with the home directory written as ~
    QString field;   // empty when the file as a whole is the problem (unreadable, not JSON)
    QString message; // "<file>: field 'vcpus' must be …"

    QJsonObject toJson() const;
    bool operator==(const FileProblem&) const = default;
};

class JsonFileDir : public QObject {
    Q_OBJECT
public:
    struct File {
        QString name;  // the file name without .json
        QString path;
        QString shown; // path as displayPath() writes it
        bool nameOk = true; // false: not a valid name (or past maxFiles), never read
        std::optional<QJsonObject> object; // set when the file holds a JSON object
        QString problem; // otherwise why not, as a clause after "<file>: "
    };
    struct Limits {
        qint64 maxFileBytes = 64 * 1024;
        int maxFiles = 1000;
        QString kind;            // "template", "route": used in problem messages
        QString objectExample;   // shown when a file holds something other than an object
        std::function<bool(const QString&)> validName;
        QString nameRule;        // what a valid name is, for the problem message
    };

    JsonFileDir(QString dir, Limits limits, QObject* parent = nullptr);

    QString dir() const { return m_dir; }
    QString pathOf(const QString& name) const { return m_dir + "/" + name + ".json"; }

    // Every *.json in the directory, sorted by name. Files whose names are not valid names
    // come back with nameOk false and `problem` set; at maxFiles the list ends with an entry
    // that says the rest was skipped.
    QList<File> read() const;
    // Writes `object` to NAME.json atomically, with `permissions` (e.g. 0600 via QFile flags).
    Status write(const QString& name, const QJsonObject& object,
                 QFileDevice::Permissions permissions = QFileDevice::Permissions());
    Status remove(const QString& name);
    // Watches the directory and these files (call after each read with the files that
    // exist, so a file rewritten in place is seen too).
    void watch(const QStringList& files);

signals:
    void changed();

private:
    QString m_dir;
    Limits m_limits;
    QFileSystemWatcher* m_watcher;
    QTimer m_soon;
};

// What a rescan changed, between two maps name → entry whose `valid` is an optional object
// with a `raw` (the file's JSON): valid entries that appeared, changed or went away. Stores
// built on JsonFileDir (templates, routes) emit their signals from it.
template <typename T> struct EntryChanges {
    QList<T> added;
    QList<T> changed;
    QStringList removed;
};

template <typename T, typename Map>
EntryChanges<T> entryChanges(const Map& before, const Map& after) {
    EntryChanges<T> c;
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        if (it->valid && !(after.contains(it.key()) && after.value(it.key()).valid))
            c.removed << it.key();
    for (auto it = after.cbegin(); it != after.cend(); ++it) {
        if (!it->valid)
            continue;
        const auto old = before.constFind(it.key());
        if (old == before.cend() || !old->valid)
            c.added << *it->valid;
        else if (old->valid->raw != it->valid->raw)
            c.changed << *it->valid;
    }
    return c;
}

} // namespace vivarium
