#include "RegistryCredentials.h"

#include "ImageReference.h"
#include "Paths.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

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

Result<std::optional<RegistryCredential>>
RegistryCredentials::find(const QString& registry) const {
    const QString key = normaliseRegistry(registry);
    if (auto c = fromAuths(readJson(m_ownFile).value("auths").toObject(), key, "viv image login"))
        return c;
    // The docker CLI's order: a helper for this registry, else the store for all, else auths.
    const QJsonObject docker = readJson(m_dockerFile);
    // The address the docker CLI hands helpers: Docker Hub's historical URL, else the host.
    const QString serverUrl = key == "docker.io" ? QString("https://index.docker.io/v1/") : key;
    const QJsonObject helpers = docker.value("credHelpers").toObject();
    for (auto it = helpers.begin(); it != helpers.end(); ++it)
        if (normaliseRegistry(it.key()) == key && !it.value().toString().isEmpty())
            return runHelper(it.value().toString(), serverUrl,
                             QString("credHelpers in %1").arg(m_dockerFile));
    if (const QString store = docker.value("credsStore").toString(); !store.isEmpty())
        return runHelper(store, serverUrl, QString("credsStore in %1").arg(m_dockerFile));
    return fromAuths(docker.value("auths").toObject(), key, m_dockerFile);
}

Result<std::optional<RegistryCredential>>
RegistryCredentials::runHelper(const QString& helper, const QString& serverUrl,
                               const QString& source) const {
    // A helper name is a suffix, never a path: the config file must not name any program.
    static const QRegularExpression validName("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
    const QString program = "docker-credential-" + helper;
    if (!validName.match(helper).hasMatch())
        return makeError("registry_auth",
                         QString("The credential helper '%1' (%2) is not a valid helper name.")
                             .arg(helper.left(80), source));
    const QString path = QStandardPaths::findExecutable(program);
    if (path.isEmpty())
        return makeError("registry_auth",
                         QString("The credential helper %1 (named by %2) is not installed or not "
                                 "on the service's PATH. Install it, or remove it from that file "
                                 "and log in with: viv image login %3 -u USER --password-stdin")
                             .arg(program, source, serverUrl));
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(path, {"get"});
    if (!p.waitForStarted(m_helperTimeoutMs))
        return makeError("registry_auth",
                         QString("The credential helper %1 (named by %2) could not be started.")
                             .arg(program, source),
                         p.errorString());
    p.write(serverUrl.toUtf8());
    p.closeWriteChannel();
    if (!p.waitForFinished(m_helperTimeoutMs)) {
        p.kill();
        p.waitForFinished();
        return makeError("registry_auth",
                         QString("The credential helper %1 (named by %2) gave no answer for %3 "
                                 "within %4 s.")
                             .arg(program, source, serverUrl)
                             .arg(m_helperTimeoutMs / 1000));
    }
    const QByteArray out = p.readAllStandardOutput().left(kMaxConfigBytes);
    const QString err = QString::fromUtf8(p.readAllStandardError().left(2000)).trimmed();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        // The protocol's "no credential" answer is this text on stdout with a failure exit.
        if (out.contains("credentials not found"))
            return std::optional<RegistryCredential>();
        return makeError(
            "registry_auth",
            QString("The credential helper %1 (named by %2) failed for %3 (exit %4).")
                .arg(program, source, serverUrl)
                .arg(p.exitCode()),
            (QString::fromUtf8(out.left(500)).trimmed() + " " + err).trimmed());
    }
    const QJsonObject o = QJsonDocument::fromJson(out).object();
    const QString user = o.value("Username").toString();
    const QString secret = o.value("Secret").toString();
    if (user.isEmpty() || secret.isEmpty())
        return makeError("registry_auth",
                         QString("The credential helper %1 (named by %2) answered for %3 without "
                                 "a Username and Secret.")
                             .arg(program, source, serverUrl));
    if (user == "<token>")
        return makeError("registry_auth",
                         QString("The credential helper %1 holds an identity token for %2, which "
                                 "Vivarium cannot use; log in with: viv image login %2 -u USER "
                                 "--password-stdin")
                             .arg(program, serverUrl));
    return std::optional<RegistryCredential>(RegistryCredential{user, secret, program});
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
