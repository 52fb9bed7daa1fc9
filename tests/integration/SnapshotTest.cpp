// Snapshots and forks on real microVMs (TCG), through `viv` as a user runs it and the API for
// what needs two requests at once. One sandbox is booted and shared by the slots, which run
// in order: a memory snapshot keeps it running (a background process and a live run carry
// on; the save file's header is read for real), a disk snapshot and its restore (a file
// written after it is gone, one from before is there), a memory restore (the process from
// before runs again), two forks of the memory snapshot side by side (each sees only its own
// changes, the origin neither), and the faults: a taken or bad name, --memory on a stopped
// sandbox, restore while running, fork from a removed snapshot, a remove during a snapshot
// (the snapshot fails, nothing is left), and a fork that outlives its origin.
#include "SaveImage.h"
#include "ServiceFixture.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

#include <memory>
#include <optional>

using namespace vivarium;

class SnapshotTest : public QObject {
    Q_OBJECT
    std::unique_ptr<ServiceFixture> m_service;
    QString m_origin;     // the shared sandbox
    QByteArray m_sleeper; // pid of a process started before the memory snapshot
    QString m_fork1, m_fork2;

    VivResult viv(const QStringList& args) const { return m_service->viv(args); }
    VivResult sh(const QString& id, const QString& script) const {
        return viv({"exec", id, "--", "sh", "-c", script});
    }
    static QString lastLine(const QByteArray& out) {
        return QString::fromUtf8(out).trimmed().split('\n').last();
    }
    QString sandboxDir(const QString& id) const {
        return m_service->dataDir() + "/sandboxes/" + id;
    }
    QString stateOf(const QString& id) const {
        const VivResult r = viv({"ls", "--json"});
        for (const QJsonValue& v : QJsonDocument::fromJson(r.out).array())
            if (v.toObject().value("id").toString() == id)
                return v.toObject().value("state").toString();
        return "absent";
    }
    // The process started before the memory snapshot (pid and command line: a fresh boot
    // may well have another process with that pid).
    bool alive(const QString& id, const QByteArray& pid) const {
        return sh(id, "tr '\\0' ' ' < /proc/" + QString::fromLatin1(pid) + "/cmdline; true").out ==
               "sleep 1000 ";
    }

private slots:
    void initTestCase() {
        m_service = std::make_unique<ServiceFixture>();
        const VivResult r = viv({"create", "--template", "tiny", "--name", "origin"});
        QVERIFY2(r.code == 0, r.err.constData());
        m_origin = lastLine(r.out);
        QVERIFY(!m_origin.isEmpty());
    }

