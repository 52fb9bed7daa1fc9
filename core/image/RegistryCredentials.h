// Registry credentials: the ones a user gave `viv image login` (kept in
// <config dir>/registries.json, mode 0600), then the user's Docker configuration
// ($DOCKER_CONFIG/config.json or ~/.docker/config.json, read only) the way the docker CLI
// reads it: a `credHelpers` entry for the registry, else the `credsStore`, else `auths`. A
// helper is the program `docker-credential-<name>` on PATH, run as `… get` with the server
// address on stdin (the credential helper protocol); it is the user's own configuration
// naming a program the user installed, so the service runs it as the user does, bounded by
// a timeout. find() may block on a helper: call it off the service's thread.
// Also parses WWW-Authenticate challenges (pure).
#pragma once

#include "Result.h"

#include <QMap>
#include <QString>

#include <optional>

namespace vivarium {

struct RegistryCredential {
    QString username;
    QString password;
    QString source; // where it came from, for messages: "viv image login", "~/.docker/config.json"
};

class RegistryCredentials {
public:
    // Empty paths: the defaults above.
    explicit RegistryCredentials(QString ownFile = {}, QString dockerFile = {});

    // No credential is a valid answer (nullopt); a helper that is missing, fails or times out
    // is an error naming the helper and the config file.
    Result<std::optional<RegistryCredential>> find(const QString& registry) const;
    Status save(const QString& registry, const QString& username, const QString& password);
    Status remove(const QString& registry);
    QString ownFile() const { return m_ownFile; }
    void setHelperTimeout(int ms) { m_helperTimeoutMs = ms; }

    // Runs `docker-credential-<helper> get` for `serverUrl`. nullopt when the helper knows no
    // credential for it.
    Result<std::optional<RegistryCredential>> runHelper(const QString& helper,
                                                        const QString& serverUrl,
                                                        const QString& source) const;

private:
    QString m_ownFile;
    QString m_dockerFile;
    int m_helperTimeoutMs = 30000;
};

// One WWW-Authenticate challenge: "Bearer realm="…",service="…",scope="…"" or "Basic realm=…".
struct AuthChallenge {
    QString scheme;                // lower case: "bearer", "basic"
    QMap<QString, QString> params; // keys lower case
    static std::optional<AuthChallenge> parse(const QString& header);
};

} // namespace vivarium
