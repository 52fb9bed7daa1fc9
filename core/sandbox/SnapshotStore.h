// A sandbox's named snapshots on disk: <sandbox dir>/snapshots/<NAME>/{disk.qcow2,
// memory.save, snapshot.json}. Validates names (the only thing a snapshot path is ever made
// from), lists and finds snapshots, and builds a new one in a staging directory that is
// renamed into place only when complete, so a failure leaves no half snapshot behind.
// Files only: no libvirt, no sandbox state (Snapshots.cpp drives the virtual machine).
#pragma once

#include "Result.h"

#include <QDateTime>
#include <QIODevice>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>

namespace vivarium {

struct SnapshotInfo {
    QString name;
    QDateTime created;
    bool memory = false;  // memory.save is there: restoring brings processes back
    qint64 sizeBytes = 0; // disk.qcow2 + memory.save
    QString takenIn;      // the sandbox's state when it was taken ("ready", "stopped", …)
    QJsonObject config;   // the sandbox's SandboxConfig JSON then: what a fork is made of

    // withConfig: snapshot.json keeps it; the API leaves it out.
    QJsonObject toJson(bool withConfig = true) const;
    static Result<SnapshotInfo> fromJson(const QJsonObject& o);
};

// Copies `from` to `to` through a temporary file beside `to`, renamed over it only when every
// byte is written and flushed: a failure (a full disk) leaves `to` as it was.
using FileCopier = std::function<Status(const QString& from, const QString& to)>;
Status copyFileAtomically(const QString& from, const QString& to);
// The byte loop of the copy: every short write is an error naming its cause (ENOSPC…).
Status copyData(QIODevice& from, QIODevice& to, const QString& what);

class SnapshotStore {
public:
    static constexpr int kMaxName = 64;

    // `sandboxId` only appears in messages.
    SnapshotStore(QString sandboxDir, QString sandboxId);

    // [A-Za-z0-9._-], 1..64 characters, not "." or "..", not starting with '.'.
    static Status checkName(const QString& name);

    QString root() const { return m_root; }
    // Newest last. Unreadable entries are skipped (and logged).
    QList<SnapshotInfo> list() const;
    // "no snapshot N of X; viv snapshot ls X" when there is none.
    Result<SnapshotInfo> find(const QString& name) const;
    bool exists(const QString& name) const;
    // Paths of a snapshot; `name` must have passed checkName (find() guarantees it).
    QString dirOf(const QString& name) const { return m_root + "/" + name; }
    QString diskOf(const QString& name) const { return dirOf(name) + "/disk.qcow2"; }
    QString memoryOf(const QString& name) const { return dirOf(name) + "/memory.save"; }

    // A new snapshot: stage() makes an empty staging directory (refusing a bad or taken
    // name), the caller fills it with disk.qcow2 (and memory.save), commit() writes
    // snapshot.json with the size and renames it into place; discard() drops it.
    Result<QString> stage(const QString& name) const;
    Result<SnapshotInfo> commit(const QString& staging, SnapshotInfo info) const;
    void discard(const QString& staging) const;
    Status remove(const QString& name) const;
    // Staging directories a crash left behind.
    void discardStale() const;

private:
    QString m_root;
    QString m_sandbox;
};

} // namespace vivarium
