#include "Sandbox.h"

#include "Log.h"
#include "SandboxManager.h"
#include "SandboxNetwork.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMetaMethod>
#include <QSaveFile>

#include <ctime>
#include <limits>

namespace vivarium {

using protocol::FrameType;

QJsonObject SandboxConfig::toJson() const {
    QJsonObject o{{"id", id},
                  {"uuid", uuid},
                  {"name", name},
                  {"template", templateName},
                  {"image", image},
                  {"vcpus", vcpus},
                  {"memory_mib", memoryMiB},
                  {"created", created.toString(Qt::ISODateWithMs)},
                  {"next_seq", qint64(nextSeq)}};
    if (diskMiB > 0)
        o["disk_mib"] = diskMiB;
    if (!env.isEmpty()) {
        QJsonObject vars;
        for (auto it = env.begin(); it != env.end(); ++it)
            vars[it.key()] = it.value();
        o["env"] = vars;
    }
    if (!workdir.isEmpty())
        o["workdir"] = workdir;
    if (!user.isEmpty())
        o["user"] = user;
    if (!network.isEmpty())
        o["network"] = network;
    if (!placeholders.isEmpty()) {
        QJsonObject p;
        for (auto it = placeholders.begin(); it != placeholders.end(); ++it)
            p[it.key()] = it.value();
        o["placeholders"] = p;
    }
    if (!pool.isEmpty())
        o["pool"] = pool;
    if (!poolSignature.isEmpty())
        o["pool_signature"] = poolSignature;
    if (!fromPool.isEmpty())
        o["from_pool"] = fromPool;
    if (idleTimeoutS > 0) {
        o["idle_timeout_s"] = idleTimeoutS;
        o["idle_action"] = idleAction;
    }
    return o;
}

Result<SandboxConfig> SandboxConfig::fromJson(const QJsonObject& o) {
    SandboxConfig c;
    c.id = o.value("id").toString();
    c.uuid = o.value("uuid").toString();
    c.name = o.value("name").toString();
    c.templateName = o.value("template").toString();
    c.image = o.value("image").toString();
    c.vcpus = o.value("vcpus").toInt(1);
    c.memoryMiB = o.value("memory_mib").toInt(256);
    c.diskMiB = o.value("disk_mib").toInt(0);
    const QJsonObject env = o.value("env").toObject();
    for (auto it = env.begin(); it != env.end(); ++it)
        c.env.insert(it.key(), it.value().toString());
    c.workdir = o.value("workdir").toString();
    c.user = o.value("user").toString();
    c.network = o.value("network").toObject();
    const QJsonObject placeholders = o.value("placeholders").toObject();
    for (auto it = placeholders.begin(); it != placeholders.end(); ++it)
        c.placeholders.insert(it.key(), it.value().toString());
    c.created = QDateTime::fromString(o.value("created").toString(), Qt::ISODateWithMs);
    c.nextSeq = quint32(o.value("next_seq").toInteger(1));
    c.pool = o.value("pool").toString();
    c.poolSignature = o.value("pool_signature").toString();
    c.fromPool = o.value("from_pool").toString();
    c.idleTimeoutS = std::max(0, o.value("idle_timeout_s").toInt(0));
    c.idleAction = o.value("idle_action").toString() == "hibernate" ? "hibernate" : "stop";
    if (c.id.isEmpty() || c.image.isEmpty())
        return makeError("corrupt_record", "sandbox.json lacks 'id' or 'image'");
    return c;
}

Sandbox::Sandbox(SandboxConfig config, QString dir, SandboxManager* manager)
    : QObject(manager), m_config(std::move(config)), m_dir(std::move(dir)), m_manager(manager) {
    m_watchdog.setSingleShot(true);
    m_stopTimer.setSingleShot(true);
    connect(&m_watchdog, &QTimer::timeout, this, [this] {
        onBootFailed(QString("the guest agent did not answer within %1 s")
                         .arg(m_watchdog.interval() / 1000.0));
    });
    connect(&m_stopTimer, &QTimer::timeout, this, [this] {
        qCWarning(lcSandbox) << id() << "did not power off in time; destroying it";
        m_manager->runLibvirt<Result<DomainState>>(
            this,
            [name = domainName()](LibvirtConnection& c) -> Result<DomainState> {
                if (auto s = c.destroyDomain(name); !s)
                    return s.error();
                return c.domainState(name);
            },
            [this](Result<DomainState> st) {
                // A domain that was not running sends no stop event: settle here.
                if (m_state == SandboxState::Stopping && (!st || *st == DomainState::ShutOff))
                    markStopped("destroyed");
            });
    });
    connect(&m_syncTimer, &QTimer::timeout, this, [this] {
        if (m_state == SandboxState::Booting && m_resyncing && m_channel.isConnected())
            m_channel.sync();
    });
    m_idleTimer.setSingleShot(true);
    connect(&m_idleTimer, &QTimer::timeout, this, &Sandbox::onIdleTimer);
    connect(&m_channel, &GuestChannel::hello, this,
            [this](const protocol::Hello& h) { onHello(h, false); });
    connect(&m_channel, &GuestChannel::synced, this,
            [this](const protocol::Hello& h) { onHello(h, true); });
    connect(&m_channel, &GuestChannel::connected, this, [this] {
        if (m_resyncing)
            m_channel.sync();
    });
    connect(&m_channel, &GuestChannel::failed, this, [this](const QString& why) {
        if (m_state == SandboxState::Booting)
            onBootFailed("cannot connect to the guest channel: " + why);
    });
    connect(&m_channel, &GuestChannel::disconnected, this, [this] {
        if (m_state == SandboxState::Ready)
            qCInfo(lcSandbox) << id() << "guest channel closed";
    });
    connect(&m_channel, &GuestChannel::streamFrame, this, &Sandbox::onStreamFrame);
    connect(&m_channel, &GuestChannel::windowCredited, this, [this](quint32 stream, qint64 bytes) {
        if (FileStream* f = m_files.value(stream))
            emit f->credit(bytes);
        else if (GuestSocket* g = m_sockets.value(stream))
            g->onCredit(bytes);
    });
    m_network = new SandboxNetwork(this);
}

Sandbox::~Sandbox() = default;

QJsonObject Sandbox::toJson() const {
    QJsonObject o = m_config.toJson();
    o.remove("next_seq");
    o.remove("uuid");
    o.remove("placeholders");
    o.remove("pool_signature");
    o["state"] = stateName(m_state);
    o["runs"] = int(m_runs.size());
    if (!m_lastError.isEmpty())
        o["error"] = m_lastError;
    if (m_readySince.isValid())
        o["ready_since"] = m_readySince.toString(Qt::ISODateWithMs);
    if (!m_agent.isEmpty())
        o["agent"] = m_agent;
    if (!m_reason.isEmpty())
        o["reason"] = m_reason;
    o["accelerator"] = acceleratorName(m_manager->accelerator());
    // The latest sample costs nothing here, so every sandbox object carries it.
    if (const auto stats = m_manager->stats().latest(id())) {
        QJsonObject latest = stats->toJson();
        latest.remove("id");
        o["stats"] = latest;
        if (stats->diskBytes)
            o["disk_bytes"] = *stats->diskBytes;
    }
    return o;
}

Status Sandbox::saveConfig() const {
    QSaveFile f(m_dir + "/sandbox.json");
    if (!f.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + f.fileName(), f.errorString());
    f.write(QJsonDocument(m_config.toJson()).toJson());
    if (!f.commit())
        return makeError("io_error", "Cannot write " + f.fileName(), f.errorString());
    return {};
}

void Sandbox::setState(SandboxState s, const QString& error) {
    m_lastError = error;
    if (s == SandboxState::Ready)
        m_readySince = QDateTime::currentDateTimeUtc();
    else if (s != SandboxState::Stopping)
        m_readySince = {};
    if (s != SandboxState::Booting && s != SandboxState::Creating)
        m_manager->releaseBootMemory(id()); // the guest's memory is in MemAvailable's figure now
    if (s == m_state && error.isEmpty())
        return;
    m_state = s;
    qCInfo(lcSandbox) << id() << "is" << stateName(s) << error;
    if (s == SandboxState::Ready)
        touch(); // the idle clock starts when it is ready
    else
        scheduleIdle();
    emit stateChanged(s);
}

void Sandbox::finishPending(Status status) {
    const auto pending = std::exchange(m_pending, {});
    for (const Done& d : pending)
        d(status);
}

void Sandbox::start(Done done) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Start); !s) {
        done(s);
        return;
    }
    // A stopped sandbox's disk is being copied (a snapshot taken or restored): booting now
    // would run on a disk about to be replaced, or spoil the copy.
    if (m_snapshotBusy) {
        done(makeError("busy", QString("Sandbox %1 is busy with a snapshot; start it when that "
                                       "has finished.")
                                   .arg(id())));
        return;
    }
    // A host short of memory refuses here, before QEMU could start and die (or the host swap).
    if (auto s = m_manager->reserveBootMemory(id(), m_config.name, m_config.memoryMiB); !s) {
        done(s);
        return;
    }
    m_pending.append(std::move(done));
    m_bootAttempt = 0;
    m_reason.clear();
    if (m_state == SandboxState::Hibernated)
        restoreHibernated();
    else
        boot();
}