    void memorySnapshotKeepsItRunning() {
        QCOMPARE(sh(m_origin, "echo before > /root/before").code, 0);
        VivResult r = sh(m_origin, "sleep 1000 >/dev/null 2>&1 & echo $!");
        QCOMPARE(r.code, 0);
        m_sleeper = r.out.trimmed();
        QVERIFY(!m_sleeper.isEmpty());
        // A live run across the snapshot: it waits for a file the test writes afterwards.
        std::unique_ptr<QProcess> live(m_service->startViv(
            {"exec", m_origin, "--", "sh", "-c",
             "echo waiting; while [ ! -e /root/go ]; do sleep 0.2; done; echo went"},
            nullptr));
        QVERIFY(QTest::qWaitFor(
            [&] { return live->canReadLine() || live->state() == QProcess::NotRunning; }, 60000));
        QCOMPARE(live->readLine(), QByteArray("waiting\n"));

        r = viv({"snapshot", "create", m_origin, "mem", "--memory"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("snapshot mem of " + m_origin.toUtf8() + " taken (disk and memory"),
                 r.out.constData());
        QCOMPARE(stateOf(m_origin), QString("ready"));
        QVERIFY(alive(m_origin, m_sleeper));
        // The live run carries on and ends normally.
        QCOMPARE(sh(m_origin, "touch /root/go").code, 0);
        QVERIFY(QTest::qWaitFor([&] { return live->state() == QProcess::NotRunning; }, 60000));
        QCOMPARE(live->exitCode(), 0);
        QCOMPARE(live->readAll(), QByteArray("went\n"));

        r = viv({"snapshot", "ls", m_origin, "--json"});
        QCOMPARE(r.code, 0);
        const QJsonArray list = QJsonDocument::fromJson(r.out).array();
        QCOMPARE(list.size(), 1);
        const QJsonObject mem = list.first().toObject();
        QCOMPARE(mem.value("name").toString(), QString("mem"));
        QCOMPARE(mem.value("memory").toBool(), true);
        QCOMPARE(mem.value("state").toString(), QString("ready"));
        QVERIFY(mem.value("size_bytes").toInteger() > 1 << 20);
        QVERIFY(
            QDateTime::fromString(mem.value("created").toString(), Qt::ISODateWithMs).isValid());

        // The real save file: libvirt's header as SaveImage reads it (what a fork rewrites).
        const auto header =
            saveimage::readHeader(sandboxDir(m_origin) + "/snapshots/mem/memory.save");
        QVERIFY2(header.ok(), qPrintable(header.ok() ? QString() : header.error().text()));
        QCOMPARE(header->version, saveimage::kVersion);
        QVERIFY(header->xml.contains("<name>vivarium-" + m_origin.toUtf8() + "</name>"));
        QVERIFY(header->xml.contains(sandboxDir(m_origin).toUtf8() + "/agent.sock"));
        QVERIFY(header->dataLen > quint32(header->xml.size()) + 4096); // room for another XML
    }

    void diskSnapshotAndRestore() {
        QCOMPARE(sh(m_origin, "echo after > /root/after").code, 0);
        VivResult r = viv({"snapshot", "create", m_origin, "disk"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(alive(m_origin, m_sleeper)); // a disk snapshot of a running one keeps it too
        QCOMPARE(sh(m_origin, "echo later > /root/later; sync").code, 0);

        // Not while it runs: the state table's error.
        r = viv({"snapshot", "restore", m_origin, "disk"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("it is ready. Stop it first"), r.err.constData());

        QCOMPARE(viv({"stop", m_origin}).code, 0);
        r = viv({"snapshot", "restore", m_origin, "disk", "--start"});
        QVERIFY2(r.code == 0, r.err.constData());
        r = sh(m_origin, "cat /root/before /root/after; ls /root/later 2>&1; true");
        QVERIFY2(r.out.startsWith("before\nafter\n"), r.out.constData());
        QVERIFY2(r.out.contains("No such file"), r.out.constData());
        // A disk snapshot brings no processes back: this boot is fresh.
        QVERIFY(!alive(m_origin, m_sleeper));
    }

    void memoryRestore() {
        QCOMPARE(viv({"stop", m_origin}).code, 0);
        const VivResult r = viv({"snapshot", "restore", m_origin, "mem"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("is ready"), r.out.constData());
        QVERIFY(alive(m_origin, m_sleeper));
        const VivResult files = sh(m_origin, "cat /root/before; ls /root");
        QVERIFY2(files.out.startsWith("before\n"), files.out.constData());
        QVERIFY2(!files.out.contains("after"), files.out.constData());
        // The guest clock is today's, not the snapshot's.
        const qint64 guest = sh(m_origin, "date +%s").out.trimmed().toLongLong();
        QVERIFY(qAbs(guest - QDateTime::currentSecsSinceEpoch()) < 30);
    }

    // A paused sandbox is paused again after its snapshot (the save and restore run it).
    void pausedStaysPaused() {
        QCOMPARE(viv({"pause", m_origin}).code, 0);
        VivResult r = viv({"snapshot", "create", m_origin, "frozen", "--memory"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(stateOf(m_origin), QString("paused"));
        QCOMPARE(viv({"resume", m_origin}).code, 0);
        QVERIFY(alive(m_origin, m_sleeper));
        r = viv({"snapshot", "ls", m_origin, "--json"});
        QVERIFY(r.out.contains("\"state\": \"paused\""));
        QCOMPARE(viv({"snapshot", "rm", m_origin, "frozen"}).code, 0);
    }

    void forksRunSideBySide() {
        VivResult r = viv({"fork", m_origin, "mem", "--name", "fork-one"});
        QVERIFY2(r.code == 0, r.err.constData());
        m_fork1 = lastLine(r.out);
        QVERIFY2(r.err.contains("processes restored from memory"), r.err.constData());
        r = viv({"fork", m_origin, "mem", "--name", "fork-two"});
        QVERIFY2(r.code == 0, r.err.constData());
        m_fork2 = lastLine(r.out);
        QVERIFY(m_fork1 != m_fork2 && m_fork1 != m_origin);
        QCOMPARE(stateOf(m_fork1), QString("ready"));
        QCOMPARE(stateOf(m_fork2), QString("ready"));
        // Each has the snapshot's processes and files.
        QVERIFY(alive(m_fork1, m_sleeper));
        QVERIFY(alive(m_fork2, m_sleeper));
        QCOMPARE(sh(m_fork1, "echo one > /root/mine; sync").code, 0);
        QCOMPARE(sh(m_fork2, "echo two > /root/mine; sync").code, 0);
        QCOMPARE(sh(m_fork1, "cat /root/mine /root/before").out, QByteArray("one\nbefore\n"));
        QCOMPARE(sh(m_fork2, "cat /root/mine /root/before").out, QByteArray("two\nbefore\n"));
        QVERIFY(sh(m_origin, "ls /root").out.indexOf("mine") < 0);
        // Their own disks, channels and logs.
        for (const QString& f : {m_fork1, m_fork2}) {
            QVERIFY(QFileInfo::exists(sandboxDir(f) + "/disk.qcow2"));
            QVERIFY(!QFileInfo::exists(sandboxDir(f) + "/fork-memory.save"));
            QVERIFY(QFileInfo::exists(sandboxDir(f) + "/agent.sock"));
        }
    }

    void badRequests() {
        VivResult r = viv({"snapshot", "create", m_origin, "mem"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("already has a snapshot named mem"), r.err.constData());
        r = viv({"snapshot", "create", m_origin, "../escape"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("is not a snapshot name"), r.err.constData());
        QVERIFY(!QFileInfo::exists(sandboxDir(m_origin) + "/escape"));

        // A stopped sandbox has no memory to save; its disk can be snapshotted.
        QCOMPARE(viv({"stop", m_fork2}).code, 0);
        r = viv({"snapshot", "create", m_fork2, "m", "--memory"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("is stopped: there is no memory to save. Start it first"),
                 r.err.constData());
        r = viv({"snapshot", "create", m_fork2, "cold"});
        QVERIFY2(r.code == 0, r.err.constData());

        // Fork from a snapshot that was removed.
        QCOMPARE(viv({"snapshot", "rm", m_origin, "disk"}).code, 0);
        const int before = QDir(m_service->dataDir() + "/sandboxes")
                               .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
                               .size();
        r = viv({"fork", m_origin, "disk"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("There is no snapshot disk of sandbox " + m_origin.toUtf8()),
                 r.err.constData());
        QVERIFY2(r.err.contains("viv snapshot ls " + m_origin.toUtf8()), r.err.constData());
        QCOMPARE(QDir(m_service->dataDir() + "/sandboxes")
                     .entryList(QDir::Dirs | QDir::NoDotAndDotDot)
                     .size(),
                 before);
    }

    // A token scoped to a sandbox may list (and take, restore) its snapshots, not another
    // sandbox's, and may not fork (a fork is a new sandbox: the owner's).
    void scopedToken() {
        ApiClient owner;
        owner.open({QUrl(m_service->url()), m_service->ownerToken(), true});
        QVERIFY(QTest::qWaitFor([&] { return owner.isConnected(); }, 10000));
        auto token = callApi(owner, "token.create", {{"sandbox", m_origin}});
        QVERIFY2(token.ok(), qPrintable(token.ok() ? QString() : token.error().text()));
        ApiClient scoped;
        scoped.open({QUrl(m_service->url()), token->value("token").toString(), true});
        QVERIFY(QTest::qWaitFor([&] { return scoped.isConnected(); }, 10000));
        auto own = callApi(scoped, "snapshot.list", {{"sandbox", m_origin}});
        QVERIFY(own.ok());
        QCOMPARE(own->value("snapshots").toArray().size(), 1); // mem (disk was removed)
        auto other = callApi(scoped, "snapshot.list", {{"sandbox", m_fork1}});
        QVERIFY(!other.ok());
        QCOMPARE(other.error().code, QString("forbidden"));
        auto fork = callApi(scoped, "sandbox.fork", {{"sandbox", m_origin}, {"snapshot", "mem"}});
        QVERIFY(!fork.ok());
        QCOMPARE(fork.error().code, QString("forbidden"));
        auto bad = callApi(owner, "snapshot.create",
                           {{"sandbox", m_origin}, {"name", "x"}, {"memory", "yes"}});
        QVERIFY(!bad.ok());
        QVERIFY2(bad.error().message.contains("'memory' must be true or false"),
                 qPrintable(bad.error().text()));
    }

    // A remove while a memory snapshot is being taken: the snapshot fails with a clear error,
    // the remove succeeds, nothing of either is left.
    void removeDuringSnapshot() {
        ApiClient api;
        api.open({QUrl(m_service->url()), m_service->ownerToken(), true});
        QVERIFY(QTest::qWaitFor([&] { return api.isConnected(); }, 10000));
        std::optional<Result<QJsonObject>> snap, removed;
        api.request("snapshot.create", {{"sandbox", m_fork1}, {"name", "doomed"}, {"memory", true}},
                    [&](Result<QJsonObject> r) { snap = std::move(r); });
        api.request("sandbox.remove", {{"sandbox", m_fork1}},
                    [&](Result<QJsonObject> r) { removed = std::move(r); });
        QVERIFY(QTest::qWaitFor([&] { return snap && removed; }, 60000));
        QVERIFY2(removed->ok(), qPrintable(removed->ok() ? QString() : removed->error().text()));
        QVERIFY(!snap->ok());
        QVERIFY2(snap->error().message.contains(m_fork1) &&
                     (snap->error().message.contains("removed") ||
                      snap->error().message.contains("removing")),
                 qPrintable(snap->error().text()));
        QVERIFY(!QFileInfo::exists(sandboxDir(m_fork1)));
        QCOMPARE(stateOf(m_fork1), QString("absent"));
        // And a snapshot of a sandbox already gone.
        const VivResult r = viv({"snapshot", "create", m_fork1, "late"});
        QCOMPARE(r.code, 125);
    }

    // Removing a sandbox removes its snapshots; its forks do not need them.
    void forkOutlivesOrigin() {
        const QString snapshots = sandboxDir(m_origin) + "/snapshots";
        QVERIFY(QFileInfo::exists(snapshots + "/mem/memory.save"));
        const VivResult removed = viv({"rm", m_origin});
        QCOMPARE(removed.code, 0);
        QVERIFY2(removed.err.contains("removed, with its 1 snapshot"), removed.err.constData());
        QVERIFY(!QFileInfo::exists(snapshots));
        QCOMPARE(stateOf(m_fork2), QString("stopped"));
        QCOMPARE(viv({"start", m_fork2}).code, 0);
        QCOMPARE(sh(m_fork2, "cat /root/mine").out, QByteArray("two\n"));
        // The fork's own snapshot restores on its own.
        QCOMPARE(viv({"stop", m_fork2}).code, 0);
        VivResult r = viv({"snapshot", "restore", m_fork2, "cold"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.contains("is stopped"), r.out.constData());
    }
};

QTEST_GUILESS_MAIN(SnapshotTest)
#include "SnapshotTest.moc"
