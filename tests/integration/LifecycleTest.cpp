// The vm tier for the lifecycle beyond start/stop: pause, resume, hibernate (also across a
// vivariumd restart), a corrupt memory image, idle reaping and the low-host-memory refusal,
// on real microVMs (TCG here) through `viv` and the API. One shared `tiny` sandbox goes
// through the slots in order; the idle test boots a second one of its own.
#include "ServiceFixture.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTcpSocket>
#include <QTest>
#include <QUrl>

#include <csignal>
#include <memory>
#include <optional>

using namespace vivarium;

namespace {

struct Cmd {
    int code = -1;
    QByteArray out;
};

Cmd run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(60000))
        return {};
    return {p.exitCode(), p.readAllStandardOutput() + p.readAllStandardError()};
}

// The service talks to qemu:///session, which as root is the system daemon's socket.
Cmd virsh(const QStringList& args) { return run("virsh", QStringList{"-c", "qemu:///session"} + args); }

bool qemuRunning(const QString& domain) {
    return run("pgrep", {"-f", "guest=" + domain + ","}).code == 0;
}

QString managedSaveFile(const QString& domain) {
    for (const QString& dir : {QString("/var/lib/libvirt/qemu/save"),
                               QDir::homePath() + "/.config/libvirt/qemu/save"})
        if (QFile::exists(dir + "/" + domain + ".save"))
            return dir + "/" + domain + ".save";
    return {};
}

} // namespace

class LifecycleTest : public QObject {
    Q_OBJECT
    std::unique_ptr<ServiceFixture> m_service;
    QString m_id;
    std::unique_ptr<QProcess> m_waiter; // a run started before the pause, ended after resume

    QString domain() const { return "vivarium-" + m_id; }
    VivResult exec(const QStringList& cmd) { return m_service->viv(QStringList{"exec", m_id, "--"} + cmd); }
    QString state(const QString& id) { return m_service->sandboxJson(id).value("state").toString(); }
    Endpoint endpoint() const { return {QUrl(m_service->url()), m_service->ownerToken(), true}; }

private slots:
    void initTestCase() {
        m_service = std::make_unique<ServiceFixture>();
        const VivResult r = m_service->viv({"create", "--template", "tiny", "--name", "life"});
        QVERIFY2(r.code == 0, r.err.constData());
        m_id = QString::fromUtf8(r.out).trimmed().split('\n').last();
        QCOMPARE(state(m_id), QString("ready"));
    }

    void pauseFreezesAndResumeContinues() {
        // A process that waits for a file: it must outlive a pause and a hibernation.
        m_waiter.reset(m_service->startViv(
            {"exec", m_id, "--", "sh", "-c",
             "echo started; while [ ! -e /tmp/go ]; do sleep 0.2; done; echo finished"},
            nullptr));
        QByteArray out;
        QTRY_VERIFY_WITH_TIMEOUT((out += m_waiter->readAllStandardOutput()).contains("started"), 30000);

        const VivResult paused = m_service->viv({"pause", m_id});
        QVERIFY2(paused.code == 0, paused.err.constData());
        QCOMPARE(state(m_id), QString("paused"));
        QVERIFY(virsh({"domstate", domain()}).out.contains("paused"));
        // Nothing new while paused, and the refusal says what to do.
        const VivResult refused = exec({"echo", "hi"});
        QCOMPARE(refused.code, 125);
        QVERIFY2(refused.err.contains("paused") && refused.err.contains("viv resume " + m_id.toUtf8()),
                 refused.err.constData());
        const VivResult twice = m_service->viv({"pause", m_id});
        QCOMPARE(twice.code, 125);

        const VivResult resumed = m_service->viv({"resume", m_id});
        QVERIFY2(resumed.code == 0, resumed.err.constData());
        QCOMPARE(state(m_id), QString("ready"));
        QCOMPARE(m_waiter->state(), QProcess::Running);
        const VivResult ps = exec({"ps"});
        QVERIFY2(ps.out.contains("/tmp/go"), ps.out.constData());
    }

