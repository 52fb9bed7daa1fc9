// Pulled images without a registry: reference parsing, auth challenges, stored credentials,
// manifest and config documents, and above all layer application. Layers are hostile input,
// so every attack the issue lists has a case here (`..` paths, absolute paths, symlinks and
// hardlinks pointing out, a symlinked parent followed by a write, device nodes, huge sparse
// files, decompression bombs, truncated layers), each checking both the error and that
// nothing outside the staging tree changed. The resulting ext4 image is read back with
// debugfs: owners, modes, device numbers, xattrs, hardlinks and whiteouts as a container
// runtime would produce them, also when the build runs as an unprivileged user.
#include "ImageReference.h"
#include "LayerApplier.h"
#include "OciManifest.h"
#include "RegistryCredentials.h"
#include "RootfsBuilder.h"
#include "Sandbox.h"
#include "TestLayers.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace vivarium;
using namespace testlayers;

namespace {

QByteArray hex64(char c) {
    return QByteArray(64, c);
}

// The standard test image: one of everything whose metadata a host copy would lose.
QList<QList<Item>> richLayers() {
    TarEntry cap = file("usr/bin/ping", 4, 0755);
    cap.xattrs = {{"security.capability", QByteArray("\x01\x00\x00\x02\x00\x20\x00\x00", 8)},
                  {"user.note", "hello"}};
    return {
        {{dir("bin"), {}},
         {dir("etc"), {}},
         f("bin/su", "su-binary", 04755),
         f("etc/shadow", "root:*:1::::::\n", 0640, 0, 42),
         {dir("home/user", 0700, 1000, 1000), {}},
         f("home/user/secret", "s3cret", 0600, 1000, 1000),
         {dir("sticky", 01777), {}},
         {dir("ro", 0555), {}},
         f("ro/readonly", "r", 0444),
         {cap, "ping"},
         {sym("etc/link", "/etc/shadow"), {}},
         f("usr/lib/libx.so.1", "lib-data"),
         {hardlink("usr/lib/libx-hard.so", "usr/lib/libx.so.1"), {}},
         {device("dev/null", false, 1, 3, 0666), {}},
         {device("dev/sda", true, 8, 0, 0660), {}},
         {[] {
              TarEntry e = file("run/fifo", 0, 0600);
              e.type = TarEntry::Type::Fifo;
              return e;
          }(),
          {}},
         f("deep/implicit/parents/file", "made without directory entries"),
         // Names the ext4 writer's script must quote.
         f("odd/we\"ird name", "w", 04711, 7, 8),
         f("odd/-dash;semi", "d", 0600, 9, 9)},
    };
}

} // namespace

class ImageTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    int m_n = 0;

    QString path(const QString& name) { return m_tmp.path() + "/" + name; }
    QString layer(const QList<Item>& items,
                  TarWriter::Compression c = TarWriter::Compression::Gzip) {
        const QString p = path(QString("layer-%1.tar").arg(++m_n));
        const QString written = writeLayer(p, items, c);
        return written;
    }
    // Applies the layers into a new staging tree; the applier is returned for inspection.
    std::unique_ptr<LayerApplier> stage(const QList<QString>& layers, Status* result,
                                        LayerLimits limits = {}) {
        auto a = std::make_unique<LayerApplier>(path(QString("stage-%1").arg(++m_n)), limits);
        *result = a->open();
        for (int i = 0; *result && i < layers.size(); ++i)
            *result = a->apply(layers[i], QString("layer %1").arg(i + 1));
        return a;
    }
    QString build(LayerApplier& a, const QStringList& startDirs = {}, Error* error = nullptr) {
        const QString img = path(QString("rootfs-%1.img").arg(++m_n));
        const QString work = path(QString("work-%1").arg(m_n));
        QDir().mkpath(work);
        auto r = RootfsBuilder::build(a, img, work, nullptr, startDirs);
        if (!r) {
            if (error)
                *error = r.error();
            else
                qWarning() << r.error().text();
            return {};
        }
        return img;
    }
    // A directory outside every staging tree that the hostile layers aim at.
    QString victim() {
        const QString v = path("victim");
        QDir().mkpath(v);
        QFile f(v + "/sentinel");
        f.open(QIODevice::WriteOnly);
        f.write("untouched");
        return v;
    }
    void checkVictimUntouched(const QString& v) {
        QCOMPARE(QDir(v).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden |
                                   QDir::System),
                 QStringList{"sentinel"});
        QFile f(v + "/sentinel");
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), QByteArray("untouched"));
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(v + "/sentinel").constData(), &st), 0);
        QCOMPARE(int(st.st_nlink), 1); // no hardlink was made to it
    }

    void verifyRichImage(const QString& img) {
        Stat s = statIn(img, "/bin/su");
        QVERIFY(s.exists);
        QCOMPARE(s.mode, 04755u);
        QCOMPARE(s.uid, 0u);
        QCOMPARE(catIn(img, "/bin/su"), QByteArray("su-binary"));
        s = statIn(img, "/etc/shadow");
        QCOMPARE(s.mode, 0640u);
        QCOMPARE(s.gid, 42u);
        s = statIn(img, "/home/user");
        QCOMPARE(s.type, QString("directory"));
        QCOMPARE(s.mode, 0700u);
        QCOMPARE(s.uid, 1000u);
        QCOMPARE(s.gid, 1000u);
        s = statIn(img, "/home/user/secret");
        QCOMPARE(s.mode, 0600u);
        QCOMPARE(s.uid, 1000u);
        QCOMPARE(statIn(img, "/sticky").mode, 01777u);
        QCOMPARE(statIn(img, "/ro").mode, 0555u);
        QCOMPARE(statIn(img, "/ro/readonly").mode, 0444u);
        s = statIn(img, "/etc/link");
        QCOMPARE(s.type, QString("symlink"));
        QVERIFY(debugfs(img, "stat /etc/link").contains("Fast link dest: \"/etc/shadow\""));
        QCOMPARE(inodeOf(img, "/usr/lib/libx.so.1"), inodeOf(img, "/usr/lib/libx-hard.so"));
        QCOMPARE(statIn(img, "/usr/lib/libx.so.1").links, 2);
        s = statIn(img, "/dev/null");
        QCOMPARE(s.type, QString("character special"));
        QCOMPARE(s.mode, 0666u);
        QCOMPARE(s.device, QString("01:03"));
        s = statIn(img, "/dev/sda");
        QCOMPARE(s.type, QString("block special"));
        QCOMPARE(s.device, QString("08:00"));
        QCOMPARE(s.mode, 0660u);
        QCOMPARE(statIn(img, "/run/fifo").type, QString("FIFO"));
        const QByteArray xattrs = debugfs(img, "ea_list /usr/bin/ping");
        QVERIFY2(xattrs.contains("security.capability (8)"), xattrs.constData());
        QVERIFY2(xattrs.contains("user.note (5) = \"hello\""), xattrs.constData());
        QCOMPARE(catIn(img, "/deep/implicit/parents/file"),
                 QByteArray("made without directory entries"));
        s = statIn(img, "/odd/we\"\"ird name"); // debugfs quoting: "" is a quote
        QCOMPARE(s.mode, 04711u);
        QCOMPARE(s.uid, 7u);
        QCOMPARE(statIn(img, "/odd/-dash;semi").uid, 9u);
        QCOMPARE(statIn(img, "/deep/implicit").mode, 0755u);
        // What the agent needs, added where the image lacks it; nothing the image had changed.
        for (const char* d : {"/proc", "/sys", "/run"})
            QCOMPARE(statIn(img, d).type, QString("directory"));
        QCOMPARE(statIn(img, "/tmp").mode, 01777u);
        QCOMPARE(statIn(img, "/dev").mode, 0755u);
        QVERIFY(!statIn(img, "/lost+found").exists);
        QCOMPARE(statIn(img, "/").uid, 0u);
        QCOMPARE(statIn(img, "/").mode, 0755u);
    }

