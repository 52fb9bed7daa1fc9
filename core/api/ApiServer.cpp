#include "ApiServer.h"

#include "ApiProtocol.h"
#include "ApiSession.h"
#include "Log.h"
#include "Paths.h"

#include <QFile>
#include <QFileInfo>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QUrlQuery>
#include <QWebSocket>

namespace vivarium {

ApiServer::ApiServer(SandboxManager* manager, QObject* parent)
    : QObject(parent), m_manager(manager),
      m_server("vivariumd", QWebSocketServer::NonSecureMode) {
    connect(&m_server, &QWebSocketServer::newConnection, this, &ApiServer::onNewConnection);
}

Result<QString> ApiServer::loadOrCreateToken(const QString& tokenFile) {
    QFile f(tokenFile);
    if (f.exists()) {
        if (!f.open(QIODevice::ReadOnly))
            return makeError("io_error", "Cannot read the API token " + tokenFile, f.errorString());
        const QString token = QString::fromLatin1(f.readAll()).trimmed();
        if (token.size() >= 32)
            return token;
        f.close();
    }
    Paths::ensureDir(QFileInfo(tokenFile).absolutePath());
    QByteArray raw(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32*>(raw.data()), 8);
    const QString token = QString::fromLatin1(raw.toHex());
    QFile::remove(tokenFile);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return makeError("io_error", "Cannot create the API token " + tokenFile, f.errorString());
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(token.toLatin1() + "\n");
    return token;
}

Status ApiServer::listen(const QHostAddress& address, quint16 port, const QString& token) {
    m_token = token;
    if (!m_server.listen(address, port))
        return makeError("listen_failed",
                         QString("Cannot listen on %1:%2: %3. Is another vivariumd running? "
                                 "Choose another address with --listen or VIVARIUM_LISTEN.")
                             .arg(address.toString())
                             .arg(port)
                             .arg(m_server.errorString()));
    return {};
}

QString ApiServer::url() const {
    return QString("ws://%1:%2").arg(m_server.serverAddress().toString()).arg(m_server.serverPort());
}

void ApiServer::onNewConnection() {
    while (QWebSocket* socket = m_server.nextPendingConnection()) {
        const QNetworkRequest request = socket->request();
        QString presented = QUrlQuery(request.url()).queryItemValue("token");
        const QByteArray auth = request.rawHeader("Authorization");
        if (auth.startsWith("Bearer "))
            presented = QString::fromLatin1(auth.mid(7)).trimmed();
        // Browsers always send Origin; our clients never do. A page must not drive sandboxes.
        const bool fromBrowser = request.hasRawHeader("Origin");
        const bool tokenOk = !presented.isEmpty() && presented.size() == m_token.size() &&
                             presented == m_token;
        if (!tokenOk || fromBrowser) {
            const QString why = fromBrowser ? "connections from web pages are refused"
                                            : "invalid or missing API token";
            qCWarning(lcApi) << "refused a connection from" << socket->peerAddress().toString()
                             << ":" << why;
            socket->sendTextMessage(
                QString(R"({"type":"error","error":{"code":"unauthorized","message":"%1"}})")
                    .arg(why));
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, why);
            socket->deleteLater();
            continue;
        }
        socket->setMaxAllowedIncomingMessageSize(api::kMaxTextMessage);
        auto* session = new ApiSession(socket, m_manager, this);
        ++m_sessions;
        connect(session, &QObject::destroyed, this, [this] { --m_sessions; });
    }
}

} // namespace vivarium
