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

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

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
    void start(Done done);
    void stop(Done done);
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
    void markStopped(const QString& reason);
    void setRemoving() { setState(SandboxState::Removing); }
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

private:
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
    QList<Done> m_pending; // callers waiting for the current start/stop to settle
    QMap<quint32, Run*> m_runs;
    QHash<quint32, QPointer<FileStream>> m_files;
    QHash<quint32, QPointer<GuestSocket>> m_sockets;
    // File and TCP streams the host opens: 0x40000000..kGuestStreamBase-1, never a run number.
    quint32 m_nextHostStream = 0x40000000;
    quint16 m_egressPort = 0;
    SandboxNetwork* m_network = nullptr; // a child, made last in the constructor
    QMap<QString, QString> m_networkEnv;
};

} // namespace vivarium
