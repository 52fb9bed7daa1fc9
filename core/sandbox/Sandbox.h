// One sandbox: a persistent libvirt microvm domain, its qcow2 overlay, its guest channel and
// its runs. Drives the lifecycle state machine (SandboxState) and the boot watchdog, and
// turns guest stream frames into Run records. Blocking libvirt calls go through the
// manager's worker pool; everything here runs on the owning (API) thread.
#pragma once

#include "GuestChannel.h"
#include "OciManifest.h"
#include "LibvirtConnection.h"
#include "FileStream.h"
#include "GuestSocket.h"
#include "Run.h"
#include "SandboxState.h"
#include "SnapshotStore.h"

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>

namespace vivarium {

class SandboxManager;
class SandboxNetwork;

struct SandboxConfig {
    QString id;
    QString uuid; // the libvirt domain's, fixed so each boot can re-define it
    QString name;
    QString templateName;
    QString image;
    int vcpus = 1;
    int memoryMiB = 256;
    int diskMiB = 0; // the overlay's virtual size; 0: the image's size
    // Defaults of every command, copied from the template when the sandbox was made (so a
    // later edit of the template does not change it). An exec's own env, cwd, user win.
    QMap<QString, QString> env;
    QString workdir;
    QString user;
    // The template's `network` object ({egress, allow, routes}) when the sandbox was made, and
    // the placeholder each route secret has in this guest (kept so they stay the same).
    QJsonObject network;
    QMap<QString, QString> placeholders;
    QDateTime created;
    quint32 nextSeq = 1;
    // Idle reaping, from the template: after this many seconds with no live run and nothing
    // touching the sandbox it is stopped or hibernated (0: never).
    int idleTimeoutS = 0;
    QString idleAction = "stop"; // stop | hibernate
    // Warm pools (PoolManager): `pool` names the template whose pool holds this sandbox while
    // nobody has claimed it (such sandboxes are not listed); `poolSignature` is what the
    // template was when it booted; `fromPool` names the pool a claimed sandbox came from.
    QString pool;
    QString poolSignature;
    QString fromPool;

    QJsonObject toJson() const;
    static Result<SandboxConfig> fromJson(const QJsonObject& o);
};

struct ExecOptions {
    QStringList argv;
    QMap<QString, QString> env;
    QString cwd;
    QString user;
    bool pty = false;
    int rows = 24;
    int cols = 80;
    qint64 timeoutMs = 0; // 0: none; else the process group is killed and the run marked
    QString origin;
    // `docker run` semantics for a pulled image: argv goes after its Entrypoint, and an empty
    // argv runs Entrypoint + Cmd.
    bool entrypoint = false;
};

// The command a sandbox runs: the request's argv, env, cwd and user over the template's
// defaults (in `config`) over a pulled image's config (Env, WorkingDir, User, Entrypoint, Cmd).
Result<ExecOptions> resolveExec(const ExecOptions& request, const SandboxConfig& config,
                                const std::optional<oci::RunConfig>& image);

class Sandbox : public QObject {
    Q_OBJECT
public:
    Sandbox(SandboxConfig config, QString dir, SandboxManager* manager);
    ~Sandbox() override;

    const SandboxConfig& config() const { return m_config; }
    QString id() const { return m_config.id; }
    QString dir() const { return m_dir; }
    QString domainName() const { return "vivarium-" + m_config.id; }
    QString channelPath() const { return m_dir + "/agent.sock"; }
    QString consoleLog() const { return m_dir + "/console.log"; }
    QString overlayPath() const { return m_dir + "/disk.qcow2"; }
    SandboxState state() const { return m_state; }
    SandboxNetwork* network() const { return m_network; }
    QString lastError() const { return m_lastError; }
    QDateTime readySince() const { return m_readySince; }
    QString agentVersion() const { return m_agent; }
    int bootAttempts() const { return m_bootAttempt; }
    QJsonObject toJson() const;

