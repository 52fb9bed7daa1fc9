// See Tunnel.h.
#include "Tunnel.h"

#include "GuestSocket.h"
#include "HostSocket.h"
#include "Log.h"
#include "Sandbox.h"
#include "StreamRelay.h"

#include <QElapsedTimer>

namespace vivarium {

Tunnel::Tunnel(Sandbox* sandbox, quint16 guestPort, quint16 hostPort, QObject* parent)
    : QObject(parent), m_sandbox(sandbox), m_guestPort(guestPort), m_hostPort(hostPort),
      m_created(QDateTime::currentDateTimeUtc()) {
    connect(&m_server, &TunnelServer::accepted, this, &Tunnel::onNewConnection);
}

Tunnel::~Tunnel() {
    // Nobody listens to a tunnel that is going away.
    blockSignals(true);
    shutDown("the tunnel was closed");
}

QString Tunnel::url() const { return QString("http://127.0.0.1:%1").arg(m_hostPort); }

Status Tunnel::listen() {
    if (m_server.isListening())
        return {};
    if (m_hostPort != 0 && m_server.listen(QHostAddress::LocalHost, m_hostPort)) {
        m_error.clear();
        emit changed();
        return {};
    }
    const quint16 wanted = m_hostPort;
    if (!m_server.listen(QHostAddress::LocalHost, 0)) {
        m_error = "cannot listen on 127.0.0.1: " + m_server.errorString();
        emit changed();
        return makeError("tunnel_failed", "Cannot open a host port for guest port " +
                                              QString::number(m_guestPort) + ".",
                         m_server.errorString());
    }
    m_hostPort = m_server.serverPort();
    m_error = wanted != 0 ? QString("host port %1 was taken; now on %2").arg(wanted).arg(m_hostPort)
                          : QString();
    emit changed();
    return {};
}

void Tunnel::shutDown(const QString& why) {
    m_server.close();
    // Each connection's relay is a child of this tunnel, with its two devices.
    const auto relays = findChildren<StreamRelay*>(QString(), Qt::FindDirectChildrenOnly);
    for (StreamRelay* r : relays)
        r->abort(why);
    emit changed();
}

void Tunnel::onNewConnection(qintptr descriptor) {
    auto* client = new HostSocket(descriptor, this);
    if (!m_sandbox) {
        client->abort();
        client->deleteLater();
        return;
    }
    auto socket = m_sandbox->connectPort(m_guestPort);
    const QDateTime started = QDateTime::currentDateTimeUtc();
    if (!socket) {
        client->abort();
        client->deleteLater();
        emit connectionFinished(logEntry(started, socket.error().message));
        return;
    }
    GuestSocket* guest = *socket;
    guest->setParent(this);
    ++m_open;
    ++m_total;
    auto* relay = new StreamRelay(client, guest, this);
    auto counted = std::make_shared<std::pair<qint64, qint64>>(0, 0);
    connect(relay, &StreamRelay::progressed, this, [this, relay, counted] {
        m_bytesIn += relay->bytesAtoB() - counted->first;
        m_bytesOut += relay->bytesBtoA() - counted->second;
        *counted = {relay->bytesAtoB(), relay->bytesBtoA()};
    });
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    connect(relay, &StreamRelay::finished, this,
            [this, relay, client, guest, started, timer, counted](const QString& error) {
                m_bytesIn += relay->bytesAtoB() - counted->first;
                m_bytesOut += relay->bytesBtoA() - counted->second;
                --m_open;
                NetworkLogEntry e = logEntry(started, error);
                e.bytesUp = relay->bytesAtoB();
                e.bytesDown = relay->bytesBtoA();
                e.durationMs = timer->elapsed();
                emit connectionFinished(e);
                emit changed();
                relay->deleteLater();
                client->deleteLater();
                guest->deleteLater();
            });
    emit changed();
}

NetworkLogEntry Tunnel::logEntry(const QDateTime& started, const QString& error) const {
    NetworkLogEntry e;
    e.time = started;
    e.kind = "tunnel";
    e.host = QString("127.0.0.1:%1").arg(m_hostPort); // where the connection came in
    e.port = m_guestPort;
    e.error = error;
    return e;
}

QJsonObject Tunnel::toJson() const {
    QJsonObject o{{"guest_port", m_guestPort},
                  {"host_port", m_hostPort},
                  {"url", url()},
                  {"state", m_server.isListening() ? "open" : "waiting"},
                  {"connections", m_total},
                  {"open", m_open},
                  {"bytes_in", m_bytesIn},
                  {"bytes_out", m_bytesOut},
                  {"created", m_created.toString(Qt::ISODateWithMs)}};
    if (!m_error.isEmpty())
        o["error"] = m_error;
    return o;
}

QJsonObject Tunnel::persisted() const {
    return {{"guest_port", m_guestPort},
            {"host_port", m_hostPort},
            {"created", m_created.toString(Qt::ISODateWithMs)}};
}

Tunnel* Tunnel::fromPersisted(Sandbox* sandbox, const QJsonObject& o, QObject* parent) {
    const int guest = o.value("guest_port").toInt();
    const int host = o.value("host_port").toInt();
    if (guest < 1 || guest > 65535 || host < 0 || host > 65535)
        return nullptr;
    auto* t = new Tunnel(sandbox, quint16(guest), quint16(host), parent);
    const QDateTime created = QDateTime::fromString(o.value("created").toString(), Qt::ISODateWithMs);
    if (created.isValid())
        t->m_created = created;
    return t;
}

} // namespace vivarium
