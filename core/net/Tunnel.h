// One tunnel: a guest port exposed on a host 127.0.0.1 port. Each host connection becomes a
// TCP stream over the guest channel to the guest's own 127.0.0.1:port (no guest NIC), joined
// by a StreamRelay. The listener exists only while the sandbox is ready; the host port is kept
// so a tunnel comes back at the same URL when the sandbox starts again (if the port is free).
// It counts connections and bytes and reports each finished connection for the network log.
// It never listens on anything but loopback.
#pragma once

#include "NetworkLog.h"
#include "Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QTcpServer>

namespace vivarium {

class Sandbox;

// Hands accepted descriptors over as they are (a HostSocket is made of each), not as
// QTcpSockets, which cannot half-close.
class TunnelServer : public QTcpServer {
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;
signals:
    void accepted(qintptr descriptor);

protected:
    void incomingConnection(qintptr descriptor) override { emit accepted(descriptor); }
};

class Tunnel : public QObject {
    Q_OBJECT
public:
    Tunnel(Sandbox* sandbox, quint16 guestPort, quint16 hostPort, QObject* parent = nullptr);
    ~Tunnel() override;

    quint16 guestPort() const { return m_guestPort; }
    quint16 hostPort() const { return m_hostPort; }
    QString url() const;
    bool isListening() const { return m_server.isListening(); }
    int openConnections() const { return m_open; }

    // Listens on the kept host port (any free one the first time, or when it is taken now).
    Status listen();
    // Stops listening and closes every connection.
    void shutDown(const QString& why);

    // {guest_port, host_port, url, state, connections, open, bytes_in, bytes_out, created, error?}
    QJsonObject toJson() const;
    QJsonObject persisted() const; // what survives a restart: ports and creation time
    static Tunnel* fromPersisted(Sandbox* sandbox, const QJsonObject& o, QObject* parent);

signals:
    void changed();
    // A connection ended: for the network log (kind "tunnel").
    void connectionFinished(const vivarium::NetworkLogEntry& entry);

private:
    void onNewConnection(qintptr descriptor);
    NetworkLogEntry logEntry(const QDateTime& started, const QString& error) const;

    QPointer<Sandbox> m_sandbox;
    quint16 m_guestPort;
    quint16 m_hostPort;
    TunnelServer m_server;
    QDateTime m_created;
    QString m_error;
    int m_open = 0;
    qint64 m_total = 0;
    qint64 m_bytesIn = 0;  // host → guest
    qint64 m_bytesOut = 0; // guest → host
};

} // namespace vivarium
