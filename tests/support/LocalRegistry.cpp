// LocalRegistry: see the header. docker-registry reads one YAML file; everything it needs
// (storage, htpasswd) lives in the temporary directory, removed with the object.
#include "LocalRegistry.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QMap>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTcpServer>
#include <QTimer>
#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>
#include <QtCore/qtestsupport_core.h>

namespace vivarium::testsupport {

namespace {

constexpr char kUser[] = "tester";
constexpr char kPassword[] = "s3cret-pass";
constexpr char kService[] = "vivarium-test-registry";
constexpr char kIssuer[] = "vivarium-test-issuer";

QString sha256(const QByteArray& data) {
    return "sha256:" +
           QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

quint16 freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

// Runs the event loop until `reply` finishes or `timeoutMs` pass; true when it finished.
bool waitFinished(QNetworkReply* reply, int timeoutMs) {
    if (reply->isFinished())
        return true;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    timer.start(timeoutMs);
    loop.exec();
    return reply->isFinished();
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

} // namespace

RegistryPusher::RegistryPusher(QString baseUrl, QString user, QString password)
    : m_base(std::move(baseUrl)) {
    if (!user.isEmpty())
        m_basic = "Basic " + (user + ":" + password).toUtf8().toBase64();
    m_authorization = m_basic;
}

bool RegistryPusher::fetchToken(const QString& challenge) {
    // Bearer realm="…",service="…",scope="…"
    QMap<QString, QString> params;
    static const QRegularExpression re("(\\w+)=\"([^\"]*)\"");
    for (auto it = re.globalMatch(challenge); it.hasNext();) {
        const auto m = it.next();
        params.insert(m.captured(1), m.captured(2));
    }
    QUrl realm(params.value("realm"));
    QUrlQuery q;
    q.addQueryItem("service", params.value("service"));
    for (const QString& scope : params.value("scope").split(' ', Qt::SkipEmptyParts))
        q.addQueryItem("scope", scope);
    realm.setQuery(q);
    QNetworkRequest req(realm);
    if (!m_basic.isEmpty())
        req.setRawHeader("Authorization", m_basic);
    QNetworkReply* r = m_nam.get(req);
    waitFinished(r, 30000);
    const QJsonObject o = QJsonDocument::fromJson(r->readAll()).object();
    r->deleteLater();
    const QString token = o.value("token").toString();
    if (token.isEmpty())
        return false;
    m_authorization = "Bearer " + token.toUtf8();
    return true;
}

bool RegistryPusher::blob(const QString& repo, const QByteArray& data) {
    const Answer r = send("POST", QUrl(m_base + "/v2/" + repo + "/blobs/uploads/"), {}, {});
    if (r.status != 202)
        return false;
    QUrl location = QUrl(m_base).resolved(QUrl(QString::fromLatin1(r.location)));
    const QString query = location.query();
    location.setQuery((query.isEmpty() ? "" : query + "&") + "digest=" + sha256(data));
    return send("PUT", location, data, "application/octet-stream").status == 201;
}

bool RegistryPusher::manifest(const QString& repo, const QString& tag, const QByteArray& data,
                              const QByteArray& mediaType) {
    return send("PUT", QUrl(m_base + "/v2/" + repo + "/manifests/" + tag), data, mediaType)
               .status == 201;
}

RegistryPusher::Answer RegistryPusher::send(const QByteArray& verb, const QUrl& url,
                                            const QByteArray& body, const QByteArray& type,
                                            bool retried) {
    QNetworkRequest req(url);
    if (!m_authorization.isEmpty())
        req.setRawHeader("Authorization", m_authorization);
    if (!type.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, type);
    QNetworkReply* r = m_nam.sendCustomRequest(req, verb, body);
    waitFinished(r, 60000);
    Answer a{r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
             r->rawHeader("Location")};
    const QString challenge = QString::fromUtf8(r->rawHeader("WWW-Authenticate"));
    if (a.status == 401 && !retried && challenge.startsWith("Bearer", Qt::CaseInsensitive)) {
        r->deleteLater();
        if (!fetchToken(challenge))
            return a;
        return send(verb, url, body, type, true);
    }
    if (a.status >= 300 || a.status == 0)
        qWarning() << verb << url << a.status << r->readAll().left(300);
    r->deleteLater();
    return a;
}

LocalRegistry::LocalRegistry() = default;

LocalRegistry::~LocalRegistry() {
    kill();
    if (m_tokenServer.state() != QProcess::NotRunning) {
        m_tokenServer.kill();
        m_tokenServer.waitForFinished();
    }
}

QString LocalRegistry::host() const { return QString("127.0.0.1:%1").arg(m_port); }
QString LocalRegistry::url() const { return QString("http://127.0.0.1:%1").arg(m_port); }
QString LocalRegistry::user() const { return QString::fromLatin1(kUser); }
QString LocalRegistry::password() const { return QString::fromLatin1(kPassword); }

QString LocalRegistry::blobFile(const QString& digest) const {
    const QString hex = digest.mid(7);
    return QString("%1/storage/docker/registry/v2/blobs/sha256/%2/%3/data")
        .arg(m_dir.path(), hex.left(2), hex);
}

QString LocalRegistry::tokenRealm() const {
    return QString("http://127.0.0.1:%1/token").arg(m_tokenPort);
}

QList<QJsonObject> LocalRegistry::tokenRequests() const {
    QList<QJsonObject> out;
    QFile f(m_dir.path() + "/token.log");
    if (!f.open(QIODevice::ReadOnly))
        return out;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.trimmed().isEmpty())
            out << QJsonDocument::fromJson(line).object();
    return out;
}

bool LocalRegistry::startTokenServer() {
    if (m_tokenServer.state() != QProcess::NotRunning)
        return true;
    const QString dir = m_dir.path();
    if (!QFileInfo::exists(dir + "/token.der")) {
        // A self-signed signing certificate: the registry's rootcertbundle, and the x5c of
        // every token's header.
        QProcess openssl;
        openssl.setProcessChannelMode(QProcess::MergedChannels);
        openssl.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                  dir + "/token.key", "-out", dir + "/token.crt", "-subj",
                                  "/CN=vivarium-test-token", "-days", "2"});
        if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0) {
            m_error = "openssl could not make the token signing key: " +
                      QString::fromUtf8(openssl.readAll()) + openssl.errorString();
            return false;
        }
        openssl.start("openssl", {"x509", "-in", dir + "/token.crt", "-outform", "DER", "-out",
                                  dir + "/token.der"});
        if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0) {
            m_error = "openssl could not convert the token certificate: " +
                      QString::fromUtf8(openssl.readAll());
            return false;
        }
    }
    m_tokenServer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_tokenServer.start("python3",
                        {VIVARIUM_TOKEN_SERVER_SCRIPT, "--port", QString::number(m_tokenPort),
                         "--key", dir + "/token.key", "--cert-der", dir + "/token.der", "--issuer",
                         kIssuer, "--service", kService, "--user", kUser, "--password", kPassword,
                         "--log", dir + "/token.log"});
    if (!m_tokenServer.waitForStarted(10000)) {
        m_error = "the token server (python3) did not start: " + m_tokenServer.errorString();
        return false;
    }
    // It says "listening PORT" once it listens.
    const QDeadlineTimer deadline(20000);
    QByteArray said;
    while (!said.contains('\n') && !deadline.hasExpired() &&
           m_tokenServer.state() == QProcess::Running) {
        m_tokenServer.waitForReadyRead(int(deadline.remainingTime()));
        said += m_tokenServer.readAllStandardOutput();
    }
    const QList<QByteArray> words = said.trimmed().split(' ');
    if (words.size() != 2 || words[0] != "listening" || words[1].toUInt() == 0) {
        m_error = "the token server did not start listening: " + QString::fromUtf8(said);
        m_tokenServer.kill();
        m_tokenServer.waitForFinished();
        return false;
    }
    m_tokenPort = quint16(words[1].toUInt());
    return true;
}

