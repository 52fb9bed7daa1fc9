#include "ApiServer.h"

#include "ApiProtocol.h"
#include "ApiSession.h"
#include "Log.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QUrlQuery>
#include <QWebSocket>

namespace vivarium {

ApiServer::ApiServer(SandboxManager* manager, TokenStore* tokens, QObject* parent)
    : QObject(parent), m_manager(manager), m_tokens(tokens) {}

Status ApiServer::listen(const ServerOptions& options) {
    m_options = options;
    const bool tls = !options.tlsCertificate.isEmpty();
    if (!options.address.isLoopback() && !tls)
        return makeError("tls_required",
                         QString("Listening on %1 would expose sandboxes to the network; it needs "
                                 "TLS. Give a certificate and key (--tls-cert/--tls-key), or "
                                 "listen on 127.0.0.1.")
                             .arg(options.address.toString()));
    m_server = std::make_unique<QWebSocketServer>(
        "vivariumd", tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode);
    if (tls) {
        QFile certFile(options.tlsCertificate), keyFile(options.tlsKey);
        if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly))
            return makeError("bad_config", "Cannot read the TLS certificate or key (" +
                                               options.tlsCertificate + ", " + options.tlsKey + ")");
        const QSslCertificate cert(&certFile, QSsl::Pem);
        const QByteArray keyPem = keyFile.readAll();
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        if (cert.isNull() || key.isNull())
            return makeError("bad_config", "The TLS certificate or key is not valid PEM.");
        QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
        ssl.setLocalCertificate(cert);
        ssl.setPrivateKey(key);
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
        m_server->setSslConfiguration(ssl);
    }
    connect(m_server.get(), &QWebSocketServer::newConnection, this, &ApiServer::onNewConnection);
    const auto listenFailed = [&](const QString& why) {
        return makeError("listen_failed",
                         QString("Cannot listen on %1:%2: %3. Is another vivariumd running? "
                                 "Choose another address with --listen or VIVARIUM_LISTEN.")
                             .arg(options.address.toString())
                             .arg(options.port)
                             .arg(why));
    };
    if (tls) {
        if (!m_server->listen(options.address, options.port))
            return listenFailed(m_server->errorString());
        return {};
    }
    if (!m_tcp.listen(options.address, options.port))
        return listenFailed(m_tcp.errorString());
    connect(&m_tcp, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket* socket = m_tcp.nextPendingConnection()) {
            socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            m_server->handleConnection(socket);
        }
    });
    return {};
}

quint16 ApiServer::port() const {
    return m_tcp.isListening() ? m_tcp.serverPort() : m_server->serverPort();
}

QString ApiServer::url() const {
    const bool tls = m_server->secureMode() == QWebSocketServer::SecureMode;
    const QHostAddress a = m_tcp.isListening() ? m_tcp.serverAddress() : m_server->serverAddress();
    QString host = a.toString();
    if (a.protocol() == QAbstractSocket::IPv6Protocol)
        host = "[" + host + "]";
    return QString("%1://%2:%3").arg(tls ? "wss" : "ws", host).arg(port());
}

QString ApiServer::refusal(const QNetworkRequest& request, std::optional<Scope>& scope) const {
    if (request.hasRawHeader("Origin")) {
        const QString origin = QString::fromLatin1(request.rawHeader("Origin"));
        if (!m_options.allowedOrigins.contains(origin))
            return "connections from web pages are refused (Origin " + origin +
                   " is not in allowed_origins)";
    }
    // A page on a rebinding domain reaches 127.0.0.1 with its own name in Host. (Over TLS a
    // browser would reject our certificate for such a name, and clients use the name the
    // certificate carries, so there the Host check is left to TLS.)
    if (m_server->secureMode() == QWebSocketServer::SecureMode)
        return authenticate(request, scope);
    const QString host = QString::fromLatin1(request.rawHeader("Host")).toLower();
    const QString port = QString::number(this->port());
    QStringList names{"127.0.0.1", "localhost", "[::1]"};
    if (!m_options.address.isLoopback())
        names << m_options.address.toString() << url().section("://", 1).section(':', 0, -2);
    bool hostOk = host.isEmpty(); // HTTP/1.0 clients send none; browsers always do
    for (const QString& n : names)
        hostOk = hostOk || host == n || host == n + ":" + port;
    if (!hostOk)
        return "the Host header '" + host + "' does not name this server";
    return authenticate(request, scope);
}

QString ApiServer::authenticate(const QNetworkRequest& request, std::optional<Scope>& scope) const {
    QString presented = QUrlQuery(request.url()).queryItemValue("token");
    const QByteArray auth = request.rawHeader("Authorization");
    if (auth.startsWith("Bearer "))
        presented = QString::fromLatin1(auth.mid(7)).trimmed();
    scope = m_tokens->authenticate(presented);
    if (!scope)
        return "invalid or missing API token";
    return {};
}

void ApiServer::onNewConnection() {
    while (QWebSocket* socket = m_server->nextPendingConnection()) {
        std::optional<Scope> scope;
        const QString why = refusal(socket->request(), scope);
        if (!why.isEmpty()) {
            qCWarning(lcApi) << "refused a connection from" << socket->peerAddress().toString()
                             << ":" << why;
            QJsonObject err{{"code", "unauthorized"}, {"message", why}};
            socket->sendTextMessage(QString::fromUtf8(
                QJsonDocument(QJsonObject{{"type", "error"}, {"error", err}}).toJson(QJsonDocument::Compact)));
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, why.left(120));
            socket->deleteLater();
            continue;
        }
        socket->setMaxAllowedIncomingMessageSize(api::kHardMaxMessage);
        auto* session = new ApiSession(socket, m_manager, m_tokens, *scope, this);
        ++m_sessions;
        connect(session, &QObject::destroyed, this, [this] { --m_sessions; });
    }
}

} // namespace vivarium
