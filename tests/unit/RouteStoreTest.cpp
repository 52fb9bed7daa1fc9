// The route store without a service: valid route files, every invalid field (reported with its
// file and field, the file skipped, other routes unharmed), files edited by hand, add/update/
// remove, the {secret:NAME} syntax, and resolve(): real values from a real SecretStore (its
// private file), placeholders stable per sandbox, a missing secret or one with a line break
// refused without quoting the value.
#include "RouteStore.h"
#include "SecretStore.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace vivarium;

namespace {

bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QStringList names(const QList<Route>& list) {
    QStringList n;
    for (const Route& r : list)
        n << r.name;
    return n;
}

} // namespace

class RouteStoreTest : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<RouteStore> m_store;

    QString dir() const { return m_dir->path() + "/routes"; }
    QString file(const QString& name) const { return dir() + "/" + name + ".json"; }

    Result<ResolvedRoute> resolveSync(const Route& r, SecretStore& secrets, const QMap<QString, QString>& known = {}) {
        std::optional<Result<ResolvedRoute>> out;
        RouteStore::resolve(r, secrets, known, [&](Result<ResolvedRoute> v) { out = std::move(v); }, this);
        if (!QTest::qWaitFor([&] { return out.has_value(); }, 10000))
            return makeError("timeout", "resolve did not answer");
        return *out;
    }
    void setSecret(SecretStore& s, const QString& name, const QString& value) {
        std::optional<Result<SecretInfo>> out;
        s.set(name, value, [&](Result<SecretInfo> v) { out = std::move(v); }, this);
        QVERIFY(QTest::qWaitFor([&] { return out.has_value(); }, 10000));
        QVERIFY2(out->ok(), qPrintable(out->ok() ? QString() : out->error().text()));
    }
    SecretStore::Options secretOptions() const {
        SecretStore::Options o;
        o.configDir = m_dir->path() + "/config";
        o.preference = SecretStore::Preference::File;
        return o;
    }