Status Sandbox::DomainGuard::check(const QString& sandbox) const {
    if (!removed)
        return {};
    return makeError("removed", QString("Sandbox %1 was removed before its virtual machine could "
                                        "start.").arg(sandbox));
}

void Sandbox::boot() {
    if (m_manager->requireKvm() && m_manager->accelerator() != Accelerator::Kvm) {
        const Error e = makeError("kvm_required",
                                  "KVM is required (require_kvm is set) but not usable here: " +
                                      m_manager->acceleratorReason() +
                                      ". Under TCG a guest is not a security boundary.");
        setState(SandboxState::Error, e.message);
        finishPending(e);
        return;
    }
    ++m_bootAttempt;
    setState(SandboxState::Booting);
    QFile::remove(consoleLog());
    m_resyncing = false;
    const QString xml = m_manager->domainXmlFor(*this);
    m_manager->runLibvirt(
        this,
        [name = domainName(), xml, guard = m_domainGuard, sandbox = id()](
            LibvirtConnection& c) -> Status {
            QMutexLocker lock(&guard->mutex);
            if (auto s = guard->check(sandbox); !s)
                return s;
            // Re-define each boot so kernel, accelerator and cmdline follow the host's
            // current settings; the disk overlay carries the state.
            if (auto s = c.defineDomain(xml); !s)
                return s;
            return c.startDomain(name);
        },
        [this](Status s) {
            if (m_state != SandboxState::Booting)
                return;
            if (!s) {
                setState(SandboxState::Error, s.error().text());
                finishPending(s);
                return;
            }
            qCInfo(lcSandbox) << id() << "virtual machine started; waiting for the agent";
            m_watchdog.start(m_manager->bootTimeoutMs());
            m_channel.connectTo(channelPath());
        });
}