    // Verbs. Each checks the state machine first; completion is reported via `done`.
    using Done = std::function<void(Status)>;
    void start(Done done); // from Hibernated: restores the saved memory (= resume)
    void stop(Done done);  // from Hibernated: discards the saved memory
    // Paused: the CPUs stop, memory stays; runs and tunnels are kept, nothing new is accepted.
    void pause(Done done);
    // From Paused: the CPUs go on. From Hibernated: the same as start.
    void resume(Done done);
    // Memory to libvirt's managed save image, QEMU exits; processes survive until resume.
    void hibernate(Done done);
    // Something used the sandbox (exec, stdin, files, tunnel traffic, an API request naming
    // it): the idle clock starts again.
    void touch();
    // Why it last stopped or hibernated when nobody asked (e.g. "idle for 300 s"); cleared
    // when it starts.
    QString reason() const { return m_reason; }
    Result<Run*> exec(const ExecOptions& options);
    void writeStdin(quint32 seq, const QByteArray& data); // empty = close stdin
    void resize(quint32 seq, int rows, int cols);
    void signal(quint32 seq, int signal);

    // File operations (the sandbox must be ready). The stream belongs to the sandbox until
    // the caller deletes it; it fails by itself when the sandbox stops.
    struct FileRequest {
        FileStream::Kind kind;
        QString path;
        int mode = 0644;
        bool append = false;
        bool recursive = false;
        bool follow = false;
    };
    Result<FileStream*> openFile(const FileRequest& request);
    void sendUpload(FileStream* stream, const QByteArray& data); // empty: the end
    qint64 uploadQueued(FileStream* stream) const;
    void cancelFile(FileStream* stream, const Error& why);

    // TCP connections over the guest channel (the sandbox must be ready). connectPort opens
    // one to the guest's 127.0.0.1:port; `connected` or `finished(error)` follows. The socket
    // belongs to the caller (delete it when finished); it fails by itself when the sandbox
    // stops. Connections guest processes make to the egress listener (enabled with
    // setEgressPort) arrive through egressConnection, owned by the receiver; with nobody
    // connected to that signal they are refused.
    Result<GuestSocket*> connectPort(quint16 port);
    void setEgressPort(quint16 port);
    quint16 egressPort() const { return m_egressPort; }
    static constexpr int kMaxGuestConnections = 256;

    QList<Run*> runs() const;
    Run* run(quint32 seq) const { return m_runs.value(seq); }

    // Called by the manager.
    void adoptRunning(); // the domain is running: reconnect and resync the agent
    void adoptPaused();     // the domain is paused (virsh suspend, or paused before a restart)
    void adoptHibernated(); // the domain is shut off with a managed save image
    void onDomainSuspended(); // libvirt events for this domain, whoever caused them
    void onDomainResumed();
    void markStopped(const QString& reason);
    void setRemoving() {
        m_domainGuard->removed = true;
        setState(SandboxState::Removing);
    }
    // Serialises the worker jobs that make this sandbox's domain exist (define, start,
    // restore) with its removal, which may run on another worker at the same time: a job
    // holds the mutex and gives up once the sandbox is being removed, so a boot queued just
    // before a removal cannot start a domain nobody tracks any more.
    struct DomainGuard {
        QMutex mutex;
        std::atomic_bool removed = false;
        // With the mutex held: an error once the sandbox is being removed.
        Status check(const QString& sandbox) const;
    };
    std::shared_ptr<DomainGuard> domainGuard() const { return m_domainGuard; }
    void loadRuns();
    Status saveConfig() const;
    // Environment every command gets below the template's own (egress proxy variables,
    // route base URLs and placeholders); set by SandboxNetwork.
    void setNetworkEnv(QMap<QString, QString> env) { m_networkEnv = std::move(env); }
    const QMap<QString, QString>& networkEnv() const { return m_networkEnv; }

signals:
    void stateChanged(vivarium::SandboxState state);
    void runStarted(vivarium::Run* run);
    void runFinished(vivarium::Run* run);
    void fileWritten(const QString& path, qint64 size);
    void egressConnection(vivarium::GuestSocket* socket);
    // The sandbox will be stopped or hibernated (`action`) in `secondsLeft` unless used.
    void idleWarning(const QString& action, int secondsLeft);

private:
    // Lifecycle steps S's snapshots reuse (see /tmp/briefs/L-hooks.md).
    // From Ready or Paused: Saving, the guest channel closed quietly (live runs stay live),
    // the memory written (`path` empty: libvirt's managed save, else saveDomain to `path`)
    // and QEMU gone. On success the state is still Saving (the caller sets the next one); on
    // failure the previous state is back and `done` gets the error.
    void saveMemory(const QString& path, Done done);
    // The domain runs again from saved memory: Booting, a resync with the agent (not a fresh
    // boot; live runs it still has stay live), the clock put right, Ready.
    void adoptRestored(Done done);
    // Sends the host's wall clock to the agent (its clock is stale after a pause or restore).
    void syncGuestClock();
    void writeMemory(const QString& path, Done done); // saveMemory's libvirt step
    void restoreHibernated();
    void failFiles(const QString& why);
    void scheduleIdle();
    void onIdleTimer();
    bool hasLiveRun() const;

