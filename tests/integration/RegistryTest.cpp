// Pulling from a real registry, end to end through `viv` and a private vivariumd: Debian's
// docker-registry on a random loopback port with htpasswd auth (started and stopped here,
// configured by a temporary YAML file), and test images built here (a BusyBox base, a layer
// with the host's real python3 and a trimmed standard library, an app layer with a whiteout;
// a multi-arch index over it). No internet.
//
// Covered: pulling without and with wrong credentials, `viv image login`, Docker's
// config.json, per-layer progress and a shared cached layer, a tampered blob in the
// registry's storage (clear error, nothing kept, a retry after the repair works), the
// registry killed in the middle of a layer (clear error, the retry resumes with a Range
// request), TLS required for a non-loopback registry unless --insecure, and one real boot:
// `viv run --image` running python3 with the image's WorkingDir, User and Env, while
// `viv image rm` is refused because the sandbox uses the image.
#include "../unit/TestLayers.h"
#include "ServiceFixture.h"

#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkInterface>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

using namespace testlayers;

namespace {

constexpr char kUser[] = "tester";
constexpr char kPassword[] = "s3cret-pass";

QString sha256(const QByteArray& data) {
    return "sha256:" +
           QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

quint16 freePort(const QHostAddress& address = QHostAddress::LocalHost) {
    QTcpServer s;
    s.listen(address, 0);
    return s.serverPort();
}

// docker-registry with htpasswd auth, its storage in a temporary directory.
class Registry {
public:
    QTemporaryDir dir;
    quint16 port = 0;
    QProcess process;

    bool start() {
        if (port == 0) {
            port = freePort();
            QProcess htpasswd;
            htpasswd.start("htpasswd", {"-Bbn", kUser, kPassword});
            htpasswd.waitForFinished();
            QFile f(dir.path() + "/htpasswd");
            f.open(QIODevice::WriteOnly);
            f.write(htpasswd.readAllStandardOutput());
            f.close();
            QFile config(dir.path() + "/config.yml");
            config.open(QIODevice::WriteOnly);
            config.write(
                QString("version: 0.1\n"
                        "log:\n  level: error\n"
                        "storage:\n  filesystem:\n    rootdirectory: %1/storage\n"
                        "  delete:\n    enabled: true\n"
                        "http:\n  addr: 127.0.0.1:%2\n"
                        "auth:\n  htpasswd:\n    realm: vivarium-test\n    path: %1/htpasswd\n")
                    .arg(dir.path())
                    .arg(port)
                    .toUtf8());
        }
        process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        process.start("docker-registry", {"serve", dir.path() + "/config.yml"});
        if (!process.waitForStarted())
            return false;
        // Ready when it answers /v2/ (with 401: it wants a login).
        QNetworkAccessManager nam;
        return QTest::qWaitFor([&] {
            QNetworkReply* r = nam.get(QNetworkRequest(QUrl(url() + "/v2/")));
            QSignalSpy done(r, &QNetworkReply::finished);
            done.wait(5000); // refused at once while it is not listening yet
            const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            r->deleteLater();
            return status == 401;
        }, 20000);
    }
    void kill() {
        process.kill();
        process.waitForFinished();
    }
    QString url() const { return QString("http://127.0.0.1:%1").arg(port); }
    QString host() const { return QString("127.0.0.1:%1").arg(port); }
    QString blobFile(const QString& digest) const {
        const QString hex = digest.mid(7);
        return QString("%1/storage/docker/registry/v2/blobs/sha256/%2/%3/data")
            .arg(dir.path(), hex.left(2), hex);
    }
};

// Pushes blobs and manifests over the registry API (monolithic uploads).
class Pusher {
public:
    explicit Pusher(QString base) : m_base(std::move(base)) {}

    bool blob(const QString& repo, const QByteArray& data) {
        auto r = send("POST", QUrl(m_base + "/v2/" + repo + "/blobs/uploads/"), {}, {});
        if (r.status != 202)
            return false;
        QUrl location = QUrl(m_base).resolved(QUrl(QString::fromLatin1(r.location)));
        QString query = location.query();
        location.setQuery((query.isEmpty() ? "" : query + "&") + "digest=" + sha256(data));
        return send("PUT", location, data, "application/octet-stream").status == 201;
    }
    bool manifest(const QString& repo, const QString& tag, const QByteArray& data,
                  const QByteArray& type) {
        return send("PUT", QUrl(m_base + "/v2/" + repo + "/manifests/" + tag), data, type).status ==
               201;
    }

private:
    struct Answer {
        int status = 0;
        QByteArray location;
    };
    Answer send(const QByteArray& verb, const QUrl& url, const QByteArray& body,
                const QByteArray& type) {
        QNetworkRequest req(url);
        req.setRawHeader("Authorization",
                         "Basic " + QByteArray(kUser + QByteArray(":") + kPassword).toBase64());
        if (!type.isEmpty())
            req.setHeader(QNetworkRequest::ContentTypeHeader, type);
        QNetworkReply* r = m_nam.sendCustomRequest(req, verb, body);
        QSignalSpy done(r, &QNetworkReply::finished);
        done.wait(60000);
        Answer a{r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                 r->rawHeader("Location")};
        if (a.status >= 300)
            qWarning() << verb << url << a.status << r->readAll().left(300);
        r->deleteLater();
        return a;
    }
    QString m_base;
    QNetworkAccessManager m_nam;
};

// A TCP proxy in front of the registry that can stop passing the registry's bytes after a
// given amount (so a test can kill the registry in the middle of a layer), and that keeps
// what clients asked (to see a resumed download's Range header).
class Proxy : public QObject {
    Q_OBJECT
public:
    Proxy(const QHostAddress& listen, quint16 upstream) : m_upstream(upstream) {
        connect(&m_server, &QTcpServer::newConnection, this, &Proxy::accept);
        m_server.listen(listen, 0);
    }
    quint16 port() const { return m_server.serverPort(); }
    QByteArray requests;  // everything clients sent
    qint64 forwarded = 0; // registry bytes passed to clients
    qint64 pauseAt = -1;  // stop passing registry bytes once `forwarded` reaches this
    bool paused() const { return pauseAt >= 0 && forwarded >= pauseAt; }

private:
    void accept() {
        while (QTcpSocket* client = m_server.nextPendingConnection()) {
            auto* up = new QTcpSocket(client);
            up->setReadBufferSize(64 * 1024); // unread bytes stay in the registry's socket
            up->connectToHost(QHostAddress::LocalHost, m_upstream);
            connect(client, &QTcpSocket::readyRead, up, [this, client, up] {
                const QByteArray data = client->readAll();
                requests += data;
                up->write(data);
            });
            connect(up, &QTcpSocket::readyRead, client, [this, client, up] { pump(client, up); });
            connect(up, &QTcpSocket::disconnected, client,
                    [client] { client->disconnectFromHost(); });
            connect(up, &QTcpSocket::errorOccurred, client,
                    [client] { client->disconnectFromHost(); });
            connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
        }
    }
    void pump(QTcpSocket* client, QTcpSocket* up) {
        qint64 allowed = up->bytesAvailable();
        if (pauseAt >= 0)
            allowed = std::min(allowed, pauseAt - forwarded);
        if (allowed <= 0)
            return;
        const QByteArray data = up->read(allowed);
        forwarded += data.size();
        client->write(data);
    }
    QTcpServer m_server;
    quint16 m_upstream;
};

} // namespace

class RegistryTest : public QObject {
    Q_OBJECT