void Sandbox::onBootFailed(const QString& why) {
    if (m_state != SandboxState::Booting)
        return;
    m_watchdog.stop();
    m_channel.close();
    const int maxAttempts = m_manager->bootAttempts();
    qCWarning(lcSandbox) << id() << "boot attempt" << m_bootAttempt << "failed:" << why;
    // Our own destroy sends a "destroyed" stop event that may arrive after the next attempt
    // has begun; it is counted here so markStopped does not take it for that attempt failing.
    ++m_ownDestroys;
    m_manager->runLibvirt<Result<bool>>(
        this,
        [name = domainName()](LibvirtConnection& c) -> Result<bool> {
            const auto state = c.domainState(name);
            const bool active = state && *state != DomainState::ShutOff;
            if (active)
                if (auto s = c.destroyDomain(name); !s)
                    return s.error();
            return active;
        },
        [this, why, maxAttempts](Result<bool> destroyed) {
            if (!destroyed || !*destroyed)
                --m_ownDestroys; // no event will come for it
            if (m_state != SandboxState::Booting)
                return;
            if (m_bootAttempt < maxAttempts) {
                boot();
                return;
            }
            const Error e =
                m_restoring
                    ? makeError("restore_failed",
                                QString("Sandbox %1 did not come back from its saved memory: %2. "
                                        "Stop it and start it again for a fresh boot (its files "
                                        "are kept).")
                                    .arg(id(), why))
                    : makeError("boot_failed",
                                QString("Sandbox %1 did not boot: %2 (%3 attempts). The guest "
                                        "console log is %4.")
                                    .arg(id(), why)
                                    .arg(m_bootAttempt)
                                    .arg(consoleLog()));
            if (m_restoring)
                failLiveRuns("lost: the sandbox did not come back from its saved memory");
            m_restoring = false;
            setState(SandboxState::Error, e.message);
            finishPending(e);
        });
}

void Sandbox::adoptRunning() {
    setState(SandboxState::Booting);
    m_bootAttempt = m_manager->bootAttempts(); // a resync failure is not retried by rebooting
    m_resyncing = true;
    m_watchdog.start(m_manager->bootTimeoutMs());
    m_channel.connectTo(channelPath());
    // A guest still booting has not opened its port; a Sync written before that can stall
    // (DESIGN.md). Repeat it, each with a fresh nonce, until one is answered.
    m_syncTimer.start(2000);
}

void Sandbox::onHello(const protocol::Hello& hello, bool resync) {
    if (m_state != SandboxState::Booting)
        return;
    if (hello.version != protocol::kVersion) {
        onBootFailed(QString("the guest agent speaks protocol version %1, this host %2")
                         .arg(hello.version)
                         .arg(protocol::kVersion));
        return;
    }
    m_watchdog.stop();
    m_syncTimer.stop();
    m_resyncing = false;
    m_agent = QString::fromStdString(hello.agent);
    // A plain Hello after a restore: the guest booted afresh, its processes are gone.
    if (resync || m_restoring) {
        // Runs the agent still runs stay live; the others ended while nobody listened.
        const QString lost = m_restoring
                                 ? "lost: the run was not running in the restored memory"
                                 : "lost: the run ended while vivariumd was not running";
        for (Run* r : std::as_const(m_runs))
            if (!r->finished() &&
                (!resync || std::find(hello.streams.begin(), hello.streams.end(), r->seq()) ==
                                hello.streams.end())) {
                r->finish(std::nullopt, 0, lost);
                emit runFinished(r);
            }
    }
    m_restoring = false;
    m_channelStale = false;
    // A guest that was paused or restored from saved memory lives in the past.
    syncGuestClock();
    // Connections of the previous host are gone on both sides (the agent closed them).
    failSockets("the connection to the sandbox was re-established");
    sendNetConfig();
    setState(SandboxState::Ready);
    finishPending({});
}

void Sandbox::stop(Done done) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Stop); !s) {
        done(s);
        return;
    }
    if (m_state == SandboxState::Hibernated) {
        // Nothing runs: stopping discards the saved memory (its processes); the disk stays.
        m_pending.append(std::move(done));
        setState(SandboxState::Stopping);
        m_manager->runLibvirt(
            this, [name = domainName()](LibvirtConnection& c) { return c.removeManagedSave(name); },
            [this](Status s) {
                if (m_state != SandboxState::Stopping)
                    return;
                if (!s) {
                    setState(SandboxState::Hibernated, s.error().text());
                    finishPending(s);
                    return;
                }
                qCInfo(lcSandbox) << id() << "stopped while hibernated: its saved memory was discarded";
                failLiveRuns("lost: the sandbox was stopped while hibernated (its saved memory "
                             "was discarded)");
                setState(SandboxState::Stopped);
                finishPending({});
            });
        return;
    }
    const bool graceful = m_state == SandboxState::Ready && m_channel.isConnected();
    m_watchdog.stop();
    // A boot in progress hands its waiters the outcome of this stop.
    finishPending(makeError("stopped", "Sandbox " + id() + " was stopped while it booted."));
    m_pending.append(std::move(done));
    setState(SandboxState::Stopping);
    if (graceful) {
        m_channel.send(FrameType::Shutdown, 0,
                       QByteArray::fromStdString(protocol::shutdownJson("poweroff")));
        m_stopTimer.start(m_manager->stopTimeoutMs());
    } else {
        m_stopTimer.start(0);
    }
}