    void tunnelConnectionOutlivesAPause() {
        // A one-connection echo server in the guest, reached through a tunnel.
        std::unique_ptr<QProcess> server(
            m_service->startViv({"exec", m_id, "--", "nc", "-l", "-p", "9000", "-e", "cat"}, nullptr));
        const VivResult t = m_service->viv({"tunnel", m_id, "9000"});
        QVERIFY2(t.code == 0, t.err.constData());
        const QUrl url(QString::fromUtf8(t.out).trimmed().split('\n').last());
        QTcpSocket socket;
        QByteArray echoed;
        // nc may not listen yet: a refused connection is closed by the tunnel; try again.
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                if (socket.state() == QAbstractSocket::UnconnectedState) {
                    socket.connectToHost("127.0.0.1", quint16(url.port()));
                    socket.waitForConnected(2000);
                    socket.write("one\n");
                }
                echoed += socket.readAll();
                return echoed == "one\n";
            }(),
            20000);
        QCOMPARE(m_service->viv({"pause", m_id}).code, 0);
        // The open connection stays; a new one is refused while paused.
        QTcpSocket late;
        late.connectToHost("127.0.0.1", quint16(url.port()));
        QTRY_COMPARE_WITH_TIMEOUT(late.state(), QAbstractSocket::UnconnectedState, 10000);
        socket.write("two\n");
        QCOMPARE(m_service->viv({"resume", m_id}).code, 0);
        QTRY_COMPARE_WITH_TIMEOUT((echoed += socket.readAll()), QByteArray("one\ntwo\n"), 10000);
        QCOMPARE(socket.state(), QAbstractSocket::ConnectedState);
        socket.close();
        QVERIFY(server->waitForFinished(20000));
        QCOMPARE(m_service->viv({"tunnel", "rm", m_id, "9000"}).code, 0);
    }

    void hibernateFreesMemoryAndResumesIntact() {
        QCOMPARE(exec({"sh", "-c", "echo kept > /root/kept.txt"}).code, 0);
        QVERIFY(qemuRunning(domain()));
        QElapsedTimer away;
        away.start();
        const VivResult h = m_service->viv({"hibernate", m_id});
        QVERIFY2(h.code == 0, h.err.constData());
        QCOMPARE(state(m_id), QString("hibernated"));
        QVERIFY(virsh({"domstate", domain()}).out.contains("shut off"));
        QVERIFY(virsh({"dominfo", domain()}).out.contains("Managed save:   yes"));
        QVERIFY2(!managedSaveFile(domain()).isEmpty(), "no managed save image");
        QVERIFY2(!qemuRunning(domain()), "QEMU should be gone (its memory freed)");
        // The run is still running as far as anyone can tell.
        QCOMPARE(m_waiter->state(), QProcess::Running);
        QVERIFY(exec({"true"}).err.contains("hibernated"));
        // The guest's clock stands still while it is hibernated: away for at least 5 s, an
        // uncorrected clock would be seconds behind, far outside the tolerance checked below.
        // (Time passing is the condition under test here, not a wait for something else.)
        QTRY_VERIFY_WITH_TIMEOUT(away.elapsed() >= 5000, 10000);

        const VivResult r = m_service->viv({"resume", m_id});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(state(m_id), QString("ready"));
        QCOMPARE(exec({"cat", "/root/kept.txt"}).out, QByteArray("kept\n"));

        // The guest clock was frozen while the memory was on disk; it must be right again.
        const qint64 before = QDateTime::currentSecsSinceEpoch();
        const VivResult date = exec({"date", "+%s"});
        const qint64 after = QDateTime::currentSecsSinceEpoch();
        const qint64 guest = date.out.trimmed().toLongLong();
        QVERIFY2(guest >= before - 1 && guest <= after + 1,
                 qPrintable(QString("guest clock %1, host %2..%3").arg(guest).arg(before).arg(after)));

        // The process from before the pause finishes, its output reaching the same client.
        QCOMPARE(exec({"touch", "/tmp/go"}).code, 0);
        QVERIFY(m_waiter->waitForFinished(30000));
        QCOMPARE(m_waiter->exitCode(), 0);
        QVERIFY(m_waiter->readAllStandardOutput().contains("finished"));
        m_waiter.reset();
    }

    void hibernatedAndPausedSurviveARestart() {
        QCOMPARE(exec({"sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $! > /root/sleeper.pid"}).code, 0);
        QCOMPARE(m_service->viv({"hibernate", m_id}).code, 0);
        QVERIFY(m_service->killService(SIGTERM));
        // A new service finds it hibernated and brings it back with its processes.
        QCOMPARE(state(m_id), QString("hibernated"));
        const VivResult r = m_service->viv({"resume", m_id});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(exec({"sh", "-c", "kill -0 $(cat /root/sleeper.pid)"}).code, 0);

        // Paused across a restart: adopted as paused, resumed with a resync.
        QCOMPARE(m_service->viv({"pause", m_id}).code, 0);
        QVERIFY(m_service->killService(SIGTERM));
        QCOMPARE(state(m_id), QString("paused"));
        QCOMPARE(m_service->viv({"resume", m_id}).code, 0);
        QCOMPARE(exec({"sh", "-c", "kill -0 $(cat /root/sleeper.pid)"}).code, 0);
    }

    void outsidePauseIsSeen() {
        // virsh suspend/resume: the state follows libvirt's events.
        QCOMPARE(virsh({"suspend", domain()}).code, 0);
        QTRY_COMPARE_WITH_TIMEOUT(state(m_id), QString("paused"), 10000);
        QCOMPARE(virsh({"resume", domain()}).code, 0);
        QTRY_COMPARE_WITH_TIMEOUT(state(m_id), QString("ready"), 10000);
        QCOMPARE(exec({"echo", "ok"}).out, QByteArray("ok\n"));
    }

    void hibernateWhilePaused() {
        // libvirt saves a paused guest as paused; resume must still bring it back running.
        QCOMPARE(m_service->viv({"pause", m_id}).code, 0);
        const VivResult h = m_service->viv({"hibernate", m_id});
        QVERIFY2(h.code == 0, h.err.constData());
        QCOMPARE(state(m_id), QString("hibernated"));
        const VivResult r = m_service->viv({"resume", m_id});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(exec({"sh", "-c", "kill -0 $(cat /root/sleeper.pid) && echo alive"}).out, QByteArray("alive\n"));
    }

    void stopStartKeepsFilesAndPackages() {
        // An installed "package": a program under /usr/local/bin.
        QCOMPARE(exec({"sh", "-c", "mkdir -p /usr/local/bin && printf '#!/bin/sh\\necho installed tool\\n' > /usr/local/bin/tool "
                                   "&& chmod +x /usr/local/bin/tool"}).code, 0);
        QCOMPARE(m_service->viv({"stop", m_id}).code, 0);
        QCOMPARE(state(m_id), QString("stopped"));
        QCOMPARE(m_service->viv({"start", m_id}).code, 0);
        QCOMPARE(exec({"tool"}).out, QByteArray("installed tool\n"));
        QCOMPARE(exec({"cat", "/root/kept.txt"}).out, QByteArray("kept\n"));
    }

    void corruptMemoryImageGivesAClearErrorThenAColdStart() {
        QCOMPARE(m_service->viv({"hibernate", m_id}).code, 0);
        const QString image = managedSaveFile(domain());
        QVERIFY(!image.isEmpty());
        QVERIFY(QFile::resize(image, 200 * 1024)); // the header and XML survive, QEMU's stream not
        const VivResult r = m_service->viv({"resume", m_id});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("could not be restored and was discarded"), r.err.constData());
        QCOMPARE(state(m_id), QString("stopped"));
        QVERIFY(m_service->sandboxJson(m_id).value("error").toString().contains("memory image"));
        QVERIFY(managedSaveFile(domain()).isEmpty());
        const VivResult cold = m_service->viv({"start", m_id});
        QVERIFY2(cold.code == 0, cold.err.constData());
        QCOMPARE(exec({"cat", "/root/kept.txt"}).out, QByteArray("kept\n"));
    }

    void idleSandboxIsWarnedThenStopped() {
        const VivResult t = m_service->viv({"template", "create", "idle3", "--from", "tiny",
                                            "--idle-timeout", "3", "--idle-action", "stop"});
        QVERIFY2(t.code == 0, t.err.constData());
        ApiClient api;
        QList<std::pair<qint64, QJsonObject>> events; // (ms since start, event)
        QElapsedTimer clock;
        clock.start();
        connect(&api, &ApiClient::event, this, [&](const QJsonObject& e) { events.append({clock.elapsed(), e}); });
        api.open(endpoint());
        QVERIFY(QTest::qWaitFor([&] { return api.isConnected(); }, 10000));
        auto created = callApi(api, "sandbox.create", {{"template", "idle3"}});
        QVERIFY2(created, created ? "" : qPrintable(created.error().message));
        const QString id = created->value("sandbox").toObject().value("id").toString();
        auto warnings = [&] {
            QList<qint64> at;
            for (const auto& [ms, e] : events)
                if (e.value("event") == "sandbox.idle_warning" && e.value("id") == id) {
                    at << ms;
                    if (e.value("action") != "stop" || e.value("seconds_left").toInt() < 1)
                        return QList<qint64>{-1};
                }
            return at;
        };
        QTRY_VERIFY_WITH_TIMEOUT(!warnings().isEmpty(), 10000);
        QVERIFY(warnings().first() >= 0);
        // Activity postpones it: a command now restarts the clock (and warns anew).
        auto ran = callApi(api, "exec", {{"sandbox", id}, {"argv", QJsonArray{"true"}}});
        QVERIFY(ran);
        const qint64 touched = clock.elapsed();
        QTRY_VERIFY_WITH_TIMEOUT(warnings().size() >= 2, 10000);
        std::optional<qint64> stoppedAt;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& [ms, e] : events) {
                    const QJsonObject sb = e.value("sandbox").toObject();
                    if (e.value("event") == "sandbox.state" && sb.value("id") == id &&
                        sb.value("state") == "stopped") {
                        stoppedAt = ms;
                        return true;
                    }
                }
                return false;
            }(),
            20000);
        QVERIFY2(*stoppedAt - touched >= 2500,
                 qPrintable(QString("stopped %1 ms after the last use").arg(*stoppedAt - touched)));
        QCOMPARE(m_service->sandboxJson(id).value("reason").toString(), QString("idle for 3 s"));
        QCOMPARE(m_service->viv({"rm", id}).code, 0);
    }

    void lowHostMemoryRefusesCleanly() {
        QVERIFY(m_service->killService(SIGTERM));
        const QStringList before = QDir(m_service->dataDir() + "/sandboxes").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        const QByteArray domainsBefore = virsh({"list", "--all", "--name"}).out;
        // The next viv starts the service, with a reserve no host has.
        const VivResult r = m_service->viv({"create", "--template", "tiny"}, {}, 180000,
                                           {"VIVARIUM_MEMORY_RESERVE_MIB=100000000"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("Not enough free memory on this host") && r.err.contains("MiB are available"),
                 r.err.constData());
        QCOMPARE(QDir(m_service->dataDir() + "/sandboxes").entryList(QDir::Dirs | QDir::NoDotAndDotDot), before);
        QCOMPARE(virsh({"list", "--all", "--name"}).out, domainsBefore);
        // Start of an existing stopped sandbox: refused the same way, nothing changes.
        QCOMPARE(m_service->viv({"stop", m_id}).code, 0);
        const VivResult start = m_service->viv({"start", m_id});
        QCOMPARE(start.code, 125);
        QVERIFY2(start.err.contains("host_memory_low") || start.err.contains("Not enough free memory"),
                 start.err.constData());
        QCOMPARE(state(m_id), QString("stopped"));
        // Back to a service with the usual reserve (the fixture removes the sandboxes through it).
        QVERIFY(m_service->killService(SIGTERM));
        QCOMPARE(m_service->viv({"ls"}).code, 0);
    }
};

QTEST_GUILESS_MAIN(LifecycleTest)
#include "LifecycleTest.moc"
