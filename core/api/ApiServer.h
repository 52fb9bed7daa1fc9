// vivariumd's WebSocket API endpoint: listens (127.0.0.1 by default), authenticates each
// connection by its bearer token before it may send anything, refuses browser pages (any
// Origin header), and hands accepted connections to ApiSession. Owns the token file.
#pragma once

#include "Result.h"

#include <QHostAddress>
#include <QObject>
#include <QWebSocketServer>

namespace vivarium {

class SandboxManager;

class ApiServer : public QObject {
    Q_OBJECT
public:
    ApiServer(SandboxManager* manager, QObject* parent = nullptr);

    // Reads the owner's token from `tokenFile`, creating it (0600) when missing.
    static Result<QString> loadOrCreateToken(const QString& tokenFile);

    Status listen(const QHostAddress& address, quint16 port, const QString& token);
    QString url() const;
    int sessionCount() const { return m_sessions; }

private:
    void onNewConnection();

    SandboxManager* m_manager;
    QWebSocketServer m_server;
    QString m_token;
    int m_sessions = 0;
};

} // namespace vivarium