void Sandbox::markStopped(const QString& reason) {
    if (reason == "destroyed" && m_ownDestroys > 0) {
        --m_ownDestroys; // a failed boot attempt we destroyed ourselves
        return;
    }
    if (reason == "saved" && m_expectedSaves > 0) {
        --m_expectedSaves; // our own hibernation or memory snapshot: QEMU exits after it
        return;
    }
    if (m_state == SandboxState::Hibernated)
        return; // its memory is on disk; nothing was running
    if (reason == "saved" && m_state != SandboxState::Removing) {
        // Someone else saved it (virsh managedsave): with a managed image it is hibernated,
        // its processes intact; a save to a file of theirs is a stop as far as we can tell.
        m_channel.close();
        m_watchdog.stop();
        m_syncTimer.stop();
        m_manager->runLibvirt<Result<bool>>(
            this, [name = domainName()](LibvirtConnection& c) { return c.hasManagedSave(name); },
            [this](Result<bool> managed) {
                if (managed && *managed) {
                    failSockets("the sandbox was hibernated");
                    failFiles("was hibernated");
                    setState(SandboxState::Hibernated);
                    finishPending({});
                } else {
                    markStopped("saved to a file outside Vivarium");
                }
            });
        return;
    }
    failLiveRuns("lost: the sandbox stopped (" + reason + ")");
    failSockets("the sandbox stopped (" + reason + ")");
    failFiles("stopped (" + reason + ")");
    if (m_state == SandboxState::Stopped)
        return;
    m_stopTimer.stop();
    m_watchdog.stop();
    m_syncTimer.stop();
    m_channel.close();
    m_agent.clear();
    m_channelStale = false;
    if (m_state == SandboxState::Booting) {
        onBootFailed("the virtual machine stopped during boot (" + reason + ")");
        return;
    }
    if (m_state == SandboxState::Removing)
        return;
    const bool expected = m_state == SandboxState::Stopping;
    setState(SandboxState::Stopped,
             expected ? QString() : "the virtual machine stopped unexpectedly (" + reason + ")");
    finishPending({});
}

void Sandbox::failLiveRuns(const QString& why) {
    for (Run* r : std::as_const(m_runs))
        if (!r->finished()) {
            r->finish(std::nullopt, 0, why);
            emit runFinished(r);
        }
}

void Sandbox::failFiles(const QString& why) {
    for (const QPointer<FileStream>& f : std::as_const(m_files))
        if (f)
            f->fail(makeError("stopped", "Sandbox " + id() + " " + why + "."));
}

// ---- pause, resume, hibernate ------------------------------------------------------------

void Sandbox::pause(Done done) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Pause); !s) {
        done(s);
        return;
    }
    m_manager->runLibvirt(
        this, [name = domainName()](LibvirtConnection& c) { return c.suspendDomain(name); },
        [this, done](Status s) {
            if (!s) {
                done(s);
                return;
            }
            // libvirt's own "suspended" event may have come first (onDomainSuspended).
            if (m_state == SandboxState::Ready)
                setState(SandboxState::Paused);
            if (m_state != SandboxState::Paused) {
                done(makeError("invalid_state", QString("Sandbox %1 became %2 while it was being "
                                                        "paused.")
                                                    .arg(id(), stateName(m_state))));
                return;
            }
            done({});
        });
}

void Sandbox::resume(Done done) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Resume); !s) {
        done(s);
        return;
    }
    if (m_state == SandboxState::Hibernated) {
        start(std::move(done));
        return;
    }
    m_manager->runLibvirt(
        this, [name = domainName()](LibvirtConnection& c) { return c.resumeDomain(name); },
        [this, done](Status s) {
            if (!s) {
                done(s);
                return;
            }
            if (m_state == SandboxState::Paused)
                onDomainResumed();
            if (m_state == SandboxState::Booting && m_restoring) {
                m_pending.append(done); // paused across a vivariumd restart: resyncing
                return;
            }
            if (m_state != SandboxState::Ready) {
                done(makeError("invalid_state", QString("Sandbox %1 became %2 while it was being "
                                                        "resumed.")
                                                    .arg(id(), stateName(m_state))));
                return;
            }
            done({});
        });
}

void Sandbox::hibernate(Done done) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Hibernate); !s) {
        done(s);
        return;
    }
    saveMemory({}, [this, done](Status s) {
        if (!s) {
            done(s);
            return;
        }
        qCInfo(lcSandbox) << id() << "hibernated: its memory is on disk, QEMU has exited";
        setState(SandboxState::Hibernated);
        done({});
    });
}

void Sandbox::saveMemory(const QString& path, Done done) {
    m_beforeSave = m_state;
    m_watchdog.stop();
    m_syncTimer.stop();
    setState(SandboxState::Saving);
    // The guest writes its dirty data to disk first: should the memory image ever be lost
    // (corrupt, discarded by a stop), the files written so far are still on the disk. A
    // paused guest cannot (its CPUs are stopped); a guest that does not answer in 10 s is
    // saved all the same.
    if (m_beforeSave == SandboxState::Ready && m_channel.isConnected()) {
        auto* waiter = new QObject(this);
        auto proceed = [this, path, done, waiter] {
            if (waiter->property("done").toBool())
                return;
            waiter->setProperty("done", true);
            waiter->deleteLater();
            if (m_state == SandboxState::Saving)
                writeMemory(path, done);
            else
                done(makeError("invalid_state", QString("Sandbox %1 became %2 while its memory "
                                                        "was about to be saved.")
                                                    .arg(id(), stateName(m_state))));
        };
        const quint64 nonce = m_channel.flush();
        connect(&m_channel, &GuestChannel::pong, waiter, [proceed, nonce](quint64 n) {
            if (n == nonce)
                proceed();
        });
        QTimer::singleShot(10000, waiter, proceed);
        return;
    }
    writeMemory(path, std::move(done));
}

