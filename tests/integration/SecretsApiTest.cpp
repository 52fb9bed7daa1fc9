// secret.* and route.* on a real vivariumd (no VM needed: nothing here boots a sandbox), and
// `viv secret`, `viv route` and the template network options as a user types them. The
// service keeps secrets in its private file here (VIVARIUM_SECRETS=file: a test must never
// write to the desktop keyring of whoever runs it). Checked: a secret's value never comes
// back, not in a reply, an event, an error, a listing, the service's log or any file but the
// secrets file; a token scoped to a sandbox is refused every one of these requests and hears
// none of their events; bad input gets a clear error.
#include "ApiClient.h"
#include "ServiceFixture.h"
#include "TokenStore.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace vivarium;

namespace {

// A connection that keeps every text message it receives, exactly as sent.
struct RawClient {
    QWebSocket socket;
    QStringList received;
    qint64 nextId = 1;

    RawClient(const QString& url, const QString& token) {
        QObject::connect(&socket, &QWebSocket::textMessageReceived, [this](const QString& m) { received << m; });
        QNetworkRequest request{QUrl(url)};
        request.setRawHeader("Authorization", "Bearer " + token.toLatin1());
        socket.open(request);
    }
    bool waitHello() {
        return QTest::qWaitFor([this] { return !received.isEmpty(); }, 10000) &&
               received.first().contains("\"hello\"");
    }
    // Sends a request and waits for its result or error.
    QJsonObject call(const QString& type, QJsonObject body) {
        const qint64 id = nextId++;
        body["id"] = id;
        body["type"] = type;
        socket.sendTextMessage(QString::fromUtf8(QJsonDocument(body).toJson(QJsonDocument::Compact)));
        QJsonObject answer;
        QTest::qWaitFor(
            [&] {
                for (const QString& m : std::as_const(received)) {
                    const QJsonObject o = QJsonDocument::fromJson(m.toUtf8()).object();
                    if (o.value("id").toInteger(-1) == id && o.value("type") != "progress") {
                        answer = o;
                        return true;
                    }
                }
                return false;
            },
            30000);
        return answer;
    }
    QList<QJsonObject> events(const QString& name) const {
        QList<QJsonObject> out;
        for (const QString& m : received) {
            const QJsonObject o = QJsonDocument::fromJson(m.toUtf8()).object();
            if (o.value("type") == "event" && o.value("event").toString() == name)
                out << o;
        }
        return out;
    }
};

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class SecretsApiTest : public QObject {
    Q_OBJECT
    std::unique_ptr<ServiceFixture> m_service;
    QString m_scopedToken;
    // Distinctive values, looked for everywhere they must not be.
    const QString m_value = "sk-vivarium-test-" + QString::number(QRandomGenerator::system()->generate64(), 16);
    const QString m_value2 = "gh-vivarium-test-" + QString::number(QRandomGenerator::system()->generate64(), 16);

    VivResult viv(const QStringList& args, const QByteArray& in = {}) { return m_service->viv(args, in, 60000); }

private slots:
    void initTestCase() {
        m_service = std::make_unique<ServiceFixture>(QStringList{"VIVARIUM_SECRETS=file"});
        // A token scoped to a sandbox, made the way token.create makes one, before the service
        // starts and reads the token file. Its sandbox need not exist for it to be refused.
        QDir().mkpath(m_service->configDir());
        TokenStore tokens(m_service->configDir() + "/token", m_service->configDir() + "/tokens.json");
        QVERIFY(tokens.loadOrCreateOwnerToken());
        auto scoped = tokens.createScoped("0123456789ab");
        QVERIFY(scoped);
        m_scopedToken = scoped->second;
        // The first viv command starts the service.
        const VivResult ls = viv({"secret", "ls"});
        QVERIFY2(ls.code == 0, ls.err.constData());
        QVERIFY(ls.out.startsWith("NAME"));
        QVERIFY2(ls.err.contains("new secrets go to the file " + m_service->configDir().toUtf8() + "/secrets.json"),
                 ls.err.constData());
    }
    void cleanupTestCase() { m_service.reset(); }

    void secretsThroughTheApi() {
        RawClient owner(m_service->url(), m_service->ownerToken());
        QVERIFY(owner.waitHello());
        RawClient watcher(m_service->url(), m_service->ownerToken()); // hears the events
        QVERIFY(watcher.waitHello());

        QJsonObject set = owner.call("secret.set", {{"name", "API_TEST_KEY"}, {"value", m_value}});
        QCOMPARE(set.value("type").toString(), QString("result"));
        QCOMPARE(set.value("secret").toObject().value("name").toString(), QString("API_TEST_KEY"));
        QCOMPARE(set.value("secret").toObject().value("backend").toString(), QString("file"));
        QCOMPARE(set.value("backend").toString(), "file " + m_service->configDir() + "/secrets.json");
        QTRY_COMPARE(watcher.events("secret.changed").size(), 1);
        const QJsonObject changed = watcher.events("secret.changed").first();
        QCOMPARE(changed.value("name").toString(), QString("API_TEST_KEY"));
        QCOMPARE(changed.value("removed").toBool(), false);

        const QJsonObject list = owner.call("secret.list", {});
        QCOMPARE(list.value("secrets").toArray().size(), 1);
        QCOMPARE(list.value("secrets").toArray()[0].toObject().keys(), (QStringList{"backend", "name", "updated"}));

        // Bad input: a clear error, never the value in it.
        const QJsonObject badName = owner.call("secret.set", {{"name", "api key"}, {"value", m_value}});
        QCOMPARE(badName.value("error").toObject().value("code").toString(), QString("bad_request"));
        QVERIFY(badName.value("error").toObject().value("message").toString().contains("Field 'name' must be a secret name"));
        QCOMPARE(owner.call("secret.set", {{"name", "X"}, {"value", 5}}).value("error").toObject().value("code").toString(),
                 QString("bad_request"));
        const QJsonObject big = owner.call("secret.set", {{"name", "BIG"}, {"value", QString(70000, 'v')}});
        QVERIFY(big.value("error").toObject().value("message").toString().contains("the limit is 64 KiB"));
        QCOMPARE(owner.call("secret.remove", {{"name", "NOPE"}}).value("error").toObject().value("code").toString(),
                 QString("unknown_secret"));

        // Not a single message on either connection held the value.
        for (const QString& m : owner.received + watcher.received)
            QVERIFY2(!m.contains(m_value), qPrintable(m.left(200)));
    }

    void routesThroughTheApi() {
        RawClient owner(m_service->url(), m_service->ownerToken());
        QVERIFY(owner.waitHello());
        const QJsonArray headers{QJsonObject{{"name", "Authorization"}, {"value", "Bearer {secret:API_TEST_KEY}"}},
                                 QJsonObject{{"name", "X-Team"}, {"value", "{secret:NOT_SET_YET}"}}};
        QJsonObject added = owner.call("route.add", {{"name", "apitest"}, {"upstream", "https://api.example.org/v1"},
                                                     {"headers", headers}});
        QCOMPARE(added.value("type").toString(), QString("result"));
        const QJsonObject route = added.value("route").toObject();
        QCOMPARE(route.value("headers").toArray(), headers); // templates, as written
        QCOMPARE(route.value("base_url_env").toString(), QString("APITEST_BASE_URL"));
        QCOMPARE(route.value("missing_secrets").toArray(), QJsonArray{"NOT_SET_YET"});
        // A secret that is not set is a warning now (and an error when a sandbox needs it).
        QCOMPARE(added.value("warnings").toArray().size(), 1);
        QVERIFY(added.value("warnings").toArray()[0].toString().contains("viv secret set NOT_SET_YET"));
        QTRY_VERIFY(!owner.events("route.changed").isEmpty());
        QVERIFY(QFile::exists(m_service->configDir() + "/routes/apitest.json"));

        QJsonObject dup = owner.call("route.add", {{"name", "apitest"}, {"upstream", "https://x.example"}});
        QCOMPARE(dup.value("error").toObject().value("code").toString(), QString("route_exists"));
        QJsonObject bad = owner.call("route.add", {{"name", "bad"}, {"upstream", "https://x.example"},
                                                   {"headers", QJsonArray{QJsonObject{{"name", "Host"}, {"value", "y"}}}}});
        QVERIFY(bad.value("error").toObject().value("message").toString().contains("which the proxy sets itself"));
        QJsonObject badName = owner.call("route.add", {{"name", "Bad Name"}, {"upstream", "https://x.example"}});
        QCOMPARE(badName.value("error").toObject().value("code").toString(), QString("bad_request"));

        QJsonObject updated = owner.call("route.update", {{"name", "apitest"}, {"headers", QJsonArray{headers[0]}}});
        QCOMPARE(updated.value("route").toObject().value("missing_secrets").toArray(), QJsonArray());
        QCOMPARE(updated.value("route").toObject().value("upstream").toString(), QString("https://api.example.org/v1"));

        const QJsonObject list = owner.call("route.list", {});
        QCOMPARE(list.value("routes").toArray().size(), 1);
        QCOMPARE(list.value("problems").toArray(), QJsonArray());
        // A broken file by hand: reported with its file and field, the others still listed.
        QFile broken(m_service->configDir() + "/routes/broken.json");
        QVERIFY(broken.open(QIODevice::WriteOnly));
        broken.write(R"({"upstream": 7})");
        broken.close();
        const QJsonObject withProblem = owner.call("route.list", {});
        QCOMPARE(withProblem.value("routes").toArray().size(), 1);
        QCOMPARE(withProblem.value("problems").toArray()[0].toObject().value("field").toString(), QString("upstream"));
        QVERIFY(QFile::remove(broken.fileName()));

        for (const QString& m : owner.received)
            QVERIFY2(!m.contains(m_value), qPrintable(m.left(200)));
    }

    void sandboxTokenIsRefused() {
        RawClient scoped(m_service->url(), m_scopedToken);
        QVERIFY(scoped.waitHello());
        QVERIFY(scoped.received.first().contains("sandbox:0123456789ab"));
        const QList<std::pair<QString, QJsonObject>> requests{
            {"secret.set", {{"name", "SCOPED"}, {"value", "nope"}}},
            {"secret.list", {}},
            {"secret.remove", {{"name", "API_TEST_KEY"}}},
            {"route.add", {{"name", "scoped"}, {"upstream", "https://x.example"}}},
            {"route.update", {{"name", "apitest"}, {"upstream", "https://evil.example"}}},
            {"route.list", {}},
            {"route.remove", {{"name", "apitest"}}},
        };
        for (const auto& [type, body] : requests) {
            const QJsonObject answer = scoped.call(type, body);
            QCOMPARE(answer.value("type").toString(), QString("error"));
            QCOMPARE(answer.value("error").toObject().value("code").toString(), QString("forbidden"));
            QVERIFY2(answer.value("error").toObject().value("message").toString().contains("needs the owner's token"),
                     qPrintable(type));
        }
        // Nothing changed, and the scoped connection hears nothing of the owner's changes.
        RawClient owner(m_service->url(), m_service->ownerToken());
        QVERIFY(owner.waitHello());
        QCOMPARE(owner.call("secret.list", {}).value("secrets").toArray().size(), 1);
        QCOMPARE(owner.call("route.list", {}).value("routes").toArray()[0].toObject().value("upstream").toString(),
                 QString("https://api.example.org/v1"));
        QVERIFY(owner.call("secret.set", {{"name", "SCOPED_SEES_NOT"}, {"value", "x-value"}}).contains("secret"));
        QTRY_COMPARE(owner.events("secret.changed").size(), 1);
        QVERIFY(owner.call("secret.remove", {{"name", "SCOPED_SEES_NOT"}}).value("type") == "result");
        QTRY_COMPARE(owner.events("secret.changed").size(), 2);
        QVERIFY(scoped.events("secret.changed").isEmpty());
        QVERIFY(scoped.events("route.changed").isEmpty());
    }

    void vivSecretAndRoute() {
        // From a pipe: the trailing newline is not part of the value.
        VivResult set = viv({"secret", "set", "CLI_KEY"}, m_value2.toUtf8() + "\n");
        QVERIFY2(set.code == 0, set.err.constData());
        QVERIFY2(set.err.contains("secret CLI_KEY stored in the file " + m_service->configDir().toUtf8()), set.err.constData());
        QVERIFY(!set.out.contains(m_value2.toUtf8()) && !set.err.contains(m_value2.toUtf8()));
        QJsonObject stored = QJsonDocument::fromJson(readAll(m_service->configDir() + "/secrets.json")).object();
        QCOMPARE(stored.value("secrets").toObject().value("CLI_KEY").toString(), m_value2);

        VivResult empty = viv({"secret", "set", "EMPTY_ONE"}, "\n");
        QCOMPARE(empty.code, 125);
        QVERIFY(empty.err.contains("No value on stdin"));
        VivResult bad = viv({"secret", "set", "lower"}, "x\n");
        QCOMPARE(bad.code, 125);
        QVERIFY(bad.err.contains("must be a secret name"));

        VivResult ls = viv({"secret", "ls"});
        QCOMPARE(ls.code, 0);
        QVERIFY(ls.out.contains("CLI_KEY") && ls.out.contains("API_TEST_KEY"));
        VivResult lsJson = viv({"secret", "ls", "--json"});
        const QJsonArray secrets = QJsonDocument::fromJson(lsJson.out).array();
        QCOMPARE(secrets.size(), 2);

        VivResult add = viv({"route", "add", "github", "--upstream", "https://api.github.com", "--header",
                             "Authorization: Bearer {secret:CLI_KEY}", "-H", "X-GitHub-Api-Version: 2022-11-28"});
        QVERIFY2(add.code == 0, add.err.constData());
        QVERIFY2(add.err.contains("route github added: $GITHUB_BASE_URL"), add.err.constData());
        VivResult warn = viv({"route", "add", "other", "--upstream", "http://127.0.0.1:9", "--header",
                              "X-Key: {secret:MISSING_ONE}"});
        QCOMPARE(warn.code, 0);
        QVERIFY(warn.err.contains("warning: Secret 'MISSING_ONE' is not set yet"));
        VivResult badHeader = viv({"route", "add", "x", "--upstream", "https://x.example", "--header", "NoColon"});
        QCOMPARE(badHeader.code, 2);
        VivResult badUpstream = viv({"route", "add", "x", "--upstream", "ftp://x.example"});
        QCOMPARE(badUpstream.code, 125);
        QVERIFY(badUpstream.err.contains("Field 'upstream' must be an http:// or https:// URL"));

        VivResult routes = viv({"route", "ls"});
        QCOMPARE(routes.code, 0);
        QVERIFY(routes.out.contains("Authorization: Bearer {secret:CLI_KEY}")); // the template, not the value
        QVERIFY(routes.err.contains("route other needs secret MISSING_ONE"));
        VivResult routesJson = viv({"route", "ls", "--json"});
        QCOMPARE(QJsonDocument::fromJson(routesJson.out).array().size(), 3); // apitest, github, other

        // Template network options, shown by template show.
        VivResult made = viv({"template", "create", "web", "--from", "tiny", "--egress", "proxy", "--allow", "pypi.org",
                              "--allow", "*.github.com:443", "--route", "github"});
        QVERIFY2(made.code == 0, made.err.constData());
        VivResult show = viv({"template", "show", "web"});
        const QString shown = QString::fromUtf8(show.out).simplified();
        QVERIFY2(shown.contains("egress: proxy allow: pypi.org, *.github.com:443 routes: github"), qPrintable(shown));
        VivResult edit = viv({"template", "edit", "web", "--no-allow", "--allow", "files.pythonhosted.org", "--route", "other"});
        QVERIFY2(edit.code == 0, edit.err.constData());
        const QJsonObject network = QJsonDocument::fromJson(viv({"template", "show", "web", "--json"}).out)
                                        .object().value("network").toObject();
        QCOMPARE(network.value("egress").toString(), QString("proxy"));
        QCOMPARE(network.value("allow").toArray(), QJsonArray{"files.pythonhosted.org"});
        QCOMPARE(network.value("routes").toArray(), (QJsonArray{"github", "other"}));
        VivResult unknownRoute = viv({"template", "edit", "web", "--route", "nowhere"});
        QCOMPARE(unknownRoute.code, 125);
        QVERIFY(unknownRoute.err.contains("route 'nowhere', which does not exist"));
        VivResult badEgress = viv({"template", "edit", "web", "--egress", "sometimes"});
        QCOMPARE(badEgress.code, 2);
        VivResult badAllow = viv({"template", "edit", "web", "--allow", "bad host!"});
        QCOMPARE(badAllow.code, 125);
        QVERIFY(badAllow.err.contains("network.allow"));

        // A route a template uses cannot go; after --no-route it can.
        VivResult inUse = viv({"route", "rm", "github"});
        QCOMPARE(inUse.code, 125);
        QVERIFY2(inUse.err.contains("used by template web"), inUse.err.constData());
        QCOMPARE(viv({"template", "edit", "web", "--no-route"}).code, 0);
        QCOMPARE(viv({"route", "rm", "github"}).code, 0);
        QCOMPARE(viv({"route", "rm", "other"}).code, 0);
        QCOMPARE(viv({"template", "rm", "web"}).code, 0);
        VivResult rm = viv({"secret", "rm", "CLI_KEY"});
        QCOMPARE(rm.code, 0);
        QVERIFY(!readAll(m_service->configDir() + "/secrets.json").contains(m_value2.toUtf8()));
    }

    // Last: everything the service and viv wrote. The values are in the secrets file (or gone
    // from it) and nowhere else: not in the log, the index, a route or template file.
    void valuesAppearNowhereElse() {
        QStringList looked;
        for (const QString& root : {m_service->configDir(), m_service->dataDir(), m_service->runtimeDir()}) {
            QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                if (path == m_service->configDir() + "/secrets.json" || !QFileInfo(path).isFile())
                    continue;
                const QByteArray data = readAll(path);
                QVERIFY2(!data.contains(m_value.toUtf8()) && !data.contains(m_value2.toUtf8()), qPrintable(path));
                looked << QFileInfo(path).fileName();
            }
        }
        QVERIFY2(looked.contains("vivariumd.log"), qPrintable(looked.join(' ')));
        QVERIFY(looked.contains("secrets-index.json"));
    }
};

QTEST_GUILESS_MAIN(SecretsApiTest)
#include "SecretsApiTest.moc"
