// The vm tier: real microVMs through libvirt (TCG here), driven through `viv` exactly as a
// user would, against a private vivariumd that the first `viv` command starts. One booted
// `tiny` sandbox is shared by the tests that can share it; the test order is the slot order.
#include "ServiceFixture.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>

class SandboxVmTest : public QObject {
    Q_OBJECT
    std::unique_ptr<ServiceFixture> m_service;
    QString m_id;

    VivResult exec(const QStringList& cmd, const QByteArray& in = {}) {
        return m_service->viv(QStringList{"exec", m_id, "--"} + cmd, in);
    }

private slots:
    void initTestCase() {
        m_service = std::make_unique<ServiceFixture>();
        QCOMPARE(m_service->servicePid(), 0);
        const VivResult r = m_service->viv({"create", "--template", "tiny", "--name", "shared"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.err.contains("starting vivariumd"), "viv should have started the service");
        m_id = QString::fromUtf8(r.out).trimmed().split('\n').last();
        QCOMPARE(m_id.size(), 8);
        QVERIFY(m_service->servicePid() > 0);
        QCOMPARE(m_service->sandboxJson(m_id).value("state").toString(), QString("ready"));
    }

    void echo() {
        const VivResult r = exec({"echo", "hello", "world"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("hello world\n"));
    }

    void exitCodesAndSignals() {
        QCOMPARE(exec({"sh", "-c", "exit 3"}).code, 3);
        QCOMPARE(exec({"false"}).code, 1);
        QCOMPARE(exec({"sh", "-c", "kill -TERM $$"}).code, 128 + 15);
        QCOMPARE(exec({"sh", "-c", "kill -KILL $$"}).code, 128 + 9);
        const VivResult missing = exec({"no-such-command"});
        QCOMPARE(missing.code, 127);
        QVERIFY2(missing.err.contains("no-such-command"), missing.err.constData());
    }

    void stderrIsSeparate() {
        const VivResult r = exec({"sh", "-c", "echo out; echo err >&2"});
        QCOMPARE(r.out, QByteArray("out\n"));
        QCOMPARE(r.err, QByteArray("err\n"));
    }

    void stdinRoundTrip() {
        QByteArray data(1024 * 1024 + 17, Qt::Uninitialized);
        for (auto& c : data)
            c = char(QRandomGenerator::global()->bounded(256));
        const VivResult r = exec({"cat"}, data);
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.size(), data.size());
        QVERIFY(r.out == data);
    }

    void outputStreamsLive() {
        // The command blocks on stdin after its first line: that line must reach us before
        // the command can finish, or nothing streams live.
        std::unique_ptr<QProcess> p(
            m_service->startViv({"exec", m_id, "--", "sh", "-c", "echo first; read x; echo second $x"}, nullptr));
        QVERIFY(p->waitForStarted());
        QByteArray got;
        QTRY_VERIFY_WITH_TIMEOUT((got += p->readAllStandardOutput()).contains('\n') ||
                                     p->state() == QProcess::NotRunning,
                                 30000);
        QVERIFY2(p->state() == QProcess::Running, p->readAllStandardError().constData());
        QCOMPARE(got, QByteArray("first\n"));
        p->write("go\n");
        p->closeWriteChannel();
        QVERIFY(p->waitForFinished(30000));
        QCOMPARE(p->readAllStandardOutput(), QByteArray("second go\n"));
        QCOMPARE(p->exitCode(), 0);
    }

    void ptyGivesATerminal() {
        const VivResult r =
            m_service->viv({"exec", "-t", m_id, "--", "sh", "-c", "tty; stty size; echo $TERM"});
        QCOMPARE(r.code, 0);
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 3);
        QVERIFY2(lines[0].startsWith("/dev/pts/"), r.out.constData());
        QCOMPARE(lines[1].trimmed(), QByteArray("24 80"));
        QCOMPARE(lines[2].trimmed(), QByteArray("xterm-256color"));
    }