void Sandbox::writeMemory(const QString& path, Done done) {
    ++m_expectedSaves; // QEMU exits after the save: its stop event is ours
    m_manager->runLibvirt(
        this,
        [name = domainName(), path](LibvirtConnection& c) {
            return path.isEmpty() ? c.managedSave(name) : c.saveDomain(name, path);
        },
        [this, done](Status s) {
            if (!s)
                --m_expectedSaves;
            if (m_state != SandboxState::Saving) { // removed, or QEMU died meanwhile
                done(s ? makeError("invalid_state",
                                   QString("Sandbox %1 became %2 while its memory was saved.")
                                       .arg(id(), stateName(m_state)))
                       : s);
                return;
            }
            if (!s) {
                // libvirt lets the guest run on when a save fails: it is as it was.
                setState(m_beforeSave, s.error().text());
                done(s);
                return;
            }
            // The guest channel went with QEMU. Live runs stay live: the agent still has them
            // in the saved memory and the resync after a restore picks them up again.
            m_channel.close();
            m_agent.clear();
            failSockets("the sandbox's memory was saved to disk (the connection cannot survive "
                        "QEMU exiting)");
            failFiles("was hibernated");
            done({});
        });
}

void Sandbox::restoreHibernated() {
    m_bootAttempt = m_manager->bootAttempts(); // a failed restore is not retried by rebooting
    setState(SandboxState::Booting);
    m_restoring = true;
    m_resyncing = true;
    // Not re-defined: libvirt restores the definition saved with the memory.
    m_manager->runLibvirt(
        this,
        [name = domainName(), guard = m_domainGuard, sandbox = id()](LibvirtConnection& c)
            -> Status {
            QMutexLocker lock(&guard->mutex);
            if (auto s = guard->check(sandbox); !s)
                return s;
            if (auto s = c.startDomain(name); !s)
                return s;
            // Hibernated while paused: libvirt restores it paused; it is resumed (the agent
            // must answer the resync).
            if (auto st = c.domainState(name); st && *st == DomainState::Paused)
                return c.resumeDomain(name);
            return {};
        },
        [this](Status s) {
            if (m_state != SandboxState::Booting)
                return;
            if (s) {
                qCInfo(lcSandbox) << id() << "restored from its saved memory; resyncing the agent";
                m_watchdog.start(m_manager->bootTimeoutMs());
                m_channel.connectTo(channelPath());
                m_syncTimer.start(2000);
                return;
            }
            // A corrupt or missing image: discard it so the next start boots cold.
            const QString why = s.error().detail.isEmpty() ? s.error().message : s.error().detail;
            m_manager->runLibvirt(
                this,
                [name = domainName()](LibvirtConnection& c) {
                    auto has = c.hasManagedSave(name);
                    return has && *has ? c.removeManagedSave(name) : Status{};
                },
                [this, why](Status removed) {
                    if (!removed)
                        qCWarning(lcSandbox) << id() << removed.error().text();
                    m_restoring = false;
                    m_resyncing = false;
                    failLiveRuns("lost: the sandbox's saved memory could not be restored");
                    const Error e = makeError(
                        "restore_failed",
                        QString("Sandbox %1: its memory image could not be restored and was "
                                "discarded (%2). Its files are kept: start it again for a fresh "
                                "boot.")
                            .arg(id(), why));
                    qCWarning(lcSandbox) << e.message;
                    setState(SandboxState::Stopped, e.message);
                    finishPending(e);
                });
        });
}

void Sandbox::adoptRestored(Done done) {
    if (done)
        m_pending.append(std::move(done));
    m_restoring = true;
    adoptRunning();
}

void Sandbox::adoptPaused() {
    // The channel is not connected: the resync waits until the guest's CPUs run again.
    m_channelStale = true;
    setState(SandboxState::Paused);
}

void Sandbox::adoptHibernated() { setState(SandboxState::Hibernated); }

void Sandbox::onDomainSuspended() {
    // Our own pause, or virsh suspend. During a save, a boot or a restore libvirt pauses the
    // guest for its own reasons: those are not a pause.
    if (m_state == SandboxState::Ready)
        setState(SandboxState::Paused);
}

void Sandbox::onDomainResumed() {
    if (m_state != SandboxState::Paused)
        return;
    if (m_channelStale) {
        adoptRestored({});
        return;
    }
    setState(SandboxState::Ready);
    syncGuestClock();
}

void Sandbox::syncGuestClock() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    m_channel.send(FrameType::SetClock, 0,
                   QByteArray::fromStdString(protocol::clockJson(
                       {std::int64_t(now.tv_sec), std::uint32_t(now.tv_nsec)})));
}

// ---- idle reaping ------------------------------------------------------------------------

bool Sandbox::hasLiveRun() const {
    for (const Run* r : m_runs)
        if (!r->finished())
            return true;
    return false;
}

