// The WebSocket API with real sandboxes and several clients at once: shared sandboxes,
// watchers that see every run live and late ones that get a replay, malformed input,
// refused browsers and rebinding hosts, scoped tokens, a stalled client that must cost
// neither memory nor other clients' time, 200 subscribed connections, TLS off loopback, and
// the sandbox.stats samples (sped up here to every 300 ms), which respect scopes too, and
// templates: template.* and `viv template`, and a sandbox made from a user template.
#include "ApiClient.h"
#include "ServiceFixture.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace vivarium;

namespace {

// A client as a test needs it: connected, with every message it received kept.
struct Client {
    ApiClient api;
    QList<QJsonObject> events, exits, runMessages;
    QHash<quint32, QByteArray> out, err;
    std::optional<Error> lastError;

    explicit Client(const Endpoint& e) {
        QObject::connect(&api, &ApiClient::event, [this](const QJsonObject& o) { events << o; });
        QObject::connect(&api, &ApiClient::exited, [this](const QJsonObject& o) { exits << o; });
        QObject::connect(&api, &ApiClient::runMessage, [this](const QJsonObject& o) { runMessages << o; });
        QObject::connect(&api, &ApiClient::data, [this](api::DataKind k, quint32 ch, const QByteArray& d) {
            (k == api::DataKind::Stderr ? err : out)[ch] += d;
        });
        api.open(e);
    }
    bool waitReady() { return QTest::qWaitFor([this] { return api.isConnected(); }, 10000); }
    // Sends a request and waits for its answer.
    Result<QJsonObject> call(const QString& type, const QJsonObject& body, int timeoutMs = 60000) {
        std::optional<Result<QJsonObject>> result;
        api.request(type, body, [&](Result<QJsonObject> r) { result = std::move(r); });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, timeoutMs))
            return makeError("timeout", "no answer to " + type);
        return *result;
    }
    // Runs a command and waits for its exit (an exec's reply only means it started).
    std::optional<QJsonObject> runToEnd(const QString& sandbox, const QJsonArray& argv) {
        auto r = call("exec", {{"sandbox", sandbox}, {"argv", argv}});
        if (!r)
            return std::nullopt;
        const quint32 ch = quint32(r->value("channel").toInteger());
        if (!QTest::qWaitFor([&] { return exitOf(ch).has_value(); }, 60000))
            return std::nullopt;
        return exitOf(ch);
    }
    std::optional<QJsonObject> exitOf(quint32 channel) const {
        for (const QJsonObject& e : exits)
            if (quint32(e.value("channel").toInteger()) == channel)
                return e;
        return std::nullopt;
    }
    // The entries for `id` in every sandbox.stats event received so far, oldest first.
    QList<QJsonObject> statsOf(const QString& id) const {
        QList<QJsonObject> out;
        for (const QJsonObject& e : events)
            if (e.value("event") == "sandbox.stats")
                for (const QJsonValue& v : e.value("stats").toArray())
                    if (v.toObject().value("id") == id)
                        out << v.toObject();
        return out;
    }
    quint32 channelOfRun(qint64 run) const {
        for (const QJsonObject& m : runMessages)
            if (m.value("type") == "run.attached" && m.value("run").toInteger() == run)
                return quint32(m.value("channel").toInteger());
        return 0;
    }
};

QByteArray maskedTextFrame(const QByteArray& payload) {
    QByteArray f;
    f.append(char(0x81));
    if (payload.size() < 126) {
        f.append(char(0x80 | payload.size()));
    } else {
        f.append(char(0x80 | 126));
        f.append(char((payload.size() >> 8) & 0xff));
        f.append(char(payload.size() & 0xff));
    }
    const char mask[4] = {0x12, 0x34, 0x56, 0x78};
    f.append(mask, 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        f.append(char(payload[i] ^ mask[i % 4]));
    return f;
}

} // namespace

class ApiTest : public QObject {
    Q_OBJECT
    std::unique_ptr<ServiceFixture> m_service;
    QString m_sandbox;

    Endpoint endpoint(const QString& token = {}) const {
        return {QUrl(m_service->url()), token.isEmpty() ? m_service->ownerToken() : token, true};
    }

private slots:
    void initTestCase() {
        m_service = std::make_unique<ServiceFixture>(QStringList{"VIVARIUM_STATS_INTERVAL_MS=300"});
        const VivResult r = m_service->viv({"create", "--template", "tiny", "--name", "shared"});
        QVERIFY2(r.code == 0, r.err.constData());
        m_sandbox = QString::fromUtf8(r.out).trimmed().split('\n').last();
    }

    void twoAgentsAndAWatcher() {
        Client watcher(endpoint()), a(endpoint()), b(endpoint());
        QVERIFY(watcher.waitReady() && a.waitReady() && b.waitReady());
        QVERIFY(watcher.call("sandbox.subscribe", {{"sandbox", m_sandbox}}));
        const QString script = "i=0; while [ $i -lt 200 ]; do echo %1$i; i=$((i+1)); done; echo %1-err >&2";
        std::optional<Result<QJsonObject>> ra, rb;
        a.api.request("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"sh", "-c", script.arg("A")}}},
                      [&](Result<QJsonObject> r) { ra = r; });
        b.api.request("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"sh", "-c", script.arg("B")}}},
                      [&](Result<QJsonObject> r) { rb = r; });
        QVERIFY(QTest::qWaitFor([&] { return ra && rb; }, 30000));
        QVERIFY(*ra && *rb);
        const quint32 chA = quint32(ra->value()["channel"].toInteger());
        const quint32 chB = quint32(rb->value()["channel"].toInteger());
        QVERIFY(QTest::qWaitFor([&] { return a.exitOf(chA) && b.exitOf(chB); }, 60000));
        const qint64 runA = ra->value()["run"].toInteger(), runB = rb->value()["run"].toInteger();
        QVERIFY(QTest::qWaitFor([&] {
            return watcher.channelOfRun(runA) && watcher.channelOfRun(runB) &&
                   watcher.exitOf(watcher.channelOfRun(runA)) && watcher.exitOf(watcher.channelOfRun(runB));
        }, 30000));
        // The watcher saw each run whole and apart, exactly as the agent that ran it.
        QCOMPARE(watcher.out[watcher.channelOfRun(runA)], a.out[chA]);
        QCOMPARE(watcher.out[watcher.channelOfRun(runB)], b.out[chB]);
        QCOMPARE(watcher.err[watcher.channelOfRun(runA)], QByteArray("A-err\n"));
        QCOMPARE(a.out[chA].count('\n'), 200);
        QVERIFY(!a.out[chA].contains('B'));
        // And events for both runs starting and ending.
        int started = 0, exited = 0;
        for (const QJsonObject& e : watcher.events) {
            const qint64 run = e.value("run").toObject().value("run").toInteger();
            if (run == runA || run == runB) {
                started += e.value("event") == "run.started";
                exited += e.value("event") == "run.exited";
            }
        }
        QCOMPARE(started, 2);
        QCOMPARE(exited, 2);
    }

