#include "RegistryCredentials.h"

#include "ImageReference.h"
#include "Paths.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>

namespace vivarium {

namespace {

constexpr qint64 kMaxConfigBytes = 1024 * 1024;

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly) || f.size() > kMaxConfigBytes)
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

std::optional<RegistryCredential> fromAuths(const QJsonObject& auths, const QString& registry,
                                            const QString& source) {
    for (auto it = auths.begin(); it != auths.end(); ++it) {
        if (normaliseRegistry(it.key()) != registry)
            continue;
        const QJsonObject entry = it.value().toObject();
        QString user = entry.value("username").toString();
        QString password = entry.value("password").toString();
        if (const QString auth = entry.value("auth").toString(); !auth.isEmpty()) {
            const QString decoded = QString::fromUtf8(QByteArray::fromBase64(auth.toLatin1()));
            const int colon = decoded.indexOf(':');
            if (colon > 0) {
                user = decoded.left(colon);
                password = decoded.mid(colon + 1);
            }
        }
        if (!user.isEmpty())
            return RegistryCredential{user, password, source};
    }
    return std::nullopt;
}

} // namespace

RegistryCredentials::RegistryCredentials(QString ownFile, QString dockerFile)
    : m_ownFile(ownFile.isEmpty() ? Paths::configDir() + "/registries.json" : std::move(ownFile)),
      m_dockerFile(std::move(dockerFile)) {
    if (m_dockerFile.isEmpty()) {
        const QByteArray env = qgetenv("DOCKER_CONFIG");
        m_dockerFile =
            (env.isEmpty() ? QDir::homePath() + "/.docker" : QString::fromLocal8Bit(env)) +
            "/config.json";
    }
}

std::optional<RegistryCredential> RegistryCredentials::find(const QString& registry) const {
    const QString key = normaliseRegistry(registry);
    if (auto c = fromAuths(readJson(m_ownFile).value("auths").toObject(), key, "viv image login"))
        return c;
    return fromAuths(readJson(m_dockerFile).value("auths").toObject(), key, m_dockerFile);
}

Status RegistryCredentials::save(const QString& registry, const QString& username,
                                 const QString& password) {
    QJsonObject root = readJson(m_ownFile);
    QJsonObject auths = root.value("auths").toObject();
    // The same encoding Docker uses, so the file reads familiar; it is not a protection:
    // the protection is the file's mode.
    auths[normaliseRegistry(registry)] =
        QJsonObject{{"auth", QString::fromLatin1((username + ":" + password).toUtf8().toBase64())}};
    root["auths"] = auths;
    Paths::ensureDir(QFileInfo(m_ownFile).absolutePath());
    QSaveFile f(m_ownFile);
    if (!f.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + m_ownFile, f.errorString());
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner); // before any secret is written
    f.write(QJsonDocument(root).toJson());
    if (!f.commit())
        return makeError("io_error", "Cannot write " + m_ownFile, f.errorString());
    return {};
}

Status RegistryCredentials::remove(const QString& registry) {
    QJsonObject root = readJson(m_ownFile);
    QJsonObject auths = root.value("auths").toObject();
    if (!auths.contains(normaliseRegistry(registry)))
        return makeError("not_found", "There is no login for " + registry + ".");
    auths.remove(normaliseRegistry(registry));
    root["auths"] = auths;
    QSaveFile f(m_ownFile);
    if (!f.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + m_ownFile, f.errorString());
    f.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
    f.write(QJsonDocument(root).toJson());
    if (!f.commit())
        return makeError("io_error", "Cannot write " + m_ownFile, f.errorString());
    return {};
}

std::optional<AuthChallenge> AuthChallenge::parse(const QString& header) {
    const QString h = header.trimmed();
    const int space = h.indexOf(' ');
    AuthChallenge c;
    c.scheme = (space < 0 ? h : h.left(space)).toLower();
    if (c.scheme.isEmpty())
        return std::nullopt;
    if (space < 0)
        return c;
    // key=value or key="quoted \"value\"", separated by commas.
    const QString s = h.mid(space + 1);
    int i = 0;
    const int n = int(s.size());
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == ','))
            ++i;
        const int keyStart = i;
        while (i < n && s[i] != '=' && s[i] != ',')
            ++i;
        const QString key = s.mid(keyStart, i - keyStart).trimmed().toLower();
        if (i >= n || s[i] != '=') {
            continue;
        }
        ++i; // '='
        QString value;
        if (i < n && s[i] == '"') {
            ++i;
            while (i < n && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < n)
                    ++i;
                value += s[i++];
            }
            ++i; // closing quote
        } else {
            const int valueStart = i;
            while (i < n && s[i] != ',')
                ++i;
            value = s.mid(valueStart, i - valueStart).trimmed();
        }
        if (!key.isEmpty())
            c.params.insert(key, value);
    }
    return c;
}

} // namespace vivarium