void Sandbox::touch() {
    m_lastActivity = QDateTime::currentDateTimeUtc();
    m_idleWarned = false;
    scheduleIdle();
}

void Sandbox::scheduleIdle() {
    m_idleTimer.stop();
    if (m_config.idleTimeoutS <= 0 || m_state != SandboxState::Ready || hasLiveRun())
        return;
    const qint64 timeoutMs = qint64(m_config.idleTimeoutS) * 1000;
    // The warning goes out max(10 s, 10%) ahead (at once for a timeout shorter than that).
    const qint64 warnAtMs = std::max<qint64>(0, timeoutMs - std::max<qint64>(10000, timeoutMs / 10));
    const qint64 idleMs = m_lastActivity.msecsTo(QDateTime::currentDateTimeUtc());
    const qint64 next = !m_idleWarned ? warnAtMs : timeoutMs;
    m_idleTimer.start(int(std::clamp<qint64>(next - idleMs, 0, std::numeric_limits<int>::max())));
}

void Sandbox::onIdleTimer() {
    if (m_config.idleTimeoutS <= 0 || m_state != SandboxState::Ready || hasLiveRun())
        return;
    if (!m_config.pool.isEmpty()) {
        touch(); // an unclaimed warm-pool member is the pool's to reap (its idle_ttl_s)
        return;
    }
    const qint64 timeoutMs = qint64(m_config.idleTimeoutS) * 1000;
    const qint64 idleMs = m_lastActivity.msecsTo(QDateTime::currentDateTimeUtc());
    if (!m_idleWarned) {
        m_idleWarned = true;
        const int left = int((std::max<qint64>(0, timeoutMs - idleMs) + 999) / 1000);
        qCInfo(lcSandbox) << id() << "is idle; it will" << m_config.idleAction << "in" << left << "s";
        emit idleWarning(m_config.idleAction, left);
        scheduleIdle();
        return;
    }
    if (idleMs < timeoutMs) {
        scheduleIdle();
        return;
    }
    m_reason = QString("idle for %1 s").arg(m_config.idleTimeoutS);
    qCInfo(lcSandbox) << id() << "reaped:" << m_reason << "- action" << m_config.idleAction;
    auto after = [this](Status s) {
        if (!s)
            qCWarning(lcSandbox) << id() << "idle" << m_config.idleAction << "failed:" << s.error().text();
    };
    if (m_config.idleAction == "hibernate")
        hibernate(after);
    else
        stop(after);
}

void Sandbox::failSockets(const QString& why) {
    const auto sockets = m_sockets.values();
    for (const QPointer<GuestSocket>& g : sockets)
        if (g)
            g->fail(why);
}

quint32 Sandbox::nextHostStream() {
    for (;;) {
        const quint32 stream = m_nextHostStream++;
        if (m_nextHostStream >= protocol::kGuestStreamBase)
            m_nextHostStream = 0x40000000;
        if (!m_files.contains(stream) && !m_sockets.contains(stream))
            return stream;
    }
}

Result<GuestSocket*> Sandbox::connectPort(quint16 port) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Exec); !s)
        return s.error();
    if (port == 0)
        return makeError("bad_request", "A guest port is between 1 and 65535.");
    if (m_sockets.size() >= kMaxGuestConnections)
        return makeError("too_many_connections",
                         QString("Sandbox %1 already carries %2 connections; close some first.")
                             .arg(id())
                             .arg(kMaxGuestConnections));
    touch();
    const quint32 stream = nextHostStream();
    auto* socket = new GuestSocket(&m_channel, stream, false, this);
    m_sockets.insert(stream, socket);
    connect(socket, &QObject::destroyed, this, [this, stream] { m_sockets.remove(stream); });
    m_channel.send(FrameType::TcpConnect, stream, QByteArray::fromStdString(protocol::portJson(port)));
    return socket;
}

void Sandbox::setEgressPort(quint16 port) {
    if (port == m_egressPort)
        return;
    m_egressPort = port;
    if (m_state == SandboxState::Ready)
        sendNetConfig();
}

void Sandbox::sendNetConfig() {
    // Sent on every hello: an agent that rebooted or was re-synced listens anew.
    m_channel.send(FrameType::NetConfig, 0,
                   QByteArray::fromStdString(protocol::netConfigJson(m_egressPort)));
}

void Sandbox::onGuestOpened(const protocol::Frame& f) {
    auto refuse = [&](const std::string& code, const std::string& why) {
        m_channel.send(FrameType::Error, f.stream,
                       QByteArray::fromStdString(protocol::toJson(protocol::StreamError{code, why})));
    };
    const auto accepted = protocol::parseTcpAccepted(f.payloadText());
    if (!accepted) {
        refuse("bad_request", "tcp-accepted: " + accepted.error);
        return;
    }
    if (m_egressPort == 0 || accepted->port != m_egressPort ||
        !isSignalConnected(QMetaMethod::fromSignal(&Sandbox::egressConnection))) {
        refuse("egress_refused", "this sandbox has no way out (its template's egress is none)");
        return;
    }
    if (m_sockets.size() >= kMaxGuestConnections) {
        refuse("too_many_connections", "the sandbox has too many open connections");
        return;
    }
    auto* socket = new GuestSocket(&m_channel, f.stream, true, this);
    m_sockets.insert(f.stream, socket);
    const quint32 stream = f.stream;
    connect(socket, &QObject::destroyed, this, [this, stream] { m_sockets.remove(stream); });
    emit egressConnection(socket);
}