    void statsOfARunningSandbox() {
        Client c(endpoint());
        QVERIFY(c.waitReady());
        auto sampled = [&] {
            const QList<QJsonObject> s = c.statsOf(m_sandbox);
            return !s.isEmpty() && s.last().contains("cpu_percent");
        };
        QVERIFY(QTest::qWaitFor(sampled, 15000));
        const QJsonObject s = c.statsOf(m_sandbox).last();
        QVERIFY(s.value("running").toBool());
        // The QEMU process of a TCG microvm holds some tens of MiB at least, and not GiBs.
        const qint64 memory = s.value("memory_bytes").toInteger();
        QVERIFY2(memory > 16LL << 20 && memory < 2LL << 30, qPrintable(QString::number(memory)));
        QCOMPARE(s.value("guest_memory_bytes").toInteger(), 256LL << 20); // the tiny template
        QCOMPARE(s.value("vcpus").toInt(), 1);
        QVERIFY(s.value("disk_bytes").toInteger() > 0);
        QVERIFY(s.value("cpu_percent").toDouble() >= 0);
        QVERIFY(QDateTime::fromString(s.value("sampled_at").toString(), Qt::ISODateWithMs).isValid());

        // A busy guest shows: the guest spins for 3 s, and some sample sees most of a CPU.
        const qsizetype before = c.statsOf(m_sandbox).size();
        QVERIFY(c.runToEnd(m_sandbox, QJsonArray{"sh", "-c", "end=$(($(date +%s)+3)); "
                                                              "while [ $(date +%s) -lt $end ]; do :; done"}));
        QVERIFY(QTest::qWaitFor([&] { return c.statsOf(m_sandbox).size() > before + 1; }, 5000));
        double busiest = 0;
        for (const QJsonObject& e : c.statsOf(m_sandbox).mid(before))
            busiest = std::max(busiest, e.value("cpu_percent").toDouble());
        QVERIFY2(busiest > 25, qPrintable(QString::number(busiest)));

        // The sandbox object carries the latest sample, and viv shows it.
        const auto list = c.call("sandbox.list", {});
        QVERIFY(list);
        QJsonObject sandbox;
        for (const QJsonValue& v : list->value("sandboxes").toArray())
            if (v.toObject().value("id") == m_sandbox)
                sandbox = v.toObject();
        QVERIFY(sandbox.value("disk_bytes").toInteger() > 0);
        QVERIFY(sandbox.value("stats").toObject().value("memory_bytes").toInteger() > 0);
        const VivResult ls = m_service->viv({"ls"});
        QCOMPARE(ls.code, 0);
        const QList<QByteArray> lines = ls.out.split('\n');
        QVERIFY2(lines.first().contains("CPU") && lines.first().contains("MEM"), ls.out.constData());
        QByteArray line;
        for (const QByteArray& l : lines)
            if (l.startsWith(m_sandbox.toLatin1()))
                line = l;
        QVERIFY2(line.contains("MiB") && line.contains('%'), ls.out.constData());
        const VivResult live = m_service->viv({"stats", m_sandbox, "--count", "2", "--json"}, {}, 30000);
        QCOMPARE(live.code, 0);
        const QList<QByteArray> samples = live.out.trimmed().split('\n');
        QCOMPARE(samples.size(), 2);
        for (const QByteArray& sample : samples)
            QCOMPARE(QJsonDocument::fromJson(sample).array().first().toObject().value("id").toString(), m_sandbox);
    }

