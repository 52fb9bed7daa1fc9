// A stand-in for vivariumd's WebSocket API, for tests and benchmarks of clients' logic (the
// desktop app's actions, its reconnects, how it copes with many sandboxes) where a real
// service with real microVMs would be slow or impossible (a hundred VMs). It greets like
// the real one, records every request, answers from canned results (or an error), and can
// push events and drop every connection as a restarting service would. The real service is
// always tested too: this never replaces it in an end-to-end test.
#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QUrl>

class QWebSocket;
class QWebSocketServer;

namespace vivarium::testing {

class FakeService : public QObject {
    Q_OBJECT
public:
    explicit FakeService(QObject* parent = nullptr);
    ~FakeService() override;

    bool listen();             // on 127.0.0.1, a free port
    QUrl url() const;
    void stopListening();      // and close every connection (the service is gone)
    bool listenAgain();        // on the same port (the service is back)

    // The result fields for `type` (merged into {"type":"result","id":…}).
    void setResult(const QString& type, const QJsonObject& fields);
    // Replies to `type` with an error instead.
    void setError(const QString& type, const QString& code, const QString& message);
    void setHello(const QJsonObject& fields) { m_hello = fields; }
    // Requests of `type` get no answer (a long request still running); the test answers them
    // itself with send().
    void setHeld(const QString& type) { m_held.insert(type); }
    // Sends `message` as it is to every connection.
    void send(const QJsonObject& message);

    // Sends {"type":"event","event":name, …fields} to every connection.
    void sendEvent(const QString& name, const QJsonObject& fields);

    QList<QJsonObject> requests() const { return m_requests; }
    QList<QJsonObject> requestsOf(const QString& type) const;
    int connectionCount() const { return int(m_sockets.size()); }

signals:
    void requestReceived(const QJsonObject& request);
    void clientConnected();

private:
    void onConnection();
    void onText(QWebSocket* socket, const QString& text);

    QWebSocketServer* m_server;
    quint16 m_port = 0;
    QList<QWebSocket*> m_sockets;
    QList<QJsonObject> m_requests;
    QHash<QString, QJsonObject> m_results;
    QHash<QString, QJsonObject> m_errors;
    QJsonObject m_hello;
    QSet<QString> m_held;
};

// A sandbox object as the API shows one.
QJsonObject fakeSandbox(const QString& id, const QString& name, const QString& state,
                        const QString& templateName = QStringLiteral("tiny"));

} // namespace vivarium::testing
