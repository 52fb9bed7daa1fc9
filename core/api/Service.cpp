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
    const bool defaultAddress = listen.isEmpty();
    if (defaultAddress)
        listen = QString("127.0.0.1:%1").arg(api::kDefaultPort);
    const int colon = listen.lastIndexOf(':');
    bool portOk = false;
    QString host = listen.left(colon);
    if (host.startsWith('[') && host.endsWith(']'))
        host = host.mid(1, host.size() - 2);
    const QHostAddress address(host);
    const uint port = listen.mid(colon + 1).toUInt(&portOk);
    if (colon < 0 || address.isNull() || !portOk || port > 65535)
        return makeError("bad_config", "Cannot use listen address '" + listen +
                                           "': write it as ADDRESS:PORT, e.g. 127.0.0.1:8270.");

    Paths::ensureDir(Paths::runtimeDir());
    Paths::ensureDir(Paths::dataDir());
    m_lock = std::make_unique<QLockFile>(Paths::runtimeDir() + "/vivariumd.lock");
    m_lock->setStaleLockTime(0);
    if (!m_lock->tryLock(0))
        return makeError("already_running",
                         "Another vivariumd is already running for this user (lock " +
                             Paths::runtimeDir() + "/vivariumd.lock).");

    m_tokens = std::make_unique<TokenStore>(Paths::tokenFile(), Paths::configDir() + "/tokens.json");
    if (auto token = m_tokens->loadOrCreateOwnerToken(); !token)
        return token.error();
    m_manager = std::make_unique<SandboxManager>(m_options.manager);
    if (auto s = m_manager->init(); !s)
        return s;
    m_server = std::make_unique<ApiServer>(m_manager.get(), m_tokens.get());
    ServerOptions server;
    server.address = address;
    server.port = quint16(port);
    server.allowedOrigins = m_options.allowedOrigins;
    if (const QByteArray o = qgetenv("VIVARIUM_ALLOWED_ORIGINS"); !o.isEmpty())
        server.allowedOrigins += QString::fromLocal8Bit(o).split(',', Qt::SkipEmptyParts);
    server.tlsCertificate = m_options.tlsCertificate;
    server.tlsKey = m_options.tlsKey;
    if (auto s = m_server->listen(server); !s) {
        // The default port taken (another user's service, say) is no reason not to run:
        // local clients find the service through the endpoint file whatever its port.
        if (!defaultAddress)
            return s;
        qCWarning(lcApi) << "port" << api::kDefaultPort << "is taken; listening on a free port";
        m_server = std::make_unique<ApiServer>(m_manager.get(), m_tokens.get());
        server.port = 0;
        if (auto again = m_server->listen(server); !again)
            return again;
    }
    QSaveFile endpoint(Paths::endpointFile());
    if (!endpoint.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + Paths::endpointFile());
    endpoint.write(m_server->url().toUtf8() + "\n");
    endpoint.commit();
    qCInfo(lcApi) << "vivariumd listening on" << m_server->url();
    return {};
}

} // namespace vivarium