    void lateSubscriberGetsTheHistoryThenLive() {
        Client late(endpoint());
        QVERIFY(late.waitReady());
        const auto runs = late.call("run.list", {{"sandbox", m_sandbox}});
        QVERIFY(runs);
        const int before = int(runs->value("runs").toArray().size());
        QVERIFY(before >= 2);
        QVERIFY(late.call("sandbox.subscribe", {{"sandbox", m_sandbox}}));
        QVERIFY(QTest::qWaitFor([&] { return late.exits.size() == before; }, 30000));
        for (const QJsonValue& v : runs->value("runs").toArray()) {
            const QJsonObject r = v.toObject();
            const quint32 ch = late.channelOfRun(r.value("run").toInteger());
            QVERIFY(ch);
            QCOMPARE(qint64(late.out[ch].size() + late.err[ch].size()), r.value("output_bytes").toInteger());
            QCOMPARE(late.exitOf(ch)->value("exit_code").toInt(), r.value("exit_code").toInt());
        }
        // A subscriber that asks for no history gets only what happens from now on.
        Client fresh(endpoint());
        QVERIFY(fresh.waitReady());
        QVERIFY(fresh.call("sandbox.subscribe", {{"sandbox", m_sandbox}, {"history", false}}));
        // ...then continues live with a run started by someone else.
        Client other(endpoint());
        QVERIFY(other.waitReady());
        QVERIFY(other.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"echo", "live"}}}));
        QVERIFY(QTest::qWaitFor([&] { return late.exits.size() == before + 1; }, 30000));
        QCOMPARE(late.out[quint32(late.exits.last().value("channel").toInteger())], QByteArray("live\n"));
        QVERIFY(QTest::qWaitFor([&] { return fresh.exits.size() == 1; }, 30000));
        QCOMPARE(fresh.runMessages.first().value("type").toString(), QString("run.attached"));
        QCOMPARE(fresh.out[quint32(fresh.exits.first().value("channel").toInteger())], QByteArray("live\n"));
    }

    void stdinSignalsResizeAndTimeout() {
        Client c(endpoint());
        QVERIFY(c.waitReady());
        auto r = c.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"cat"}}, {"stdin", true}});
        QVERIFY(r);
        const quint32 ch = quint32(r->value("channel").toInteger());
        c.api.sendData(ch, "through stdin\n");
        c.api.sendData(ch, {});
        QVERIFY(QTest::qWaitFor([&] { return c.exitOf(ch).has_value(); }, 30000));
        QCOMPARE(c.out[ch], QByteArray("through stdin\n"));

        r = c.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"sleep", "100"}}});
        QVERIFY(r);
        QVERIFY(c.call("run.signal", {{"sandbox", m_sandbox}, {"run", r->value("run")}, {"signal", 15}}));
        const quint32 ch2 = quint32(r->value("channel").toInteger());
        QVERIFY(QTest::qWaitFor([&] { return c.exitOf(ch2).has_value(); }, 30000));
        QCOMPARE(c.exitOf(ch2)->value("signal").toInt(), 15);

        r = c.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"sh", "-c", "stty size; read x; stty size"}},
                            {"pty", true}, {"rows", 30}, {"cols", 90}, {"stdin", true}});
        QVERIFY(r);
        const quint32 ch3 = quint32(r->value("channel").toInteger());
        QVERIFY(QTest::qWaitFor([&] { return c.out[ch3].contains("30 90"); }, 30000));
        QVERIFY(c.call("exec.resize", {{"channel", qint64(ch3)}, {"rows", 40}, {"cols", 120}}));
        c.api.sendData(ch3, "\n");
        QVERIFY(QTest::qWaitFor([&] { return c.exitOf(ch3).has_value(); }, 30000));
        QVERIFY2(c.out[ch3].contains("40 120"), c.out[ch3].constData());

        r = c.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"sleep", "100"}}, {"timeout_ms", 1500}});
        QVERIFY(r);
        const quint32 ch4 = quint32(r->value("channel").toInteger());
        QVERIFY(QTest::qWaitFor([&] { return c.exitOf(ch4).has_value(); }, 30000));
        QCOMPARE(c.exitOf(ch4)->value("error_code").toString(), QString("timeout"));
        QCOMPARE(c.exitOf(ch4)->value("signal").toInt(), 9);
    }

    void aWatcherLeavingDoesNotCloseSomeoneElsesStdin() {
        Client runner(endpoint());
        QVERIFY(runner.waitReady());
        auto r = runner.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"cat"}}, {"stdin", true}});
        QVERIFY(r);
        const quint32 ch = quint32(r->value("channel").toInteger());
        {
            Client watcher(endpoint());
            QVERIFY(watcher.waitReady());
            QVERIFY(watcher.call("run.attach", {{"sandbox", m_sandbox}, {"run", r->value("run")}}));
        } // the watcher disconnects here
        Client probe(endpoint()); // a round trip later, the watcher's close has been handled
        QVERIFY(probe.waitReady() && probe.call("sandbox.list", {}));
        QVERIFY(!runner.exitOf(ch));
        runner.api.sendData(ch, "still open\n");
        runner.api.sendData(ch, {});
        QVERIFY(QTest::qWaitFor([&] { return runner.exitOf(ch).has_value(); }, 30000));
        QCOMPARE(runner.out[ch], QByteArray("still open\n"));
    }

    void malformedMessagesGetStableErrors() {
        QWebSocket raw;
        QNetworkRequest req{QUrl(m_service->url())};
        req.setRawHeader("Authorization", "Bearer " + m_service->ownerToken().toLatin1());
        QList<QJsonObject> got;
        connect(&raw, &QWebSocket::textMessageReceived, this, [&](const QString& m) {
            const QJsonObject o = QJsonDocument::fromJson(m.toUtf8()).object();
            if (o.value("type") != "event") // events (sandbox.stats, every interval) come in between
                got << o;
        });
        raw.open(req);
        QVERIFY(QTest::qWaitFor([&] { return !got.isEmpty(); }, 10000)); // hello
        // (Plain strings: moc's parser trips over raw strings joined by '+'.)
        const QByteArray sb = m_sandbox.toLatin1();
        const QList<QPair<QByteArray, QString>> cases{
            {"{not json", "bad_json"},
            {"[1,2,3]", "bad_json"},
            {"{\"type\":\"sandbox.list\"}", "bad_request"},
            {"{\"id\":\"7\",\"type\":\"sandbox.list\"}", "bad_request"},
            {"{\"id\":1,\"type\":\"no.such.thing\"}", "unknown_type"},
            {"{\"id\":2}", "bad_request"},
            {"{\"id\":3,\"type\":\"exec\",\"sandbox\":\"nope\",\"argv\":[\"true\"]}", "not_found"},
            {"{\"id\":4,\"type\":\"exec\",\"sandbox\":\"" + sb + "\",\"argv\":\"true\"}", "bad_request"},
            {"{\"id\":5,\"type\":\"exec\",\"sandbox\":\"" + sb + "\",\"argv\":[\"true\"],\"env\":{\"A\":1}}", "bad_request"},
            {"{\"id\":6,\"type\":\"run.attach\",\"sandbox\":\"" + sb + "\",\"run\":99999}", "not_found"},
            {"{\"id\":7,\"type\":\"exec.signal\",\"channel\":4242,\"signal\":9}", "not_found"},
            {"{\"id\":8,\"type\":\"sandbox.create\",\"template\":\"no-such-template\"}", "unknown_template"},
            {"{\"id\":9,\"type\":\"info\",\"pad\":\"" + QByteArray(2 * 1024 * 1024, 'x') + "\"}", "too_large"},
        };
        for (const auto& [message, code] : cases) {
            const qsizetype before = got.size();
            raw.sendTextMessage(QString::fromUtf8(message));
            QVERIFY2(QTest::qWaitFor([&] { return got.size() > before; }, 30000), message.left(80).constData());
            QCOMPARE(got.last().value("type").toString(), QString("error"));
            QCOMPARE(got.last().value("error").toObject().value("code").toString(), code);
            QVERIFY(!got.last().value("error").toObject().value("message").toString().isEmpty());
        }
        raw.sendBinaryMessage(QByteArray("\x07garbage", 8));
        QVERIFY(QTest::qWaitFor([&] { return got.last().value("error").toObject().value("code") == "bad_request"; }, 10000));
        // Still connected and answering.
        raw.sendTextMessage("{\"id\":10,\"type\":\"sandbox.list\"}");
        QVERIFY(QTest::qWaitFor([&] { return got.last().value("type") == "result"; }, 10000));
        QCOMPARE(raw.state(), QAbstractSocket::ConnectedState);
    }

    void browsersAndRebindingHostsAreRefused() {
        auto refusedWith = [&](const QByteArray& header, const QByteArray& value) {
            QWebSocket raw;
            QNetworkRequest req{QUrl(m_service->url())};
            req.setRawHeader("Authorization", "Bearer " + m_service->ownerToken().toLatin1());
            req.setRawHeader(header, value);
            QString text;
            connect(&raw, &QWebSocket::textMessageReceived, this, [&](const QString& m) { text += m; });
            raw.open(req);
            const bool closed = QTest::qWaitFor([&] {
                return raw.state() == QAbstractSocket::UnconnectedState && !text.isEmpty();
            }, 10000);
            return closed && text.contains("unauthorized") && !text.contains("hello");
        };
        QVERIFY(refusedWith("Origin", "https://evil.example"));
        QVERIFY(refusedWith("Host", "attacker.example:" + QByteArray::number(QUrl(m_service->url()).port())));
        Client wrong({QUrl(m_service->url()), "0123456789abcdef0123456789abcdef", true});
        QSignalSpy failed(&wrong.api, &ApiClient::failed);
        QVERIFY(failed.wait(10000) || failed.size() == 1);
        QVERIFY(!wrong.api.isConnected());
    }

    void scopedTokenSeesOnlyItsSandbox() {
        // A second sandbox the scoped token must not reach.
        const VivResult other = m_service->viv({"create", "--template", "tiny", "--name", "private"});
        QVERIFY2(other.code == 0, other.err.constData());
        const QString otherId = QString::fromUtf8(other.out).trimmed().split('\n').last();
        Client owner(endpoint());
        QVERIFY(owner.waitReady());
        auto tok = owner.call("token.create", {{"sandbox", m_sandbox}});
        QVERIFY(tok);
        Client agent(endpoint(tok->value("token").toString()));
        QVERIFY(agent.waitReady());
        const auto list = agent.call("sandbox.list", {});
        QVERIFY(list);
        QCOMPARE(list->value("sandboxes").toArray().size(), 1);
        QCOMPARE(list->value("sandboxes").toArray().first().toObject().value("id").toString(), m_sandbox);
        QVERIFY(agent.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"true"}}}));
        // Statistics respect the scope: the owner's samples cover both running sandboxes, the
        // scoped client's only its own (checked with the other events below).
        QVERIFY(QTest::qWaitFor([&] {
            return !owner.statsOf(otherId).isEmpty() && owner.statsOf(otherId).last().value("running").toBool() &&
                   !owner.statsOf(m_sandbox).isEmpty() && agent.statsOf(m_sandbox).size() >= 2;
        }, 15000));
        for (const auto& [type, body] : QList<QPair<QString, QJsonObject>>{
                 {"exec", {{"sandbox", otherId}, {"argv", QJsonArray{"true"}}}},
                 {"sandbox.stop", {{"sandbox", otherId}}},
                 {"sandbox.remove", {{"sandbox", otherId}}},
                 {"sandbox.create", {{"template", "tiny"}}},
                 {"token.create", {{"sandbox", m_sandbox}}},
                 {"token.list", {}}}) {
            const auto r = agent.call(type, body);
            QVERIFY2(!r && r.error().code == "forbidden", qPrintable(type));
        }
        // Events about the other sandbox never reach the scoped client.
        QVERIFY(owner.call("sandbox.stop", {{"sandbox", otherId}}));
        // A stopped sandbox is sampled for its disk only.
        QVERIFY(QTest::qWaitFor([&] {
            return !owner.statsOf(otherId).isEmpty() && !owner.statsOf(otherId).last().value("running").toBool();
        }, 15000));
        const QJsonObject stoppedStats = owner.statsOf(otherId).last();
        QVERIFY(stoppedStats.value("disk_bytes").toInteger() > 0);
        QVERIFY(!stoppedStats.contains("memory_bytes") && !stoppedStats.contains("cpu_percent"));
        QVERIFY(QTest::qWaitFor([&] { return agent.statsOf(m_sandbox).size() >= 3; }, 15000));
        for (const QJsonObject& e : agent.events)
            QVERIFY(!QJsonDocument(e).toJson().contains(otherId.toLatin1()));
        QVERIFY(owner.call("token.revoke", {{"token_id", tok->value("token_id")}}));
        // The open connection ends with the token, not at its next connect.
        QVERIFY(QTest::qWaitFor([&] { return !agent.api.isConnected(); }, 10000));
        Client revoked(endpoint(tok->value("token").toString()));
        QSignalSpy failed(&revoked.api, &ApiClient::failed);
        QVERIFY(failed.wait(10000) || failed.size() == 1);
        QVERIFY(owner.call("sandbox.remove", {{"sandbox", otherId}}));
    }

    void stalledClientCostsNeitherMemoryNorOthersTime() {
        const QUrl url(m_service->url());
        QTcpSocket slow;
        slow.setReadBufferSize(64 * 1024); // once full, Qt stops reading: the client stalls
        slow.connectToHost(url.host(), quint16(url.port()));
        QVERIFY(slow.waitForConnected(5000));
        slow.write("GET / HTTP/1.1\r\nHost: " + url.authority().toLatin1() +
                   "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                   "Authorization: Bearer " + m_service->ownerToken().toLatin1() + "\r\n\r\n");
        QByteArray in;
        QVERIFY(QTest::qWaitFor([&] { in += slow.readAll(); return in.contains("\r\n\r\n"); }, 10000));
        QVERIFY(in.startsWith("HTTP/1.1 101"));
        in = in.mid(in.indexOf("\r\n\r\n") + 4);
        const qint64 rssBefore = m_service->serviceRssKiB();
        const qint64 total = 64 * 1024 * 1024;
        slow.write(maskedTextFrame(QJsonDocument(QJsonObject{
            {"id", 1}, {"type", "exec"}, {"sandbox", m_sandbox},
            {"argv", QJsonArray{"head", "-c", QString::number(total), "/dev/zero"}}}).toJson(QJsonDocument::Compact)));
        QVERIFY(slow.waitForBytesWritten(5000));

        // The run finishes inside the guest while the client reads nothing.
        Client watcher(endpoint());
        QVERIFY(watcher.waitReady());
        QVERIFY(QTest::qWaitFor([&] {
            for (const QJsonObject& e : watcher.events)
                if (e.value("event") == "run.exited" &&
                    e.value("run").toObject().value("argv").toArray().first() == "head")
                    return true;
            return false;
        }, 240000));
        // Others are served promptly meanwhile.
        QElapsedTimer t;
        t.start();
        auto quick = watcher.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"true"}}});
        QVERIFY(quick);
        QVERIFY(QTest::qWaitFor([&] { return watcher.exits.size() >= 1; }, 10000));
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
        const qint64 rssAfter = m_service->serviceRssKiB();
