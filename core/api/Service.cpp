#include "Service.h"

#include "ApiProtocol.h"
#include "Log.h"
#include "Paths.h"

#include <QFile>
#include <QSaveFile>

namespace vivarium {

Service::Service(ServiceOptions options, QObject* parent)
    : QObject(parent), m_options(std::move(options)) {}

Service::~Service() {
    if (m_server)
        QFile::remove(Paths::endpointFile());
    m_server.reset();
    m_manager.reset();
}

Status Service::start() {
    QString listen = m_options.listen;
    if (listen.isEmpty())
        listen = QString::fromLocal8Bit(qgetenv("VIVARIUM_LISTEN"));
    if (listen.isEmpty())
        listen = QString("127.0.0.1:%1").arg(api::kDefaultPort);
    const int colon = listen.lastIndexOf(':');
    bool portOk = false;
    const QHostAddress address(listen.left(colon));
    const uint port = listen.mid(colon + 1).toUInt(&portOk);
    if (colon < 0 || address.isNull() || !portOk || port > 65535)
        return makeError("bad_config", "Cannot use listen address '" + listen +
                                           "': write it as ADDRESS:PORT, e.g. 127.0.0.1:8270.");
    if (!address.isLoopback())
        return makeError("bad_config",
                         "Listening on a non-loopback address needs TLS, which this version "
                         "does not offer yet; use 127.0.0.1.");

    Paths::ensureDir(Paths::runtimeDir());
    Paths::ensureDir(Paths::dataDir());
    m_lock = std::make_unique<QLockFile>(Paths::runtimeDir() + "/vivariumd.lock");
    m_lock->setStaleLockTime(0);
    if (!m_lock->tryLock(0))
        return makeError("already_running",
                         "Another vivariumd is already running for this user (lock " +
                             Paths::runtimeDir() + "/vivariumd.lock).");

    auto token = ApiServer::loadOrCreateToken(Paths::tokenFile());
    if (!token)
        return token.error();
    m_manager = std::make_unique<SandboxManager>(m_options.manager);
    if (auto s = m_manager->init(); !s)
        return s;
    m_server = std::make_unique<ApiServer>(m_manager.get());
    if (auto s = m_server->listen(address, quint16(port), token.value()); !s)
        return s;
    QSaveFile endpoint(Paths::endpointFile());
    if (!endpoint.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + Paths::endpointFile());
    endpoint.write(m_server->url().toUtf8() + "\n");
    endpoint.commit();
    qCInfo(lcApi) << "vivariumd listening on" << m_server->url();
    return {};
}

} // namespace vivarium