    Registry m_registry;
    QTemporaryDir m_work;
    std::unique_ptr<ServiceFixture> m_service;
    QString m_cache;
    QMap<QString, QByteArray> m_layers; // name → layer bytes
    QString m_bigDigest;
    QByteArray m_tamperedOriginal;
    QString m_tamperedDigest;

    QString ref(const QString& repo) const { return m_registry.host() + "/" + repo; }

    QString makeCache() {
        // A private cache, so pulled images never touch the shared one; the prepared guest
        // kernel is shared through a symlink.
        const QString cache =
            m_work.path() + QString("/cache-%1").arg(QRandomGenerator::global()->generate());
        QDir().mkpath(cache);
        const QByteArray shared = qgetenv("VIVARIUM_CACHE_DIR");
        const QString real = shared.isEmpty() ? QDir::homePath() + "/.local/share/vivarium"
                                              : QString::fromLocal8Bit(shared);
        QFile::link(real + "/kernel", cache + "/kernel");
        return cache;
    }

    // Pushes config + layers + manifest; returns the manifest's digest.
    QString pushImage(Pusher& push, const QString& repo, const QString& tag,
                      const QList<QByteArray>& layers, const QJsonObject& runConfig,
                      const QString& arch = "amd64", bool gzip = true, bool tagIt = true,
                      QByteArray* manifestOut = nullptr) {
        QJsonArray diffIds, layerDescs;
        for (const QByteArray& l : layers) {
            diffIds.append(
                sha256(l)); // (not the uncompressed digest; the puller does not check it)
            layerDescs.append(
                QJsonObject{{"mediaType", gzip ? "application/vnd.oci.image.layer.v1.tar+gzip"
                                               : "application/vnd.oci.image.layer.v1.tar"},
                            {"digest", sha256(l)},
                            {"size", l.size()}});
            if (!push.blob(repo, l))
                return {};
        }
        const QByteArray config =
            QJsonDocument(
                QJsonObject{{"architecture", arch},
                            {"os", "linux"},
                            {"config", runConfig},
                            {"rootfs", QJsonObject{{"type", "layers"}, {"diff_ids", diffIds}}}})
                .toJson(QJsonDocument::Compact);
        if (!push.blob(repo, config))
            return {};
        const QByteArray manifest =
            QJsonDocument(
                QJsonObject{{"schemaVersion", 2},
                            {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                            {"config",
                             QJsonObject{{"mediaType", "application/vnd.oci.image.config.v1+json"},
                                         {"digest", sha256(config)},
                                         {"size", config.size()}}},
                            {"layers", layerDescs}})
                .toJson(QJsonDocument::Compact);
        if (!push.manifest(repo, tagIt ? tag : sha256(manifest), manifest,
                           "application/vnd.oci.image.manifest.v1+json"))
            return {};
        if (manifestOut)
            *manifestOut = manifest;
        return sha256(manifest);
    }

    QByteArray layerFile(const QList<Item>& items,
                         TarWriter::Compression c = TarWriter::Compression::Gzip) {
        static int n = 0;
        const QString p = m_work.path() + QString("/layer-%1.tar").arg(++n);
        if (writeLayer(p, items, c).isEmpty())
            return {};
        return readAll(p);
    }

    QByteArray baseLayer() {
        QList<Item> items{
            {dir("bin"), {}}, {dir("etc"), {}}, f("bin/busybox", readAll("/bin/busybox"), 0755)};
        for (const char* applet : {"sh", "ls", "cat", "id", "env", "pwd", "echo"})
            items << Item{sym(QByteArray("bin/") + applet, "busybox"), {}};
        items << f("etc/passwd",
                   "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/app:/bin/sh\n")
              << f("etc/group", "root:x:0:\napp:x:1000:\n") << f("etc/motd", "to be whited out\n");
        return layerFile(items);
    }

    QByteArray pythonLayer() {
        // The host's real python3 with the part of its standard library that starting it
        // and the test's script need, under /usr/local like the python:*-slim images.
        QList<Item> items;
        items << f("usr/local/bin/python3", readAll("/usr/bin/python3.11"), 0755);
        for (const char* lib : {"libm.so.6", "libz.so.1", "libexpat.so.1", "libc.so.6"})
            items << f(
                QByteArray("lib/x86_64-linux-gnu/") + lib,
                readAll(QFileInfo(QString("/lib/x86_64-linux-gnu/") + lib).canonicalFilePath()),
                0755);
        items << f("lib64/ld-linux-x86-64.so.2",
                   readAll(QFileInfo("/lib64/ld-linux-x86-64.so.2").canonicalFilePath()), 0755);
        const QString std = "/usr/lib/python3.11";
        for (const QString& name : QDir(std).entryList({"*.py"}, QDir::Files))
            items << f("usr/local/lib/python3.11/" + name.toUtf8(), readAll(std + "/" + name));
        for (const char* pkg :
             {"encodings", "collections", "importlib", "re", "json", "lib-dynload"}) {
            QDirIterator it(std + "/" + pkg, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString file = it.next();
                if (file.contains("__pycache__"))
                    continue;
                items << f("usr/local/lib/python3.11/" + file.mid(std.size() + 1).toUtf8(),
                           readAll(file), QFileInfo(file).isExecutable() ? 0755 : 0644);
            }
        }
        return layerFile(items);
    }

    QByteArray appLayer() {
        return layerFile(
            {{dir("app", 0755, 1000, 1000), {}},
             f("app/hello.py", "import os\nprint('hello from', os.getcwd())\n", 0644, 1000, 1000),
             f("etc/.wh.motd", "")});
    }

    VivResult viv(const QStringList& args, const QByteArray& in = {}) {
        return m_service->viv(args, in, 300000);
    }
    // `viv` while this process's event loop runs (the proxy below lives in it).
    VivResult vivLive(const QStringList& args, const QByteArray& in = {}) {
        QProcess* p = m_service->startViv(args, this);
        p->waitForStarted();
        p->write(in);
        p->closeWriteChannel();
        VivResult r;
        if (!QTest::qWaitFor([p] { return p->state() == QProcess::NotRunning; }, 300000))
            return r;
        r.code = p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
        r.out = p->readAllStandardOutput();
        r.err = p->readAllStandardError();
        p->deleteLater();
        return r;
    }
    QJsonArray images() {
        return QJsonDocument::fromJson(viv({"image", "ls", "--json"}).out).array();
    }
    QJsonObject imageNamed(const QString& name) {
        for (const QJsonValue& v : images())
            if (v.toObject().value("name").toString() == name)
                return v.toObject();
        return {};
    }
    QStringList blobs() const { return QDir(m_cache + "/oci/blobs/sha256").entryList(QDir::Files); }
    QStringList partials() const { return QDir(m_cache + "/oci/partial").entryList(QDir::Files); }

private slots:
    void initTestCase() {
        QVERIFY(m_registry.dir.isValid() && m_work.isValid());
        QVERIFY2(m_registry.start(), "docker-registry did not start");
        Pusher push(m_registry.url());
        const QByteArray base = baseLayer(), python = pythonLayer(), app = appLayer();
        QVERIFY(!base.isEmpty() && !python.isEmpty() && !app.isEmpty());
        const QJsonObject pyConfig{{"Env", QJsonArray{"PATH=/usr/local/bin:/usr/bin:/bin",
                                                      "GREETING=hello from the image"}},
                                   {"WorkingDir", "/app"},
                                   {"User", "1000:1000"},
                                   {"Cmd", QJsonArray{"python3", "/app/hello.py"}}};
        // test/py:1 is a multi-arch index: an arm64 image beside the amd64 one.
        QByteArray amd64, arm64;
        QVERIFY(!pushImage(push, "test/py", "", {base, python, app}, pyConfig, "amd64", true, false,
                           &amd64)
                     .isEmpty());
        QVERIFY(!pushImage(push, "test/py", "", {base, app}, pyConfig, "arm64", true, false, &arm64)
                     .isEmpty());
        auto entry = [](const QByteArray& m, const char* arch) {
            return QJsonObject{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                               {"digest", sha256(m)},
                               {"size", m.size()},
                               {"platform", QJsonObject{{"os", "linux"}, {"architecture", arch}}}};
        };
        const QByteArray index =
            QJsonDocument(QJsonObject{{"schemaVersion", 2},
                                      {"mediaType", "application/vnd.oci.image.index.v1+json"},
                                      {"manifests",
                                       QJsonArray{entry(arm64, "arm64"), entry(amd64, "amd64")}}})
                .toJson(QJsonDocument::Compact);
        QVERIFY(push.manifest("test/py", "1", index, "application/vnd.oci.image.index.v1+json"));
        m_layers = {{"base", base}, {"python", python}, {"app", app}};
        // test/small:1 shares the base layer.
        QVERIFY(!pushImage(push, "test/small", "1", {base, layerFile({f("small", "s")})}, {})
                     .isEmpty());
        // test/big:1: one 24 MiB incompressible layer, for the interrupted download.
        QByteArray random(24 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i + 4 <= random.size(); i += 4) {
            const quint32 v = QRandomGenerator::global()->generate();
            std::memcpy(random.data() + i, &v, 4);
        }
        const QByteArray big = layerFile({f("big.bin", random)}, TarWriter::Compression::None);
        m_bigDigest = sha256(big);
        QVERIFY(!pushImage(push, "test/big", "1", {big}, {}, "amd64", false).isEmpty());
        // test/tampered:1: its layer is altered in the registry's storage by a test below.
        const QByteArray tampered = layerFile({f("t", QByteArray(100000, 't'))});
        m_tamperedDigest = sha256(tampered);
        m_tamperedOriginal = tampered;
        QVERIFY(!pushImage(push, "test/tampered", "1", {tampered}, {}).isEmpty());

        m_cache = makeCache();
        m_service = std::make_unique<ServiceFixture>(QStringList{
            "VIVARIUM_CACHE_DIR=" + m_cache, "DOCKER_CONFIG=" + m_work.path() + "/no-docker"});
    }

    void pullNeedsLogin() {
        const VivResult r = viv({"image", "pull", ref("test/small:1")});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("needs a login") &&
                     r.err.contains("viv image login " + m_registry.host().toUtf8()),
                 r.err.constData());
        QVERIFY(blobs().isEmpty() || !blobs().contains(sha256(m_layers["base"]).mid(7)));
        QVERIFY(
            QDir(m_cache + "/oci/images").entryList(QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());
    }

    void loginChecksTheCredential() {
        VivResult r =
            viv({"image", "login", m_registry.host(), "-u", kUser, "--password-stdin"}, "wrong\n");
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("refused the login of 'tester'"), r.err.constData());
        QVERIFY(!QFileInfo::exists(m_service->configDir() + "/registries.json"));
        r = viv({"image", "login", m_registry.host(), "-u", kUser}, "x");
        QCOMPARE(r.code, 2); // the password never comes from the command line
        r = viv({"image", "login", m_registry.host(), "-u", kUser, "--password-stdin"},
                QByteArray(kPassword) + "\n");
        QVERIFY2(r.code == 0, r.err.constData());
        const QFileInfo stored(m_service->configDir() + "/registries.json");
        QVERIFY(stored.exists());
        QCOMPARE(stored.permissions() & (QFile::ReadGroup | QFile::ReadOther),
                 QFile::Permissions());
        QVERIFY(!readAll(stored.filePath())
                     .contains(kPassword)); // encoded as Docker does, not in clear
    }

