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
#include "LocalRegistry.h"
#include "ServiceFixture.h"

#include "ApiClient.h"

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
#include <QPointer>
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
using vivarium::testsupport::LocalRegistry;
using vivarium::testsupport::RegistryPusher;
using namespace vivarium;

namespace {

QString sha256(const QByteArray& data) {
    return "sha256:" +
           QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

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
    // Passes bytes again, also those the held connections have waiting.
    void resume() {
        pauseAt = -1;
        for (const auto& [client, up] : std::as_const(m_pairs))
            if (client && up)
                pump(client, up);
    }

private:
    void accept() {
        while (QTcpSocket* client = m_server.nextPendingConnection()) {
            auto* up = new QTcpSocket(client);
            m_pairs.append(qMakePair(QPointer<QTcpSocket>(client), QPointer<QTcpSocket>(up)));
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
    QList<QPair<QPointer<QTcpSocket>, QPointer<QTcpSocket>>> m_pairs;
};

} // namespace

class RegistryTest : public QObject {
    Q_OBJECT

    LocalRegistry m_registry;
    QTemporaryDir m_work;
    std::unique_ptr<ServiceFixture> m_service;
    QString m_cache;
    QMap<QString, QByteArray> m_layers; // name → layer bytes
    QString m_bigDigest;
    QString m_big2Digest; // test/big2:1, for the cancelled pull and the shared cache
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
    QString pushImage(RegistryPusher& push, const QString& repo, const QString& tag,
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
        QVERIFY(m_work.isValid());
        QVERIFY2(m_registry.start(), qPrintable(m_registry.lastError()));
        const auto pusher = m_registry.pusher();
        RegistryPusher& push = *pusher;
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
        // test/big2:1: the same again with other bytes.
        for (qsizetype i = 0; i + 4 <= random.size(); i += 4) {
            const quint32 v = QRandomGenerator::global()->generate();
            std::memcpy(random.data() + i, &v, 4);
        }
        const QByteArray big2 = layerFile({f("big2.bin", random)}, TarWriter::Compression::None);
        m_big2Digest = sha256(big2);
        QVERIFY(!pushImage(push, "test/big2", "1", {big2}, {}, "amd64", false).isEmpty());
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
            viv({"image", "login", m_registry.host(), "-u", m_registry.user(), "--password-stdin"}, "wrong\n");
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("refused the login of 'tester'"), r.err.constData());
        QVERIFY(!QFileInfo::exists(m_service->configDir() + "/registries.json"));
        r = viv({"image", "login", m_registry.host(), "-u", m_registry.user()}, "x");
        QCOMPARE(r.code, 2); // the password never comes from the command line
        r = viv({"image", "login", m_registry.host(), "-u", m_registry.user(), "--password-stdin"},
                m_registry.password().toUtf8() + "\n");
        QVERIFY2(r.code == 0, r.err.constData());
        const QFileInfo stored(m_service->configDir() + "/registries.json");
        QVERIFY(stored.exists());
        QCOMPARE(stored.permissions() & (QFile::ReadGroup | QFile::ReadOther),
                 QFile::Permissions());
        QVERIFY(!readAll(stored.filePath())
                     .contains(m_registry.password().toUtf8())); // encoded as Docker does, not in clear
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
                                                   (m_registry.user() + ":" + m_registry.password()).toUtf8()
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
        Proxy proxy(QHostAddress::LocalHost, m_registry.port());
        const QString host = QString("127.0.0.1:%1").arg(proxy.port());
        VivResult r = vivLive({"image", "login", host, "-u", m_registry.user(), "--password-stdin"},
                            m_registry.password().toUtf8());
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

        QVERIFY2(m_registry.start(), qPrintable(m_registry.lastError()));
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

    void bearerTokenAuth() {
        // docker-registry with `auth: token:` and a real token server (RS256 JWTs).
        LocalRegistry tokens;
        QVERIFY2(tokens.start(LocalRegistry::Auth::Token), qPrintable(tokens.lastError()));
        const QByteArray one = layerFile({f("token/one", QByteArray(300000, '1'))});
        const QByteArray two = layerFile({f("token/two", QByteArray(300000, '2'))});
        QVERIFY(!pushImage(*tokens.pusher(), "team/app", "1", {one, two}, {}).isEmpty());
        const QString ref = tokens.host() + "/team/app:1";

        // No login: the token service hands out a token without access (as Docker Hub does)
        // and the registry refuses it.
        VivResult r = viv({"image", "pull", ref});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("needs a login") &&
                     r.err.contains("viv image login " + tokens.host().toUtf8()),
                 r.err.constData());
        // A wrong password: the token service refuses it.
        r = viv({"image", "login", tokens.host(), "-u", tokens.user(), "--password-stdin"},
                "wrong\n");
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("refused the login of 'tester'"), r.err.constData());
        r = viv({"image", "login", tokens.host(), "-u", tokens.user(), "--password-stdin"},
                tokens.password().toUtf8());
        QVERIFY2(r.code == 0, r.err.constData());

        const qsizetype before = tokens.tokenRequests().size();
        r = viv({"image", "pull", ref});
        QVERIFY2(r.code == 0, r.err.constData());
        for (const QByteArray& l : {one, two})
            QVERIFY2(r.err.contains(sha256(l).mid(7, 12).toUtf8() + " downloaded"),
                     r.err.constData());
        // One token, for pull access to the repository, served the manifest, the config and
        // both layers.
        const QList<QJsonObject> asked = tokens.tokenRequests().mid(before);
        QCOMPARE(asked.size(), 1);
        QCOMPARE(asked[0].value("user").toString(), tokens.user());
        QCOMPARE(asked[0].value("status").toInt(), 200);
        QCOMPARE(asked[0].value("scope").toArray(), QJsonArray{"repository:team/app:pull"});
        QVERIFY(!imageNamed(ref).isEmpty());
    }

