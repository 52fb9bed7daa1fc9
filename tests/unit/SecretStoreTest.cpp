// The secret store without a service: the private file (mode 0600 in a 0700 directory, a
// round trip, the index that lists names and never values), files it must refuse (readable by
// others, someone else's, a symbolic link) left untouched, bad names and values refused
// without echoing the value, requests made before the backend is chosen, and the desktop
// keyring through QtKeychain when one answers here (else skipped, with the reason).
#include "SecretStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>
#include <unistd.h>

using namespace vivarium;

namespace {

int modeOf(const QString& path) {
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 07777) : -1;
}

QByteArray contents(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Waits for one callback's answer.
template <typename T> struct Answer {
    std::optional<T> value;
    auto callback() {
        return [this](T v) { value = std::move(v); };
    }
    bool wait(int ms = 10000) {
        return QTest::qWaitFor([this] { return value.has_value(); }, ms);
    }
};

Result<SecretInfo> setSync(SecretStore& s, const QString& name, const QString& value, QObject* ctx) {
    Answer<Result<SecretInfo>> a;
    s.set(name, value, a.callback(), ctx);
    if (!a.wait(40000))
        return makeError("timeout", "set did not answer");
    return *a.value;
}
Result<QString> valueSync(SecretStore& s, const QString& name, QObject* ctx) {
    Answer<Result<QString>> a;
    s.value(name, a.callback(), ctx);
    if (!a.wait(40000))
        return makeError("timeout", "value did not answer");
    return *a.value;
}
Status removeSync(SecretStore& s, const QString& name, QObject* ctx) {
    Answer<Status> a;
    s.remove(name, a.callback(), ctx);
    if (!a.wait(40000))
        return makeError("timeout", "remove did not answer");
    return *a.value;
}

} // namespace

class SecretStoreTest : public QObject {
    Q_OBJECT
    std::unique_ptr<QTemporaryDir> m_dir;