    void pullWithProgressAndSharedLayers() {
        VivResult r = viv({"image", "pull", ref("test/small:1")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains(ref("test/small:1").toUtf8()));
        // The stored blobs are named by their content.
        for (const QString& hex : blobs())
            QCOMPARE(sha256(readAll(m_cache + "/oci/blobs/sha256/" + hex)), "sha256:" + hex);
        QVERIFY(blobs().contains(sha256(m_layers["base"]).mid(7)));

        // The index resolves to linux/amd64; the base layer is not downloaded again.
        r = viv({"image", "pull", ref("test/py:1")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QByteArray base = sha256(m_layers["base"]).mid(7, 12).toUtf8();
        const QByteArray python = sha256(m_layers["python"]).mid(7, 12).toUtf8();
        QVERIFY2(r.err.contains(base + " cached"), r.err.constData());
        QVERIFY2(r.err.contains(python + " downloading") && r.err.contains(python + " downloaded"),
                 r.err.constData());
        QVERIFY(r.err.contains("extracting"));
        const QJsonObject py = imageNamed(ref("test/py:1"));
        QVERIFY2(!py.isEmpty(), QJsonDocument(images()).toJson().constData());
        QCOMPARE(py.value("kind").toString(), QString("pulled"));
        QCOMPARE(py.value("layers").toInt(), 3);
        QCOMPARE(py.value("config").toObject().value("WorkingDir").toString(), QString("/app"));
        QVERIFY(py.value("disk_bytes").toInteger() > 0);
        QVERIFY(partials().isEmpty());
        // Pulling again is quick and changes nothing.
        r = viv({"image", "pull", ref("test/py:1")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.out.contains(py.value("digest").toString().toUtf8()));
        const QString text = QString::fromUtf8(viv({"image", "ls"}).out);
        QVERIFY2(text.contains(ref("test/py:1")) && text.contains("built-in"), qPrintable(text));
    }

    void dockerConfigCredentials() {
        // A service that has no login of its own uses ~/.docker/config.json ($DOCKER_CONFIG).
        const QString docker = m_work.path() + "/docker";
        QDir().mkpath(docker);
        QFile f(docker + "/config.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            QJsonDocument(
                QJsonObject{
                    {"auths",
                     QJsonObject{
                         {m_registry.host(),
                          QJsonObject{{"auth", QString::fromLatin1(
                                                   QByteArray(kUser + QByteArray(":") + kPassword)
                                                       .toBase64())}}}}}})
                .toJson());
        f.close();
        ServiceFixture other({"VIVARIUM_CACHE_DIR=" + makeCache(), "DOCKER_CONFIG=" + docker});
        const VivResult r = other.viv({"image", "pull", ref("test/small:1")});
        QVERIFY2(r.code == 0, r.err.constData());
    }

    void tamperedBlob() {
        // Same length, different bytes: only the digest can tell.
        const QString stored = m_registry.blobFile(m_tamperedDigest);
        QByteArray altered = m_tamperedOriginal;
        altered[altered.size() / 2] = char(altered[altered.size() / 2] ^ 0x55);
        QFile f(stored);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(altered);
        f.close();
        VivResult r = viv({"image", "pull", ref("test/tampered:1")});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("does not match its digest") && r.err.contains("Nothing was kept"),
                 r.err.constData());
        QVERIFY(!blobs().contains(m_tamperedDigest.mid(7)));
        QVERIFY(!partials().contains(m_tamperedDigest.mid(7)));
        QVERIFY(imageNamed(ref("test/tampered:1")).isEmpty());
        // Repaired, the same pull works.
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(m_tamperedOriginal);
        f.close();
        r = viv({"image", "pull", ref("test/tampered:1")});
        QVERIFY2(r.code == 0, r.err.constData());
    }

    void registryDiesMidPullAndTheRetryResumes() {
        Proxy proxy(QHostAddress::LocalHost, m_registry.port);
        const QString host = QString("127.0.0.1:%1").arg(proxy.port());
        VivResult r = vivLive({"image", "login", host, "-u", kUser, "--password-stdin"}, kPassword);
        QVERIFY2(r.code == 0, r.err.constData());
        proxy.pauseAt = proxy.forwarded + (8 << 20);
        QProcess* pull = m_service->startViv({"image", "pull", host + "/test/big:1"}, this);
        QTRY_VERIFY_WITH_TIMEOUT(proxy.paused(), 120000);
        m_registry.kill(); // in the middle of the 24 MiB layer
        QTRY_VERIFY_WITH_TIMEOUT(pull->state() == QProcess::NotRunning, 120000);
        const QByteArray err = pull->readAllStandardError();
        QCOMPARE(pull->exitCode(), 125);
        QVERIFY2(err.contains("pull again to resume"), err.constData());
        const QString partial = m_cache + "/oci/partial/" + m_bigDigest.mid(7);
        const qint64 have = QFileInfo(partial).size();
        QVERIFY2(have > (1 << 20) && have < (24 << 20), qPrintable(QString::number(have)));
        QVERIFY(!blobs().contains(m_bigDigest.mid(7)));

        QVERIFY(m_registry.start());
        proxy.pauseAt = -1;
        const qint64 before = proxy.forwarded;
        proxy.requests.clear();
        r = vivLive({"image", "pull", host + "/test/big:1"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(proxy.requests.contains("Range: bytes=" + QByteArray::number(have) + "-") ||
                     proxy.requests.contains("range: bytes=" + QByteArray::number(have) + "-"),
                 proxy.requests.left(2000).constData());
        // Only the rest came over the wire the second time.
        QVERIFY(proxy.forwarded - before < (24 << 20) - have + (1 << 20));
        QVERIFY(blobs().contains(m_bigDigest.mid(7)));
        QVERIFY(!partials().contains(m_bigDigest.mid(7)));
    }

    void nonLoopbackNeedsTlsOrInsecure() {
        QHostAddress outside;
        for (const QHostAddress& a : QNetworkInterface::allAddresses())
            if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback())
                outside = a;
        if (outside.isNull())
            QSKIP("this machine has no non-loopback IPv4 address to serve a registry on");
        Proxy proxy(outside, m_registry.port);
        const QString host = outside.toString() + ":" + QString::number(proxy.port());
        VivResult r = vivLive({"image", "pull", host + "/test/small:1"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("TLS") && r.err.contains("--insecure"), r.err.constData());
        r = vivLive({"image", "login", host, "-u", kUser, "--password-stdin", "--insecure"},
                    kPassword);
        QVERIFY2(r.code == 0, r.err.constData());
        r = vivLive({"image", "pull", "--insecure", host + "/test/small:1"});
        QVERIFY2(r.code == 0, r.err.constData());
    }

    void runPythonFromTheImage() {
        // The one VM boot: python3 from the pulled image, with its WorkingDir, User and Env;
        // it waits on stdin so the image can be seen to be in use meanwhile.
        QProcess* run = m_service->startViv(
            {"run", "--image", ref("test/py:1"), "--", "python3", "-c",
             "import os, sys; print(os.getcwd(), os.getuid(), os.getgid(), os.environ['GREETING'], "
             "os.path.exists('/etc/motd'), flush=True); sys.stdin.read(); print('bye')"},
            this);
        QTRY_VERIFY_WITH_TIMEOUT(run->canReadLine() || run->state() == QProcess::NotRunning,
                                 240000);
        const QByteArray line = run->readLine();
        QVERIFY2(line == "/app 1000 1000 hello from the image False\n",
                 (line + run->readAllStandardError()).constData());
        VivResult r = viv({"image", "rm", ref("test/py:1")});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("in use by sandbox"), r.err.constData());
        run->closeWriteChannel();
        QTRY_VERIFY_WITH_TIMEOUT(run->state() == QProcess::NotRunning, 120000);
        QCOMPARE(run->exitCode(), 0);
        QCOMPARE(run->readAllStandardOutput(), QByteArray("bye\n"));
        // No sandbox uses it now: removed, with the layers no other image needs.
        r = viv({"image", "rm", ref("test/py:1")});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(imageNamed(ref("test/py:1")).isEmpty());
        QVERIFY(!blobs().contains(sha256(m_layers["python"]).mid(7)));
        QVERIFY(blobs().contains(sha256(m_layers["base"]).mid(7))); // test/small still has it
        QCOMPARE(viv({"image", "rm", ref("test/py:1")}).code, 125);
        QCOMPARE(viv({"image", "rm", "tiny"}).code, 125);
    }

    void cleanupTestCase() {
        m_service.reset();
        m_registry.kill();
    }
};

QTEST_GUILESS_MAIN(RegistryTest)
#include "RegistryTest.moc"