    void dockerCredentialHelper() {
        // credsStore in Docker's config names docker-credential-vivtest, put on the service's
        // PATH here: the pull logs in with what it answers.
        const QString bin = m_work.path() + "/helper-bin";
        QDir().mkpath(bin);
        QFile h(bin + "/docker-credential-vivtest");
        QVERIFY(h.open(QIODevice::WriteOnly));
        h.write("#!/bin/sh\nread -r server\necho \"$server\" > " +
                QFile::encodeName(m_work.path()) + "/helper-asked\n" +
                "echo '{\"ServerURL\":\"'$server'\",\"Username\":\"" +
                m_registry.user().toUtf8() + "\",\"Secret\":\"" + m_registry.password().toUtf8() +
                "\"}'\n");
        h.close();
        h.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        const QString docker = m_work.path() + "/docker-helper";
        QDir().mkpath(docker);
        QFile c(docker + "/config.json");
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write(QJsonDocument(QJsonObject{{"credsStore", "vivtest"},
                                          {"credHelpers", QJsonObject{{"127.0.0.2:1", "nothere"}}}})
                    .toJson());
        c.close();
        const QString path = bin + ":" + QString::fromLocal8Bit(qgetenv("PATH"));
        ServiceFixture other({"VIVARIUM_CACHE_DIR=" + makeCache(), "DOCKER_CONFIG=" + docker,
                              "PATH=" + path});
        VivResult r = other.viv({"image", "pull", ref("test/small:1")}, {}, 180000,
                                {"PATH=" + path});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(readAll(m_work.path() + "/helper-asked"), m_registry.host().toUtf8() + "\n");
        // A helper that is not installed: a clear error naming it.
        r = other.viv({"image", "pull", "127.0.0.2:1/x:1"}, {}, 180000, {"PATH=" + path});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("docker-credential-nothere") && r.err.contains("not installed"),
                 r.err.constData());
    }

    void cancelAPull() {
        // A pull held in the middle of its 24 MiB layer by the proxy, cancelled through the
        // API, then by Ctrl+C in `viv image pull`; then resumed.
        Proxy proxy(QHostAddress::LocalHost, m_registry.port());
        const QString host = QString("127.0.0.1:%1").arg(proxy.port());
        const QString ref = host + "/test/big2:1";
        VivResult r = vivLive({"image", "login", host, "-u", m_registry.user(), "--password-stdin"},
                              m_registry.password().toUtf8());
        QVERIFY2(r.code == 0, r.err.constData());
        const QString partial = m_cache + "/oci/partial/" + m_big2Digest.mid(7);

        ApiClient api;
        api.open(Endpoint{QUrl(m_service->url()), m_service->ownerToken()});
        QTRY_VERIFY_WITH_TIMEOUT(api.isConnected(), 10000);
        proxy.pauseAt = proxy.forwarded + (6 << 20);
        std::optional<Result<QJsonObject>> pulled;
        api.request("image.pull", {{"ref", ref}}, [&](Result<QJsonObject> p) { pulled = p; });
        QTRY_VERIFY_WITH_TIMEOUT(proxy.paused() && QFileInfo(partial).size() > 0, 120000);
        auto cancelled = callApi(api, "image.pull.cancel", {{"ref", ref}});
        QVERIFY2(cancelled, qPrintable(cancelled ? QString() : cancelled.error().text()));
        QTRY_VERIFY_WITH_TIMEOUT(pulled.has_value(), 10000);
        QVERIFY(!*pulled);
        QCOMPARE(pulled->error().code, QString("cancelled"));
        QVERIFY(pulled->error().message.contains("pulling again resumes"));
        auto again = callApi(api, "image.pull.cancel", {{"ref", ref}});
        QVERIFY(!again);
        QCOMPARE(again.error().code, QString("not_pulling"));
        // Not kept as a layer nor listed; the partial download stays for a resume.
        const qint64 have = QFileInfo(partial).size();
        QVERIFY2(have > 0 && have < (24 << 20), qPrintable(QString::number(have)));
        QVERIFY(!blobs().contains(m_big2Digest.mid(7)));
        QVERIFY(imageNamed(ref).isEmpty());

        // Ctrl+C in `viv image pull`: cancelled on the service, exit 130.
        proxy.pauseAt = proxy.forwarded + (4 << 20);
        QProcess* pull = m_service->startViv({"image", "pull", ref}, this);
        QTRY_VERIFY_WITH_TIMEOUT(proxy.paused() && QFileInfo(partial).size() > have, 120000);
        ::kill(pid_t(pull->processId()), SIGINT);
        QTRY_VERIFY_WITH_TIMEOUT(pull->state() == QProcess::NotRunning, 60000);
        const QByteArray err = pull->readAllStandardError();
        QCOMPARE(pull->exitStatus(), QProcess::NormalExit);
        QVERIFY2(pull->exitCode() == 130, err.constData());
        QVERIFY2(err.contains("cancelled"), err.constData());
        QVERIFY(!blobs().contains(m_big2Digest.mid(7)));
        QVERIFY(imageNamed(ref).isEmpty());

        // Pulling again resumes where it stopped.
        const qint64 resumeAt = QFileInfo(partial).size();
        proxy.pauseAt = -1;
        proxy.requests.clear();
        r = vivLive({"image", "pull", ref});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(proxy.requests.toLower().contains("range: bytes=" +
                                                   QByteArray::number(resumeAt) + "-"),
                 proxy.requests.left(2000).constData());
        QVERIFY(blobs().contains(m_big2Digest.mid(7)));
    }

    void twoServicesShareOneCache() {
        // Two services on one cache pull the same image at once: the second waits for the
        // first's download of the layer (its lock) and reuses it; one download in all. The
        // first pulls through the proxy, which holds it in the middle of the layer; the second
        // straight from the registry.
        Proxy proxy(QHostAddress::LocalHost, m_registry.port());
        const QString host = QString("127.0.0.1:%1").arg(proxy.port());
        const QString viaProxy = host + "/test/big2:1";
        const QString docker = m_work.path() + "/docker-shared";
        QDir().mkpath(docker);
        const QJsonObject auth{
            {"auth", QString::fromLatin1(
                         (m_registry.user() + ":" + m_registry.password()).toUtf8().toBase64())}};
        QFile c(docker + "/config.json");
        QVERIFY(c.open(QIODevice::WriteOnly));
        c.write(QJsonDocument(
                    QJsonObject{{"auths", QJsonObject{{host, auth}, {m_registry.host(), auth}}}})
                    .toJson());
        c.close();
        const QString shared = makeCache();
        ServiceFixture first({"VIVARIUM_CACHE_DIR=" + shared, "DOCKER_CONFIG=" + docker});
        ServiceFixture second({"VIVARIUM_CACHE_DIR=" + shared, "DOCKER_CONFIG=" + docker});
        const QString partial = shared + "/oci/partial/" + m_big2Digest.mid(7);
        // Both services running first: the held transfer must not reach its 30 s timeout.
        QCOMPARE(first.viv({"image", "ls"}).code, 0);
        QCOMPARE(second.viv({"image", "ls"}).code, 0);
        proxy.pauseAt = proxy.forwarded + (6 << 20);
        QProcess* a = first.startViv({"image", "pull", viaProxy}, this);
        QTRY_VERIFY_WITH_TIMEOUT(proxy.paused() && QFileInfo(partial).size() > 0, 120000);
        QProcess* b = second.startViv({"image", "pull", ref("test/big2:1")}, this);
        QByteArray bErr;
        const QByteArray layer = m_big2Digest.mid(7, 12).toUtf8();
        QTRY_VERIFY_WITH_TIMEOUT((bErr += b->readAllStandardError()).contains(layer + " held"),
                                 120000);
        proxy.resume();
        QTRY_VERIFY_WITH_TIMEOUT(a->state() == QProcess::NotRunning &&
                                     b->state() == QProcess::NotRunning,
                                 120000);
        bErr += b->readAllStandardError();
        QVERIFY2(a->exitCode() == 0, a->readAllStandardError().constData());
        QVERIFY2(b->exitCode() == 0, bErr.constData());
        QVERIFY2(bErr.contains(layer + " cached") && !bErr.contains(layer + " downloading"),
                 bErr.constData());
        QCOMPARE(int(proxy.requests.count("GET /v2/test/big2/blobs/" + m_big2Digest.toUtf8())),
                 1);
        QCOMPARE(sha256(readAll(shared + "/oci/blobs/sha256/" + m_big2Digest.mid(7))),
                 m_big2Digest);
    }

    void nonLoopbackNeedsTlsOrInsecure() {
        QHostAddress outside;
        for (const QHostAddress& a : QNetworkInterface::allAddresses())
            if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback())
                outside = a;
        if (outside.isNull())
            QSKIP("this machine has no non-loopback IPv4 address to serve a registry on");
        Proxy proxy(outside, m_registry.port());
        const QString host = outside.toString() + ":" + QString::number(proxy.port());
        VivResult r = vivLive({"image", "pull", host + "/test/small:1"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("TLS") && r.err.contains("--insecure"), r.err.constData());
        r = vivLive({"image", "login", host, "-u", m_registry.user(), "--password-stdin", "--insecure"},
                    m_registry.password().toUtf8());
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
