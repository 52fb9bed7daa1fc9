// Snapshots on the virtual machine side: the Sandbox members of its "Snapshots" block. A
// running sandbox is saved (libvirt writes its memory and QEMU exits, so the qcow2 overlay is
// consistent), its overlay copied, and the memory restored at once so it carries on; a
// stopped one only has its overlay copied. Restoring copies a snapshot's disk over the
// overlay (through a temporary: a failure leaves the overlay as it was) and, for a memory
// snapshot, restores the memory. Files never move out of a snapshot: forks and restores get
// copies. The lifecycle steps (saveMemory, adoptRestored) are the hibernation ones.
#include "Snapshots.h"

#include "Log.h"
#include "Paths.h"
#include "Sandbox.h"
#include "SandboxManager.h"
#include "SaveImage.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUuid>

#include <memory>

namespace vivarium {

Result<QByteArray> forkDomainXml(const QByteArray& xml, const DomainIdentity& from,
                                 const DomainIdentity& to) {
    QString x = QString::fromUtf8(xml);
    if (from.id.isEmpty() || from.uuid.isEmpty() || from.dir.isEmpty() ||
        !x.contains("<uuid>" + from.uuid + "</uuid>"))
        return makeError(
            "bad_save_image",
            "The saved memory's domain is not the snapshot's sandbox (its UUID differs).");
    x.replace(from.dir + "/", to.dir + "/");
    x.replace("<name>vivarium-" + from.id + "</name>", "<name>vivarium-" + to.id + "</name>");
    x.replace(from.uuid, to.uuid);
    // The metadata element (<vivarium:sandbox id='…' home='…'/>), whichever quotes it has now.
    x.replace(QRegularExpression("(\\bid=)(['\"])" + QRegularExpression::escape(from.id) + "\\2"),
              "\\1\\2" + to.id + "\\2");
    // Anything still naming the origin (above all its disk: the fork would write to it) fails.
    if (x.contains(from.dir + "/") || x.contains(from.id) || x.contains(from.uuid))
        return makeError("bad_save_image",
                         "The saved memory's domain still names the snapshot's sandbox after "
                         "renaming it.");
    return x.toUtf8();
}

namespace {

// A completion that runs once: from the operation, or with `gone` when the sandbox is
// deleted first (removed while the snapshot was being taken).
template <typename T>
std::function<void(T)> onceOrGone(QObject* watched, QObject* context, std::function<void(T)> done,
                                  Error gone) {
    auto slot = std::make_shared<std::function<void(T)>>(std::move(done));
    auto call = [slot](T r) {
        if (auto f = std::exchange(*slot, nullptr))
            f(std::move(r));
    };
    QObject::connect(watched, &QObject::destroyed, context, [call, gone] { call(gone); });
    return call;
}

QJsonObject forkableConfig(const SandboxConfig& c) {
    QJsonObject o = c.toJson();
    // What belongs to this sandbox's life, not to what a fork is made of. next_seq stays: a
    // fork's runs are numbered after the snapshot's, which its agent may still be running.
    for (const char* key : {"pool", "pool_signature", "from_pool"})
        o.remove(key);
    return o;
}

} // namespace

void Sandbox::takeSnapshot(const QString& name, bool withMemory,
                           std::function<void(Result<SnapshotInfo>)> done) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Snapshot); !s)
        return done(s.error());
    if (m_snapshotBusy)
        return done(makeError("busy", QString("Sandbox %1 is busy with another snapshot; wait for "
                                              "it to finish.")
                                          .arg(id())));
    const bool running = m_state == SandboxState::Ready || m_state == SandboxState::Paused;
    if (withMemory && !running)
        return done(makeError(
            "invalid_state",
            QString("Sandbox %1 is %2: there is no memory to save. Start it first (viv start %1), "
                    "or take a disk-only snapshot without --memory.")
                .arg(id(), stateName(m_state))));
    const SnapshotStore store = snapshots();
    auto staging = store.stage(name);
    if (!staging)
        return done(staging.error());
    const QString dir = staging.value();
    SnapshotInfo info;
    info.name = name;
    info.created = QDateTime::currentDateTimeUtc();
    info.memory = withMemory;
    info.takenIn = stateName(m_state);
    info.config = forkableConfig(m_config);
    m_snapshotBusy = true;
    qCInfo(lcSandbox) << id() << "taking snapshot" << name
                      << (withMemory ? "with memory" : "of its disk");

    const Error gone = makeError("removed", QString("Sandbox %1 was removed while snapshot %2 was "
                                                    "being taken; nothing was kept.")
                                                .arg(id(), name));
    auto finish = onceOrGone<Result<SnapshotInfo>>(
        this, m_manager,
        [self = QPointer<Sandbox>(this), manager = m_manager, store, dir,
         done](Result<SnapshotInfo> r) {
            store.discard(dir); // nothing left of a failed one (a committed one moved away)
            if (self) {
                self->m_snapshotBusy = false;
                if (r)
                    emit manager->snapshotsChanged(self);
            }
            done(std::move(r));
        },
        gone);
    // A removed sandbox's directory goes with it: discard() is then a no-op.
    auto gone_ = [finish, store, dir, gone] {
        store.discard(dir);
        finish(gone);
    };

    if (!running) {
        // QEMU is not running: the overlay is consistent as it is.
        const SandboxState before = m_state;
        m_manager->runLibvirt(
            this,
            [from = overlayPath(), to = dir + "/disk.qcow2"](LibvirtConnection&) {
                return copyFileAtomically(from, to);
            },
            [this, store, dir, info, finish, before, gone_](Status copied) {
                if (m_state == SandboxState::Removing)
                    return gone_();
                if (!copied)
                    return finish(copied.error());
                if (m_state != before)
                    return finish(
                        makeError("busy", QString("Sandbox %1 changed to %2 while its "
                                                  "disk was copied; take the snapshot again.")
                                              .arg(id(), stateName(m_state))));
                finish(store.commit(dir, info));
            });
        return;
    }

    // Running: save the memory (QEMU exits and flushes the overlay), copy the overlay, then
    // restore the memory so the sandbox carries on where it was.
    const QString memory = dir + "/memory.save";
    auto save = [this, store, dir, info, finish, gone_, memory, withMemory] {
        if (m_state == SandboxState::Removing)
            return gone_();
        if (m_state != SandboxState::Ready && m_state != SandboxState::Paused)
            return finish(makeError(
                "invalid_state", QString("Sandbox %1 became %2 while snapshot %3 was being taken; "
                                         "nothing was kept.")
                                     .arg(id(), stateName(m_state), info.name)));
        saveMemory(memory, [this, store, dir, info, finish, gone_, memory,
                            withMemory](Status saved) {
            if (m_state == SandboxState::Removing)
                return gone_();
            if (!saved)
                return finish(makeError(
                    saved.error().code,
                    QString("Cannot snapshot sandbox %1: %2").arg(id(), saved.error().message),
                    saved.error().detail));
            struct Outcome {
                Status copied;
                Status restored;
            };
            m_manager->runLibvirt<Outcome>(
                this,
                [from = overlayPath(), dir, memory, withMemory, guard = domainGuard(),
                 sandbox = id()](LibvirtConnection& c) {
                    Outcome o;
                    QMutexLocker lock(&guard->mutex);
                    if (o.restored = guard->check(sandbox); !o.restored)
                        return o; // removed while saving: nothing to bring back
                    o.copied = copyFileAtomically(from, dir + "/disk.qcow2");
                    // The domain's own XML is in the file (same name and UUID): no dxml needed.
                    o.restored = c.restoreDomain(memory, {});
                    if (!withMemory)
                        QFile::remove(memory);
                    return o;
                },
                [this, store, dir, info, finish, gone_](Outcome o) {
                    if (m_state == SandboxState::Removing)
                        return gone_();
                    Result<SnapshotInfo> made =
                        o.copied ? store.commit(dir, info) : Result<SnapshotInfo>(o.copied.error());
                    if (!o.restored) {
                        // The memory is still in the snapshot when it was kept; the disk is intact.
                        const QString why =
                            "its saved memory could not be restored: " + o.restored.error().text() +
                            ". Start it again (viv start " + id() + ")";
                        failLiveRuns("lost: " + why);
                        setState(SandboxState::Error, why);
                        return finish(
                            made ? Result<SnapshotInfo>(makeError(
                                       "restore_failed",
                                       QString("Snapshot %1 of sandbox %2 was taken, but %3.")
                                           .arg(info.name, id(), why)))
                                 : made);
                    }
                    adoptRestored([this, finish, made,
                                   wasPaused = info.takenIn == "paused"](Status back) {
                        if (!back)
                            return finish(made ? Result<SnapshotInfo>(back.error()) : made);
                        if (!wasPaused)
                            return finish(made);
                        // It was paused: it runs again after the restore, so pause it again.
                        pause([finish, made](Status paused) {
                            finish(!made || paused ? made : Result<SnapshotInfo>(paused.error()));
                        });
                    });
                });
        });
    };
    // saveMemory has the guest write its page cache out first (a Flush frame): what it wrote
    // is on the disk even when the snapshot is later restored or forked without its memory.
    save();
}

