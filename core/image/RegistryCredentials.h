// Registry credentials: the ones a user gave `viv image login` (kept in
// <config dir>/registries.json, mode 0600), then the `auths` of the user's Docker
// configuration ($DOCKER_CONFIG/config.json or ~/.docker/config.json), read only. Credential
// helpers (`credsStore`, `credHelpers`) are not run: they are programs, and the service does
// not execute what a config file names. Also parses WWW-Authenticate challenges (pure).
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

    std::optional<RegistryCredential> find(const QString& registry) const;
    Status save(const QString& registry, const QString& username, const QString& password);
    Status remove(const QString& registry);
    QString ownFile() const { return m_ownFile; }

private:
    QString m_ownFile;
    QString m_dockerFile;
};

// One WWW-Authenticate challenge: "Bearer realm="…",service="…",scope="…"" or "Basic realm=…".
struct AuthChallenge {
    QString scheme;                // lower case: "bearer", "basic"
    QMap<QString, QString> params; // keys lower case
    static std::optional<AuthChallenge> parse(const QString& header);
};

} // namespace vivarium