    QString config() const { return m_dir->path() + "/config/vivarium"; }
    SecretStore::Options fileOptions() const {
        SecretStore::Options o;
        o.configDir = config();
        o.preference = SecretStore::Preference::File;
        return o;
    }

private slots:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }
    void cleanup() { m_dir.reset(); }

    void names() {
        QVERIFY(SecretStore::isValidName("OPENAI_API_KEY"));
        QVERIFY(SecretStore::isValidName("_X"));
        QVERIFY(SecretStore::isValidName("A" + QString(63, 'B')));
        QVERIFY(!SecretStore::isValidName("A" + QString(64, 'B')));
        QVERIFY(!SecretStore::isValidName(""));
        QVERIFY(!SecretStore::isValidName("1KEY"));
        QVERIFY(!SecretStore::isValidName("openai"));
        QVERIFY(!SecretStore::isValidName("A-B"));
        QVERIFY(!SecretStore::isValidName("A B"));
    }

    void fileRoundTrip() {
        SecretStore store(fileOptions());
        QSignalSpy changed(&store, &SecretStore::secretChanged);
        QSignalSpy removed(&store, &SecretStore::secretRemoved);
        const QString value = "sk-test-" + QString::number(QRandomGenerator::global()->generate64(), 16);
        auto info = setSync(store, "OPENAI_API_KEY", value, this);
        QVERIFY2(info, qPrintable(info ? QString() : info.error().text()));
        QCOMPARE(info->name, QString("OPENAI_API_KEY"));
        QCOMPARE(info->backend, QString("file"));
        QVERIFY(qAbs(info->updated.secsTo(QDateTime::currentDateTimeUtc())) < 60);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(store.backend(), SecretStore::Backend::File);
        QCOMPARE(store.backendName(), "file " + config() + "/secrets.json");
        QVERIFY(store.backendNote().isEmpty()); // the file was asked for

        // The file and the index are the user's alone, in a directory that is too.
        QCOMPARE(modeOf(store.filePath()), 0600);
        QCOMPARE(modeOf(store.indexPath()), 0600);
        QCOMPARE(modeOf(config()), 0700);
        QVERIFY(contents(store.filePath()).contains(value.toUtf8()));
        // The index has names and times, never a value.
        QVERIFY(contents(store.indexPath()).contains("OPENAI_API_KEY"));
        QVERIFY(!contents(store.indexPath()).contains(value.toUtf8()));
        // Nothing else was left in the directory (the writes were atomic).
        QCOMPARE(QDir(config()).entryList(QDir::Files | QDir::Hidden),
                 (QStringList{"secrets-index.json", "secrets.json"}));

        auto back = valueSync(store, "OPENAI_API_KEY", this);
        QVERIFY(back);
        QCOMPARE(back.value(), value);

        // Unicode and a long value survive; a second secret is listed beside the first.
        const QString big = QString(60000, QChar(u'x')) + QStringLiteral("ü€");
        QVERIFY(setSync(store, "BIG", big, this));
        QCOMPARE(valueSync(store, "BIG", this).value(), big);
        auto list = store.list();
        QVERIFY(list);
        QCOMPARE(list->size(), 2);
        QCOMPARE(list->at(0).name, QString("BIG"));
        QCOMPARE(list->at(1).name, QString("OPENAI_API_KEY"));
        QCOMPARE(list->at(1).toJson().keys(), (QStringList{"backend", "name", "updated"}));

        // Replacing a value: one entry, the new value.
        QVERIFY(setSync(store, "OPENAI_API_KEY", "second", this));
        QCOMPARE(valueSync(store, "OPENAI_API_KEY", this).value(), QString("second"));
        QVERIFY(!contents(store.filePath()).contains(value.toUtf8()));

        // A second store on the same directory (a restarted service) sees everything.
        SecretStore again(fileOptions());
        QCOMPARE(valueSync(again, "BIG", this).value(), big);
        QCOMPARE(again.list()->size(), 2);

        QVERIFY(removeSync(store, "OPENAI_API_KEY", this));
        QCOMPARE(removed.count(), 1);
        QVERIFY(!store.contains("OPENAI_API_KEY"));
        QVERIFY(!contents(store.filePath()).contains("second"));
        auto gone = valueSync(store, "OPENAI_API_KEY", this);
        QCOMPARE(gone.error().code, QString("unknown_secret"));
        QVERIFY(gone.error().message.contains("viv secret set OPENAI_API_KEY"));
        QCOMPARE(removeSync(store, "OPENAI_API_KEY", this).error().code, QString("unknown_secret"));
        QCOMPARE(store.list()->size(), 1);
    }

    void badInputNeverEchoesTheValue() {
        SecretStore store(fileOptions());
        const QString value = "sk-do-not-echo-12345";
        auto badName = setSync(store, "openai key", value, this);
        QCOMPARE(badName.error().code, QString("bad_request"));
        QVERIFY(badName.error().message.contains("'openai key' is not a secret name"));
        QCOMPARE(setSync(store, "EMPTY", "", this).error().code, QString("bad_request"));
        auto huge = setSync(store, "HUGE", QString(64 * 1024 + 1, 'k'), this);
        QCOMPARE(huge.error().code, QString("bad_request"));
        QVERIFY(huge.error().message.contains("the limit is 64 KiB"));
        auto nul = setSync(store, "NUL", value + QChar(0) + value, this);
        QCOMPARE(nul.error().code, QString("bad_request"));
        for (const Error& e : {badName.error(), huge.error(), nul.error()})
            QVERIFY2(!e.text().contains(value) && !e.text().contains("kkkk"), qPrintable(e.text()));
        QVERIFY(!QFile::exists(store.filePath())); // nothing was written
        QCOMPARE(valueSync(store, "lower", this).error().code, QString("bad_request"));
    }

    void refusesAFileOthersCanRead() {
        SecretStore store(fileOptions());
        QVERIFY(setSync(store, "TOKEN", "the-value", this));
        QVERIFY(QFile::setPermissions(store.filePath(), QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup |
                                                            QFile::ReadOther)); // 0644
        const QByteArray before = contents(store.filePath());
        auto read = valueSync(store, "TOKEN", this);
        QVERIFY(!read);
        QCOMPARE(read.error().code, QString("unsafe_secrets_file"));
        QVERIFY2(read.error().message.contains("its mode is 0644"), qPrintable(read.error().message));
        QVERIFY(read.error().message.contains("chmod 600 " + store.filePath()));
        QVERIFY(!read.error().text().contains("the-value"));
        // Neither read nor rewritten (a write would hide the problem, not mend it).
        auto write = setSync(store, "OTHER", "x", this);
        QCOMPARE(write.error().code, QString("unsafe_secrets_file"));
        QCOMPARE(contents(store.filePath()), before);
        QCOMPARE(modeOf(store.filePath()), 0644);
        QCOMPARE(removeSync(store, "TOKEN", this).error().code, QString("unsafe_secrets_file"));

        // After chmod 600 it is used again.
        QVERIFY(QFile::setPermissions(store.filePath(), QFile::ReadOwner | QFile::WriteOwner));
        QCOMPARE(valueSync(store, "TOKEN", this).value(), QString("the-value"));
    }

    void refusesALinkAndSomeoneElsesFile() {
        SecretStore store(fileOptions());
        QVERIFY(setSync(store, "TOKEN", "the-value", this));
        // A symbolic link, even to a private file, is refused: it could point anywhere later.
        const QString elsewhere = m_dir->path() + "/elsewhere.json";
        QVERIFY(QFile::rename(store.filePath(), elsewhere));
        QVERIFY(QFile::link(elsewhere, store.filePath()));
        auto linked = valueSync(store, "TOKEN", this);
        QCOMPARE(linked.error().code, QString("unsafe_secrets_file"));
        QVERIFY(linked.error().message.contains("symbolic link"));
        QVERIFY(QFile::remove(store.filePath()));
        QVERIFY(QFile::rename(elsewhere, store.filePath()));
        QVERIFY(valueSync(store, "TOKEN", this));

        if (::geteuid() != 0)
            QSKIP("changing a file's owner needs root; the mode and link checks ran");
        QCOMPARE(::chown(QFile::encodeName(store.filePath()).constData(), 65534, 65534), 0);
        auto foreign = valueSync(store, "TOKEN", this);
        QCOMPARE(foreign.error().code, QString("unsafe_secrets_file"));
        QVERIFY2(foreign.error().message.contains("belongs to uid 65534, not to you (uid 0)"),
                 qPrintable(foreign.error().message));
    }

    void damagedFileIsNamedNotQuoted() {
        QDir().mkpath(config());
        QFile f(config() + "/secrets-index.json");
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"secrets\": {\"A\": \"sk-leaked-into-a-parse-error");
        f.close();
        QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner));
        SecretStore store(fileOptions());
        auto list = store.list();
        QVERIFY(!list);
        QVERIFY(list.error().message.contains("is damaged"));
        QVERIFY(!list.error().text().contains("sk-leaked"));
    }

    // Auto: the keyring is probed without blocking; requests made meanwhile wait for it, and
    // whichever backend answers stores the value.
    void requestsBeforeTheBackendIsKnown() {
        SecretStore::Options o = fileOptions();
        o.preference = SecretStore::Preference::Auto;
        o.keyringService = "vivarium-test-" + QString::number(QRandomGenerator::global()->generate(), 16);
        o.probeTimeoutMs = 3000;
        SecretStore store(o);
        QSignalSpy ready(&store, &SecretStore::ready);
        QVERIFY(!store.isReady());
        Answer<Result<SecretInfo>> first;
        Answer<Result<QString>> second;
        store.set("QUEUED", "queued-value", first.callback(), this);
        store.value("QUEUED", second.callback(), this);
        QVERIFY(!first.value); // not answered inside the call: the probe is asynchronous
        QVERIFY(first.wait(20000));
        QVERIFY(second.wait(20000));
        QCOMPARE(ready.count(), 1);
        QVERIFY2(first.value->ok(), qPrintable(first.value->ok() ? QString() : first.value->error().text()));
        QCOMPARE(second.value->value(), QString("queued-value"));
        if (store.backend() == SecretStore::Backend::File)
            QVERIFY2(store.backendNote().startsWith("the desktop keyring is not reachable"), qPrintable(store.backendNote()));
        QVERIFY(removeSync(store, "QUEUED", this));
    }

    void keyringBackend() {
        SecretStore::Options o = fileOptions();
        o.preference = SecretStore::Preference::Keyring;
        o.keyringService = "vivarium-test-" + QString::number(QRandomGenerator::global()->generate(), 16);
        SecretStore store(o);
        store.open();
        QVERIFY(QTest::qWaitFor([&] { return store.isReady(); }, 20000));
        if (store.backend() != SecretStore::Backend::Keyring)
            QSKIP(qPrintable("no desktop keyring answers here: " + store.backendNote()));
        QVERIFY(store.backendName().startsWith("keyring ("));
        const QString value = "sk-keyring-" + QString::number(QRandomGenerator::global()->generate64(), 16);
        auto info = setSync(store, "KEYRING_TEST", value, this);
        QVERIFY2(info, qPrintable(info ? QString() : info.error().text()));
        QCOMPARE(info->backend, QString("keyring"));
        // The value is in the keyring only: no file holds it, the index lists the name.
        QVERIFY(!QFile::exists(store.filePath()));
        QVERIFY(contents(store.indexPath()).contains("KEYRING_TEST"));
        QVERIFY(!contents(store.indexPath()).contains(value.toUtf8()));
        QCOMPARE(store.list()->value(0).backend, QString("keyring"));
        QCOMPARE(valueSync(store, "KEYRING_TEST", this).value(), value);

        // A service without the keyring finds the name in the index and says where it is.
        SecretStore::Options fileOnlyOptions = fileOptions();
        fileOnlyOptions.keyringService = o.keyringService;
        SecretStore fileOnly(fileOnlyOptions);
        auto unreachable = valueSync(fileOnly, "KEYRING_TEST", this);
        QCOMPARE(unreachable.error().code, QString("keyring"));
        QVERIFY(unreachable.error().message.contains("is in the desktop keyring"));
        // Setting it there moves it to the file; the keyring copy goes.
        QVERIFY(setSync(fileOnly, "KEYRING_TEST", "moved", this));
        QCOMPARE(store.list()->value(0).backend, QString("file"));
        QCOMPARE(valueSync(store, "KEYRING_TEST", this).value(), QString("moved"));

        QVERIFY(setSync(store, "KEYRING_TEST", value, this)); // and back to the keyring
        QVERIFY(!contents(store.filePath()).contains("moved"));
        QVERIFY(removeSync(store, "KEYRING_TEST", this));
        QCOMPARE(valueSync(store, "KEYRING_TEST", this).error().code, QString("unknown_secret"));
    }
};

QTEST_GUILESS_MAIN(SecretStoreTest)
#include "SecretStoreTest.moc"