void Sandbox::restoreSnapshot(const QString& name, bool start, Done done) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Restore); !s)
        return done(s);
    if (m_snapshotBusy)
        return done(makeError("busy", QString("Sandbox %1 is busy with another snapshot; wait for "
                                              "it to finish.")
                                          .arg(id())));
    const SnapshotStore store = snapshots();
    auto info = store.find(name);
    if (!info)
        return done(info.error());
    m_snapshotBusy = true;
    qCInfo(lcSandbox) << id() << "restoring snapshot" << name;
    const bool memory = info->memory;
    struct Outcome {
        Status copied;
        Status restored;
        Status discarded; // the managed save of the old disk
    };
    m_manager->runLibvirt<Outcome>(
        this,
        [from = store.diskOf(name), to = overlayPath(), mem = store.memoryOf(name), memory,
         name = domainName(), xml = m_manager->domainXmlFor(*this), guard = domainGuard(),
         sandbox = id()](LibvirtConnection& c) {
            Outcome o;
            QMutexLocker lock(&guard->mutex);
            if (o.copied = guard->check(sandbox); !o.copied)
                return o;
            o.copied = copyFileAtomically(from, to);
            if (!o.copied)
                return o; // the overlay is as it was
            // A managed save belongs to the disk that was there.
            if (auto managed = c.hasManagedSave(name); managed && *managed)
                o.discarded = c.removeManagedSave(name);
            if (!o.discarded)
                return o;
            if (memory) {
                // Defined first: a sandbox that never booted has no domain yet.
                o.restored = c.defineDomain(xml);
                if (o.restored)
                    o.restored = c.restoreDomain(mem, {});
            }
            return o;
        },
        [this, name, start, memory, done](Outcome o) {
            m_snapshotBusy = false;
            if (m_state == SandboxState::Removing)
                return done(makeError("removed", "Sandbox " + id() + " is being removed."));
            if (!o.copied)
                return done(makeError(o.copied.error().code,
                                      QString("Cannot restore snapshot %1 of sandbox %2: %3 The "
                                              "sandbox's disk is unchanged.")
                                          .arg(name, id(), o.copied.error().message),
                                      o.copied.error().detail));
            failLiveRuns("lost: snapshot " + name + " was restored");
            if (!o.discarded) {
                // Resuming that memory over the restored disk would corrupt it: no start.
                const QString why = QString("The disk of snapshot %1 is restored but the sandbox's "
                                            "hibernated memory could not be discarded (%2); "
                                            "remove it with: virsh managedsave-remove %3")
                                        .arg(name, o.discarded.error().text(), domainName());
                setState(SandboxState::Error, why);
                return done(makeError("restore_failed", why));
            }
            if (m_state == SandboxState::Hibernated)
                setState(SandboxState::Stopped); // its saved memory was the old disk's
            if (!memory) {
                if (start)
                    return this->start(done);
                return done({});
            }
            if (!o.restored) {
                const QString why =
                    QString("The disk of snapshot %1 is restored, its memory is not (%2). Start "
                            "sandbox %3 for a fresh boot from that disk.")
                        .arg(name, o.restored.error().text(), id());
                setState(SandboxState::Stopped, why);
                return done(makeError("restore_failed", why));
            }
            adoptRestored(done);
        });
}

