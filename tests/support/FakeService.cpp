#include "FakeService.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QWebSocket>
#include <QWebSocketServer>

namespace vivarium::testing {

FakeService::FakeService(QObject* parent)
    : QObject(parent),
      m_server(new QWebSocketServer(QStringLiteral("fake vivariumd"), QWebSocketServer::NonSecureMode, this)),
      m_hello{{"version", 1}, {"server", "vivariumd (fake)"}, {"accelerator", "kvm"},
              {"accelerator_reason", "fake"}} {
    connect(m_server, &QWebSocketServer::newConnection, this, &FakeService::onConnection);
    setResult("info", {{"version", 1},
                       {"templates", QJsonArray{QJsonObject{{"name", "default"}, {"image", "default"},
                                                            {"vcpus", 1}, {"memory_mib", 512}},
                                                QJsonObject{{"name", "tiny"}, {"image", "tiny"},
                                                            {"vcpus", 1}, {"memory_mib", 256}}}}});
    setResult("template.list",
              {{"templates", QJsonArray{QJsonObject{{"name", "default"}, {"builtin", true}, {"image", "default"},
                                                    {"vcpus", 1}, {"memory_mib", 512}, {"env", QJsonObject{}}},
                                        QJsonObject{{"name", "tiny"}, {"builtin", true}, {"image", "tiny"},
                                                    {"vcpus", 1}, {"memory_mib", 256}, {"env", QJsonObject{}}}}},
               {"problems", QJsonArray{}},
               {"limits", QJsonObject{{"vcpus", QJsonObject{{"min", 1}, {"max", 4}}},
                                      {"images", QJsonArray{"default", "tiny"}}}}});
    setResult("sandbox.list", {{"sandboxes", QJsonArray{}}});
    setResult("image.list", {{"images", QJsonArray{}}});
    setResult("pool.list", {{"pools", QJsonArray{}}});
}

FakeService::~FakeService() { stopListening(); }

bool FakeService::listen() {
    if (!m_server->listen(QHostAddress::LocalHost, m_port))
        return false;
    m_port = m_server->serverPort();
    return true;
}

bool FakeService::listenAgain() { return listen(); }

QUrl FakeService::url() const { return QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_port)); }

void FakeService::stopListening() {
    m_server->close();
    for (QWebSocket* s : std::exchange(m_sockets, {})) {
        s->abort();
        s->deleteLater();
    }
}

void FakeService::setResult(const QString& type, const QJsonObject& fields) {
    m_errors.remove(type);
    m_results.insert(type, fields);
}

void FakeService::setError(const QString& type, const QString& code, const QString& message) {
    m_errors.insert(type, QJsonObject{{"code", code}, {"message", message}});
}

QList<QJsonObject> FakeService::requestsOf(const QString& type) const {
    QList<QJsonObject> of;
    for (const QJsonObject& r : m_requests)
        if (r.value("type").toString() == type)
            of << r;
    return of;
}

void FakeService::sendEvent(const QString& name, const QJsonObject& fields) {
    QJsonObject o = fields;
    o["type"] = "event";
    o["event"] = name;
    const QString text = QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
    for (QWebSocket* s : std::as_const(m_sockets))
        s->sendTextMessage(text);
}

void FakeService::send(const QJsonObject& message) {
    const QString text = QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact));
    for (QWebSocket* s : std::as_const(m_sockets))
        s->sendTextMessage(text);
}

void FakeService::onConnection() {
    while (QWebSocket* s = m_server->nextPendingConnection()) {
        m_sockets << s;
        connect(s, &QWebSocket::textMessageReceived, this, [this, s](const QString& t) { onText(s, t); });
        connect(s, &QWebSocket::disconnected, this, [this, s] {
            m_sockets.removeAll(s);
            s->deleteLater();
        });
        QJsonObject hello = m_hello;
        hello["type"] = "hello";
        s->sendTextMessage(QString::fromUtf8(QJsonDocument(hello).toJson(QJsonDocument::Compact)));
        emit clientConnected();
    }
}

void FakeService::onText(QWebSocket* socket, const QString& text) {
    const QJsonObject request = QJsonDocument::fromJson(text.toUtf8()).object();
    m_requests << request;
    const QString type = request.value("type").toString();
    if (m_held.contains(type)) {
        emit requestReceived(request);
        return;
    }
    QJsonObject reply;
    if (m_errors.contains(type)) {
        reply = {{"type", "error"}, {"error", m_errors.value(type)}};
    } else {
        reply = m_results.value(type);
        reply["type"] = "result";
    }
    reply["id"] = request.value("id");
    socket->sendTextMessage(QString::fromUtf8(QJsonDocument(reply).toJson(QJsonDocument::Compact)));
    emit requestReceived(request);
}

QJsonObject fakeSandbox(const QString& id, const QString& name, const QString& state,
                        const QString& templateName) {
    QJsonObject s{{"id", id},         {"name", name},    {"template", templateName},
                  {"image", templateName}, {"state", state}, {"runs", 0},
                  {"vcpus", 1},       {"memory_mib", 256}, {"accelerator", "kvm"},
                  {"created", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs)}};
    if (state == "ready")
        s["ready_since"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    return s;
}

} // namespace vivarium::testing