bool LocalRegistry::writeConfig() {
    if (!m_dir.isValid()) {
        m_error = "cannot create a temporary directory for the registry";
        return false;
    }
    QProcess htpasswd;
    htpasswd.start("htpasswd", {"-Bbn", kUser, kPassword});
    if (!htpasswd.waitForFinished(30000) || htpasswd.exitCode() != 0) {
        m_error = "htpasswd failed (apache2-utils installed?): " + htpasswd.errorString();
        return false;
    }
    if (!writeFile(m_dir.path() + "/htpasswd", htpasswd.readAllStandardOutput())) {
        m_error = "cannot write the htpasswd file";
        return false;
    }
    QString config = QString("version: 0.1\n"
                             "log:\n  level: error\n"
                             "storage:\n  filesystem:\n    rootdirectory: %1/storage\n"
                             "  delete:\n    enabled: true\n"
                             "http:\n  addr: 127.0.0.1:%2\n")
                         .arg(m_dir.path())
                         .arg(m_port);
    if (m_mode == Auth::Htpasswd)
        config += QString("auth:\n  htpasswd:\n    realm: vivarium-test\n    path: %1/htpasswd\n")
                      .arg(m_dir.path());
    else
        config += QString("auth:\n  token:\n    realm: %1\n    service: %2\n    issuer: %3\n"
                          "    rootcertbundle: %4/token.crt\n")
                      .arg(tokenRealm(), kService, kIssuer, m_dir.path());
    if (!writeFile(m_dir.path() + "/config.yml", config.toUtf8())) {
        m_error = "cannot write the registry configuration";
        return false;
    }
    return true;
}

