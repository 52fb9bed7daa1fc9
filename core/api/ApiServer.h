// vivariumd's WebSocket API endpoint. Listens on 127.0.0.1 by default; anywhere else only
// with TLS. Before a connection may send anything it must present a valid token (owner or
// scoped), come from no web page unless its Origin is explicitly allowed (cross-site
// WebSocket hijacking), and name this server in its Host header (DNS rebinding).
// Accepted connections become ApiSessions.
#pragma once

#include "Result.h"
#include "TokenStore.h"

#include <QHostAddress>
#include <QNetworkRequest>
#include <QObject>
#include <QStringList>
#include <QTcpServer>
#include <QWebSocketServer>

#include <memory>

namespace vivarium {

class SandboxManager;

struct ServerOptions {
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 0;
    QStringList allowedOrigins; // exact "scheme://host[:port]" values
    QString tlsCertificate;     // PEM files; required to listen on a non-loopback address
    QString tlsKey;
};

class ApiServer : public QObject {
    Q_OBJECT
public:
    ApiServer(SandboxManager* manager, TokenStore* tokens, QObject* parent = nullptr);

    Status listen(const ServerOptions& options);
    QString url() const;
    quint16 port() const;
    int sessionCount() const { return m_sessions; }

private:
    void onNewConnection();
    QString refusal(const QNetworkRequest& request, std::optional<Scope>& scope) const;
    QString authenticate(const QNetworkRequest& request, std::optional<Scope>& scope) const;

    SandboxManager* m_manager;
    TokenStore* m_tokens;
    std::unique_ptr<QWebSocketServer> m_server;
    // Plain ws:// accepts here first, to turn Nagle off: a reply and the exit that follows
    // it are small writes, and Nagle plus delayed ACK would hold the second for ~40 ms.
    QTcpServer m_tcp;
    ServerOptions m_options;
    int m_sessions = 0;
};

} // namespace vivarium