private slots:
    void initTestCase() { QVERIFY(m_tmp.isValid()); }

    // --- references ------------------------------------------------------------------------

    void references_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("registry");
        QTest::addColumn<QString>("repository");
        QTest::addColumn<QString>("tag");
        QTest::addColumn<QString>("digest");
        QTest::addColumn<QString>("familiar");
        const QString d = "sha256:" + QString(hex64('a'));
        QTest::newRow("short") << "python"
                               << "docker.io"
                               << "library/python"
                               << "latest"
                               << ""
                               << "python:latest";
        QTest::newRow("tag") << "python:3.12-slim"
                             << "docker.io"
                             << "library/python"
                             << "3.12-slim"
                             << ""
                             << "python:3.12-slim";
        QTest::newRow("user") << "user/repo"
                              << "docker.io"
                              << "user/repo"
                              << "latest"
                              << ""
                              << "user/repo:latest";
        QTest::newRow("hub-host") << "index.docker.io/library/busybox:1"
                                  << "docker.io"
                                  << "library/busybox"
                                  << "1"
                                  << ""
                                  << "busybox:1";
        QTest::newRow("ghcr") << "ghcr.io/a/b/c:v1.2"
                              << "ghcr.io"
                              << "a/b/c"
                              << "v1.2"
                              << ""
                              << "ghcr.io/a/b/c:v1.2";
        QTest::newRow("port") << "localhost:5000/x"
                              << "localhost:5000"
                              << "x"
                              << "latest"
                              << ""
                              << "localhost:5000/x:latest";
        QTest::newRow("digest") << "127.0.0.1:5000/test/py@" + d << "127.0.0.1:5000"
                                << "test/py"
                                << "" << d << "127.0.0.1:5000/test/py@" + d;
        QTest::newRow("tag+digest") << "py:3@" + d << "docker.io"
                                    << "library/py"
                                    << "3" << d << "py:3@" + d;
        QTest::newRow("separators") << "a.b/c__d/e-f.g:T_1"
                                    << "a.b"
                                    << "c__d/e-f.g"
                                    << "T_1"
                                    << ""
                                    << "a.b/c__d/e-f.g:T_1";
        QTest::newRow("ipv6") << "[::1]:5000/r"
                              << "[::1]:5000"
                              << "r"
                              << "latest"
                              << ""
                              << "[::1]:5000/r:latest";
    }
    void references() {
        QFETCH(QString, input);
        auto r = ImageReference::parse(input);
        QVERIFY2(r.ok(), r.ok() ? "" : qPrintable(r.error().message));
        QFETCH(QString, registry);
        QFETCH(QString, repository);
        QFETCH(QString, tag);
        QFETCH(QString, digest);
        QFETCH(QString, familiar);
        QCOMPARE(r->registry, registry);
        QCOMPARE(r->repository, repository);
        QCOMPARE(r->tag, tag);
        QCOMPARE(r->digest, digest);
        QCOMPARE(r->familiar(), familiar);
        // The canonical spelling parses back to itself.
        QCOMPARE(ImageReference::parse(r->canonical())->canonical(), r->canonical());
    }

    void badReferences_data() {
        QTest::addColumn<QString>("input");
        QTest::newRow("empty") << "";
        QTest::newRow("upper") << "Python";
        QTest::newRow("double-slash") << "a//b";
        QTest::newRow("empty-tag") << "a:";
        QTest::newRow("bad-tag") << "a:-x";
        QTest::newRow("short-digest") << "a@sha256:abc";
        QTest::newRow("md5") << "a@md5:" + QString(32, 'a');
        QTest::newRow("only-tag") << ":tag";
        QTest::newRow("leading-dash") << "-a";
        QTest::newRow("space") << "a b";
        QTest::newRow("long") << QString(600, 'a');
    }
    void badReferences() {
        QFETCH(QString, input);
        auto r = ImageReference::parse(input);
        QVERIFY(!r.ok());
        QCOMPARE(r.error().code, QString("bad_reference"));
    }

    void registryHosts() {
        QCOMPARE(ImageReference::parse("python")->apiHost(), QString("registry-1.docker.io"));
        QCOMPARE(ImageReference::parse("ghcr.io/x")->apiHost(), QString("ghcr.io"));
        QVERIFY(ImageReference::parse("127.0.0.1:5000/x")->isLoopback());
        QVERIFY(ImageReference::parse("127.8.9.10:5000/x")->isLoopback());
        QVERIFY(ImageReference::parse("localhost/x")->isLoopback());
        QVERIFY(ImageReference::parse("[::1]:5000/x")->isLoopback());
        QVERIFY(!ImageReference::parse("10.0.0.1:5000/x")->isLoopback());
        QVERIFY(!ImageReference::parse("localhost.example.com/x")->isLoopback());
        QVERIFY(!ImageReference::parse("python")->isLoopback());
        QCOMPARE(normaliseRegistry("https://index.docker.io/v1/"), QString("docker.io"));
        QCOMPARE(normaliseRegistry("LOCALHOST:5000/"), QString("localhost:5000"));
        QCOMPARE(normaliseRegistry("http://127.0.0.1:5000"), QString("127.0.0.1:5000"));
    }

    void digests() {
        QCOMPARE(
            Digest::ofData({}).toString(),
            QString("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QVERIFY(Digest::parse("sha256:" + QString(hex64('0'))).ok());
        QVERIFY(
            !Digest::parse("sha256:" + QString(hex64('A'))).ok()); // upper case is not canonical
        QVERIFY(!Digest::parse("sha512:" + QString(128, 'a')).ok());
        QVERIFY(!Digest::parse("sha256:../../etc/passwd").ok());
    }

    // --- auth and credentials --------------------------------------------------------------

    void challenges() {
        auto c = AuthChallenge::parse(
            "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
            "scope=\"repository:library/python:pull\"");
        QVERIFY(c);
        QCOMPARE(c->scheme, QString("bearer"));
        QCOMPARE(c->params.value("realm"), QString("https://auth.docker.io/token"));
        QCOMPARE(c->params.value("service"), QString("registry.docker.io"));
        QCOMPARE(c->params.value("scope"), QString("repository:library/python:pull"));
        c = AuthChallenge::parse("Basic realm=\"Registry Realm\"");
        QCOMPARE(c->scheme, QString("basic"));
        QCOMPARE(c->params.value("realm"), QString("Registry Realm"));
        c = AuthChallenge::parse("Bearer realm=\"a\\\"b,c\", error=insufficient_scope");
        QCOMPARE(c->params.value("realm"), QString("a\"b,c"));
        QCOMPARE(c->params.value("error"), QString("insufficient_scope"));
        QVERIFY(!AuthChallenge::parse(""));
    }

    void credentials() {
        const QString own = path("config/registries.json");
        const QString docker = path("docker-config.json");
        QFile d(docker);
        QVERIFY(d.open(QIODevice::WriteOnly));
        d.write(
            QJsonDocument(
                QJsonObject{
                    {"auths",
                     QJsonObject{
                         {"https://index.docker.io/v1/",
                          QJsonObject{{"auth", QString::fromLatin1(
                                                   QByteArray("hubuser:hub:pass").toBase64())}}},
                         {"127.0.0.1:5000",
                          QJsonObject{{"auth", QString::fromLatin1(
                                                   QByteArray("dockeruser:x").toBase64())}}}}}})
                .toJson());
        d.close();
        RegistryCredentials creds(own, docker);
        auto hub = creds.find("docker.io").value();
        QVERIFY(hub);
        QCOMPARE(hub->username, QString("hubuser"));
        QCOMPARE(hub->password, QString("hub:pass")); // only the first colon separates
        QCOMPARE(hub->source, docker);
        QVERIFY(!creds.find("ghcr.io").value());
        // An explicit login wins over Docker's file, and is private.
        QVERIFY(creds.save("http://127.0.0.1:5000/", "me", "secret").ok());
        auto mine = creds.find("127.0.0.1:5000").value();
        QCOMPARE(mine->username, QString("me"));
        QCOMPARE(mine->password, QString("secret"));
        QCOMPARE(mine->source, QString("viv image login"));
        QCOMPARE(QFile::permissions(own) &
                     (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
                 QFile::Permissions());
        QVERIFY(creds.remove("127.0.0.1:5000").ok());
        QCOMPARE(creds.find("127.0.0.1:5000").value()->username, QString("dockeruser"));
    }

    // Docker credential helpers: docker-credential-<name> on PATH, `get` with the server
    // address on stdin, as the docker CLI runs them. The helpers here are shell scripts.
    void credentialHelpers() {
        const QString bin = path("helpers-bin");
        QDir().mkpath(bin);
        auto helper = [&](const QString& name, const QByteArray& body) {
            QFile h(bin + "/docker-credential-" + name);
            QVERIFY(h.open(QIODevice::WriteOnly));
            h.write("#!/bin/sh\n" + body);
            h.close();
            h.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        };
        // `store` answers for two servers and records what it was asked.
        helper("store", "[ \"$1\" = get ] || exit 3\nread -r server\necho \"$server\" >> " +
                            QFile::encodeName(path("helper-asked")) +
                            "\ncase \"$server\" in\n"
                            "  127.0.0.1:5000) echo '{\"ServerURL\":\"127.0.0.1:5000\","
                            "\"Username\":\"storeuser\",\"Secret\":\"store:secret\"}' ;;\n"
                            "  https://index.docker.io/v1/) echo '{\"ServerURL\":\"x\","
                            "\"Username\":\"hubuser\",\"Secret\":\"hubsecret\"}' ;;\n"
                            "  *) echo 'credentials not found in native keychain'; exit 1 ;;\n"
                            "esac\n");
        helper("ghcr", "read -r server\necho '{\"Username\":\"gh\",\"Secret\":\"ghs\"}'\n");
        helper("broken", "echo 'the keychain is locked' >&2\nexit 4\n");
        helper("slow", "exec sleep 30\n");
        helper("tokenonly", "echo '{\"Username\":\"<token>\",\"Secret\":\"refresh\"}'\n");
        const QByteArray oldPath = qgetenv("PATH");
        qputenv("PATH", QFile::encodeName(bin) + ":" + oldPath);
        auto restorePath = qScopeGuard([&] { qputenv("PATH", oldPath); });

        const QString docker = path("docker-helpers.json");
        auto config = [&](const QJsonObject& o) {
            QFile d(docker);
            QVERIFY(d.open(QIODevice::WriteOnly));
            d.write(QJsonDocument(o).toJson());
        };
        config({{"credsStore", "store"},
                {"credHelpers", QJsonObject{{"ghcr.io", "ghcr"},
                                            {"broken.example", "broken"},
                                            {"slow.example", "slow"},
                                            {"token.example", "tokenonly"},
                                            {"missing.example", "nothere"}}},
                // With a store, auths entries hold no secrets (Docker ignores them).
                {"auths", QJsonObject{{"127.0.0.1:5000",
                                       QJsonObject{{"auth", QString::fromLatin1(
                                                                QByteArray("fileuser:x")
                                                                    .toBase64())}}}}}});
        RegistryCredentials creds(path("helpers-own.json"), docker);
        auto local = creds.find("127.0.0.1:5000");
        QVERIFY2(local, qPrintable(local ? QString() : local.error().text()));
        QVERIFY(local->has_value());
        QCOMPARE((*local)->username, QString("storeuser"));
        QCOMPARE((*local)->password, QString("store:secret"));
        QCOMPARE((*local)->source, QString("docker-credential-store"));
        auto hub = creds.find("docker.io"); // asked with Docker Hub's historical address
        QVERIFY(hub && hub->has_value());
        QCOMPARE((*hub)->username, QString("hubuser"));
        auto ghcr = creds.find("ghcr.io"); // credHelpers wins over credsStore
        QVERIFY(ghcr && ghcr->has_value());
        QCOMPARE((*ghcr)->username, QString("gh"));
        auto none = creds.find("quay.io"); // the store knows none: no credential, no error
        QVERIFY(none);
        QVERIFY(!none->has_value());
        QFile asked(path("helper-asked"));
        QVERIFY(asked.open(QIODevice::ReadOnly));
        QCOMPARE(asked.readAll(),
                 QByteArray("127.0.0.1:5000\nhttps://index.docker.io/v1/\nquay.io\n"));

        auto missing = creds.find("missing.example");
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, QString("registry_auth"));
        QVERIFY2(missing.error().message.contains("docker-credential-nothere") &&
                     missing.error().message.contains("not installed") &&
                     missing.error().message.contains(docker),
                 qPrintable(missing.error().message));
        auto broken = creds.find("broken.example");
        QVERIFY(!broken);
        QVERIFY2(broken.error().message.contains("docker-credential-broken") &&
                     broken.error().message.contains("exit 4") &&
                     broken.error().detail.contains("keychain is locked"),
                 qPrintable(broken.error().text()));
        auto token = creds.find("token.example");
        QVERIFY(!token);
        QVERIFY(token.error().message.contains("identity token"));
        creds.setHelperTimeout(300);
        auto slow = creds.find("slow.example");
        QVERIFY(!slow);
        QVERIFY2(slow.error().message.contains("no answer"), qPrintable(slow.error().message));

        // A helper name is a suffix, never a path.
        config({{"credsStore", "../../bin/sh"}});
        auto evil = creds.find("127.0.0.1:5000");
        QVERIFY(!evil);
        QVERIFY(evil.error().message.contains("not a valid helper name"));
        // An explicit login still wins over every helper.
        QVERIFY(creds.save("127.0.0.1:5000", "me", "mine").ok());
        QCOMPARE((*creds.find("127.0.0.1:5000").value()).username, QString("me"));
    }

    // --- documents -------------------------------------------------------------------------

    void indexPicksLinuxAmd64() {
        auto entry = [](const QString& arch, char c, const QString& os = "linux") {
            return QJsonObject{{"mediaType", oci::kManifest},
                               {"digest", "sha256:" + QString(hex64(c))},
                               {"size", 500},
                               {"platform", QJsonObject{{"os", os}, {"architecture", arch}}}};
        };
        const QJsonObject index{
            {"schemaVersion", 2},
            {"mediaType", oci::kIndex},
            {"manifests", QJsonArray{entry("arm64", 'a'), entry("amd64", 'b', "windows"),
                                     entry("amd64", 'c'), entry("unknown", 'd', "unknown")}}};
        auto doc = oci::parseDocument(QJsonDocument(index).toJson(), oci::kIndex);
        QVERIFY(doc);
        QCOMPARE(doc->kind, oci::Document::Kind::Index);
        auto picked = oci::pickPlatform(doc->manifests);
        QVERIFY(picked);
        QCOMPARE(picked->digest.hex, QString(hex64('c')));
        // Docker's manifest list type, found from the document when Content-Type is generic.
        QJsonObject list = index;
        list["mediaType"] = oci::kDockerList;
        list["manifests"] = QJsonArray{entry("arm64", 'a'), entry("s390x", 'e')};
        doc = oci::parseDocument(QJsonDocument(list).toJson(), "application/json");
        QCOMPARE(doc->kind, oci::Document::Kind::Index);
        auto none = oci::pickPlatform(doc->manifests);
        QVERIFY(!none);
        QCOMPARE(none.error().code, QString("no_platform"));
        QVERIFY(none.error().message.contains("linux/arm64, linux/s390x"));
    }

    void manifests() {
        auto desc = [](const char* type, char c, qint64 size) {
            return QJsonObject{
                {"mediaType", type}, {"digest", "sha256:" + QString(hex64(c))}, {"size", size}};
        };
        QJsonObject m{
            {"schemaVersion", 2},
            {"mediaType", oci::kDockerManifest},
            {"config", desc(oci::kDockerConfig, 'c', 1000)},
            {"layers",
             QJsonArray{desc("application/vnd.docker.image.rootfs.diff.tar.gzip", '1', 10),
                        desc("application/vnd.oci.image.layer.v1.tar+zstd", '2', 20),
                        desc("application/vnd.oci.image.layer.v1.tar", '3', 30)}}};
        auto doc = oci::parseDocument(QJsonDocument(m).toJson(), oci::kDockerManifest);
        QVERIFY2(doc, doc ? "" : qPrintable(doc.error().message));
        QCOMPARE(doc->manifest.layers.size(), 3);
        QCOMPARE(doc->manifest.layers[1].size, 20);
        QCOMPARE(doc->manifest.config.digest.hex, QString(hex64('c')));

        QJsonObject foreign = m;
        foreign["layers"] =
            QJsonArray{desc("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", '1', 10)};
        QCOMPARE(
            oci::parseDocument(QJsonDocument(foreign).toJson(), oci::kDockerManifest).error().code,
            QString("unsupported_layer"));
        QJsonObject badDigest = m;
        badDigest["config"] = QJsonObject{{"digest", "sha256:../../x"}, {"size", 1}};
        QCOMPARE(oci::parseDocument(QJsonDocument(badDigest).toJson(), oci::kDockerManifest)
                     .error()
                     .code,
                 QString("bad_manifest"));
        QJsonArray many;
        for (int i = 0; i < oci::kMaxLayers + 1; ++i)
            many.append(desc(oci::kManifest, 'a', 1));
        QJsonObject tooMany = m;
        tooMany["layers"] = many;
        QCOMPARE(
            oci::parseDocument(QJsonDocument(tooMany).toJson(), oci::kDockerManifest).error().code,
            QString("bad_manifest"));
        const QByteArray schema1 = R"({"schemaVersion":1,"name":"x","fsLayers":[]})";
        auto old = oci::parseDocument(schema1,
                                      "application/vnd.docker.distribution.manifest.v1+prettyjws");
        QCOMPARE(old.error().code, QString("unsupported_manifest"));
        QCOMPARE(oci::parseDocument("not json", oci::kManifest).error().code,
                 QString("bad_manifest"));
        QCOMPARE(oci::parseDocument(QByteArray(5 * 1024 * 1024, ' '), oci::kManifest).error().code,
                 QString("bad_manifest"));
    }

    void runConfig() {
        const QByteArray json = R"({"architecture":"amd64","os":"linux","config":{
            "Env":["PATH=/usr/local/bin:/usr/bin","LANG=C.UTF-8","EMPTY="],
            "WorkingDir":"/app","User":"1000:1000","Entrypoint":["/entry.sh"],"Cmd":["python3"]}})";
        auto c = oci::RunConfig::parse(json);
        QVERIFY(c);
        QCOMPARE(c->workingDir, QString("/app"));
        QCOMPARE(c->user, QString("1000:1000"));
        QCOMPARE(c->entrypoint, QStringList{"/entry.sh"});
        QCOMPARE(c->cmd, QStringList{"python3"});
        QCOMPARE(c->envMap().value("PATH"), QString("/usr/local/bin:/usr/bin"));
        QVERIFY(c->envMap().contains("EMPTY"));
        QCOMPARE(oci::RunConfig::fromJson(c->toJson()).cmd, c->cmd);
        QCOMPARE(oci::RunConfig::parse(R"({"os":"windows","architecture":"amd64"})").error().code,
                 QString("no_platform"));
        QCOMPARE(oci::RunConfig::parse(R"({"os":"linux","architecture":"arm64"})").error().code,
                 QString("no_platform"));
    }

    void execDefaults() {
        // The request's own over the template's over the image's; Docker's run semantics.
        oci::RunConfig image;
        image.env = {"PATH=/usr/local/bin:/bin", "A=image", "B=image"};
        image.workingDir = "/app";
        image.user = "1000:1000";
        image.entrypoint = {"/entry.sh"};
        image.cmd = {"serve", "--port", "80"};
        SandboxConfig config;
        config.env = {{"B", "template"}, {"C", "template"}};
        ExecOptions request;
        request.argv = {"ls", "-l"};
        request.env = {{"C", "request"}};
        auto o = resolveExec(request, config, image);
        QVERIFY(o);
        QCOMPARE(o->argv, (QStringList{"ls", "-l"})); // exec without entrypoint: as given
        QCOMPARE(o->env.value("PATH"), QString("/usr/local/bin:/bin"));
        QCOMPARE(o->env.value("A"), QString("image"));
        QCOMPARE(o->env.value("B"), QString("template"));
        QCOMPARE(o->env.value("C"), QString("request"));
        QCOMPARE(o->cwd, QString("/app"));
        QCOMPARE(o->user, QString("1000:1000"));
        config.workdir = "/srv";
        config.user = "web";
        request.cwd = "/tmp";
        o = resolveExec(request, config, image);
        QCOMPARE(o->cwd, QString("/tmp"));
        QCOMPARE(o->user, QString("web"));
        request.entrypoint = true;
        QCOMPARE(resolveExec(request, config, image)->argv, (QStringList{"/entry.sh", "ls", "-l"}));
        request.argv.clear();
        QCOMPARE(resolveExec(request, config, image)->argv,
                 (QStringList{"/entry.sh", "serve", "--port", "80"}));
        image.entrypoint.clear();
        image.cmd.clear();
        QCOMPARE(resolveExec(request, config, image).error().code, QString("bad_request"));
        // A built-in image has no config: nothing changes.
        request.argv = {"true"};
        o = resolveExec(request, config, std::nullopt);
        QCOMPARE(o->argv, QStringList{"true"});
        QCOMPARE(o->env, request.env); // the template's are applied by Sandbox::exec itself
    }

    // --- layers ----------------------------------------------------------------------------

    void cleanPaths() {
        QCOMPARE(cleanLayerPath("./a//b/./c/").value(), (QList<QByteArray>{"a", "b", "c"}));
        QCOMPARE(cleanLayerPath("/abs/x").value(), (QList<QByteArray>{"abs", "x"}));
        QCOMPARE(cleanLayerPath("a/../b").value(), QList<QByteArray>{"b"});
        QVERIFY(cleanLayerPath("./").value().isEmpty());
        QCOMPARE(cleanLayerPath("../x").error().code, QString("bad_layer"));
        QVERIFY(cleanLayerPath("a/../../x").error().message.contains("climbs out"));
        QVERIFY(!cleanLayerPath("a\nb").ok());
        QVERIFY(!cleanLayerPath(QByteArray(5000, 'a')).ok());
    }

    void richImage() {
        const auto layers = richLayers();
        Status s;
        auto a = stage({layer(layers[0])}, &s);
        QVERIFY2(s.ok(), s.ok() ? "" : qPrintable(s.error().text()));
        // Nothing privileged exists on the host copy.
        struct stat st {};
        QCOMPARE(::lstat(QFile::encodeName(a->root() + "/dev/null").constData(), &st), 0);
        QVERIFY(S_ISREG(st.st_mode));
        QCOMPARE(st.st_size, 0);
        QCOMPARE(::lstat(QFile::encodeName(a->root() + "/bin/su").constData(), &st), 0);
        QCOMPARE(st.st_mode & 07000, 0u);
        const QString img = build(*a);
        QVERIFY(!img.isEmpty());
        verifyRichImage(img);
        const QByteArray fsck = [&] {
            QProcess p;
            p.start("e2fsck", {"-fn", img});
            p.waitForFinished(60000);
            return p.exitCode() == 0 ? QByteArray() : p.readAllStandardOutput();
        }();
        QVERIFY2(fsck.isEmpty(), fsck.constData());
    }

    void whiteouts() {
        const QString lower =
            layer({f("a/x", "x"), f("a/y", "y"), f("b/z", "z"), f("keep", "k"), f("d/old1", "1"),
                   f("d/sub/old2", "2"), f("e/old", "o"), f("f/old", "o")});
        const QString upper = layer({f("a/.wh.x", ""), f(".wh.b", ""),
                                     // opaque first, as writers put it
                                     f("d/.wh..wh..opq", ""), f("d/new", "n"),
                                     // opaque after this layer's own entry: that entry stays
                                     f("e/new", "n"), f("e/.wh..wh..opq", ""),
                                     // a whiteout of something this layer adds is ignored
                                     f("f/added", "a"), f("f/.wh.added", ""),
                                     // whiteouts of what does not exist are harmless
                                     f("nothere/.wh.x", ""), f(".wh.ghost", ""),
                                     // aufs bookkeeping is not part of the image
                                     f(".wh..wh.plnk/123", "")});
        Status s;
        auto a = stage({lower, upper}, &s);
        QVERIFY2(s.ok(), s.ok() ? "" : qPrintable(s.error().text()));
        const QString img = build(*a);
        QVERIFY(!statIn(img, "/a/x").exists);
        QVERIFY(statIn(img, "/a/y").exists);
        QVERIFY(!statIn(img, "/b").exists);
        QVERIFY(statIn(img, "/keep").exists);
        QVERIFY(!statIn(img, "/d/old1").exists);
        QVERIFY(!statIn(img, "/d/sub").exists);
        QCOMPARE(catIn(img, "/d/new"), QByteArray("n"));
        QVERIFY(statIn(img, "/e/new").exists);
        QVERIFY(!statIn(img, "/e/old").exists);
        QVERIFY(statIn(img, "/f/added").exists);
        QVERIFY(statIn(img, "/f/old").exists);
        QVERIFY(!statIn(img, "/nothere").exists);
        QVERIFY(!statIn(img, "/.wh..wh.plnk").exists);
        // A later layer replaces a file with a directory and a directory with a file.
        const QString third =
            layer({{dir("keep"), {}}, f("keep/inside", "i"), f("a", "now a file")});
        auto b = stage({lower, upper, third}, &s);
        QVERIFY(s.ok());
        const QString img2 = build(*b);
        QCOMPARE(statIn(img2, "/keep").type, QString("directory"));
        QCOMPARE(catIn(img2, "/a"), QByteArray("now a file"));
    }

    // The image config's WorkingDir exists in the image, as a container runtime makes it:
    // created root:root 0755 when missing, an existing one untouched, always inside the image.
    void workingDirectories() {
        const QString v = victim();
        const QString l =
            layer({{dir("app", 0750, 1000, 1000), {}},
                   f("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
                   {sym("out", "../../../../../../.." + QFile::encodeName(v)), {}}});
        Status s;
        auto a = stage({l}, &s);
        QVERIFY(s.ok());
        const QString img = build(*a, {"/app", "/srv/work/dir", "relative"});
        QVERIFY(!img.isEmpty());
        Stat app = statIn(img, "/app"); // the image's own: unchanged
        QCOMPARE(app.mode, 0750u);
        QCOMPARE(app.uid, 1000u);
        for (const char* made : {"/srv", "/srv/work", "/srv/work/dir", "/relative"}) {
            const Stat d = statIn(img, made);
            QVERIFY2(d.exists && d.type == "directory", made);
            QCOMPARE(d.mode, 0755u);
            QCOMPARE(d.uid, 0u);
            QCOMPARE(d.gid, 0u);
        }
        // A file in the way, a symlink pointing far out (it resolves inside the image, to
        // nothing), or a path climbing out: a clear error, and nothing on the host.
        Error e;
        auto out = stage({l}, &s);
        QVERIFY(build(*out, {"/out/made"}, &e).isEmpty());
        QCOMPARE(e.code, QString("bad_config"));
        checkVictimUntouched(v);
        auto b = stage({l}, &s);
        QVERIFY(build(*b, {"/etc/passwd/x"}, &e).isEmpty());
        QCOMPARE(e.code, QString("bad_config"));
        QVERIFY2(e.message.contains("'/etc/passwd/x'"), qPrintable(e.message));
        auto c = stage({l}, &s);
        QVERIFY(build(*c, {"../../up"}, &e).isEmpty());
        QCOMPARE(e.code, QString("bad_config"));
    }

    void dotDotEscapes() {
        const QString v = victim();
        for (const QByteArray& bad :
             {QByteArray("../escaped"), QByteArray("a/../../escaped"),
              QByteArray("./../../../../../../..") + QFile::encodeName(v) + "/escaped"}) {
            Status s;
            auto a = stage({layer({f("ok", "1"), f(bad, "evil")})}, &s);
            QVERIFY(!s.ok());
            QCOMPARE(s.error().code, QString("bad_layer"));
            QVERIFY2(s.error().message.contains("climbs out of the image root"),
                     qPrintable(s.error().message));
            QVERIFY(s.error().message.contains("layer 1"));
            QVERIFY(!QFileInfo::exists(QFileInfo(a->root()).path() + "/escaped"));
        }
        checkVictimUntouched(v);
    }

    void absolutePathsStayInside() {
        const QString v = victim();
        Status s;
        auto a = stage({layer({f(QFile::encodeName(v) + "/planted", "evil")})}, &s);
        QVERIFY(s.ok());
        QVERIFY(QFileInfo::exists(a->root() + v + "/planted")); // inside the image
        checkVictimUntouched(v);
    }

    void symlinkedParentIsContained() {
        const QString v = victim();
        const QByteArray vb = QFile::encodeName(v);
        // An absolute symlink, a relative one climbing out, then writes through each.
        Status s;
        const QString links =
            layer({{sym("abs", vb), {}}, {sym("rel", "../../../../../../../.." + vb), {}}});
        stage({links}, &s);
        QVERIFY(s.ok());
        for (const QByteArray& through : {QByteArray("abs/planted"), QByteArray("rel/planted")}) {
            auto b = stage({links, layer({f(through, "evil")})}, &s);
            // Either refused (the target does not exist inside the image) or written inside.
            if (s.ok())
                QVERIFY(QFileInfo::exists(b->root() + v + "/planted"));
            else
                QVERIFY2(s.error().message.contains(through.left(3)),
                         qPrintable(s.error().message));
            checkVictimUntouched(v);
        }
        // Through a symlink to "/": the image's own root, never the host's.
        auto c = stage(
            {layer({{sym("root", "/"), {}}, {dir("etc"), {}}, f("root/etc/planted", "mine")})}, &s);
        QVERIFY2(s.ok(), s.ok() ? "" : qPrintable(s.error().text()));
        QVERIFY(QFileInfo::exists(c->root() + "/etc/planted"));
        QVERIFY(!QFileInfo::exists("/etc/planted"));
        // The symlink itself replaced by a file: the file is written, the target untouched.
        auto d = stage({layer({{sym("link", vb + "/sentinel"), {}}, f("link", "replaced")})}, &s);
        QVERIFY(s.ok());
        QFile replaced(d->root() + "/link");
        QVERIFY(replaced.open(QIODevice::ReadOnly));
        QCOMPARE(replaced.readAll(), QByteArray("replaced"));
        checkVictimUntouched(v);
    }

    void hardlinkEscapes() {
        const QString v = victim();
        const QByteArray vb = QFile::encodeName(v);
        struct Case {
            QList<Item> items;
            QString expect;
        };
        const QList<Case> cases{
            {{{hardlink("h", "../../../../../../.." + vb + "/sentinel"), {}}}, "climbs out"},
            {{{hardlink("h", vb + "/sentinel"), {}}}, "does not exist in the image"},
            {{{sym("out", vb), {}}, {hardlink("h", "out/sentinel"), {}}},
             "does not exist in the image"},
            {{{dir("d"), {}}, {hardlink("h", "d"), {}}}, "hardlink to a directory"},
            {{{hardlink("h", "."), {}}}, "image root"},
        };
        for (const Case& c : cases) {
            Status s;
            stage({layer(c.items)}, &s);
            QVERIFY(!s.ok());
            QVERIFY2(s.error().message.contains(c.expect), qPrintable(s.error().message));
            checkVictimUntouched(v);
        }
    }

    void sparseFiles() {
        // A small sparse file is applied sparse, with its data where it belongs.
        TarEntry sparse = file("sparse.bin", 100 << 20);
        sparse.sparse = {{4096, 5}, {(100 << 20) - 3, 3}};
        Status s;
        auto a = stage({layer({{sparse, "hello"
                                        "end"}})},
                       &s);
        QVERIFY2(s.ok(), s.ok() ? "" : qPrintable(s.error().text()));
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(a->root() + "/sparse.bin").constData(), &st), 0);
        QCOMPARE(qint64(st.st_size), qint64(100 << 20));
        QVERIFY(qint64(st.st_blocks) * 512 < (1 << 20));
        QFile fh(a->root() + "/sparse.bin");
        QVERIFY(fh.open(QIODevice::ReadOnly));
        fh.seek(4096);
        QCOMPARE(fh.read(5), QByteArray("hello"));
        fh.seek((100 << 20) - 3);
        QCOMPARE(fh.read(3), QByteArray("end"));

        // A huge one (64 GiB of holes) is refused before anything is written.
        TarEntry huge = file("huge.bin", 64LL << 30);
        huge.sparse = {{(64LL << 30) - 4, 4}};
        auto b = stage({layer({{huge, "tail"}}, TarWriter::Compression::None)}, &s);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, QString("image_too_large"));
        QVERIFY(s.error().message.contains("sparse files count at full size"));
        QVERIFY(!QFileInfo::exists(b->root() + "/huge.bin"));
    }

    void decompressionBomb() {
        // 64 MiB of zeros in about 64 KiB of gzip.
        const QString bomb = path("bomb.tar.gz");
        auto w = TarWriter::create(bomb, TarWriter::Compression::Gzip);
        QVERIFY(w);
        QVERIFY((*w)->addStreamed(file("zeros", 64 << 20),
                                  [](char* p, size_t n) { std::memset(p, 0, n); }));
        QVERIFY((*w)->close());
        QVERIFY(QFileInfo(bomb).size() < (1 << 20));
        LayerLimits limits;
        limits.ratioFloor = 8 << 20;
        limits.maxRatio = 100;
        Status s;
        auto a = stage({bomb}, &s, limits);
        QVERIFY(!s.ok());
        QVERIFY2(s.error().message.contains("decompression bomb"), qPrintable(s.error().message));
        // It stopped early: far less than 64 MiB reached the disk.
        struct stat st {};
        if (::stat(QFile::encodeName(a->root() + "/zeros").constData(), &st) == 0)
            QVERIFY(st.st_size < (32 << 20));
        // Within the size limit instead: refused by size.
        LayerLimits small;
        small.maxBytes = 16 << 20;
        stage({bomb}, &s, small);
        QCOMPARE(s.error().code, QString("image_too_large"));
        // Too many entries.
        QList<Item> items;
        for (int i = 0; i < 20; ++i)
            items << f("f" + QByteArray::number(i), "x");
        LayerLimits few;
        few.maxEntries = 10;
        stage({layer(items)}, &s, few);
        QCOMPARE(s.error().code, QString("image_too_large"));
    }

    void damagedLayers() {
        QList<Item> items;
        for (int i = 0; i < 50; ++i)
            items << f("file" + QByteArray::number(i), QByteArray(10000, char('a' + i % 26)));
        const QString good = layer(items);
        const QString cut = path("cut.tar.gz");
        QFile::copy(good, cut);
        QFile c(cut);
        QVERIFY(c.open(QIODevice::ReadWrite));
        QVERIFY(c.resize(c.size() / 2));
        c.close();
        Status s;
        stage({cut}, &s);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, QString("bad_layer"));
        QVERIFY(s.error().message.contains("layer 1"));
        const QString garbage = path("garbage.tar");
        QFile g(garbage);
        QVERIFY(g.open(QIODevice::WriteOnly));
        g.write(QByteArray(4096, '\x7f'));
        g.close();
        stage({garbage}, &s);
        QCOMPARE(s.error().code, QString("bad_layer"));
        // Uncompressed tar works as well as gzip.
        auto a = stage({layer({f("plain", "p")}, TarWriter::Compression::None)}, &s);
        QVERIFY(s.ok());
        QVERIFY(QFileInfo::exists(a->root() + "/plain"));
    }

    void unprivilegedBuild() {
        // The same image built by an unprivileged user: ownership, setuid, devices and xattrs
        // must come out identical. As root the build runs as nobody; otherwise as ourselves.
        const QString dirPath = path("nobody");
        QDir().mkpath(dirPath);
        const QString layerPath = dirPath + "/layer.tar.gz";
        QVERIFY(!writeLayer(layerPath, richLayers()[0]).isEmpty());
        if (::geteuid() == 0) {
            QVERIFY(::chown(QFile::encodeName(dirPath).constData(), 65534, 65534) == 0);
            QVERIFY(::chmod(QFile::encodeName(m_tmp.path()).constData(), 0755) == 0);
            QVERIFY(::chmod(QFile::encodeName(layerPath).constData(), 0644) == 0);
        }
        QProcess p;
        p.start(QCoreApplication::applicationFilePath(),
                {"--build-unprivileged", dirPath + "/stage", dirPath + "/rootfs.img", layerPath});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QVERIFY(p.readAllStandardOutput().contains(::geteuid() == 0 ? "uid 65534" : "uid"));
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(dirPath + "/rootfs.img").constData(), &st), 0);
        if (::geteuid() == 0)
            QCOMPARE(st.st_uid, 65534u);
        verifyRichImage(dirPath + "/rootfs.img");
    }
};

// `--build-unprivileged STAGE IMAGE LAYER...`: drops to nobody (when root) and builds.
static int buildUnprivileged(int argc, char** argv) {
    if (::geteuid() == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
            std::perror("dropping privileges");
            return 2;
        }
    }
    QCoreApplication app(argc, argv);
    std::printf("uid %u\n", unsigned(::geteuid()));
    const QStringList args = app.arguments().mid(2);
    LayerApplier a(args[0]);
    Status s = a.open();
    for (int i = 2; s && i < args.size(); ++i)
        s = a.apply(args[i], "layer");
    if (!s) {
        std::fprintf(stderr, "%s\n", qPrintable(s.error().text()));
        return 1;
    }
    const QString work = args[0] + "-work";
    QDir().mkpath(work);
    auto r = RootfsBuilder::build(a, args[1], work);
    if (!r) {
        std::fprintf(stderr, "%s\n", qPrintable(r.error().text()));
        return 1;
    }
    return 0;
}

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--build-unprivileged") == 0)
        return buildUnprivileged(argc, argv);
    QCoreApplication app(argc, argv);
    ImageTest t;
    return QTest::qExec(&t, argc, argv);
}

#include "ImageTest.moc"
