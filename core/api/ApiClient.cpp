#include "ApiClient.h"

#include "Paths.h"

#include <QFile>
#include <QJsonDocument>
#include <QNetworkRequest>

namespace vivarium {

ApiClient::ApiClient(QObject* parent) : QObject(parent) {
    m_socket.setMaxAllowedIncomingMessageSize(64 * 1024 * 1024);
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &ApiClient::onText);
    connect(&m_socket, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray& m) {
        if (auto f = api::parseDataFrame(m))
            emit data(f->kind, f->channel, f->data);
    });
    connect(&m_socket, &QWebSocket::disconnected, this, [this] {
        const bool wasReady = std::exchange(m_ready, false);
        const QString reason = m_socket.closeReason().isEmpty() ? m_socket.errorString()
                                                                : m_socket.closeReason();
        // Every waiting request learns that its answer will not come.
        const auto replies = std::exchange(m_replies, {});
        m_progress.clear();
        m_detailed.clear();
        for (const Reply& r : replies)
            r(makeError("disconnected", "The connection to vivariumd was lost: " + reason));
        if (wasReady)
            emit disconnected();
        else
            emit failed(reason);
    });
}

ApiClient::~ApiClient() {
    // QWebSocket's destructor emits disconnected(); our members are gone by then.
    m_socket.disconnect(this);
}

Endpoint ApiClient::localEndpoint() {
    Endpoint e;
    if (const QByteArray url = qgetenv("VIVARIUM_URL"); !url.isEmpty()) {
        e.url = QUrl(QString::fromLocal8Bit(url));
        e.explicitUrl = true;
    } else {
        // The local service writes where it listens; no file means it is not running (a
        // service on the default port may belong to someone else, so it is not guessed).
        QFile f(Paths::endpointFile());
        if (f.open(QIODevice::ReadOnly))
            e.url = QUrl(QString::fromUtf8(f.readAll()).trimmed());
    }
    if (const QByteArray token = qgetenv("VIVARIUM_TOKEN"); !token.isEmpty()) {
        e.token = QString::fromLocal8Bit(token).trimmed();
    } else {
        QFile f(Paths::tokenFile());
        if (f.open(QIODevice::ReadOnly))
            e.token = QString::fromLatin1(f.readAll()).trimmed();
    }
    return e;
}

void ApiClient::open(const Endpoint& endpoint) {
    if (!endpoint.url.isValid() || endpoint.url.isEmpty()) {
        QMetaObject::invokeMethod(
            this, [this] { emit failed("no local vivariumd is running"); }, Qt::QueuedConnection);
        return;
    }
    QNetworkRequest request(endpoint.url);
    request.setRawHeader("Authorization", "Bearer " + endpoint.token.toLatin1());
    m_socket.open(request);
}

qint64 ApiClient::request(const QString& type, QJsonObject body, Reply reply, Progress progress,
                          DetailedProgress detailed) {
    const qint64 id = m_nextId++;
    body["id"] = id;
    body["type"] = type;
    if (reply)
        m_replies.insert(id, std::move(reply));
    if (progress)
        m_progress.insert(id, std::move(progress));
    if (detailed)
        m_detailed.insert(id, std::move(detailed));
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact)));
    return id;
}

void ApiClient::sendData(quint32 channel, const QByteArray& bytes) {
    sendData(api::DataKind::Stdin, channel, bytes);
}

void ApiClient::sendData(api::DataKind kind, quint32 channel, const QByteArray& bytes) {
    m_socket.sendBinaryMessage(api::dataFrame(kind, channel, bytes));
}

void ApiClient::onText(const QString& message) {
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    const QString type = o.value("type").toString();
    if (type == "hello") {
        m_hello = o;
        m_ready = true;
        emit ready();
        return;
    }
    if (type == "event") {
        emit event(o);
        return;
    }
    if (type == "exit") {
        emit exited(o);
        return;
    }
    if (type == "run.attached" || type == "run.caught_up" || type == "run.lagging") {
        emit runMessage(o);
        return;
    }
    if (type == "file.ready" || type == "file.window") {
        emit fileMessage(o);
        return;
    }
    const qint64 id = o.contains("id") ? o.value("id").toInteger() : -1;
    if (type == "progress") {
        if (const Progress p = m_progress.value(id))
            p(o.value("percent").toInt(), o.value("message").toString());
        if (const DetailedProgress d = m_detailed.value(id))
            d(o);
        return;
    }
    if (type == "error" && id < 0) {
        const QJsonObject e = o.value("error").toObject();
        if (!m_ready)
            emit failed(e.value("message").toString());
        return;
    }
    const Reply r = m_replies.take(id);
    m_progress.remove(id);
    m_detailed.remove(id);
    if (!r)
        return;
    if (type == "error") {
        const QJsonObject e = o.value("error").toObject();
        r(makeError(e.value("code").toString(), e.value("message").toString(),
                    e.value("detail").toString()));
    } else {
        r(o);
    }
}

} // namespace vivarium