Result<ExecOptions> resolveExec(const ExecOptions& request, const SandboxConfig& config,
                                const std::optional<oci::RunConfig>& image) {
    ExecOptions o = request;
    if (!image)
        return o;
    if (o.entrypoint)
        o.argv = image->entrypoint + (request.argv.isEmpty() ? image->cmd : request.argv);
    if (o.argv.isEmpty())
        return makeError("bad_request", "Nothing to run: the command is empty and the image "
                                        "names no Entrypoint or Cmd.");
    // Lowest first: the image's, the template's, the command's own (the caller then applies
    // the template's again, which changes nothing).
    QMap<QString, QString> env = image->envMap();
    for (auto it = config.env.begin(); it != config.env.end(); ++it)
        env.insert(it.key(), it.value());
    for (auto it = request.env.begin(); it != request.env.end(); ++it)
        env.insert(it.key(), it.value());
    o.env = env;
    if (o.cwd.isEmpty())
        o.cwd = config.workdir.isEmpty() ? image->workingDir : config.workdir;
    if (o.user.isEmpty())
        o.user = config.user.isEmpty() ? image->user : config.user;
    return o;
}

Result<Run*> Sandbox::exec(const ExecOptions& requested) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Exec); !s)
        return s.error();
    auto resolved = resolveExec(requested, m_config, m_manager->images().runConfig(m_config.image));
    if (!resolved)
        return resolved.error();
    const ExecOptions& o = resolved.value();
    if (o.argv.isEmpty() || o.argv.first().isEmpty())
        return makeError("bad_request", "Nothing to run: the command is empty.");
    protocol::ExecRequest req;
    for (const QString& a : o.argv)
        req.argv.push_back(a.toStdString());
    // The network's variables, the template's defaults, then the command's own.
    for (auto it = m_networkEnv.begin(); it != m_networkEnv.end(); ++it)
        req.env[it.key().toStdString()] = it.value().toStdString();
    for (auto it = m_config.env.begin(); it != m_config.env.end(); ++it)
        req.env[it.key().toStdString()] = it.value().toStdString();
    for (auto it = o.env.begin(); it != o.env.end(); ++it)
        req.env[it.key().toStdString()] = it.value().toStdString();
    req.cwd = (o.cwd.isEmpty() ? m_config.workdir : o.cwd).toStdString();
    // The template's working directory is made when missing (as a container's WORKDIR); a
    // directory the command names itself must exist.
    req.createCwd = requested.cwd.isEmpty() && !m_config.workdir.isEmpty();
    req.user = (o.user.isEmpty() ? m_config.user : o.user).toStdString();
    req.pty = o.pty;
    req.rows = quint16(std::clamp(o.rows, 1, 1000));
    req.cols = quint16(std::clamp(o.cols, 1, 1000));
    const std::string payload = protocol::toJson(req);
    if (payload.size() > protocol::kMaxPayload)
        return makeError("bad_request", "The command, its arguments and environment are too large.");

    RunInfo info;
    info.seq = m_config.nextSeq++;
    info.argv = o.argv;
    info.origin = o.origin;
    info.pty = o.pty;
    if (o.pty) {
        info.rows = req.rows;
        info.cols = req.cols;
    }
    info.started = QDateTime::currentDateTimeUtc();
    // nextSeq is not saved here: loadRuns() recovers it from the run directories.
    auto record = RunRecord::create(m_dir + "/runs/" + QString::number(info.seq), info);
    if (!record)
        return record.error();
    auto* run = new Run(std::move(record.value()), this);
    m_runs.insert(info.seq, run);
    touch(); // a live run keeps it from idling until it ends
    m_channel.send(FrameType::Exec, info.seq, QByteArray::fromStdString(payload));
    if (o.timeoutMs > 0) {
        auto* timer = new QTimer(run);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, this, [this, run, ms = o.timeoutMs] {
            if (run->finished())
                return;
            run->setTimedOut(ms);
            m_channel.send(FrameType::Signal, run->seq(),
                           QByteArray::fromStdString(protocol::signalJson(9)));
        });
        timer->start(int(std::min<qint64>(o.timeoutMs, std::numeric_limits<int>::max())));
    }
    emit runStarted(run);
    return run;
}

void Sandbox::writeStdin(quint32 seq, const QByteArray& data) {
    if (Run* r = m_runs.value(seq); r && !r->finished()) {
        touch();
        m_channel.sendStreamData(FrameType::Stdin, seq, data);
    }
}

void Sandbox::resize(quint32 seq, int rows, int cols) {
    if (Run* r = m_runs.value(seq); r && !r->finished())
        m_channel.send(FrameType::Resize, seq,
                       QByteArray::fromStdString(protocol::resizeJson(
                           quint16(std::clamp(rows, 1, 1000)), quint16(std::clamp(cols, 1, 1000)))));
}

void Sandbox::signal(quint32 seq, int sig) {
    if (Run* r = m_runs.value(seq); r && !r->finished())
        m_channel.send(FrameType::Signal, seq,
                       QByteArray::fromStdString(protocol::signalJson(sig)));
}

QList<Run*> Sandbox::runs() const { return m_runs.values(); }