    void sixteenMiBArriveByteExact() {
        const VivResult r = exec(
            {"sh", "-c",
             "head -c 16777216 /dev/urandom > /tmp/big && sha256sum /tmp/big >&2 && cat /tmp/big"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.size(), 16 * 1024 * 1024);
        const QByteArray hostSum = QCryptographicHash::hash(r.out, QCryptographicHash::Sha256).toHex();
        QCOMPARE(r.err.left(64), hostSum);
    }

    void fourConcurrentExecs() {
        QList<QProcess*> procs;
        for (int i = 0; i < 4; ++i)
            procs << m_service->startViv(
                {"exec", m_id, "--", "sh", "-c",
                 QString("i=0; while [ $i -lt 300 ]; do echo run%1-$i; i=$((i+1)); done; exit %1").arg(i)},
                this);
        for (int i = 0; i < 4; ++i) {
            QVERIFY(procs[i]->waitForFinished(60000));
            QCOMPARE(procs[i]->exitCode(), i);
            const QList<QByteArray> lines = procs[i]->readAllStandardOutput().trimmed().split('\n');
            QCOMPARE(lines.size(), 300);
            for (int n = 0; n < 300; ++n)
                QCOMPARE(lines[n], QString("run%1-%2").arg(i).arg(n).toUtf8());
            procs[i]->deleteLater();
        }
    }

    void filesPersistAcrossStopAndStart() {
        QCOMPARE(exec({"sh", "-c", "echo kept > /root/persist.txt"}).code, 0);
        const VivResult stop = m_service->viv({"stop", m_id});
        QVERIFY2(stop.code == 0, stop.err.constData());
        QCOMPARE(m_service->sandboxJson(m_id).value("state").toString(), QString("stopped"));
        const VivResult refused = exec({"true"});
        QCOMPARE(refused.code, 125);
        QVERIFY2(refused.err.contains("stopped"), refused.err.constData());
        const VivResult start = m_service->viv({"start", m_id});
        QVERIFY2(start.code == 0, start.err.constData());
        const VivResult r = exec({"cat", "/root/persist.txt"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out, QByteArray("kept\n"));
    }

    void restartedServiceReadoptsWithHistory() {
        const VivResult before = m_service->viv({"logs", m_id, "--json"});
        const int runsBefore = int(QJsonDocument::fromJson(before.out).array().size());
        QVERIFY(runsBefore > 5);
        QVERIFY(m_service->killService(SIGKILL));
        // The next viv command starts a fresh service, which must find the sandbox running.
        const VivResult r = exec({"echo", "still here"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.err.contains("starting vivariumd"));
        QCOMPARE(r.out, QByteArray("still here\n"));
        QCOMPARE(m_service->sandboxJson(m_id).value("state").toString(), QString("ready"));
        const QJsonArray runs = QJsonDocument::fromJson(m_service->viv({"logs", m_id, "--json"}).out).array();
        QCOMPARE(runs.size(), runsBefore + 1);
        QCOMPARE(runs.first().toObject().value("argv").toArray().first().toString(), QString("echo"));
    }

    void logsReplayAndFollow() {
        QCOMPARE(exec({"sh", "-c", "echo replayed; echo to-err >&2; exit 4"}).code, 4);
        const QJsonArray runs = QJsonDocument::fromJson(m_service->viv({"logs", m_id, "--json"}).out).array();
        const QString last = QString::number(runs.last().toObject().value("run").toInteger());
        const VivResult replay = m_service->viv({"logs", m_id, last});
        QCOMPARE(replay.code, 4); // the run's own status
        QCOMPARE(replay.out, QByteArray("replayed\n"));
        QCOMPARE(replay.err, QByteArray("to-err\n"));
        // --follow on a live run: its output so far, then the rest as it comes, then its end.
        std::unique_ptr<QProcess> running(
            m_service->startViv({"exec", m_id, "--", "sh", "-c", "echo early; read x; echo late"}, nullptr));
        QVERIFY(running->waitForStarted());
        QByteArray got;
        QTRY_VERIFY_WITH_TIMEOUT((got += running->readAllStandardOutput()).contains("early"), 30000);
        const QJsonArray now = QJsonDocument::fromJson(m_service->viv({"logs", m_id, "--json"}).out).array();
        const QString live = QString::number(now.last().toObject().value("run").toInteger());
        std::unique_ptr<QProcess> follower(m_service->startViv({"logs", m_id, live, "--follow"}, nullptr));
        QByteArray followed;
        QTRY_VERIFY_WITH_TIMEOUT((followed += follower->readAllStandardOutput()).contains("early"), 30000);
        running->write("go\n");
        QVERIFY(running->waitForBytesWritten(5000)); // blocking on the follower below runs no event loop
        running->closeWriteChannel();
        QVERIFY(follower->waitForFinished(30000));
        followed += follower->readAllStandardOutput();
        QCOMPARE(followed, QByteArray("early\nlate\n"));
        QVERIFY(running->waitForFinished(30000));
        QCOMPARE(follower->exitCode(), 0);
    }

    void exportCastAndText() {
        // Two lines 0.3 s apart, the second on stderr and not ASCII.
        QCOMPARE(exec({"sh", "-c", "echo a; sleep 0.3; echo bé >&2"}).code, 0);
        const QJsonArray runs = QJsonDocument::fromJson(m_service->viv({"logs", m_id, "--json"}).out).array();
        const QString run = QString::number(runs.last().toObject().value("run").toInteger());

        const VivResult cast = m_service->viv({"export", m_id, run, "--format", "cast"});
        QVERIFY2(cast.code == 0, cast.err.constData());
        QList<QByteArray> lines = cast.out.split('\n');
        QCOMPARE(lines.takeLast(), QByteArray()); // every line ends with "\n"
        const QJsonObject header = QJsonDocument::fromJson(lines.takeFirst()).object();
        QCOMPARE(header.value("version").toInt(), 2);
        QCOMPARE(header.value("width").toInt(), 80);
        QCOMPARE(header.value("height").toInt(), 24);
        QCOMPARE(header.value("title").toString(), QString("sh -c 'echo a; sleep 0.3; echo bé >&2'"));
        QVERIFY(header.value("timestamp").toInteger() > 1700000000);
        QVERIFY(header.value("duration").toDouble() >= 0.3);
        QCOMPARE(header.value("env").toObject().value("TERM").toString(), QString("xterm-256color"));
        QString all;
        double atA = -1, atB = -1, last = 0;
        for (const QByteArray& line : std::as_const(lines)) {
            const QJsonArray event = QJsonDocument::fromJson(line).array();
            QVERIFY2(event.size() == 3 && event[1].toString() == "o", line.constData());
            QVERIFY(event[0].toDouble() >= last); // never back in time
            last = event[0].toDouble();
            if (event[2].toString().contains('a') && atA < 0)
                atA = last;
            if (event[2].toString().contains(QString("bé")))
                atB = last;
            all += event[2].toString();
        }
        QVERIFY2(lines.size() >= 2, cast.out.constData());
        QCOMPARE(all, QString("a\r\nbé\r\n")); // pipe output, as a terminal needs it
        QVERIFY2(atB - atA >= 0.25 && atB - atA < 3.0, qPrintable(QString("a at %1 s, b at %2 s").arg(atA).arg(atB)));

        // Plain text is the output, stdout and stderr in the order they came.
        const VivResult text = m_service->viv({"export", m_id, run, "--format", "text"});
        QCOMPARE(text.code, 0);
        QCOMPARE(text.out, QString("a\nbé\n").toUtf8());
        const VivResult logs = m_service->viv({"logs", m_id, run});
        QCOMPARE(text.out, logs.out + logs.err);

        // To a file: all or nothing.
        QTemporaryDir dir;
        const VivResult toFile = m_service->viv({"export", m_id, run, "-o", dir.filePath("run.cast")});
        QVERIFY2(toFile.code == 0, toFile.err.constData());
        QFile file(dir.filePath("run.cast"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), cast.out);
        const VivResult nowhere = m_service->viv({"export", m_id, run, "-o", dir.filePath("no/such/dir/x.cast")});
        QCOMPARE(nowhere.code, 125);
        QVERIFY2(nowhere.err.contains("Cannot write"), nowhere.err.constData());
        const VivResult noRun = m_service->viv({"export", m_id, "9999", "-o", dir.filePath("missing.cast")});
        QCOMPARE(noRun.code, 125);
        QVERIFY2(noRun.err.contains("no run 9999"), noRun.err.constData());
        QVERIFY(!QFile::exists(dir.filePath("missing.cast")));
        QCOMPARE(m_service->viv({"export", m_id, run, "--format", "html"}).code, 2);
    }

    void copyFilesBothWays() {
        QTemporaryDir dir;
        QFile local(dir.filePath("in.bin"));
        QVERIFY(local.open(QIODevice::WriteOnly));
        QByteArray data(3 * 1024 * 1024 + 5, Qt::Uninitialized);
        for (auto& c : data)
            c = char(QRandomGenerator::global()->bounded(256));
        local.write(data);
        local.close();
        local.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup);
        QCOMPARE(m_service->viv({"cp", local.fileName(), m_id + ":/root/copied.bin"}).code, 0);
        const VivResult ls = exec({"stat", "-c", "%a %s", "/root/copied.bin"});
        QCOMPARE(ls.out.trimmed(), QByteArray("740 ") + QByteArray::number(data.size()));
        QCOMPARE(m_service->viv({"cp", m_id + ":/root/copied.bin", dir.filePath("out.bin")}).code, 0);
        QFile back(dir.filePath("out.bin"));
        QVERIFY(back.open(QIODevice::ReadOnly));
        QVERIFY(back.readAll() == data);
        QCOMPARE(int(back.permissions() & 0x7777), int(local.permissions() & 0x7777));
        const VivResult missing = m_service->viv({"cp", m_id + ":/no/such/file", dir.filePath("x")});
        QCOMPARE(missing.code, 125);
        QVERIFY(missing.err.contains("No such file"));
        // Nothing half-written: no destination and no temporary file beside it.
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name),
                 (QStringList{"in.bin", "out.bin"}));
    }

