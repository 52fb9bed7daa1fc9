#include "TokenStore.h"

#include "Paths.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSaveFile>

namespace vivarium {

namespace {
QByteArray hashOf(const QString& secret) {
    return QCryptographicHash::hash(secret.toLatin1(), QCryptographicHash::Sha256).toHex();
}
// Compares without an early exit, so timing does not reveal a prefix.
bool sameBytes(const QByteArray& a, const QByteArray& b) {
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}
} // namespace

TokenStore::TokenStore(QString ownerTokenFile, QString scopedTokensFile)
    : m_ownerFile(std::move(ownerTokenFile)), m_scopedFile(std::move(scopedTokensFile)) {
    load();
}

QString TokenStore::randomSecret() {
    quint32 words[8];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char*>(words), sizeof words).toHex());
}

Result<QString> TokenStore::loadOrCreateOwnerToken() {
    QFile f(m_ownerFile);
    if (f.exists()) {
        if (!f.open(QIODevice::ReadOnly))
            return makeError("io_error", "Cannot read the API token " + m_ownerFile, f.errorString());
        const QString token = QString::fromLatin1(f.readAll()).trimmed();
        if (token.size() >= 32) {
            m_owner = token;
            return token;
        }
        f.close();
    }
    Paths::ensureDir(QFileInfo(m_ownerFile).absolutePath());
    const QString token = randomSecret();
    QFile::remove(m_ownerFile);
    if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return makeError("io_error", "Cannot create the API token " + m_ownerFile, f.errorString());
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(token.toLatin1() + "\n");
    m_owner = token;
    return token;
}

std::optional<Scope> TokenStore::authenticate(const QString& presented) const {
    if (presented.isEmpty())
        return std::nullopt;
    if (!m_owner.isEmpty() && sameBytes(presented.toLatin1(), m_owner.toLatin1()))
        return Scope{true, {}, {}};
    const QByteArray h = hashOf(presented);
    for (const Entry& e : m_entries)
        if (sameBytes(h, e.hash))
            return Scope{false, e.token.sandbox, e.token.id};
    return std::nullopt;
}

Result<std::pair<ScopedToken, QString>> TokenStore::createScoped(const QString& sandbox) {
    ScopedToken t{"tok-" + randomSecret().left(8), sandbox, QDateTime::currentDateTimeUtc()};
    const QString secret = "vivs_" + randomSecret();
    m_entries.append({t, hashOf(secret)});
    if (auto s = save(); !s) {
        m_entries.removeLast();
        return s.error();
    }
    return std::pair{t, secret};
}

QList<ScopedToken> TokenStore::scopedTokens() const {
    QList<ScopedToken> out;
    for (const Entry& e : m_entries)
        out << e.token;
    return out;
}

Status TokenStore::revoke(const QString& id) {
    for (qsizetype i = 0; i < m_entries.size(); ++i)
        if (m_entries[i].token.id == id) {
            m_entries.removeAt(i);
            return save();
        }
    return makeError("not_found", "There is no token '" + id + "'. List them with: viv token ls");
}

Status TokenStore::load() {
    QFile f(m_scopedFile);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QJsonArray list = QJsonDocument::fromJson(f.readAll()).object().value("tokens").toArray();
    for (const QJsonValue& v : list) {
        const QJsonObject o = v.toObject();
        Entry e{{o.value("id").toString(), o.value("sandbox").toString(),
                 QDateTime::fromString(o.value("created").toString(), Qt::ISODate)},
                o.value("sha256").toString().toLatin1()};
        if (!e.token.id.isEmpty() && e.hash.size() == 64)
            m_entries.append(e);
    }
    return {};
}

Status TokenStore::save() const {
    QJsonArray list;
    for (const Entry& e : m_entries)
        list.append(QJsonObject{{"id", e.token.id},
                                {"sandbox", e.token.sandbox},
                                {"created", e.token.created.toString(Qt::ISODate)},
                                {"sha256", QString::fromLatin1(e.hash)}});
    Paths::ensureDir(QFileInfo(m_scopedFile).absolutePath());
    QSaveFile f(m_scopedFile);
    if (!f.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + m_scopedFile, f.errorString());
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(QJsonDocument(QJsonObject{{"tokens", list}}).toJson());
    if (!f.commit())
        return makeError("io_error", "Cannot write " + m_scopedFile, f.errorString());
    return {};
}

} // namespace vivarium