Result<FileStream*> Sandbox::openFile(const FileRequest& r) {
    if (auto s = checkVerb(id(), m_state, SandboxVerb::Exec); !s)
        return s.error();
    if (!r.path.startsWith('/') || r.path.size() > int(protocol::kMaxPath) || r.path.contains(QChar(0)))
        return makeError("bad_request", "A sandbox path must be absolute, e.g. /root/file.txt.");
    touch();
    const quint32 stream = nextHostStream();
    const QString spool = m_dir + QString("/download-%1.spool").arg(stream);
    auto* file = new FileStream(r.kind, stream, r.path, spool, this);
    m_files.insert(stream, file);
    connect(file, &QObject::destroyed, this, [this, stream] {
        m_files.remove(stream);
        m_channel.forgetStream(stream);
    });
    const std::string path = r.path.toStdString();
    FrameType type = FrameType::FileRead;
    std::string payload;
    switch (r.kind) {
    case FileStream::Kind::Upload:
        type = FrameType::FileWrite;
        payload = protocol::toJson(protocol::FileRequest{path, std::uint32_t(r.mode & 07777), r.append});
        connect(file, &FileStream::done, this, [this, file](const Result<QJsonObject>& res) {
            if (res)
                emit fileWritten(file->path(), file->bytes());
        });
        break;
    case FileStream::Kind::Download:
        payload = protocol::toJson(protocol::FileRequest{path, 0, false});
        break;
    case FileStream::Kind::Stat:
        type = FrameType::FileStat;
        payload = protocol::toJson(protocol::StatRequest{path, r.follow});
        break;
    case FileStream::Kind::List:
        type = FrameType::FileList;
        payload = protocol::toJson(protocol::ListRequest{path});
        break;
    case FileStream::Kind::Remove:
        type = FrameType::FileRemove;
        payload = protocol::toJson(protocol::RemoveRequest{path, r.recursive});
        break;
    }
    m_channel.send(type, stream, QByteArray::fromStdString(payload));
    return file;
}

void Sandbox::sendUpload(FileStream* file, const QByteArray& data) {
    if (!file || file->finished())
        return;
    file->addUploaded(data.size());
    m_channel.sendStreamData(FrameType::FileData, file->stream(), data);
}

void Sandbox::cancelFile(FileStream* file, const Error& why) {
    if (!file || file->finished())
        return;
    // An Error from the host cancels the stream in the agent (a partial upload is closed).
    m_channel.forgetStream(file->stream());
    m_channel.send(FrameType::Error, file->stream(),
                   QByteArray::fromStdString(protocol::toJson(
                       protocol::StreamError{"cancelled", why.message.toStdString()})));
    file->fail(why);
}

qint64 Sandbox::uploadQueued(FileStream* file) const {
    return file ? m_channel.queuedStreamBytes(file->stream()) : 0;
}

void Sandbox::onStreamFrame(const protocol::Frame& f) {
    // Before the SyncAck, bytes may be the tail of a frame sent to the previous host.
    if (m_state == SandboxState::Booting && m_resyncing)
        return;
    if (f.stream >= 0x40000000) {
        if (FileStream* file = m_files.value(f.stream)) {
            file->onFrame(f);
            if (file->finished())
                m_channel.forgetStream(f.stream);
        } else if (GuestSocket* socket = m_sockets.value(f.stream)) {
            touch(); // tunnel and egress traffic
            socket->onFrame(f);
        } else if (f.type == FrameType::TcpAccepted && f.stream >= protocol::kGuestStreamBase) {
            onGuestOpened(f);
        }
        return;
    }
    Run* run = m_runs.value(f.stream);
    if (!run || run->finished()) {
        // Never trust a stream id from the guest: unknown ones are dropped, not created.
        qCDebug(lcGuest) << id() << "frame for unknown stream" << f.stream;
        return;
    }
    const QByteArray bytes(reinterpret_cast<const char*>(f.payload.data()),
                           qsizetype(f.payload.size()));
    switch (f.type) {
    case FrameType::Started:
        run->setPid(QJsonDocument::fromJson(bytes).object().value("pid").toInteger());
        return;
    case FrameType::Stdout:
        run->addOutput(OutputKind::Stdout, bytes);
        return;
    case FrameType::Stderr:
        run->addOutput(OutputKind::Stderr, bytes);
        return;
    case FrameType::Exit: {
        auto st = protocol::parseExitStatus(f.payloadText());
        m_channel.forgetStream(f.stream);
        if (!st)
            run->finish(std::nullopt, 0, "the guest sent a malformed exit status");
        else if (run->timedOut())
            run->finish(std::nullopt, st->signal,
                        QString("timed out after %1 ms and was killed").arg(run->timeoutMs()),
                        "timeout");
        else
            run->finish(st->signal ? std::nullopt : std::optional<int>(st->code), st->signal);
        emit runFinished(run);
        touch();
        return;
    }
    case FrameType::Error: {
        auto e = protocol::parseStreamError(f.payloadText());
        m_channel.forgetStream(f.stream);
        run->finish(std::nullopt, 0,
                    e ? QString::fromStdString(e->message) : "the guest reported an error",
                    e ? QString::fromStdString(e->code) : QString("guest_error"));
        emit runFinished(run);
        touch();
        return;
    }
    default:
        return;
    }
}

void Sandbox::loadRuns() {
    const QDir runsDir(m_dir + "/runs");
    for (const QString& entry : runsDir.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        auto record = RunRecord::open(runsDir.filePath(entry));
        if (!record) {
            qCWarning(lcSandbox) << record.error().text();
            continue;
        }
        auto* run = new Run(std::move(record.value()), this);
        m_runs.insert(run->seq(), run);
        m_config.nextSeq = std::max(m_config.nextSeq, run->seq() + 1);
    }
}

} // namespace vivarium