    void scopedTokenFromTheCommandLine() {
        const VivResult made = m_service->viv({"token", "create", "--sandbox", m_id});
        QCOMPARE(made.code, 0);
        const QString token = QString::fromUtf8(made.out).trimmed();
        QVERIFY(token.startsWith("vivs_"));
        const VivResult ls = m_service->viv({"ls", "--json"}, {}, 30000, {"VIVARIUM_TOKEN=" + token});
        QCOMPARE(QJsonDocument::fromJson(ls.out).array().size(), 1);
        const VivResult create = m_service->viv({"create", "--template", "tiny"}, {}, 30000,
                                                {"VIVARIUM_TOKEN=" + token});
        QCOMPARE(create.code, 125);
        QVERIFY(create.err.contains("owner"));
    }

    void wrongTokenIsRefused() {
        const VivResult r = m_service->viv({"ls"}, {}, 30000, {"VIVARIUM_TOKEN=not-the-token"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("token"), r.err.constData());
    }

    void viv_run_uses_default_template() {
        const VivResult r = m_service->viv({"run", "--", "python3", "-c", "print(6*7)"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(r.out, QByteArray("42\n"));
        const VivResult fail = m_service->viv({"run", "--template", "tiny", "--", "sh", "-c", "exit 7"});
        QCOMPARE(fail.code, 7);
        // Both were removed afterwards: only the shared sandbox is left.
        const QJsonArray all = QJsonDocument::fromJson(m_service->viv({"ls", "--json"}).out).array();
        QCOMPARE(all.size(), 1);
    }

    void guestThatNeverSaysHelloIsRetriedThenReported() {
        // A kernel told to run an init that does not exist never starts the agent.
        ServiceFixture broken({"VIVARIUM_GUEST_CMDLINE_EXTRA=rdinit=/no-such-init",
                               "VIVARIUM_BOOT_TIMEOUT_MS=5000", "VIVARIUM_BOOT_ATTEMPTS=2"});
        const VivResult r = broken.viv({"create", "--template", "tiny", "--name", "mute"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("did not boot") && r.err.contains("2 attempts"), r.err.constData());
        const QJsonArray all = QJsonDocument::fromJson(broken.viv({"ls", "--json"}).out).array();
        QCOMPARE(all.size(), 1);
        QCOMPARE(all.first().toObject().value("state").toString(), QString("error"));
        // Each attempt ran its full course: our own destroy of attempt 1 must not be taken
        // for attempt 2 failing.
        QFile log(broken.dataDir() + "/vivariumd.log");
        QVERIFY(log.open(QIODevice::ReadOnly));
        const QByteArray text = log.readAll();
        QCOMPARE(text.count("failed: \"the guest agent did not answer within"), 2);
        QVERIFY2(!text.contains("stopped during boot"), text.constData());
    }

    void removeDeletesTheSandbox() {
        QCOMPARE(m_service->viv({"rm", m_id}).code, 0);
        QVERIFY(m_service->sandboxJson(m_id).isEmpty());
        const VivResult again = m_service->viv({"rm", m_id});
        QCOMPARE(again.code, 125);
        QVERIFY(again.err.contains("no sandbox"));
    }

    void cleanupTestCase() { m_service.reset(); }
};

QTEST_GUILESS_MAIN(SandboxVmTest)
#include "SandboxVmTest.moc"
