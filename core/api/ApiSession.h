// One authenticated API connection: parses each JSON request (never trusting its shape),
// checks it against the connection's token scope, dispatches it through a closed table of
// request types, and streams runs to the client through RunFollowers on per-connection
// channels, within a bounded send budget. A bad request gets a structured error and the
// connection carries on; a slow client falls back to replay, never to unbounded memory.
#pragma once

#include "Result.h"
#include "TokenStore.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <functional>

class QWebSocket;

namespace vivarium {

class SandboxManager;
class Sandbox;
class Run;
class RunFollower;
class FileStream;
struct SandboxStats;

class ApiSession : public QObject {
    Q_OBJECT
public:
    ApiSession(QWebSocket* socket, SandboxManager* manager, TokenStore* tokens, Scope scope,
               QObject* parent);
    ~ApiSession() override;
    const Scope& scope() const { return m_scope; }
    // Ends the connection (e.g. its token was revoked).
    void close(const QString& why);

private:
    using Handler = void (ApiSession::*)(qint64 id, const QJsonObject& request);

    void onText(const QString& message);
    void onBinary(const QByteArray& message);
    void onBytesWritten(qint64 bytes);
    void send(const QJsonObject& message);
    void sendBinary(const QByteArray& message);
    bool hasRoom() const;
    void reply(qint64 id, QJsonObject body);
    void fail(qint64 id, const Error& error);
    void event(const QString& name, QJsonObject body);
    void sandboxEvent(const QString& name, const QString& sandboxId, QJsonObject body);
    void sendStats(const QList<SandboxStats>& all); // sandbox.stats, within the scope
    Result<Sandbox*> sandboxArg(const QJsonObject& request);
    Result<Run*> runArg(const QJsonObject& request, Sandbox** sandbox);
    Status ownerOnly(const QString& what) const;

    // Attaches a run to this connection (once) and returns its channel.
    quint32 attach(Sandbox* sandbox, Run* run);
    void pumpFollowers();

    void handleInfo(qint64 id, const QJsonObject& request);
    void handleList(qint64 id, const QJsonObject& request);
    void handleImageList(qint64 id, const QJsonObject& request);
    // Pulled images (ApiSessionImages.cpp).
    void handleImagePull(qint64 id, const QJsonObject& request);
    void handleImagePullCancel(qint64 id, const QJsonObject& request);
    void handleImageRemove(qint64 id, const QJsonObject& request);
    void handleImageLogin(qint64 id, const QJsonObject& request);
    void handleCreate(qint64 id, const QJsonObject& request);
    void handleStart(qint64 id, const QJsonObject& request);
    void handleStop(qint64 id, const QJsonObject& request);
    void handlePause(qint64 id, const QJsonObject& request);
    void handleResume(qint64 id, const QJsonObject& request);
    void handleHibernate(qint64 id, const QJsonObject& request);
    void lifecycle(qint64 id, const QJsonObject& request, void (Sandbox::*verb)(std::function<void(Status)>));
    void handleRemove(qint64 id, const QJsonObject& request);
    void handleSubscribe(qint64 id, const QJsonObject& request);
    void handleUnsubscribe(qint64 id, const QJsonObject& request);
    void handleExec(qint64 id, const QJsonObject& request);
    void handleRuns(qint64 id, const QJsonObject& request);
    void handleAttach(qint64 id, const QJsonObject& request);
    void handleTiming(qint64 id, const QJsonObject& request);
    void handleResize(qint64 id, const QJsonObject& request);
    void handleSignal(qint64 id, const QJsonObject& request);
    void handleFileWrite(qint64 id, const QJsonObject& request);
    void handleFileRead(qint64 id, const QJsonObject& request);
    void handleFileSimple(qint64 id, const QJsonObject& request);
    Result<FileStream*> openFile(qint64 id, const QJsonObject& request, int kind);
    void onUploadData(quint32 channel, const QByteArray& data);
    void handleTemplateList(qint64 id, const QJsonObject& request);
    void handleTemplateGet(qint64 id, const QJsonObject& request);
    void handleTemplateChange(qint64 id, const QJsonObject& request); // create, update
    void handleTemplateRemove(qint64 id, const QJsonObject& request);
    void handleTunnelOpen(qint64 id, const QJsonObject& request);
    void handleTunnelList(qint64 id, const QJsonObject& request);
    void handleTunnelClose(qint64 id, const QJsonObject& request);
    void handleNetworkLog(qint64 id, const QJsonObject& request);
    // Secrets and routes (ApiSessionSecrets.cpp).
    void connectCredentialEvents();
    void handleSecretSet(qint64 id, const QJsonObject& request);
    void handleSecretList(qint64 id, const QJsonObject& request);
    void handleSecretRemove(qint64 id, const QJsonObject& request);
    void handleRouteChange(qint64 id, const QJsonObject& request); // add, update
    void handleRouteList(qint64 id, const QJsonObject& request);
    void handleRouteRemove(qint64 id, const QJsonObject& request);
    // Warm pools (ApiSessionPools.cpp).
    void connectPoolEvents();
    void handlePoolList(qint64 id, const QJsonObject& request);
    // Snapshots and forks (ApiSessionSnapshots.cpp).
    void connectSnapshotEvents();
    void handleSnapshotCreate(qint64 id, const QJsonObject& request);
    void handleSnapshotList(qint64 id, const QJsonObject& request);
    void handleSnapshotRestore(qint64 id, const QJsonObject& request);
    void handleSnapshotRemove(qint64 id, const QJsonObject& request);
    void handleFork(qint64 id, const QJsonObject& request);
    void handleTokenCreate(qint64 id, const QJsonObject& request);
    void handleTokenList(qint64 id, const QJsonObject& request);
    void handleTokenRevoke(qint64 id, const QJsonObject& request);

    struct Channel {
        QPointer<Sandbox> sandbox;
        QPointer<Run> run;
        RunFollower* follower = nullptr;
    };
    Result<Channel> channelArg(const QJsonObject& request);

    QWebSocket* m_socket;
    SandboxManager* m_manager;
    TokenStore* m_tokens;
    Scope m_scope;
    QHash<quint32, Channel> m_channels;
    QHash<const Run*, quint32> m_channelOfRun;
    QSet<QString> m_subscribed; // sandbox ids whose runs this client follows
    QSet<const Run*> m_started;  // runs this client started: its stdin to close when it goes
    struct Upload {
        QPointer<Sandbox> sandbox;
        QPointer<FileStream> file;
        qint64 credit = 0; // bytes the client may still send
    };
    QHash<quint32, Upload> m_uploads;
    QList<QPointer<FileStream>> m_files; // every file stream this client opened
    quint32 m_nextChannel = 1;
    qint64 m_queued = 0; // bytes handed to the socket and not yet written
};

} // namespace vivarium