private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = std::make_unique<RouteStore>(dir());
    }
    void cleanup() {
        m_store.reset();
        m_dir.reset();
    }

    void validFile() {
        QVERIFY(m_store->list().isEmpty());
        const QByteArray openai =
            "{\"name\": \"openai\", \"upstream\": \"https://api.openai.com/v1\", "
            R"("headers": [{"name": "Authorization", "value": "Bearer {secret:OPENAI_API_KEY}"}, )"
            R"({"name": "OpenAI-Organization", "value": "org-{secret:ORG}-{secret:OPENAI_API_KEY}"}, )"
            R"({"name": "X-Plain", "value": "no secret, {braces} are fine"}], "comment": "kept"})";
        QVERIFY(writeFile(file("openai"), openai));
        auto r = m_store->find("openai");
        QVERIFY2(r, qPrintable(r ? QString() : r.error().message));
        QCOMPARE(r->upstream, QUrl("https://api.openai.com/v1"));
        QCOMPARE(r->headers.size(), 3);
        QCOMPARE(r->headers[0], (RouteHeader{"Authorization", "Bearer {secret:OPENAI_API_KEY}"}));
        QCOMPARE(r->secretNames(), (QStringList{"OPENAI_API_KEY", "ORG"}));
        const QJsonObject api = r->toJson();
        QCOMPARE(api.value("upstream").toString(), QString("https://api.openai.com/v1"));
        QCOMPARE(api.value("headers").toArray()[0].toObject().value("value").toString(),
                 QString("Bearer {secret:OPENAI_API_KEY}"));
        QCOMPARE(api.value("secrets").toArray(), (QJsonArray{"OPENAI_API_KEY", "ORG"}));
        QCOMPARE(api.value("base_url_env").toString(), QString("OPENAI_BASE_URL"));
        QVERIFY(!api.contains("comment"));
        QVERIFY(m_store->problems().isEmpty());
        // Without headers (an upstream on the user's own loopback is allowed: the user wrote it).
        QVERIFY(writeFile(file("local"), "{\"upstream\": \"http://127.0.0.1:8080\"}"));
        QCOMPARE(names(m_store->list()), (QStringList{"local", "openai"}));
    }

    void secretReferences() {
        QCOMPARE(RouteStore::secretReferences("Bearer {secret:A}{secret:B_2}").value(), (QStringList{"A", "B_2"}));
        QCOMPARE(RouteStore::secretReferences("{secrets:a} {secret} {x}").value(), QStringList());
        QVERIFY(!RouteStore::secretReferences("Bearer {secret:A"));
        QVERIFY(RouteStore::secretReferences("Bearer {secret:A").error().message.contains("no closing '}'"));
        QVERIFY(!RouteStore::secretReferences("{secret:lower}"));
        QVERIFY(!RouteStore::secretReferences("{secret:}"));
        QVERIFY(!RouteStore::secretReferences("{secret:A B}"));
    }

    // (Plain strings, not raw ones, in this file: moc tokenises a raw string as ordinary code,
    // and a "//" or a lone brace inside one hides the class from it.)
    void everyInvalidField_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message"); // after "<file>: "
        auto row = [](const char* tag, const QByteArray& json, const char* field, const QString& message) {
            QTest::newRow(tag) << json << QString(field) << message;
        };
        auto withHeader = [](const QByteArray& header) {
            return "{\"upstream\": \"https://x.example\", \"headers\": [" + header + "]}";
        };
        const QString url = "an http:// or https:// URL with a host, e.g. https://api.openai.com/v1";
        row("no upstream", "{\"headers\": []}", "upstream", "field 'upstream' is required: " + url);
        row("upstream number", "{\"upstream\": 443}", "upstream", "field 'upstream' must be " + url);
        row("upstream ftp", "{\"upstream\": \"ftp://files.example\"}", "upstream",
            "field 'upstream' must be " + url + " (not 'ftp://files.example')");
        row("upstream no host", "{\"upstream\": \"https://\"}", "upstream",
            "field 'upstream' must be " + url + " (not 'https://')");
        row("upstream relative", "{\"upstream\": \"api.openai.com\"}", "upstream",
            "field 'upstream' must be " + url + " (not 'api.openai.com')");
        const QString noExtras = "field 'upstream' must not have user info, a query or a fragment; put credentials in a header";
        row("upstream user info", "{\"upstream\": \"https://user:pw@api.example\"}", "upstream", noExtras);
        row("upstream query", "{\"upstream\": \"https://api.example/?key=1\"}", "upstream", noExtras);
        row("headers object", "{\"upstream\": \"https://x.example\", \"headers\": {\"A\": \"b\"}}", "headers",
            "field 'headers' must be a list of {\"name\": \"Authorization\", \"value\": \"Bearer {secret:NAME}\"}");
        row("header no value", withHeader("{\"name\": \"A\"}"), "headers",
            "field 'headers' must be a list of {\"name\": \"Authorization\", \"value\": \"Bearer {secret:NAME}\"}");
        row("header name space", withHeader("{\"name\": \"X Key\", \"value\": \"v\"}"), "headers",
            "field 'headers' has 'X Key', which is not a header name (letters, digits and !#$%&'*+-.^_`|~)");
        row("header name colon", withHeader("{\"name\": \"X-Key:\", \"value\": \"v\"}"), "headers",
            "field 'headers' has 'X-Key:', which is not a header name (letters, digits and !#$%&'*+-.^_`|~)");
        row("header host", withHeader("{\"name\": \"host\", \"value\": \"evil.example\"}"), "headers",
            "field 'headers' sets host, which the proxy sets itself");
        row("header content-length", withHeader("{\"name\": \"Content-Length\", \"value\": \"0\"}"), "headers",
            "field 'headers' sets Content-Length, which the proxy sets itself");
        row("header proxy-", withHeader("{\"name\": \"Proxy-Authorization\", \"value\": \"x\"}"), "headers",
            "field 'headers' sets Proxy-Authorization, which the proxy sets itself");
        row("header twice", withHeader("{\"name\": \"X-A\", \"value\": \"1\"}, {\"name\": \"x-a\", \"value\": \"2\"}"), "headers",
            "field 'headers' sets x-a twice");
        row("header CRLF", withHeader("{\"name\": \"X-A\", \"value\": \"1\\r\\nHost: evil\"}"), "headers",
            "field 'headers' gives X-A a value with a line break or another control character");
        row("header NUL", withHeader("{\"name\": \"X-A\", \"value\": \"1\\u0000\"}"), "headers",
            "field 'headers' gives X-A a value with a line break or another control character");
        row("header bad reference", withHeader("{\"name\": \"Authorization\", \"value\": \"Bearer {secret:openai}\"}"),
            "headers",
            "field 'headers' gives Authorization a value that refers to '{secret:openai}', but 'openai' is not a "
            "secret name (" + SecretStore::nameRule() + ")");
        row("header unclosed", withHeader("{\"name\": \"Authorization\", \"value\": \"Bearer {secret:KEY\"}"), "headers",
            "field 'headers' gives Authorization a value that has a '{secret:' with no closing '}'");
        QByteArray many;
        for (int i = 0; i < 33; ++i)
            many += (i ? "," : "") + QByteArray("{\"name\": \"X-") + QByteArray::number(i) + "\", \"value\": \"v\"}";
        row("too many headers", withHeader(many), "headers", "field 'headers' must have at most 32 entries");
        row("name mismatch", "{\"name\": \"other\", \"upstream\": \"https://x.example\"}", "name",
            "field 'name' must be \"web\", the file's name without .json");
    }

    void everyInvalidField() {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        QFETCH(QString, message);
        QSignalSpy problemsChanged(m_store.get(), &RouteStore::problemsChanged);
        QVERIFY(writeFile(file("web"), json));
        QVERIFY(writeFile(file("fine"), "{\"upstream\": \"https://fine.example\"}")); // spoils no other
        QCOMPARE(names(m_store->list()), QStringList{"fine"});
        const QList<FileProblem> problems = m_store->problems();
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems[0].file, file("web"));
        QCOMPARE(problems[0].field, field);
        QCOMPARE(problems[0].message, file("web") + ": " + message);
        QCOMPARE(problemsChanged.count(), 1);
        auto found = m_store->find("web");
        QCOMPARE(found.error().code, QString("invalid_route"));
        QVERIFY(found.error().message.contains(file("web")));
    }

    void filesThatCannotBeRead() {
        QVERIFY(writeFile(file("broken"), "{\"upstream\": "));
        QVERIFY(writeFile(file("list"), "[1]"));
        QVERIFY(writeFile(dir() + "/Bad-Name.json", "{\"upstream\": \"https://x.example\"}"));
        QVERIFY(QDir().mkpath(dir() + "/adir.json"));
        QStringList messages;
        for (const FileProblem& p : m_store->problems())
            messages << p.message;
        QCOMPARE(messages.size(), 4);
        QVERIFY2(messages[0].startsWith(dir() + "/Bad-Name.json: the file name is not a route name"), qPrintable(messages[0]));
        QCOMPARE(messages[1], dir() + "/adir.json: is a directory, not a route file");
        QVERIFY2(messages[2].startsWith(file("broken") + ": is not valid JSON: "), qPrintable(messages[2]));
        QVERIFY(messages[3].startsWith(file("list") + ": must hold a JSON object"));
        QVERIFY(m_store->list().isEmpty());
    }

    void addUpdateRemoveAndHandEdits() {
        QSignalSpy added(m_store.get(), &RouteStore::routeAdded);
        QSignalSpy changed(m_store.get(), &RouteStore::routeChanged);
        QSignalSpy removed(m_store.get(), &RouteStore::routeRemoved);
        const QJsonArray headers{QJsonObject{{"name", "Authorization"}, {"value", "Bearer {secret:GH_TOKEN}"}}};
        auto gh = m_store->add("github", {{"upstream", "https://api.github.com"}, {"headers", headers}, {"x", 1}});
        QVERIFY2(gh, qPrintable(gh ? QString() : gh.error().message));
        QCOMPARE(added.count(), 1);
        QFile f(file("github"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject written = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(written.value("name").toString(), QString("github"));
        QCOMPARE(written.value("headers").toArray(), headers);
        QVERIFY(!written.contains("x")); // only a route's fields are taken from a request
        QCOMPARE(QDir(dir()).entryList(QDir::Files | QDir::Hidden), QStringList{"github.json"});

        QCOMPARE(m_store->add("github", {{"upstream", "https://x.example"}}).error().code, QString("route_exists"));
        QCOMPARE(m_store->add("GitHub", {{"upstream", "https://x.example"}}).error().code, QString("bad_request"));
        QCOMPARE(m_store->add("../x", {{"upstream", "https://x.example"}}).error().code, QString("bad_request"));
        auto bad = m_store->add("gitlab", {{"upstream", "gopher://x"}});
        QCOMPARE(bad.error().message.left(26), QString("Field 'upstream' must be a"));
        QVERIFY(!QFile::exists(file("gitlab")));

        auto updated = m_store->update("github", {{"upstream", "https://api.github.com/v3"}});
        QVERIFY(updated);
        QCOMPARE(updated->headers.size(), 1); // headers kept
        QCOMPARE(changed.count(), 1);
        QVERIFY(m_store->update("github", {{"headers", QJsonArray{QJsonObject{{"name", "Host"}, {"value", "x"}}}}})
                    .error().message.contains("which the proxy sets itself"));
        QCOMPARE(m_store->find("github")->headers, updated->headers); // refused: unchanged
        QCOMPARE(m_store->update("nope", {{"upstream", "https://x.example"}}).error().code, QString("unknown_route"));

        // Edited by hand: noticed by the directory watch, without a query.
        QVERIFY(writeFile(file("github"), "{\"upstream\": \"https://ghe.example/api\"}"));
        QTRY_COMPARE(changed.count(), 2);
        QCOMPARE(changed.last().at(0).value<Route>().upstream, QUrl("https://ghe.example/api"));
        QVERIFY(writeFile(file("broken"), R"({"upstream": 1})"));
        QSignalSpy problems(m_store.get(), &RouteStore::problemsChanged);
        QTRY_COMPARE(problems.count(), 1);

        QVERIFY(m_store->remove("github"));
        QCOMPARE(removed.count(), 1);
        QCOMPARE(m_store->remove("github").error().code, QString("unknown_route"));
        QVERIFY(m_store->remove("broken")); // an invalid file can be removed too
        QVERIFY(m_store->problems().isEmpty());
    }

    void resolveWithRealSecrets() {
        SecretStore secrets(secretOptions());
        setSecret(secrets, "OPENAI_API_KEY", "sk-real-value");
        setSecret(secrets, "ORG", "org-1");
        auto r = m_store->add("openai", {{"upstream", "https://api.openai.com/v1"},
                                         {"headers", QJsonArray{QJsonObject{{"name", "Authorization"},
                                                                            {"value", "Bearer {secret:OPENAI_API_KEY}"}},
                                                                QJsonObject{{"name", "X-Org"},
                                                                            {"value", "{secret:ORG}/{secret:OPENAI_API_KEY}"}}}}});
        QVERIFY(r);
        auto resolved = resolveSync(r.value(), secrets);
        QVERIFY2(resolved, qPrintable(resolved ? QString() : resolved.error().text()));
        const EgressRoute& route = resolved->route;
        QCOMPARE(route.name, QString("openai"));
        QCOMPARE(route.upstream, QUrl("https://api.openai.com/v1"));
        QCOMPARE(route.headers.size(), 2);
        QCOMPARE(route.headers[0], (std::pair<QByteArray, QByteArray>("Authorization", "Bearer sk-real-value")));
        QCOMPARE(route.headers[1].second, QByteArray("org-1/sk-real-value"));
        QVERIFY(route.secrets.contains("sk-real-value") && route.secrets.contains("org-1"));
        QVERIFY(route.validate());
        // A placeholder per secret, whose value the proxy swaps in for this route only.
        const QString placeholder = resolved->placeholders.value("OPENAI_API_KEY");
        QVERIFY2(QRegularExpression("^vivarium-placeholder-OPENAI_API_KEY-[0-9a-f]{32}$").match(placeholder).hasMatch(),
                 qPrintable(placeholder));
        QCOMPARE(route.placeholders.value(placeholder.toUtf8()), QByteArray("sk-real-value"));
        QCOMPARE(resolved->placeholders.size(), 2);

        // Stable per sandbox: the map given back keeps each placeholder; another sandbox
        // (an empty map) gets new ones.
        auto again = resolveSync(r.value(), secrets, resolved->placeholders);
        QCOMPARE(again->placeholders, resolved->placeholders);
        auto other = resolveSync(r.value(), secrets);
        QVERIFY(other->placeholders.value("OPENAI_API_KEY") != placeholder);
        QVERIFY(RouteStore::makePlaceholder("A") != RouteStore::makePlaceholder("A"));

        // A secret changed since is what the next sandbox gets.
        setSecret(secrets, "ORG", "org-2");
        QCOMPARE(resolveSync(r.value(), secrets)->route.headers[1].second, QByteArray("org-2/sk-real-value"));
    }

    void resolveRefusals() {
        SecretStore secrets(secretOptions());
        auto r = m_store->add("api", {{"upstream", "http://127.0.0.1:9"},
                                      {"headers", QJsonArray{QJsonObject{{"name", "X-Key"}, {"value", "{secret:KEY}"}}}}});
        QVERIFY(r);
        auto missing = resolveSync(r.value(), secrets);
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, QString("unknown_secret"));
        QVERIFY2(missing.error().message.startsWith("Route 'api' needs secret 'KEY': There is no secret named 'KEY'"),
                 qPrintable(missing.error().message));

        setSecret(secrets, "KEY", "line1\r\nX-Injected: yes");
        auto broken = resolveSync(r.value(), secrets);
        QCOMPARE(broken.error().code, QString("bad_secret"));
        QVERIFY(broken.error().message.contains("secret 'KEY' in header X-Key"));
        QVERIFY(!broken.error().text().contains("line1") && !broken.error().text().contains("Injected"));

        // A route without secrets resolves at once.
        auto plain = m_store->add("plain", {{"upstream", "https://example.org"}});
        QVERIFY(plain);
        auto resolved = resolveSync(plain.value(), secrets);
        QVERIFY(resolved);
        QVERIFY(resolved->route.headers.isEmpty() && resolved->placeholders.isEmpty());
    }
};

QTEST_GUILESS_MAIN(RouteStoreTest)
#include "RouteStoreTest.moc"
