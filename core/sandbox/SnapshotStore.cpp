#include "SnapshotStore.h"

#include "Log.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>

namespace vivarium {

namespace {
constexpr char kStagingPrefix[] = ".staging-";
}

QJsonObject SnapshotInfo::toJson(bool withConfig) const {
    QJsonObject o{{"name", name},
                  {"created", created.toString(Qt::ISODateWithMs)},
                  {"memory", memory},
                  {"size_bytes", sizeBytes},
                  {"state", takenIn}};
    if (withConfig)
        o["config"] = config;
    return o;
}

Result<SnapshotInfo> SnapshotInfo::fromJson(const QJsonObject& o) {
    SnapshotInfo s;
    s.name = o.value("name").toString();
    s.created = QDateTime::fromString(o.value("created").toString(), Qt::ISODateWithMs);
    s.memory = o.value("memory").toBool();
    s.sizeBytes = o.value("size_bytes").toInteger();
    s.takenIn = o.value("state").toString();
    s.config = o.value("config").toObject();
    if (!SnapshotStore::checkName(s.name) || !s.created.isValid() || s.config.isEmpty())
        return makeError("corrupt_record",
                         "snapshot.json lacks a valid 'name', 'created' or 'config'");
    return s;
}

Status copyData(QIODevice& from, QIODevice& to, const QString& what) {
    QByteArray buffer(1 << 20, Qt::Uninitialized);
    for (;;) {
        const qint64 n = from.read(buffer.data(), buffer.size());
        if (n < 0)
            return makeError("io_error", "Cannot read " + what, from.errorString());
        if (n == 0)
            return {};
        qint64 done = 0;
        while (done < n) {
            const qint64 w = to.write(buffer.constData() + done, n - done);
            if (w <= 0)
                return makeError("io_error", "Cannot write " + what,
                                 to.errorString().isEmpty() ? QString("short write")
                                                            : to.errorString());
            done += w;
        }
    }
}

Status copyFileAtomically(const QString& from, const QString& to) {
    QFile in(from);
    if (!in.open(QIODevice::ReadOnly))
        return makeError("io_error", "Cannot open " + from, in.errorString());
    // QSaveFile: a temporary beside `to`, renamed over it by commit() after a flush; on any
    // failure it is removed and `to` is untouched.
    QSaveFile out(to);
    if (!out.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot create a copy at " + to, out.errorString());
    if (auto s = copyData(in, out, "a copy of " + from + " at " + to); !s) {
        out.cancelWriting();
        return makeError("io_error", s.error().message + ". Free some disk space and try again.",
                         s.error().detail);
    }
    if (!out.commit())
        return makeError("io_error",
                         "Cannot finish the copy of " + from + " at " + to +
                             ". Free some disk space and try again.",
                         out.errorString());
    return {};
}

SnapshotStore::SnapshotStore(QString sandboxDir, QString sandboxId)
    : m_root(std::move(sandboxDir) + "/snapshots"), m_sandbox(std::move(sandboxId)) {}

Status SnapshotStore::checkName(const QString& name) {
    static const QRegularExpression valid("^[A-Za-z0-9_-][A-Za-z0-9._-]*$");
    if (name.isEmpty() || name.size() > kMaxName || !valid.match(name).hasMatch())
        return makeError("bad_request",
                         QString("'%1' is not a snapshot name: use 1-%2 letters, digits, '.', '_' "
                                 "or '-', not starting with '.'.")
                             .arg(name.left(80))
                             .arg(kMaxName));
    return {};
}

QList<SnapshotInfo> SnapshotStore::list() const {
    QList<SnapshotInfo> all;
    const QDir root(m_root);
    for (const QString& entry : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        if (!checkName(entry))
            continue; // staging directories and anything else not ours
        QFile f(root.filePath(entry) + "/snapshot.json");
        if (!f.open(QIODevice::ReadOnly))
            continue;
        auto info = SnapshotInfo::fromJson(QJsonDocument::fromJson(f.readAll()).object());
        if (!info || info->name != entry) {
            qCWarning(lcSandbox) << "skipping snapshot" << root.filePath(entry)
                                 << "with an unreadable snapshot.json";
            continue;
        }
        all.append(info.value());
    }
    std::sort(all.begin(), all.end(), [](const SnapshotInfo& a, const SnapshotInfo& b) {
        return a.created != b.created ? a.created < b.created : a.name < b.name;
    });
    return all;
}

bool SnapshotStore::exists(const QString& name) const {
    return checkName(name).ok() && QFileInfo::exists(dirOf(name));
}

Result<SnapshotInfo> SnapshotStore::find(const QString& name) const {
    if (auto s = checkName(name); !s)
        return s.error();
    QFile f(dirOf(name) + "/snapshot.json");
    if (!f.open(QIODevice::ReadOnly))
        return makeError("not_found", QString("There is no snapshot %1 of sandbox %2. List them "
                                              "with: viv snapshot ls %2")
                                          .arg(name, m_sandbox));
    auto info = SnapshotInfo::fromJson(QJsonDocument::fromJson(f.readAll()).object());
    if (!info)
        return makeError("corrupt_record",
                         QString("Snapshot %1 of sandbox %2 is damaged (%3); remove it with: viv "
                                 "snapshot rm %2 %1")
                             .arg(name, m_sandbox, info.error().message));
    if (!QFileInfo::exists(diskOf(name)) || (info->memory && !QFileInfo::exists(memoryOf(name))))
        return makeError("corrupt_record",
                         QString("Snapshot %1 of sandbox %2 lacks its files; remove it with: viv "
                                 "snapshot rm %2 %1")
                             .arg(name, m_sandbox));
    return info;
}

Result<QString> SnapshotStore::stage(const QString& name) const {
    if (auto s = checkName(name); !s)
        return s.error();
    if (QFileInfo::exists(dirOf(name)))
        return makeError("exists",
                         QString("Sandbox %1 already has a snapshot named %2. Pick "
                                 "another name, or remove it first: viv snapshot rm %1 %2")
                             .arg(m_sandbox, name));
    if (!QDir().mkpath(m_root))
        return makeError("io_error", "Cannot create " + m_root);
    const QString staging = m_root + "/" + kStagingPrefix + name;
    // mkdir (not mkpath) fails when the directory exists: one snapshot of a name at a time.
    if (!QDir(m_root).mkdir(kStagingPrefix + name))
        return makeError("busy", QString("A snapshot named %1 of sandbox %2 is being taken "
                                         "already; wait for it.")
                                     .arg(name, m_sandbox));
    return staging;
}

Result<SnapshotInfo> SnapshotStore::commit(const QString& staging, SnapshotInfo info) const {
    info.sizeBytes = QFileInfo(staging + "/disk.qcow2").size();
    if (info.memory)
        info.sizeBytes += QFileInfo(staging + "/memory.save").size();
    QSaveFile f(staging + "/snapshot.json");
    if (!f.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + f.fileName(), f.errorString());
    f.write(QJsonDocument(info.toJson()).toJson());
    if (!f.commit())
        return makeError("io_error", "Cannot write " + f.fileName(), f.errorString());
    if (QFileInfo::exists(dirOf(info.name)) || !QDir().rename(staging, dirOf(info.name)))
        return makeError("io_error", QString("Cannot put snapshot %1 of sandbox %2 in place at %3")
                                         .arg(info.name, m_sandbox, dirOf(info.name)));
    return info;
}

void SnapshotStore::discard(const QString& staging) const {
    if (QFileInfo(staging).fileName().startsWith(kStagingPrefix))
        QDir(staging).removeRecursively();
}

Status SnapshotStore::remove(const QString& name) const {
    if (auto s = checkName(name); !s)
        return s.error();
    if (!QFileInfo::exists(dirOf(name)))
        return makeError("not_found", QString("There is no snapshot %1 of sandbox %2. List them "
                                              "with: viv snapshot ls %2")
                                          .arg(name, m_sandbox));
    // Renamed aside first, so a half-removed snapshot never looks like a whole one.
    const QString trash = m_root + "/" + kStagingPrefix + "rm-" + name;
    QDir(trash).removeRecursively();
    if (!QDir().rename(dirOf(name), trash) || !QDir(trash).removeRecursively())
        return makeError("io_error", QString("Cannot remove snapshot %1 of sandbox %2 at %3")
                                         .arg(name, m_sandbox, dirOf(name)));
    return {};
}

void SnapshotStore::discardStale() const {
    const QDir root(m_root);
    for (const QString& entry : root.entryList({QString(kStagingPrefix) + "*"},
                                               QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot))
        QDir(root.filePath(entry)).removeRecursively();
}

} // namespace vivarium
