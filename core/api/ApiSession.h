// One authenticated API connection: parses each JSON request (never trusting its shape),
// dispatches it to the sandbox layer through a closed table of request types, streams run
// output as binary frames on per-connection channels, and forwards events. A bad request
// gets a structured error and the connection carries on.
#pragma once

#include "Result.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

class QWebSocket;

namespace vivarium {

class SandboxManager;
class Sandbox;
class Run;

class ApiSession : public QObject {
    Q_OBJECT
public:
    ApiSession(QWebSocket* socket, SandboxManager* manager, QObject* parent);
    ~ApiSession() override;

private:
    using Handler = void (ApiSession::*)(qint64 id, const QJsonObject& request);

    void onText(const QString& message);
    void onBinary(const QByteArray& message);
    void send(const QJsonObject& message);
    void reply(qint64 id, QJsonObject body);
    void fail(qint64 id, const Error& error);
    void event(const QString& name, QJsonObject body);
    Result<Sandbox*> sandboxArg(const QJsonObject& request);

    void handleList(qint64 id, const QJsonObject& request);
    void handleCreate(qint64 id, const QJsonObject& request);
    void handleStart(qint64 id, const QJsonObject& request);
    void handleStop(qint64 id, const QJsonObject& request);
    void handleRemove(qint64 id, const QJsonObject& request);
    void handleExec(qint64 id, const QJsonObject& request);
    void handleResize(qint64 id, const QJsonObject& request);
    void handleSignal(qint64 id, const QJsonObject& request);
    void handleRuns(qint64 id, const QJsonObject& request);
    void handleInfo(qint64 id, const QJsonObject& request);

    struct Channel {
        QPointer<Sandbox> sandbox;
        quint32 seq = 0;
    };

    QWebSocket* m_socket;
    SandboxManager* m_manager;
    QHash<quint32, Channel> m_channels;
    quint32 m_nextChannel = 1;
};

} // namespace vivarium