Status Sandbox::removeSnapshot(const QString& name) {
    if (auto s = snapshots().remove(name); !s)
        return s;
    emit m_manager->snapshotsChanged(this);
    return {};
}

void Sandbox::startFromMemory(const QString& savePath,
                              std::function<void(Status, bool restored)> done) {
    m_snapshotBusy = true;
    m_manager->runLibvirt(
        this,
        [savePath, name = domainName(),
         xml = m_manager->domainXmlFor(*this)](LibvirtConnection& c) {
            // Defined (persistent) so that stop and start work afterwards; the restore then
            // runs the saved domain, whose name and UUID are this one's.
            Status s = c.defineDomain(xml);
            if (s)
                s = c.restoreDomain(savePath, {});
            QFile::remove(savePath);
            return s;
        },
        [this, done](Status s) {
            m_snapshotBusy = false;
            if (!s) {
                qCWarning(lcSandbox)
                    << id()
                    << "cannot restore the forked memory; booting afresh:" << s.error().text();
                return start([done](Status st) { done(st, false); });
            }
            adoptRestored([done](Status st) { done(st, true); });
        });
}

} // namespace vivarium

namespace vivarium {

// SandboxManager's fork (declared in SandboxManager.h), kept beside the snapshot code it uses.
void SandboxManager::fork(Sandbox* origin, const QString& snapshot, const ForkOptions& o,
                          std::function<void(Result<Forked>)> done, QObject* context) {
    if (auto s = checkVerb(origin->id(), origin->state(), SandboxVerb::Fork); !s)
        return done(s.error());
    auto snap = origin->snapshots().find(snapshot);
    if (!snap)
        return done(snap.error());
    if (!o.name.isEmpty()) {
        static const QRegularExpression valid("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");
        if (!valid.match(o.name).hasMatch())
            return done(makeError("bad_request",
                                  "A sandbox name is 1-63 letters, digits, '.', '_' or '-', "
                                  "starting with a letter or digit."));
        for (Sandbox* s : std::as_const(m_sandboxes))
            if (s->config().name == o.name)
                return done(makeError(
                    "name_taken",
                    QString("A sandbox named '%1' exists already (%2).").arg(o.name, s->id())));
    }
    auto base = SandboxConfig::fromJson(snap->config);
    if (!base)
        return done(makeError("corrupt_record",
                              QString("Snapshot %1 of sandbox %2 has no usable settings (%3).")
                                  .arg(snapshot, origin->id(), base.error().message)));
    SandboxConfig config = base.value();
    const DomainIdentity from{config.id, config.uuid, origin->dir()};
    do
        config.id =
            QString::number(QRandomGenerator::global()->generate() | 0x10000000u, 16).left(8);
    while (m_sandboxes.contains(config.id));
    config.uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
    config.name = o.name.isEmpty() ? config.templateName + "-" + config.id.left(4) : o.name;
    config.created = QDateTime::currentDateTimeUtc();
    config.pool.clear();
    config.poolSignature.clear();
    config.fromPool.clear();
    const QString dir = Paths::sandboxesDir() + "/" + config.id;
    const DomainIdentity to{config.id, config.uuid, dir};
    const SnapshotStore store = origin->snapshots();
    qCInfo(lcSandbox) << "forking" << config.id << "from snapshot" << snapshot << "of"
                      << origin->id();

    struct Files {
        Status status;
        QString savePath; // the memory with the fork's domain XML; empty: boot afresh
        QString note;
    };
    QPointer<QObject> ctx(context);
    QtConcurrent::run(
        &m_pool,
        [disk = store.diskOf(snapshot),
         memory = snap->memory ? store.memoryOf(snapshot) : QString(), dir, from, to]() -> Files {
            Files f;
            if (!QDir().mkpath(dir)) {
                f.status = makeError("io_error", "Cannot create " + dir);
                return f;
            }
            f.status = copyFileAtomically(disk, dir + "/disk.qcow2");
            if (!f.status || memory.isEmpty())
                return f;
            auto header = saveimage::readHeader(memory);
            auto xml =
                header ? forkDomainXml(header->xml, from, to) : Result<QByteArray>(header.error());
            if (!xml) {
                f.note = xml.error().message;
                return f;
            }
            f.savePath = dir + "/fork-memory.save";
            if (auto s = saveimage::copyWithXml(memory, f.savePath, xml.value()); !s) {
                if (s.error().code == "bad_save_image") {
                    f.note = s.error().message;
                    f.savePath.clear();
                } else {
                    f.status = s; // a full disk is a failed fork, not a cold one
                }
            }
            return f;
        })
        .then(this, [this, config, dir, done, ctx, start = o.start,
                     memory = snap->memory](Files f) {
            if (!ctx) {
                QDir(dir).removeRecursively();
                return;
            }
            if (!f.status) {
                QDir(dir).removeRecursively();
                return done(makeError(f.status.error().code,
                                      "Cannot fork: " + f.status.error().message,
                                      f.status.error().detail));
            }
            Sandbox* sandbox = addSandbox(config, dir);
            if (auto saved = sandbox->saveConfig(); !saved)
                return done(saved.error());
            emit sandboxAdded(sandbox);
            QPointer<Sandbox> guard(sandbox);
            if (!f.savePath.isEmpty()) {
                sandbox->startFromMemory(f.savePath, [done, guard](Status st, bool restored) {
                    if (!st)
                        return done(st.error());
                    if (guard)
                        done(Forked{
                            guard.data(), restored,
                            restored
                                ? QString()
                                : QString("its memory could not be restored; it booted afresh")});
                });
                return;
            }
            if (memory)
                qCWarning(lcSandbox) << config.id << "boots afresh:" << f.note;
            if (!start && !memory)
                return done(Forked{sandbox, false, f.note});
            sandbox->start([done, guard, note = f.note](Status st) {
                if (!st)
                    return done(st.error());
                if (guard)
                    done(Forked{guard.data(), false, note});
            });
        });
}

} // namespace vivarium
