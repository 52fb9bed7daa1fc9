// vivariumd as an object: one instance per data directory (a lock file), the sandbox manager,
// the API server and the endpoint file that tells local clients where it listens.
#pragma once

#include "ApiServer.h"
#include "SandboxManager.h"

#include <QLockFile>
#include <memory>

namespace vivarium {

struct ServiceOptions {
    QString listen; // "ADDR:PORT"; empty: $VIVARIUM_LISTEN, else 127.0.0.1:8270
    QStringList allowedOrigins; // web origins allowed to connect (besides $VIVARIUM_ALLOWED_ORIGINS)
    QString tlsCertificate;     // PEM; required for a non-loopback address
    QString tlsKey;
    ManagerSettings manager = ManagerSettings::fromEnvironment();
};

class Service : public QObject {
    Q_OBJECT
public:
    explicit Service(ServiceOptions options, QObject* parent = nullptr);
    ~Service() override;
    Status start();
    QString url() const { return m_server ? m_server->url() : QString(); }
    SandboxManager* manager() const { return m_manager.get(); }

private:
    ServiceOptions m_options;
    std::unique_ptr<QLockFile> m_lock;
    std::unique_ptr<SandboxManager> m_manager;
    std::unique_ptr<TokenStore> m_tokens;
    std::unique_ptr<ApiServer> m_server;
};

} // namespace vivarium