#if defined(__SANITIZE_ADDRESS__)
        const qint64 bound = 96 * 1024; // ASan keeps freed memory in quarantine for a while
#else
        const qint64 bound = 32 * 1024; // 64 MiB went through; unbounded buffering would show
#endif
        QVERIFY2(rssAfter - rssBefore < bound,
                 qPrintable(QString("service grew from %1 to %2 KiB").arg(rssBefore).arg(rssAfter)));

        // Now the client reads: every byte arrives, then the exit.
        qint64 received = 0;
        bool exited = false, lagging = false;
        quint32 channel = 0;
        auto parse = [&] {
            in += slow.readAll();
            for (;;) {
                if (in.size() < 2)
                    return;
                const int op = in[0] & 0x0f;
                qint64 len = quint8(in[1]) & 0x7f;
                int head = 2;
                if (len == 126) {
                    if (in.size() < 4) return;
                    len = (quint8(in[2]) << 8) | quint8(in[3]);
                    head = 4;
                } else if (len == 127) {
                    if (in.size() < 10) return;
                    len = 0;
                    for (int i = 0; i < 8; ++i)
                        len = (len << 8) | quint8(in[2 + i]);
                    head = 10;
                }
                if (in.size() < head + len)
                    return;
                const QByteArray payload = in.mid(head, len);
                in.remove(0, head + len);
                if (op == 1) {
                    const QJsonObject o = QJsonDocument::fromJson(payload).object();
                    if (o.value("type") == "result" && o.value("id") == 1)
                        channel = quint32(o.value("channel").toInteger());
                    if (o.value("type") == "exit" && quint32(o.value("channel").toInteger()) == channel)
                        exited = true;
                    if (o.value("type") == "run.lagging" && quint32(o.value("channel").toInteger()) == channel)
                        lagging = true;
                } else if (op == 2 && payload.size() >= 5 && payload[0] == 1) {
                    QCOMPARE(payload.mid(5).count('\0'), payload.size() - 5);
                    received += payload.size() - 5;
                }
            }
        };
        QVERIFY(QTest::qWaitFor([&] { parse(); return exited; }, 240000));
        QCOMPARE(received, total);
        QVERIFY2(lagging, "the stalled client was not told it fell behind");
    }

    void twoHundredSubscribedConnections() {
        std::vector<std::unique_ptr<Client>> clients;
        for (int i = 0; i < 200; ++i)
            clients.push_back(std::make_unique<Client>(endpoint()));
        QVERIFY(QTest::qWaitFor([&] {
            return std::all_of(clients.begin(), clients.end(), [](auto& c) { return c->api.isConnected(); });
        }, 60000));
        // Without history: the point is 200 live watchers, not 200 replays of earlier
        // tests' output (lateSubscriberGetsTheHistoryThenLive covers replay).
        int subscribed = 0;
        for (auto& c : clients)
            c->api.request("sandbox.subscribe", {{"sandbox", m_sandbox}, {"history", false}},
                           [&](Result<QJsonObject> r) { subscribed += r.ok(); });
        QVERIFY(QTest::qWaitFor([&] { return subscribed == 200; }, 60000));
        // Every one of them receives the new run, live.
        Client runner(endpoint());
        QVERIFY(runner.waitReady());
        QVERIFY(runner.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"echo", "to-all"}}}));
        QVERIFY(QTest::qWaitFor([&] {
            return std::all_of(clients.begin(), clients.end(),
                               [&](auto& c) { return c->exits.size() == 1; });
        }, 120000));
        for (auto& c : clients)
            QCOMPARE(c->out[quint32(c->exits.last().value("channel").toInteger())], QByteArray("to-all\n"));
    }

    void nonLoopbackNeedsTls() {
        ServiceFixture plain({"VIVARIUM_LISTEN=0.0.0.0:0"});
        QProcess daemon;
        daemon.setProcessEnvironment(plain.environment());
        daemon.start(plain.binDir() + "/vivariumd");
        QVERIFY(daemon.waitForFinished(30000));
        QCOMPARE(daemon.exitCode(), 1);
        QVERIFY(daemon.readAllStandardError().contains("needs TLS"));

        QTemporaryDir dir;
        QProcess openssl;
        openssl.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                  "-subj", "/CN=127.0.0.1", "-keyout", dir.filePath("key.pem"),
                                  "-out", dir.filePath("cert.pem")});
        QVERIFY(openssl.waitForFinished(60000) && openssl.exitCode() == 0);
        ServiceFixture secure({"VIVARIUM_LISTEN=0.0.0.0:0"});
        QProcess tls;
        tls.setProcessEnvironment(secure.environment());
        tls.start(secure.binDir() + "/vivariumd",
                  {"--tls-cert", dir.filePath("cert.pem"), "--tls-key", dir.filePath("key.pem")});
        QVERIFY(QTest::qWaitFor([&] { return !secure.url().isEmpty(); }, 30000));
        QVERIFY(secure.url().startsWith("wss://"));
        QWebSocket ws;
        connect(&ws, &QWebSocket::sslErrors, &ws, [&ws](const QList<QSslError>&) { ws.ignoreSslErrors(); });
        QString hello;
        connect(&ws, &QWebSocket::textMessageReceived, this, [&](const QString& m) { hello = m; });
        QUrl url(secure.url());
        url.setHost("127.0.0.1");
        QNetworkRequest req(url);
        req.setRawHeader("Authorization", "Bearer " + secure.ownerToken().toLatin1());
        ws.open(req);
        QVERIFY(QTest::qWaitFor([&] { return hello.contains("\"hello\""); }, 15000));
        tls.terminate();
        QVERIFY(tls.waitForFinished(15000));
    }

    void filesWriteReadStatListRemove() {
        Client c(endpoint());
        QVERIFY(c.waitReady());
        QHash<quint32, QByteArray> fileData;
        QList<QJsonObject> fileMessages;
        connect(&c.api, &ApiClient::fileMessage, this, [&](const QJsonObject& m) { fileMessages << m; });
        connect(&c.api, &ApiClient::data, this, [&](api::DataKind k, quint32 ch, const QByteArray& d) {
            if (k == api::DataKind::File)
                fileData[ch] += d;
        });
        // Upload, honouring the window.
        const QByteArray content = "hello from the host\n";
        std::optional<Result<QJsonObject>> done;
        c.api.request("file.write", {{"sandbox", m_sandbox}, {"path", "/root/dir/x.txt"}, {"mode", 0640}},
                      [&](Result<QJsonObject> r) { done = r; });
        QVERIFY(QTest::qWaitFor([&] { return done.has_value(); }, 10000));
        QVERIFY(!*done); // the directory does not exist yet: a clear error, nothing written
        QCOMPARE(done->error().code, QString("not_found"));
        QVERIFY(c.runToEnd(m_sandbox, QJsonArray{"mkdir", "-p", "/root/dir"}));
        done.reset();
        fileMessages.clear();
        c.api.request("file.write", {{"sandbox", m_sandbox}, {"path", "/root/dir/x.txt"}, {"mode", 0640}},
                      [&](Result<QJsonObject> r) { done = r; });
        QVERIFY(QTest::qWaitFor([&] { return !fileMessages.isEmpty(); }, 10000));
        const quint32 up = quint32(fileMessages.first().value("channel").toInteger());
        QVERIFY(fileMessages.first().value("window").toInteger() >= content.size());
        c.api.sendData(api::DataKind::File, up, content);
        c.api.sendData(api::DataKind::File, up, {});
        QVERIFY(QTest::qWaitFor([&] { return done.has_value(); }, 10000));
        QVERIFY2(*done, qPrintable(done->ok() ? QString() : done->error().text()));
        QCOMPARE(done->value()["size"].toInteger(), content.size());

        auto st = c.call("file.stat", {{"sandbox", m_sandbox}, {"path", "/root/dir/x.txt"}});
        QVERIFY(st);
        const QJsonObject stat = st->value("stat").toObject();
        QCOMPARE(stat.value("type").toString(), QString("file"));
        QCOMPARE(stat.value("mode").toInteger(), 0640);
        QCOMPARE(stat.value("size").toInteger(), content.size());
        QVERIFY(c.runToEnd(m_sandbox, QJsonArray{"ln", "-s", "x.txt", "/root/dir/link"}));
        auto ls = c.call("file.list", {{"sandbox", m_sandbox}, {"path", "/root/dir"}});
        QVERIFY(ls);
        const QJsonArray entries = ls->value("entries").toArray();
        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries[0].toObject().value("name").toString(), QString("link"));
        QCOMPARE(entries[0].toObject().value("type").toString(), QString("symlink"));
        QCOMPARE(entries[0].toObject().value("target").toString(), QString("x.txt"));
        QCOMPARE(entries[1].toObject().value("name").toString(), QString("x.txt"));

        fileMessages.clear();
        auto rd = c.call("file.read", {{"sandbox", m_sandbox}, {"path", "/root/dir/x.txt"}});
        QVERIFY(rd);
        QCOMPARE(fileMessages.size(), 1);
        QCOMPARE(fileMessages.first().value("mode").toInteger(), 0640);
        QCOMPARE(fileData[quint32(fileMessages.first().value("channel").toInteger())], content);

        QCOMPARE(c.call("file.read", {{"sandbox", m_sandbox}, {"path", "/root/dir"}}).error().code,
                 QString("is_a_directory"));
        QCOMPARE(c.call("file.read", {{"sandbox", m_sandbox}, {"path", "relative"}}).error().code,
                 QString("bad_request"));
        QCOMPARE(c.call("file.remove", {{"sandbox", m_sandbox}, {"path", "/root/dir"}}).error().code,
                 QString("is_a_directory"));
        QVERIFY(c.call("file.remove", {{"sandbox", m_sandbox}, {"path", "/root/dir"}, {"recursive", true}}));
        QCOMPARE(c.call("file.stat", {{"sandbox", m_sandbox}, {"path", "/root/dir"}}).error().code,
                 QString("not_found"));
        bool written = false;
        for (const QJsonObject& e : c.events)
            written = written || (e.value("event") == "file.written" && e.value("path") == "/root/dir/x.txt");
        QVERIFY(written);
    }

    void bigTransfersStayBounded() {
        Client c(endpoint());
        QVERIFY(c.waitReady());
        const qint64 rssBefore = m_service->serviceRssKiB();
        qint64 peak = rssBefore;
        // 200 MiB up (the tiny image's disk is 256 MiB), streamed against the window.
        const qint64 upTotal = 200LL * 1024 * 1024;
        qint64 sent = 0, credit = 0;
        quint32 channel = 0;
        std::optional<Result<QJsonObject>> done;
        connect(&c.api, &ApiClient::fileMessage, this, [&](const QJsonObject& m) {
            if (m.value("type") == "file.ready") {
                channel = quint32(m.value("channel").toInteger());
                credit = m.value("window").toInteger();
            } else if (quint32(m.value("channel").toInteger()) == channel) {
                credit += m.value("bytes").toInteger();
            }
            const QByteArray chunk(64 * 1024, 'u');
            while (credit >= chunk.size() && sent < upTotal) {
                c.api.sendData(api::DataKind::File, channel, chunk);
                sent += chunk.size();
                credit -= chunk.size();
            }
            if (sent == upTotal) {
                c.api.sendData(api::DataKind::File, channel, {});
                sent = upTotal + 1;
            }
        });
        c.api.request("file.write", {{"sandbox", m_sandbox}, {"path", "/root/big"}},
                      [&](Result<QJsonObject> r) { done = r; });
        QVERIFY(QTest::qWaitFor([&] {
            peak = std::max(peak, m_service->serviceRssKiB());
            return done.has_value();
        }, 240000));
        QVERIFY2(*done, qPrintable(done->ok() ? QString() : done->error().message));
        QCOMPARE(done->value()["size"].toInteger(), upTotal);
        QVERIFY(c.call("file.remove", {{"sandbox", m_sandbox}, {"path", "/root/big"}}));

        // 1 GiB down, from a sparse file, while this client reads as it goes.
        QVERIFY(c.runToEnd(m_sandbox, QJsonArray{"truncate", "-s", "1G", "/tmp/sparse"}));
        qint64 received = 0;
        connect(&c.api, &ApiClient::data, this, [&](api::DataKind k, quint32, const QByteArray& d) {
            if (k == api::DataKind::File)
                received += d.size();
        });
        done.reset();
        c.api.request("file.read", {{"sandbox", m_sandbox}, {"path", "/tmp/sparse"}},
                      [&](Result<QJsonObject> r) { done = r; });
        QVERIFY(QTest::qWaitFor([&] {
            peak = std::max(peak, m_service->serviceRssKiB());
            return done.has_value();
        }, 300000));
        QVERIFY(*done);
        QCOMPARE(received, 1024LL * 1024 * 1024);
#if defined(__SANITIZE_ADDRESS__)
        const qint64 bound = 128 * 1024; // ASan's quarantine holds freed buffers a while
#else
        const qint64 bound = 64 * 1024; // 1.2 GiB went through; buffering it would show
#endif
        QVERIFY2(peak - rssBefore < bound,
                 qPrintable(QString("service grew from %1 to %2 KiB").arg(rssBefore).arg(peak)));
        QVERIFY(c.runToEnd(m_sandbox, QJsonArray{"rm", "/tmp/sparse"}));
    }

    void runTimingMarks() {
        Client c(endpoint());
        QVERIFY(c.waitReady());
        auto r = c.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"sh", "-c", "echo x; sleep 0.3; echo y"}}});
        QVERIFY(r);
        const qint64 run = r->value("run").toInteger();
        QTRY_VERIFY_WITH_TIMEOUT(c.exitOf(quint32(r->value("channel").toInteger())), 30000);
        auto t = c.call("run.timing", {{"sandbox", m_sandbox}, {"run", run}});
        QVERIFY2(t, t ? "" : qPrintable(t.error().text()));
        QCOMPARE(t->value("run").toObject().value("run").toInteger(), run);
        QCOMPARE(t->value("granularity_ms").toInt(), 20);
        const QJsonArray marks = t->value("marks").toArray();
        QVERIFY2(marks.size() == 2, QJsonDocument(marks).toJson().constData());
        QCOMPARE(marks[0].toArray()[0].toInteger(), 0); // "x\n" from the start
        QCOMPARE(marks[1].toArray()[0].toInteger(), 2); // "y\n" after it, 0.3 s later
        const qint64 gap = marks[1].toArray()[1].toInteger() - marks[0].toArray()[1].toInteger();
        QVERIFY2(gap >= 250 && gap < 3000, qPrintable(QString::number(gap)));
        // Thinned to what the client can take.
        auto one = c.call("run.timing", {{"sandbox", m_sandbox}, {"run", run}, {"max_marks", 1}});
        QVERIFY(one);
        QCOMPARE(one->value("marks").toArray().size(), 1);
        QVERIFY(one->value("granularity_ms").toInt() > 250);
        QCOMPARE(c.call("run.timing", {{"sandbox", m_sandbox}, {"run", run}, {"max_marks", 0}}).error().code,
                 QString("bad_request"));
        QCOMPARE(c.call("run.timing", {{"sandbox", m_sandbox}, {"run", 99999}}).error().code,
                 QString("not_found"));
        // A pty run records its terminal's size, for a cast's header.
        auto pty = c.call("exec", {{"sandbox", m_sandbox}, {"argv", QJsonArray{"true"}}, {"pty", true},
                                  {"rows", 33}, {"cols", 111}});
        QVERIFY(pty);
        auto listed = c.call("run.timing", {{"sandbox", m_sandbox}, {"run", pty->value("run")}});
        QVERIFY(listed);
        QCOMPARE(listed->value("run").toObject().value("cols").toInt(), 111);
        QCOMPARE(listed->value("run").toObject().value("rows").toInt(), 33);
    }

    void uploadPastTheWindowIsRefused() {
        Client c(endpoint());
        QVERIFY(c.waitReady());
        std::optional<Result<QJsonObject>> done;
        // Freeze the guest so that it grants no credit meanwhile: the window is all there is.
        // Only once the upload is open: a paused sandbox takes no new file requests.
        auto virsh = [&](const QString& verb) {
            QProcess p;
            p.start("virsh", {"-q", "-c", "qemu:///session", verb, "vivarium-" + m_sandbox});
            return p.waitForFinished(30000) && p.exitCode() == 0;
        };
        bool suspended = false;
        connect(&c.api, &ApiClient::fileMessage, this, [&](const QJsonObject& m) {
            // Ignore the 2 MiB window: send 3 MiB, then the end.
            if (m.value("type") == "file.ready") {
                suspended = virsh("suspend");
                const quint32 ch = quint32(m.value("channel").toInteger());
                for (int i = 0; i < 3; ++i)
                    c.api.sendData(api::DataKind::File, ch, QByteArray(1024 * 1024, 'x'));
                c.api.sendData(api::DataKind::File, ch, {});
            }
        });
        c.api.request("file.write", {{"sandbox", m_sandbox}, {"path", "/root/flood"}},
                      [&](Result<QJsonObject> r) { done = r; });
        const bool answered = QTest::qWaitFor([&] { return done.has_value(); }, 30000);
        QVERIFY(suspended);
        QVERIFY(virsh("resume"));
        QVERIFY(answered);
        QVERIFY(!*done);
        QCOMPARE(done->error().code, QString("flow_violation"));
        QVERIFY(c.call("sandbox.list", {})); // the connection goes on
    }

    // template.* with no VM: create/get/update/remove, events to every client (a hand-edited
    // file included), problems with file and field, built-ins refused, scoped tokens read-only.
    void templatesThroughTheApi() {
        Client owner(endpoint()), watcher(endpoint());
        QVERIFY(owner.waitReady() && watcher.waitReady());
        auto events = [&watcher](const QString& name) {
            QList<QJsonObject> of;
            for (const QJsonObject& e : watcher.events)
                if (e.value("event") == name)
                    of << e;
            return of;
        };
        auto list = owner.call("template.list", {});
        QVERIFY(list);
        QCOMPARE(list->value("templates").toArray().size(), 2);
        QVERIFY(list->value("templates").toArray().first().toObject().value("builtin").toBool());
        QVERIFY(list->value("problems").toArray().isEmpty());
        QVERIFY(list->value("limits").toObject().value("vcpus").toObject().value("max").toInt() >= 1);

        auto web = owner.call("template.create", {{"name", "web"}, {"from", "tiny"}, {"memory_mib", 192},
                                                  {"env", QJsonObject{{"GREETING", "hi"}}}, {"workdir", "/tmp"}});
        QVERIFY2(web, qPrintable(web ? QString() : web.error().message));
        QCOMPARE(web->value("template").toObject().value("memory_mib").toInt(), 192);
        QCOMPARE(web->value("template").toObject().value("image").toString(), QString("tiny"));
        const QString file = m_service->configDir() + "/templates/web.json";
        QCOMPARE(web->value("template").toObject().value("file").toString(), file);
        QVERIFY(QTest::qWaitFor([&] { return events("template.added").size() == 1; }, 5000));
        QCOMPARE(events("template.added").first().value("template").toObject().value("name").toString(), QString("web"));

        auto got = owner.call("template.get", {{"name", "web"}});
        QVERIFY(got);
        QCOMPARE(got->value("template").toObject().value("env").toObject().value("GREETING").toString(), QString("hi"));
        const auto info = owner.call("info", {});
        QVERIFY(info);
        QCOMPARE(info->value("templates").toArray().size(), 3); // info lists the user's too

        for (const auto& [type, body, code] : QList<std::tuple<QString, QJsonObject, QString>>{
                 {"template.create", {{"name", "web"}}, "template_exists"},
                 {"template.create", {{"name", "x"}, {"image", "python:3.12-slim"}}, "unknown_image"},
                 {"template.create", {{"name", "x"}, {"from", "nope"}}, "unknown_template"},
                 {"template.create", {{"name", "no/slash"}}, "bad_request"},
                 {"template.update", {{"name", "web"}, {"memory_mib", 0}}, "bad_request"},
                 {"template.update", {{"name", "web"}, {"from", "tiny"}}, "bad_request"},
                 {"template.update", {{"name", "tiny"}, {"vcpus", 1}}, "builtin_template"},
                 {"template.remove", {{"name", "default"}}, "builtin_template"},
                 {"template.remove", {{"name", "nope"}}, "unknown_template"},
                 {"template.get", {}, "bad_request"}}) {
            const auto r = owner.call(type, body);
            QVERIFY2(!r && r.error().code == code, qPrintable(type + " " + QJsonDocument(body).toJson(QJsonDocument::Compact)));
        }
        QCOMPARE(owner.call("template.create", {{"name", "web"}}).error().message,
                 QString("Template 'web' already exists; change it with: viv template edit web"));
        QCOMPARE(owner.call("template.create", {{"name", "x"}, {"image", "python:3.12-slim"}}).error().message,
                 QString("Image 'python:3.12-slim' is not available; built-in images: default, tiny."));
        QCOMPARE(owner.call("template.update", {{"name", "web"}, {"memory_mib", 0}}).error().message,
                 QString("Field 'memory_mib' must be a number between 64 and 65536."));

        auto updated = owner.call("template.update", {{"name", "web"}, {"vcpus", 1}, {"workdir", ""}});
        QVERIFY(updated);
        QCOMPARE(updated->value("template").toObject().value("workdir").toString(), QString());
        QCOMPARE(updated->value("template").toObject().value("memory_mib").toInt(), 192); // partial
        QVERIFY(QTest::qWaitFor([&] { return events("template.changed").size() == 1; }, 5000));

        // A file edited by hand: its change reaches every client without a request.
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(R"({"name": "web", "image": "tiny", "memory_mib": 160, "network": {"egress": "none"}})");
        }
        QVERIFY(QTest::qWaitFor([&] { return events("template.changed").size() == 2; }, 5000));
        const QJsonObject edited = events("template.changed").last().value("template").toObject();
        QCOMPARE(edited.value("memory_mib").toInt(), 160);
        QCOMPARE(edited.value("network").toObject().value("egress").toString(), QString("none"));

        // A broken file is reported (file and field), and the service carries on.
        {
            QFile f(m_service->configDir() + "/templates/bad.json");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"({"image": "tiny", "memory_mib": 1})");
        }
        QVERIFY(QTest::qWaitFor([&] { return !events("template.problems").isEmpty(); }, 5000));
        list = owner.call("template.list", {});
        QVERIFY(list);
        const QJsonArray problems = list->value("problems").toArray();
        QCOMPARE(problems.size(), 1);
        QCOMPARE(problems.first().toObject().value("field").toString(), QString("memory_mib"));
        QVERIFY(problems.first().toObject().value("message").toString().endsWith(
            "bad.json: field 'memory_mib' must be a number between 64 and 65536"));
        QCOMPARE(list->value("templates").toArray().size(), 3);
        QVERIFY(QFile::remove(m_service->configDir() + "/templates/bad.json"));

        // A scoped token may read templates, not change them.
        auto tok = owner.call("token.create", {{"sandbox", m_sandbox}});
        QVERIFY(tok);
        Client agent(endpoint(tok->value("token").toString()));
        QVERIFY(agent.waitReady());
        QVERIFY(agent.call("template.list", {}));
        QVERIFY(agent.call("template.get", {{"name", "web"}}));
        for (const auto& [type, body] : QList<QPair<QString, QJsonObject>>{
                 {"template.create", {{"name", "mine"}}},
                 {"template.update", {{"name", "web"}, {"vcpus", 1}}},
                 {"template.remove", {{"name", "web"}}}}) {
            const auto r = agent.call(type, body);
            QVERIFY2(!r && r.error().code == "forbidden", qPrintable(type));
            QVERIFY(r.error().message.contains("templates needs the owner's token"));
        }
        QVERIFY(owner.call("template.remove", {{"name", "web"}}));
        QVERIFY(!QFile::exists(file));
        QVERIFY(QTest::qWaitFor([&] {
            for (const QJsonObject& e : agent.events)
                if (e.value("event") == "template.removed" && e.value("name") == "web")
                    return true;
            return false;
        }, 5000));
        QVERIFY(owner.call("token.revoke", {{"token_id", tok->value("token_id")}}));
    }

    // viv template ls/show/create/edit/rm as a user types them.
    void vivTemplateCommands() {
        VivResult r = m_service->viv({"template", "create", "cli", "--from", "tiny", "--memory", "128", "-e", "A=1",
                                      "-e", "B=two words", "-w", "/tmp", "-u", "user", "--disk", "512"});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(r.err.contains("template 'cli' created: "));
        r = m_service->viv({"template", "ls"});
        QCOMPARE(r.code, 0);
        QByteArrayList rows;
        for (const QByteArray& line : r.out.split('\n'))
            rows << line.simplified();
        QCOMPARE(rows.value(0), QByteArray("NAME IMAGE VCPUS MEMORY DISK SOURCE"));
        QVERIFY2(rows.contains("cli tiny 1 128 MiB 512 MiB user"), r.out.constData());
        QVERIFY(rows.contains("tiny tiny 1 256 MiB image built-in"));
        r = m_service->viv({"template", "show", "cli"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains("workdir:     /tmp\n") && r.out.contains("user:        user\n") &&
                     r.out.contains("env:         A=1\n             B=two words\n"),
                 r.out.constData());

        r = m_service->viv({"template", "create", "cli"});
        QCOMPARE(r.code, 125);
        QCOMPARE(r.err, QByteArray("viv: Template 'cli' already exists; change it with: viv template edit cli\n"));
        r = m_service->viv({"template", "edit", "cli", "--memory", "160", "--unset-env", "A", "-e", "C=3", "--disk", "0"});
        QVERIFY2(r.code == 0, r.err.constData());
        r = m_service->viv({"template", "show", "cli", "--json"});
        const QJsonObject t = QJsonDocument::fromJson(r.out).object();
        QCOMPARE(t.value("memory_mib").toInt(), 160);
        QCOMPARE(t.value("env").toObject(), (QJsonObject{{"B", "two words"}, {"C", "3"}}));
        QVERIFY(!t.contains("disk_mib"));
        r = m_service->viv({"template", "edit", "tiny", "--memory", "64"});
        QCOMPARE(r.code, 125);
        QVERIFY(r.err.contains("'tiny' is a built-in template and cannot be changed; copy it with: viv template "
                               "create NAME --from tiny"));
        r = m_service->viv({"template", "edit", "cli", "--vcpus", "many"});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("--vcpus takes a number"));

        // A file the service skipped is named on stderr; the list still works.
        {
            QFile f(m_service->configDir() + "/templates/broken.json");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("{ not json");
        }
        r = m_service->viv({"template", "ls", "--json"});
        QCOMPARE(r.code, 0);
        QCOMPARE(QJsonDocument::fromJson(r.out).array().size(), 3);
        QVERIFY2(r.err.contains("viv: template file skipped: ") && r.err.contains("broken.json: is not valid JSON"),
                 r.err.constData());
        QVERIFY(QFile::remove(m_service->configDir() + "/templates/broken.json"));

        r = m_service->viv({"template", "rm", "cli"});
        QCOMPARE(r.code, 0);
        r = m_service->viv({"template", "show", "cli"});
        QCOMPARE(r.code, 125);
        QVERIFY(r.err.contains("There is no template named 'cli'"));
    }

    // One tiny boot: a sandbox made from a user template gets its env, workdir and user as
    // command defaults (a command's own win) and its disk size, and keeps its copy when the
    // template changes or goes.
    void sandboxFromAUserTemplate() {
        Client c(endpoint());
        QVERIFY(c.waitReady());
        QVERIFY(c.call("template.create", {{"name", "boxed"}, {"from", "tiny"}, {"memory_mib", 192},
                                           {"disk_mib", 512}, {"workdir", "/srv/project"}, {"user", "user"},
                                           {"env", QJsonObject{{"GREETING", "hello from the template"}}}}));
        const VivResult made = m_service->viv({"create", "--template", "boxed", "--name", "boxed1"});
        QVERIFY2(made.code == 0, made.err.constData());
        const QString id = QString::fromUtf8(made.out).trimmed().split('\n').last();

        const char* probe = R"(echo "$GREETING|$(pwd)|$(id -un)|$HOME"; df -m / | tail -n 1)";
        VivResult r = m_service->viv({"exec", id, "--", "sh", "-c", probe});
        QVERIFY2(r.code == 0, r.err.constData());
        const QList<QByteArray> lines = r.out.trimmed().split('\n');
        // The template's working directory did not exist in the image: made, owned by its user.
        QCOMPARE(lines.value(0), QByteArray("hello from the template|/srv/project|user|/home/user"));
        r = m_service->viv({"exec", id, "--", "stat", "-c", "%U %a", "/srv/project"});
        QCOMPARE(r.out, QByteArray("user 755\n"));
        // The filesystem grew into the 512 MiB disk (the image is 256 MiB).
        const QList<QByteArray> df = lines.value(1).simplified().split(' ');
        QVERIFY2(df.value(1).toInt() > 400, lines.value(1).constData());
        r = m_service->viv({"exec", "-e", "GREETING=own", "-w", "/", "-u", "root", id, "--", "sh", "-c", probe});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY2(r.out.startsWith("own|/|root|/root\n"), r.out.constData());

        // The sandbox keeps what it was made with: the template changing or going is not its concern.
        QVERIFY(c.call("template.update", {{"name", "boxed"}, {"memory_mib", 256}, {"env", QJsonObject{}}}));
        QVERIFY(c.call("template.remove", {{"name", "boxed"}}));
        const auto listed = c.call("sandbox.list", {});
        QVERIFY(listed);
        QJsonObject sandbox;
        for (const QJsonValue& v : listed->value("sandboxes").toArray())
            if (v.toObject().value("id") == id)
                sandbox = v.toObject();
        QCOMPARE(sandbox.value("template").toString(), QString("boxed"));
        QCOMPARE(sandbox.value("memory_mib").toInt(), 192);
        QCOMPARE(sandbox.value("disk_mib").toInt(), 512);
        QCOMPARE(sandbox.value("env").toObject().value("GREETING").toString(), QString("hello from the template"));
        r = m_service->viv({"exec", id, "--", "sh", "-c", "echo $GREETING"});
        QCOMPARE(r.out, QByteArray("hello from the template\n"));
        QVERIFY(c.call("sandbox.remove", {{"sandbox", id}}));

        // `viv run --template` with a template that is gone says so.
        r = m_service->viv({"run", "--template", "boxed", "--", "true"});
        QCOMPARE(r.code, 125);
        QVERIFY2(r.err.contains("There is no template named 'boxed'"), r.err.constData());
    }

    void cleanupTestCase() { m_service.reset(); }
};

QTEST_GUILESS_MAIN(ApiTest)
#include "ApiTest.moc"
