// API tokens. The owner's token (a file, 0600) may do everything; scoped tokens, made by the
// owner for one sandbox and handed to an agent, may use only that sandbox. Scoped tokens
// are stored as SHA-256 hashes (tokens.json, 0600), so the file never holds a usable secret.
#pragma once

#include "Result.h"

#include <QDateTime>
#include <QList>
#include <QString>

#include <optional>

namespace vivarium {

struct Scope {
    bool owner = false;
    QString sandbox; // for scoped tokens: the only sandbox it may use
    QString tokenId;
    bool allows(const QString& sandboxId) const { return owner || sandbox == sandboxId; }
};

struct ScopedToken {
    QString id;
    QString sandbox;
    QDateTime created;
};

class TokenStore {
public:
    TokenStore(QString ownerTokenFile, QString scopedTokensFile);

    Result<QString> loadOrCreateOwnerToken();
    std::optional<Scope> authenticate(const QString& presented) const;

    // Returns the new token's secret; it is not stored and cannot be shown again.
    Result<std::pair<ScopedToken, QString>> createScoped(const QString& sandbox);
    QList<ScopedToken> scopedTokens() const;
    Status revoke(const QString& id);

private:
    struct Entry {
        ScopedToken token;
        QByteArray hash;
    };
    Status load();
    Status save() const;
    static QString randomSecret();

    QString m_ownerFile;
    QString m_scopedFile;
    QString m_owner;
    QList<Entry> m_entries;
};

} // namespace vivarium