bool LocalRegistry::start(Auth mode) {
    if (isRunning())
        return true;
    if (!m_configured || mode != m_mode) {
        m_mode = mode;
        if (m_port == 0)
            m_port = freePort();
        if (mode == Auth::Token && !startTokenServer())
            return false;
        if (!writeConfig())
            return false;
        m_configured = true;
    }
    m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process.start("docker-registry", {"serve", m_dir.path() + "/config.yml"});
    if (!m_process.waitForStarted()) {
        m_error = "docker-registry did not start: " + m_process.errorString();
        return false;
    }
    if (!waitUntilServing(20000)) {
        m_error = "docker-registry did not answer on " + url() + "/v2/ within 20 s";
        kill();
        return false;
    }
    return true;
}

bool LocalRegistry::waitUntilServing(int timeoutMs) {
    // Ready when it answers /v2/ with 401 (it wants a login).
    QNetworkAccessManager nam;
    return QTest::qWaitFor(
        [&] {
            if (m_process.state() == QProcess::NotRunning)
                return true; // died: give up at once (checked below)
            QNetworkReply* r = nam.get(QNetworkRequest(QUrl(url() + "/v2/")));
            waitFinished(r, 5000); // refused at once while it is not listening yet
            const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            r->deleteLater();
            return status == 401;
        },
        timeoutMs) &&
           m_process.state() != QProcess::NotRunning;
}

bool LocalRegistry::restart() {
    kill();
    return start(m_mode);
}

void LocalRegistry::kill() {
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.kill();
    m_process.waitForFinished();
}

std::unique_ptr<RegistryPusher> LocalRegistry::pusher() const {
    return std::make_unique<RegistryPusher>(url(), user(), password());
}

bool LocalRegistry::pushOciLayout(const QString& layoutDir, const QString& tag,
                                  const QString& repoAndTag, int timeoutMs) {
    QProcess skopeo;
    skopeo.setProcessChannelMode(QProcess::MergedChannels);
    skopeo.start("skopeo", {"copy", "--quiet", "--dest-tls-verify=false", "--dest-creds",
                            user() + ":" + password(), "oci:" + layoutDir + ":" + tag,
                            "docker://" + host() + "/" + repoAndTag});
    if (!skopeo.waitForStarted()) {
        m_error = "skopeo did not start (is it installed?): " + skopeo.errorString();
        return false;
    }
    if (!skopeo.waitForFinished(timeoutMs)) {
        skopeo.kill();
        skopeo.waitForFinished();
        m_error = QString("skopeo copy to %1 did not finish within %2 s")
                      .arg(repoAndTag)
                      .arg(timeoutMs / 1000);
        return false;
    }
    if (skopeo.exitStatus() != QProcess::NormalExit || skopeo.exitCode() != 0) {
        m_error = QString("skopeo copy to %1 failed: %2")
                      .arg(repoAndTag, QString::fromUtf8(skopeo.readAll()).trimmed());
        return false;
    }
    return true;
}

} // namespace vivarium::testsupport
