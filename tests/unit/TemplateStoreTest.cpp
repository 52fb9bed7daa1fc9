// The template store without a service or a VM: valid files, every invalid field (each
// reported with its file and field, the file skipped), keys it does not know kept through a
// rewrite, files edited by hand (noticed on the next query and by the directory watch),
// corrupt JSON, files it cannot read, the built-ins' protection, create --from and partial
// updates, and the API form of the errors.
#include "TemplateStore.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace vivarium;

namespace {

TemplateRules testRules() {
    TemplateRules r;
    r.maxVcpus = 4;
    r.images = {"default", "tiny"};
    r.imageMiB = [](const QString& image) { return image == "tiny" ? 256 : 0; }; // default: not built
    return r;
}

bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    f.open(QIODevice::ReadOnly);
    return QJsonDocument::fromJson(f.readAll()).object();
}

QStringList names(const QList<Template>& list) {
    QStringList n;
    for (const Template& t : list)
        n << t.name;
    return n;
}

} // namespace

class TemplateStoreTest : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_badAllow;
    std::unique_ptr<TemplateStore> m_store;

    QString dir() const { return m_dir->path() + "/templates"; }
    QString file(const QString& name) const { return dir() + "/" + name + ".json"; }

private slots:
    void init() {
        m_dir = std::make_unique<QTemporaryDir>();
        m_store = std::make_unique<TemplateStore>(dir(), testRules());
    }
    void cleanup() {
        m_store.reset();
        m_dir.reset();
    }

    void builtinsOnlyAtFirst() {
        QVERIFY(QFileInfo(dir()).isDir()); // made by the store
        const QList<Template> all = m_store->list();
        QCOMPARE(names(all), (QStringList{"default", "tiny"}));
        QVERIFY(all[0].builtin && all[1].builtin);
        QCOMPARE(all[0].image, QString("default"));
        QCOMPARE(all[1].memoryMiB, 256);
        QVERIFY(m_store->problems().isEmpty());
    }

    void validFile() {
        QVERIFY(writeFile(file("web"), R"({
            "image": "default", "vcpus": 2, "memory_mib": 1024, "disk_mib": 4096,
            "env": {"PORT": "8080", "_X1": ""}, "workdir": "/srv", "user": "nobody",
            "description": "a web server"})"));
        auto t = m_store->find("web");
        QVERIFY2(t, qPrintable(t ? QString() : t.error().message));
        QVERIFY(!t->builtin);
        QCOMPARE(t->vcpus, 2);
        QCOMPARE(t->memoryMiB, 1024);
        QCOMPARE(t->diskMiB, 4096);
        QCOMPARE(t->env.value("PORT"), QString("8080"));
        QCOMPARE(t->env.value("_X1"), QString(""));
        QCOMPARE(t->workdir, QString("/srv"));
        QCOMPARE(t->user, QString("nobody"));
        QCOMPARE(t->file, file("web"));
        const QJsonObject api = t->toJson();
        QCOMPARE(api.value("builtin").toBool(), false);
        QCOMPARE(api.value("env").toObject().value("PORT").toString(), QString("8080"));
        QCOMPARE(api.value("disk_mib").toInt(), 4096);
        QCOMPARE(names(m_store->list()), (QStringList{"default", "tiny", "web"}));

        // Only the image is required; a uid works as the user; defaults fill the rest.
        QVERIFY(writeFile(file("min"), R"({"image": "tiny", "user": "1000"})"));
        auto min = m_store->find("min");
        QVERIFY(min);
        QCOMPARE(min->vcpus, 1);
        QCOMPARE(min->memoryMiB, 512);
        QCOMPARE(min->diskMiB, 0);
        QVERIFY(!min->toJson().contains("disk_mib"));
        QVERIFY(m_store->problems().isEmpty());
    }

    void everyInvalidField_data() {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("message"); // after "<file>: "
        auto row = [](const char* tag, const char* json, const char* field, const char* message) {
            QTest::newRow(tag) << QByteArray(json) << QString(field) << QString(message);
        };
        row("no image", R"({"vcpus": 1})", "image", "field 'image' is required: the image sandboxes boot, e.g. default or tiny");
        row("image not a string", R"({"image": 3})", "image", "field 'image' must be a string naming an image, e.g. default or tiny");
        row("image unknown", R"({"image": "python:3.12-slim"})", "image",
            "image 'python:3.12-slim' is not available; built-in images: default, tiny");
        row("vcpus 0", R"({"image": "tiny", "vcpus": 0})", "vcpus", "field 'vcpus' must be a number between 1 and 4");
        row("vcpus above host", R"({"image": "tiny", "vcpus": 5})", "vcpus", "field 'vcpus' must be a number between 1 and 4");
        row("vcpus fraction", R"({"image": "tiny", "vcpus": 1.5})", "vcpus", "field 'vcpus' must be a number between 1 and 4");
        row("memory low", R"({"image": "tiny", "memory_mib": 63})", "memory_mib",
            "field 'memory_mib' must be a number between 64 and 65536");
        row("memory high", R"({"image": "tiny", "memory_mib": 65537})", "memory_mib",
            "field 'memory_mib' must be a number between 64 and 65536");
        row("memory string", R"({"image": "tiny", "memory_mib": "512"})", "memory_mib",
            "field 'memory_mib' must be a number between 64 and 65536");
        row("disk low", R"({"image": "default", "disk_mib": 10})", "disk_mib",
            "field 'disk_mib' must be a number between 64 and 1048576");
        row("disk under image", R"({"image": "tiny", "disk_mib": 128})", "disk_mib",
            "field 'disk_mib' must be at least 256, the size of image 'tiny'");
        row("env not object", R"({"image": "tiny", "env": ["A=1"]})", "env", "field 'env' must be an object of names to strings");
        row("env bad name", R"({"image": "tiny", "env": {"1A": "x"}})", "env",
            "field 'env' has an invalid name '1A' (letters, digits and '_', not starting with a digit)");
        row("env name with =", R"({"image": "tiny", "env": {"A=B": "x"}})", "env",
            "field 'env' has an invalid name 'A=B' (letters, digits and '_', not starting with a digit)");
        row("env value number", R"({"image": "tiny", "env": {"A": 1}})", "env", "field 'env' must give 'A' a string value");
        row("workdir relative", R"({"image": "tiny", "workdir": "srv"})", "workdir",
            "field 'workdir' must be an absolute path in the sandbox, e.g. /root");
        row("workdir number", R"({"image": "tiny", "workdir": 7})", "workdir", "field 'workdir' must be a string");
        row("user bad", R"({"image": "tiny", "user": "no body"})", "user",
            "field 'user' must be a user name (e.g. nobody) or a numeric uid");
        row("user uid too big", R"({"image": "tiny", "user": "4294967295"})", "user",
            "field 'user' must be a user name (e.g. nobody) or a numeric uid");
        row("description long", QByteArray(R"({"image": "tiny", "description": ")" + QByteArray(201, 'x') + R"("})").constData(),
            "description", "field 'description' must be at most 200 characters");
        row("idle timeout negative", R"({"image": "tiny", "idle_timeout_s": -1})", "idle_timeout_s",
            "field 'idle_timeout_s' must be a number between 0 and 604800");
        row("idle timeout string", R"({"image": "tiny", "idle_timeout_s": "300"})", "idle_timeout_s",
            "field 'idle_timeout_s' must be a number between 0 and 604800");
        row("idle action unknown", R"({"image": "tiny", "idle_action": "suspend"})", "idle_action",
            R"(field 'idle_action' must be "stop" or "hibernate")");
        row("network not object", R"({"image": "tiny", "network": "open"})", "network",
            R"(field 'network' must be an object such as {"egress": "proxy", "allow": ["pypi.org"], "routes": ["openai"]})");
        row("egress unknown", R"({"image": "tiny", "network": {"egress": "some"}})", "network.egress",
            "field 'network.egress' must be \"none\" (no way out), \"proxy\" (the allowlist, through the host) or "
            "\"open\" (a network interface)");
        row("egress number", R"({"image": "tiny", "network": {"egress": 1}})", "network.egress",
            "field 'network.egress' must be \"none\" (no way out), \"proxy\" (the allowlist, through the host) or "
            "\"open\" (a network interface)");
        row("allow not a list", R"({"image": "tiny", "network": {"allow": "pypi.org"}})", "network.allow",
            "field 'network.allow' must be a list of hosts (host, host:port, *.example.com)");
        row("allow not strings", R"({"image": "tiny", "network": {"allow": [443]}})", "network.allow",
            "field 'network.allow' must be a list of hosts (host, host:port, *.example.com)");
        m_badAllow = AllowEntry::parse("pypi.org:99999").error().message;
        QVERIFY(!m_badAllow.isEmpty());
        row("allow bad port", R"({"image": "tiny", "network": {"allow": ["pypi.org:99999"]}})", "network.allow",
            qPrintable("field 'network.allow' has an invalid entry 'pypi.org:99999': " + m_badAllow));
        row("allow twice", R"({"image": "tiny", "network": {"allow": ["pypi.org", "pypi.org"]}})", "network.allow",
            "field 'network.allow' names 'pypi.org' twice");
        row("routes upper case", R"({"image": "tiny", "network": {"routes": ["OpenAI"]}})", "network.routes",
            "field 'network.routes' has an invalid route name 'OpenAI' (1-32 lower-case letters, digits and '_', "
            "starting with a letter)");
        row("routes not a list", R"({"image": "tiny", "network": {"routes": {"openai": true}}})", "network.routes",
            "field 'network.routes' must be a list of route names");
        row("pool not object", R"({"image": "tiny", "pool": [1, 2]})", "pool",
            R"(field 'pool' must be an object such as {"min_ready": 1, "max": 3, "idle_ttl_s": 300})");
        row("security not object", R"({"image": "tiny", "security": true})", "security",
            "field 'security' must be an object (reserved for security settings)");
        row("name mismatch", R"({"name": "other", "image": "tiny"})", "name",
            "field 'name' must be \"web\", the file's name without .json");
    }

    void everyInvalidField() {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        QFETCH(QString, message);
        QSignalSpy problemsChanged(m_store.get(), &TemplateStore::problemsChanged);
        QVERIFY(writeFile(file("web"), json));
        QVERIFY(writeFile(file("fine"), R"({"image": "tiny"})")); // a bad file spoils no other
        QCOMPARE(names(m_store->list()), (QStringList{"default", "tiny", "fine"}));
        const QList<TemplateProblem> problems = m_store->problems();
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems[0].file, file("web"));
        QCOMPARE(problems[0].field, field);
        QCOMPARE(problems[0].message, file("web") + ": " + message);
        QCOMPARE(problemsChanged.count(), 1); // reported once, not on every query
        QCOMPARE(problems[0].toJson().value("field").toString(), field);

        auto found = m_store->find("web");
        QVERIFY(!found);
        QCOMPARE(found.error().code, QString("invalid_template"));
        QVERIFY(found.error().message.contains("viv template edit web"));
    }

    void severalProblemsInOneFile() {
        QVERIFY(writeFile(file("web"), R"({"image": "tiny", "vcpus": 99, "memory_mib": 1, "user": "a b"})"));
        QStringList fields;
        for (const TemplateProblem& p : m_store->problems())
            fields << p.field;
        QCOMPARE(fields, (QStringList{"vcpus", "memory_mib", "user"}));
    }

    void unknownKeysArePreserved() {
        // `network` is read now; keys inside it that this version does not know are kept too.
        const QJsonObject network{{"egress", "proxy"}, {"allow", QJsonArray{"pypi.org:443"}}, {"later", 1}};
        const QJsonObject shown{{"egress", "proxy"}, {"allow", QJsonArray{"pypi.org:443"}}, {"routes", QJsonArray()}};
        QJsonObject original{{"image", "tiny"},
                             {"network", network},
                             {"pool", QJsonObject{{"min", 1}}},
                             {"from_a_newer_version", QJsonObject{{"x", 1}}},
                             {"comment", "kept"}};
        QVERIFY(writeFile(file("web"), QJsonDocument(original).toJson()));
        auto t = m_store->find("web");
        QVERIFY(t);
        QCOMPARE(t->toJson().value("network").toObject(), shown); // with its defaults
        QCOMPARE(t->toJson().value("pool").toObject().value("min").toInt(), 1); // reserved objects are shown
        QVERIFY(!t->toJson().contains("comment"));

        auto updated = m_store->update("web", {{"vcpus", 2}, {"comment", "a request cannot set this"}});
        QVERIFY2(updated, qPrintable(updated ? QString() : updated.error().message));
        const QJsonObject written = readJson(file("web"));
        QCOMPARE(written.value("vcpus").toInt(), 2);
        QCOMPARE(written.value("network").toObject(), network);
        QCOMPARE(written.value("pool").toObject().value("min").toInt(), 1);
        QCOMPARE(written.value("from_a_newer_version").toObject().value("x").toInt(), 1);
        QCOMPARE(written.value("comment").toString(), QString("kept"));
        QCOMPARE(written.value("name").toString(), QString("web"));
        // The write was atomic: nothing but the template files is left in the directory.
        QCOMPARE(QDir(dir()).entryList(QDir::Files | QDir::Hidden), (QStringList{"web.json"}));

        // create --from copies the whole file, reserved and unknown keys too.
        auto copy = m_store->create("web2", {{"memory_mib", 1024}}, "web");
        QVERIFY(copy);
        QCOMPARE(readJson(file("web2")).value("network").toObject(), network);
        QCOMPARE(readJson(file("web2")).value("vcpus").toInt(), 2);
        QCOMPARE(copy->memoryMiB, 1024);

        // A new `network` replaces egress, allow and routes; the file's other keys in it stay.
        auto opened = m_store->update("web", {{"network", QJsonObject{{"egress", "open"}}}});
        QVERIFY(opened);
        QCOMPARE(readJson(file("web")).value("network").toObject(),
                 (QJsonObject{{"egress", "open"}, {"later", 1}}));
        QVERIFY(opened->allow.isEmpty());
    }

    void handEditsAreNoticed() {
        QSignalSpy added(m_store.get(), &TemplateStore::templateAdded);
        QSignalSpy changed(m_store.get(), &TemplateStore::templateChanged);
        QSignalSpy removed(m_store.get(), &TemplateStore::templateRemoved);
        QVERIFY(writeFile(file("web"), R"({"image": "tiny", "memory_mib": 128})"));
        QCOMPARE(m_store->find("web")->memoryMiB, 128); // the next query reads the file
        QCOMPARE(added.count(), 1);

        // The directory watch notices an edit with no query at all (a client is told).
        QVERIFY(writeFile(file("web"), R"({"image": "tiny", "memory_mib": 192})"));
        QVERIFY(changed.wait(5000));
        QCOMPARE(changed.last().at(0).value<Template>().memoryMiB, 192);

        // An edit that breaks the file removes the template and reports the problem.
        QSignalSpy problems(m_store.get(), &TemplateStore::problemsChanged);
        QVERIFY(writeFile(file("web"), R"({"image": "tiny", "memory_mib": 1})"));
        QVERIFY(removed.wait(5000));
        QCOMPARE(removed.last().at(0).toString(), QString("web"));
        QTRY_COMPARE(problems.count(), 1);
        // Mending it by hand brings it back; deleting it is noticed too.
        QVERIFY(writeFile(file("web"), R"({"image": "tiny"})"));
        QTRY_COMPARE_WITH_TIMEOUT(added.count(), 2, 5000);
        QVERIFY(QFile::remove(file("web")));
        QTRY_COMPARE_WITH_TIMEOUT(removed.count(), 2, 5000);
        QVERIFY(m_store->problems().isEmpty());
    }

    void corruptJson() {
        QVERIFY(writeFile(file("web"), "{\n  \"image\": \"tiny\",\n  \"vcpus\": \n}"));
        QVERIFY(writeFile(file("list"), "[1, 2]"));
        const QList<TemplateProblem> problems = m_store->problems();
        QCOMPARE(problems.size(), 2);
        QCOMPARE(problems[0].file, file("list"));
        QCOMPARE(problems[0].message, file("list") + ": must hold a JSON object ({\"image\": \"default\", …})");
        QCOMPARE(problems[1].file, file("web"));
        QVERIFY2(problems[1].message.startsWith(file("web") + ": is not valid JSON: "), qPrintable(problems[1].message));
        QVERIFY2(problems[1].message.contains("line 4"), qPrintable(problems[1].message));
        QVERIFY(problems[1].field.isEmpty());
        QCOMPARE(names(m_store->list()), (QStringList{"default", "tiny"}));
        // A file that is not JSON cannot be updated, but it can be removed.
        QCOMPARE(m_store->update("web", {{"vcpus", 1}}).error().code, QString("invalid_template"));
        QVERIFY(m_store->remove("web"));
        QVERIFY(!QFile::exists(file("web")));
    }

    void filesThatCannotBeRead() {
        QVERIFY(QFile::link(m_dir->path() + "/nowhere.json", file("dangling")));
        QVERIFY(QDir().mkpath(file("adir")));
        QVERIFY(writeFile(file("huge"), "{\"image\": \"tiny\", \"description\": \"" + QByteArray(70000, 'x') + "\"}"));
        QVERIFY(writeFile(file("bad name!"), R"({"image": "tiny"})"));
        QVERIFY(writeFile(dir() + "/notes.txt", "not a template")); // not *.json: ignored
        QStringList messages;
        for (const TemplateProblem& p : m_store->problems())
            messages << p.message.mid(dir().size() + 1);
        QCOMPARE(messages, (QStringList{
                               "adir.json: is a directory, not a template file",
                               "bad name!.json: the file name is not a template name (1-63 letters, digits, '.', "
                               "'_' or '-', starting with a letter or digit)",
                               "dangling.json: cannot be read: it links to " + m_dir->path() +
                                   "/nowhere.json, which does not exist",
                               "huge.json: is larger than 64 KiB",
                           }));
        if (::geteuid() != 0) { // root reads a file whatever its mode
            QVERIFY(writeFile(file("secret"), R"({"image": "tiny"})"));
            QVERIFY(QFile::setPermissions(file("secret"), QFileDevice::WriteOwner));
            bool reported = false;
            for (const TemplateProblem& p : m_store->problems())
                reported |= p.file == file("secret") && p.message.contains("cannot be read");
            QVERIFY(reported);
        }
        QCOMPARE(names(m_store->list()), (QStringList{"default", "tiny"}));
    }

    void builtinsAreProtected() {
        auto created = m_store->create("default", {{"vcpus", 2}});
        QCOMPARE(created.error().code, QString("builtin_template"));
        QVERIFY(created.error().message.contains("--from default"));
        QCOMPARE(m_store->update("tiny", {{"vcpus", 2}}).error().code, QString("builtin_template"));
        const Status removed = m_store->remove("tiny");
        QCOMPARE(removed.error().code, QString("builtin_template"));
        QCOMPARE(removed.error().message, QString("'tiny' is a built-in template and cannot be removed."));

        // A file cannot stand in for a built-in either.
        QVERIFY(writeFile(file("tiny"), R"({"image": "default", "memory_mib": 4096})"));
        QCOMPARE(m_store->find("tiny")->memoryMiB, 256);
        QCOMPARE(m_store->problems().value(0).field, QString("name"));
        QVERIFY(m_store->problems().value(0).message.contains("'tiny' is a built-in template"));

        // But a user template may start from one.
        auto copy = m_store->create("small", {{"env", QJsonObject{{"A", "1"}}}}, "tiny");
        QVERIFY2(copy, qPrintable(copy ? QString() : copy.error().message));
        QCOMPARE(copy->image, QString("tiny"));
        QCOMPARE(copy->memoryMiB, 256);
        QCOMPARE(copy->env.value("A"), QString("1"));
        QVERIFY(!copy->builtin);
        QCOMPARE(readJson(file("small")).value("image").toString(), QString("tiny"));
    }

    void createUpdateRemove() {
        QSignalSpy added(m_store.get(), &TemplateStore::templateAdded);
        QSignalSpy changed(m_store.get(), &TemplateStore::templateChanged);
        QSignalSpy removed(m_store.get(), &TemplateStore::templateRemoved);
        // Without `from`: the default template's values, then the fields.
        auto web = m_store->create("web", {{"vcpus", 2}, {"workdir", "/srv"}, {"name", "ignored"}});
        QVERIFY2(web, qPrintable(web ? QString() : web.error().message));
        QCOMPARE(web->image, QString("default"));
        QCOMPARE(web->memoryMiB, 512);
        QCOMPARE(web->vcpus, 2);
        QCOMPARE(added.count(), 1); // before create returns: the API's event precedes its reply

        auto again = m_store->create("web", {});
        QCOMPARE(again.error().code, QString("template_exists"));
        QCOMPARE(again.error().message, QString("Template 'web' already exists; change it with: viv template edit web"));

        auto bad = m_store->create("web3", {{"vcpus", 9}, {"memory_mib", 1}});
        QCOMPARE(bad.error().code, QString("bad_request"));
        QCOMPARE(bad.error().message, QString("Field 'vcpus' must be a number between 1 and 4."));
        QVERIFY(bad.error().detail.contains("field 'memory_mib'"));
        QVERIFY(!QFile::exists(file("web3")));
        QCOMPARE(m_store->create("web3", {{"image", "ubuntu"}}).error().message,
                 QString("Image 'ubuntu' is not available; built-in images: default, tiny."));
        QCOMPARE(m_store->create("web3", {{"image", "ubuntu"}}).error().code, QString("unknown_image"));
        QCOMPARE(m_store->create("a/b", {}).error().code, QString("bad_request"));
        QCOMPARE(m_store->create("web3", {}, "nope").error().code, QString("unknown_template"));

        // Partial update: only what is given changes; null and "" clear optional settings.
        auto updated = m_store->update("web", {{"memory_mib", 768}, {"disk_mib", 4096}});
        QVERIFY(updated);
        QCOMPARE(updated->vcpus, 2);
        QCOMPARE(updated->workdir, QString("/srv"));
        QCOMPARE(updated->diskMiB, 4096);
        QCOMPARE(changed.count(), 1);
        updated = m_store->update("web", {{"disk_mib", QJsonValue::Null}, {"workdir", ""}});
        QVERIFY(updated);
        QCOMPARE(updated->diskMiB, 0);
        QVERIFY(updated->workdir.isEmpty());
        QVERIFY(!readJson(file("web")).contains("workdir"));
        QCOMPARE(m_store->update("web", {{"vcpus", 0}}).error().message,
                 QString("Field 'vcpus' must be a number between 1 and 4."));
        QCOMPARE(m_store->find("web")->vcpus, 2); // a refused update leaves the file alone
        QCOMPARE(m_store->update("nope", {}).error().code, QString("unknown_template"));

        // An update mends a file that no longer validates.
        QVERIFY(writeFile(file("broken"), R"({"image": "tiny", "memory_mib": 1, "keep": true})"));
        auto mended = m_store->update("broken", {{"memory_mib", 128}});
        QVERIFY(mended);
        QCOMPARE(readJson(file("broken")).value("keep").toBool(), true);
        QVERIFY(m_store->problems().isEmpty());

        QVERIFY(m_store->remove("web"));
        QCOMPARE(removed.count(), 1);
        QVERIFY(!QFile::exists(file("web")));
        QCOMPARE(m_store->remove("web").error().code, QString("unknown_template"));
    }

    // network: {"egress", "allow", "routes"}: defaults, a file's values, create/update through
    // the store (which also checks that routes exist), and the parsed allowlist.
    void networkSettings() {
        for (const Template& t : m_store->list()) {
            QCOMPARE(t.egress, EgressMode::None); // the default: no way out
            QCOMPARE(t.toJson().value("network").toObject(),
                     (QJsonObject{{"egress", "none"}, {"allow", QJsonArray()}, {"routes", QJsonArray()}}));
        }
        QVERIFY(writeFile(file("web"), R"({"image": "tiny", "network": {"egress": "proxy",
            "allow": ["pypi.org", "*.github.com:443", "10.0.0.5:8080", "[::1]:9000"], "routes": ["openai", "gh_api"]}})"));
        auto web = m_store->find("web");
        QVERIFY2(web, qPrintable(web ? QString() : web.error().message));
        QCOMPARE(web->egress, EgressMode::Proxy);
        QCOMPARE(web->allow, (QStringList{"pypi.org", "*.github.com:443", "10.0.0.5:8080", "[::1]:9000"}));
        QCOMPARE(web->routes, (QStringList{"openai", "gh_api"}));
        const QList<AllowEntry> entries = web->allowEntries();
        QCOMPARE(entries.size(), 4);
        QVERIFY(entries[0].matches("pypi.org", 443));
        QVERIFY(entries[1].wildcard && entries[1].matches("api.github.com", 443));
        QCOMPARE(entries[2].port, 8080);
        QVERIFY(entries[3].literal);
        QCOMPARE(web->toJson().value("network").toObject().value("egress").toString(), QString("proxy"));
        // Reading a file does not ask whether its routes exist (removing a route must not make
        // templates vanish): only a change through the store does.
        QVERIFY(m_store->problems().isEmpty());

        m_store.reset();
        TemplateRules rules = testRules();
        QStringList routes{"openai"};
        rules.routeExists = [&routes](const QString& r) { return routes.contains(r); };
        m_store = std::make_unique<TemplateStore>(dir(), rules);
        auto made = m_store->create("agent", {{"network", QJsonObject{{"egress", "open"}, {"routes", QJsonArray{"openai"}}}}});
        QVERIFY2(made, qPrintable(made ? QString() : made.error().message));
        QCOMPARE(made->egress, EgressMode::Open);
        QCOMPARE(readJson(file("agent")).value("network").toObject().value("routes").toArray(), (QJsonArray{"openai"}));
        auto missing = m_store->create("agent2", {{"network", QJsonObject{{"routes", QJsonArray{"openai", "nope"}}}}});
        QVERIFY(!missing);
        QCOMPARE(missing.error().code, QString("unknown_route"));
        QVERIFY2(missing.error().message.startsWith("Field 'network.routes' names route 'nope', which does not exist; "
                                                    "add it with: viv route add nope"),
                 qPrintable(missing.error().message));
        QVERIFY(!QFile::exists(file("agent2")));
        // `network` is replaced whole; an empty object means the defaults.
        auto changed = m_store->update("agent", {{"network", QJsonObject{{"allow", QJsonArray{"example.org"}}}}});
        QVERIFY(changed);
        QCOMPARE(changed->egress, EgressMode::None);
        QVERIFY(changed->routes.isEmpty());
        QCOMPARE(changed->allow, QStringList{"example.org"});
        QCOMPARE(m_store->update("agent", {{"network", QJsonObject{{"egress", "sideways"}}}}).error().code,
                 QString("bad_request"));
        QCOMPARE(m_store->find("agent")->allow, QStringList{"example.org"}); // refused: unchanged
        // A template whose route went away still reads; changing it names the problem.
        QVERIFY(m_store->update("web", {{"vcpus", 2}}).error().message.contains("route 'gh_api'"));
        QVERIFY(m_store->find("web"));
    }

    void rulesForThisHost() {
        const TemplateRules r = TemplateRules::forHost({"default", "tiny"});
        QVERIFY(r.maxVcpus >= 1 && r.maxVcpus <= 16);
        const QJsonObject limits = r.toJson();
        QCOMPARE(limits.value("vcpus").toObject().value("max").toInt(), r.maxVcpus);
        QCOMPARE(limits.value("memory_mib").toObject().value("min").toInt(), 64);
        QCOMPARE(limits.value("images").toArray().size(), 2);
    }
};

QTEST_GUILESS_MAIN(TemplateStoreTest)
#include "TemplateStoreTest.moc"
