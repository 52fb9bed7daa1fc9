#include "EgressProxy.h"

#include "EgressConnection.h"

#include <QIODevice>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcEgress, "vivarium.net.egress", QtInfoMsg)

namespace vivarium {

EgressProxy::EgressProxy(EgressPolicy policy, QObject* parent) : QObject(parent) {
    qRegisterMetaType<NetworkLogEntry>();
    setPolicy(std::move(policy));
}

EgressProxy::~EgressProxy() {
    // Connections are children; each closes its guest device as it goes.
    const QList<EgressConnection*> connections = m_connections;
    m_connections.clear();
    qDeleteAll(connections);
}

void EgressProxy::setPolicy(EgressPolicy policy) {
    m_policy = std::move(policy);
    m_secrets = m_policy.secretValues();
}

void EgressProxy::setExtraCaCertificates(const QList<QSslCertificate>& certificates) {
    m_extraCa = certificates;
}

void EgressProxy::serve(QIODevice* guestConnection) {
    if (!guestConnection || !guestConnection->isOpen() || !guestConnection->isReadable() ||
        !guestConnection->isWritable()) {
        qCWarning(lcEgress) << "refusing to serve a guest connection that is not open for reading "
                               "and writing";
        return;
    }
    auto* connection = new EgressConnection(this, guestConnection);
    m_connections << connection;
    connection->start();
}

void EgressProxy::forget(EgressConnection* connection) {
    m_connections.removeOne(connection);
}

} // namespace vivarium
