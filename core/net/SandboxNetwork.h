// Everything network about one sandbox on the host side: its tunnels (kept in the sandbox's
// tunnels.json so they come back when the sandbox starts again, and open only while it is
// ready), its egress (the template's mode, allowlist and routes made into the EgressProxy's
// policy at every boot, the agent's listener switched on, and the guest's proxy variables,
// route base URLs and placeholders) and its network log (every tunnel connection and every
// egress request). Created with each sandbox and owned by it. Route secrets live only in the
// proxy's policy, resolved from the SecretStore at boot; none is written anywhere.
#pragma once

#include "NetworkLog.h"
#include "Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QTimer>

namespace vivarium {

class EgressProxy;
class GuestSocket;
class Sandbox;
class Tunnel;

class SandboxNetwork : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxTunnels = 64;

    explicit SandboxNetwork(Sandbox* sandbox);
    ~SandboxNetwork() override;

    // Exposes `guestPort` on 127.0.0.1:`hostPort` (0: any free port). Opening a port that is
    // already tunnelled answers the existing tunnel. Listens now if the sandbox is ready.
    Result<QJsonObject> openTunnel(quint16 guestPort, quint16 hostPort = 0);
    Status closeTunnel(quint16 guestPort);
    QJsonArray tunnels() const;

    // Appends to the network log and tells subscribers.
    void log(const vivarium::NetworkLogEntry& entry);
    // The newest `limit` log entries, oldest first.
    QJsonArray entries(int limit) const;
    EgressProxy* egress() const { return m_proxy; }
    // Remakes the egress policy from the sandbox's network settings (at each boot; the route
    // secrets are read again, so a changed secret counts from the next boot).
    void applyEgress();

signals:
    // The tunnel list or a tunnel's counters changed (counter changes at most every 500 ms).
    void tunnelsChanged();
    void logged(const QJsonObject& entry);

private:
    void onStateChanged();
    void save() const;
    void load();
    void changedSoon();
    Tunnel* addTunnel(Tunnel* t);

    QPointer<Sandbox> m_sandbox;
    void onEgressConnection(GuestSocket* socket);
    QMap<quint16, Tunnel*> m_tunnels;
    EgressProxy* m_proxy;
    quint64 m_policyGeneration = 0;
    NetworkLog m_log;
    QTimer m_changed;
};

} // namespace vivarium