    void setState(SandboxState s, const QString& error = {});
    void boot();
    void onBootFailed(const QString& why);
    void onHello(const protocol::Hello& hello, bool resync);
    void onStreamFrame(const protocol::Frame& frame);
    void failLiveRuns(const QString& why);
    void failSockets(const QString& why);
    quint32 nextHostStream();
    void onGuestOpened(const protocol::Frame& frame);
    void sendNetConfig();
    friend class SandboxNetwork; // keeps placeholders in the config
    friend class PoolManager;    // names a claimed pool member and clears its pool marker
    void finishPending(Status status);

    SandboxConfig m_config;
    QString m_dir;
    SandboxManager* m_manager;
    SandboxState m_state = SandboxState::Stopped;
    QString m_lastError;
    QString m_agent;
    QDateTime m_readySince;
    GuestChannel m_channel;
    QTimer m_watchdog;
    QTimer m_stopTimer;
    QTimer m_syncTimer;
    int m_ownDestroys = 0;
    int m_bootAttempt = 0;
    bool m_resyncing = false;
    bool m_restoring = false;    // the resync is after a restore of saved memory
    bool m_channelStale = false; // paused with the channel closed: resume must resync
    int m_expectedSaves = 0;     // our saves whose "saved" stop event has not come yet
    SandboxState m_beforeSave = SandboxState::Ready;
    QString m_reason;
    QDateTime m_lastActivity;
    QTimer m_idleTimer;
    bool m_idleWarned = false;
    QList<Done> m_pending; // callers waiting for the current start/stop to settle
    QMap<quint32, Run*> m_runs;
    QHash<quint32, QPointer<FileStream>> m_files;
    QHash<quint32, QPointer<GuestSocket>> m_sockets;
    // File and TCP streams the host opens: 0x40000000..kGuestStreamBase-1, never a run number.
    quint32 m_nextHostStream = 0x40000000;
    quint16 m_egressPort = 0;
    SandboxNetwork* m_network = nullptr; // a child, made last in the constructor
    QMap<QString, QString> m_networkEnv;
    std::shared_ptr<DomainGuard> m_domainGuard = std::make_shared<DomainGuard>();

    // ---- Snapshots (helper S; implemented in Snapshots.cpp) ----
public:
    SnapshotStore snapshots() const { return SnapshotStore(m_dir, id()); }
    // Takes snapshot `name`: the disk always, the memory too with `withMemory` (Ready or
    // Paused only). A running sandbox is saved, copied and restored: it is Ready again
    // afterwards with its processes and live runs. `done` gets the new snapshot's record.
    void takeSnapshot(const QString& name, bool withMemory,
                      std::function<void(Result<SnapshotInfo>)> done);
    // Stopped, Error or Hibernated only: the disk becomes the snapshot's (a copy), a managed
    // save is discarded; a memory snapshot then runs again (Ready, its processes back), else
    // the sandbox stays Stopped, or starts with `start`.
    void restoreSnapshot(const QString& name, bool start, Done done);
    Status removeSnapshot(const QString& name);
    // A fork's first start from `savePath` (the snapshot's memory with this sandbox's domain
    // XML, deleted afterwards). When the restore fails it boots afresh: `done` says which.
    void startFromMemory(const QString& savePath, std::function<void(Status, bool restored)> done);
    bool snapshotBusy() const { return m_snapshotBusy; }

private:
    bool m_snapshotBusy = false; // one snapshot operation at a time
    // ---- end Snapshots ----
};

} // namespace vivarium
