// The host end of a sandbox's egress: an HTTP proxy serving connections that arrive from the
// guest (any open, sequential, bidirectional QIODevice; in the service, a guest-channel stream
// from the agent's listener at 127.0.0.1:3128 in the guest).
//
// It applies the sandbox's EgressPolicy to every request: absolute-form HTTP requests and
// CONNECT go out only to allowlisted hosts (mode proxy), after a lookup on the host whose
// every address is checked (no loopback, link-local, unspecified or own address unless the
// allowlist names it), connecting to the address it checked. Requests under
// /routes/<name>/ go to that route's upstream with the route's headers injected (the guest's
// headers of the same names removed first, placeholders swapped in this route's header values
// only) and secrets redacted from what comes back. Everything else gets a 4xx/5xx with a
// one-line plain-text reason. One entry per request is reported through `logged` (never a
// header value or a query string).
// It does not own the policy's source (RouteStore, SecretStore, templates) nor the guest
// devices: it closes a device when its connection ends but never deletes it.
// Behaviour, errors and limits for users: docs/egress.md.
#pragma once

#include "EgressPolicy.h"
#include "NetworkLog.h"

#include <QList>
#include <QObject>
#include <QSslCertificate>

class QIODevice;

namespace vivarium {

class EgressConnection;

class EgressProxy : public QObject {
    Q_OBJECT
public:
    static constexpr quint16 kDefaultGuestPort = 3128;
    // Stop reading one side while the other has more than this unwritten.
    static constexpr qint64 kHighWater = 1024 * 1024;

    struct Timeouts {
        int headMs = 30000;    // from the first byte (or the connection) to a complete head
        int connectMs = 15000; // lookup + connect (+ TLS for https routes)
        int idleMs = 300000;   // no byte moving in either direction (also keep-alive waits)
    };

    explicit EgressProxy(EgressPolicy policy = {}, QObject* parent = nullptr);
    ~EgressProxy() override;

    // Applies to requests that start after the call (a tunnel already open stays open).
    void setPolicy(EgressPolicy policy);
    const EgressPolicy& policy() const { return m_policy; }
    void setTimeouts(const Timeouts& timeouts) { m_timeouts = timeouts; }
    const Timeouts& timeouts() const { return m_timeouts; }
    // Trusted in addition to the system's CAs for https route upstreams (tests: self-signed).
    void setExtraCaCertificates(const QList<QSslCertificate>& certificates);
    const QList<QSslCertificate>& extraCaCertificates() const { return m_extraCa; }
    // The port of the agent's listener in the guest: route base URLs name it, and an
    // absolute-form request to 127.0.0.1:<port>/routes/… (a client that ignores NO_PROXY) is
    // served as a route.
    void setGuestPort(quint16 port) { m_guestPort = port; }
    quint16 guestPort() const { return m_guestPort; }

    // Serves HTTP on `guestConnection` (open, read-write) until it or the proxy closes it.
    void serve(QIODevice* guestConnection);
    int connectionCount() const { return m_connections.size(); }

signals:
    void logged(const vivarium::NetworkLogEntry& entry);

private:
    friend class EgressConnection;
    void forget(EgressConnection* connection);

    EgressPolicy m_policy;
    QList<QByteArray> m_secrets; // m_policy.secretValues()
    Timeouts m_timeouts;
    QList<QSslCertificate> m_extraCa;
    quint16 m_guestPort = kDefaultGuestPort;
    QList<EgressConnection*> m_connections;
};

} // namespace vivarium
