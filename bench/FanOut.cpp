// fan-out: one run's output to several API connections at once. Every receiving connection
// (the one that runs the command and each subscriber) is an ApiClient on its own thread with
// its own event loop, so one client's parsing never delays another's receipt, and all of
// them stamp arrivals with the same CLOCK_MONOTONIC (nowMs).
#include "Benchmarks.h"
#include "Helpers.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QThread>

#include <atomic>
#include <map>

#include <unistd.h>

namespace bench {

namespace {

// What one connection saw of one run.
struct Seen {
    quint32 run = 0;
    quint32 channel = 0;
    bool attached = false;
    qint64 outputAtAttach = 0; // output_bytes in run.attached: >0 means it joined late
    double sent = -1, reply = -1, attachedAt = -1, firstAt = -1, lastAt = -1, exitAt = -1;
    qint64 bytes = 0;
    int lagging = 0;
    int exitCode = -1;
    QString error;
    bool wantLines = false;
    QByteArray partial;
    std::vector<double> lineAt; // arrival of line "<i>\n" at index i (-1: not seen)
};

// One API connection on its own thread. The runner execs; a subscriber attaches to the
// sandbox's next run as soon as the run.started event reaches it (run.attach), which is
// before the guest's first byte because the commands below sleep 200 ms first (checked:
// `outputAtAttach` must be 0).
class Receiver {
public:
    explicit Receiver(QString name) : m_name(std::move(name)) {}
    ~Receiver() { stop(); }

    QString name() const { return m_name; }

    bool start(const vivarium::Endpoint& e, QString* error) {
        m_thread.setObjectName(m_name);
        m_thread.start();
        m_ctx = new QObject;
        m_ctx->moveToThread(&m_thread);
        std::atomic<int> state{0}; // 1 ready, 2 failed
        QString why;
        QMetaObject::invokeMethod(m_ctx, [&, e] {
            m_client = new vivarium::ApiClient(m_ctx);
            QObject::connect(m_client, &vivarium::ApiClient::ready, m_ctx, [&] { state = 1; wake(); });
            QObject::connect(m_client, &vivarium::ApiClient::failed, m_ctx, [&](const QString& r) {
                why = r;
                state = 2;
                wake();
            });
            wire();
            m_client->open(e);
        });
        waitUntil([&] { return state.load() != 0; }, 15000);
        // The lambdas above capture locals: drop those connections before they go away.
        QMetaObject::invokeMethod(
            m_ctx, [this] {
                QObject::disconnect(m_client, &vivarium::ApiClient::ready, m_ctx, nullptr);
                QObject::disconnect(m_client, &vivarium::ApiClient::failed, m_ctx, nullptr);
            },
            Qt::BlockingQueuedConnection);
        if (state.load() != 1) {
            *error = m_name + ": cannot connect to vivariumd: " + (why.isEmpty() ? "timeout" : why);
            return false;
        }
        return true;
    }

    void stop() {
        if (!m_thread.isRunning())
            return;
        QMetaObject::invokeMethod(m_ctx, [this] { delete m_ctx; }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
    }

    // Arms for the next run of `sandbox`. A subscriber attaches when it sees run.started.
    void arm(const QString& sandbox, bool subscriber, bool lines, int expectLines) {
        m_done = false;
        QMetaObject::invokeMethod(
            m_ctx,
            [=, this] {
                m_seen = Seen{};
                m_seen.wantLines = lines;
                m_seen.lineAt.assign(size_t(std::max(0, expectLines)), -1.0);
                m_sandbox = sandbox;
                m_subscriber = subscriber;
                m_armed = true;
                m_attachRequested = false;
            },
            Qt::BlockingQueuedConnection);
    }

    void exec(const QString& sandbox, const QStringList& argv) {
        QMetaObject::invokeMethod(m_ctx, [=, this] {
            m_seen.sent = nowMs();
            m_client->request("exec", {{"sandbox", sandbox}, {"argv", QJsonArray::fromStringList(argv)}},
                              [this](vivarium::Result<QJsonObject> r) {
                                  m_seen.reply = nowMs();
                                  if (!r)
                                      finish("exec: " + r.error().text());
                                  else
                                      m_seen.run = quint32(r.value().value("run").toInteger());
                              });
        });
    }

    bool done() const { return m_done.load(); }

    Seen take() {
        Seen s;
        QMetaObject::invokeMethod(
            m_ctx, [&, this] {
                m_armed = false;
                s = std::move(m_seen);
                m_seen = Seen{};
            },
            Qt::BlockingQueuedConnection);
        return s;
    }

private:
    static void wake() { QMetaObject::invokeMethod(qApp, [] {}, Qt::QueuedConnection); }

    void finish(const QString& error = {}) {
        if (!error.isEmpty() && m_seen.error.isEmpty())
            m_seen.error = error;
        m_done = true;
        wake();
    }

    // All of this runs on the receiver's thread.
    void wire() {
        using vivarium::ApiClient;
        QObject::connect(m_client, &ApiClient::event, m_ctx, [this](const QJsonObject& o) {
            if (!m_armed || !m_subscriber || m_attachRequested ||
                o.value("event").toString() != "run.started")
                return;
            const QJsonObject run = o.value("run").toObject();
            if (run.value("sandbox").toString() != m_sandbox)
                return;
            m_attachRequested = true;
            m_seen.run = quint32(run.value("run").toInteger());
            m_seen.sent = nowMs();
            m_client->request("run.attach", {{"sandbox", m_sandbox}, {"run", qint64(m_seen.run)}},
                              [this](vivarium::Result<QJsonObject> r) {
                                  m_seen.reply = nowMs();
                                  if (!r)
                                      finish("run.attach: " + r.error().text());
                              });
        });
        QObject::connect(m_client, &ApiClient::runMessage, m_ctx, [this](const QJsonObject& o) {
            if (!m_armed)
                return;
            const QString type = o.value("type").toString();
            if (type == "run.attached") {
                if (o.value("sandbox").toString() != m_sandbox || m_seen.attached)
                    return;
                m_seen.attached = true;
                m_seen.attachedAt = nowMs();
                m_seen.channel = quint32(o.value("channel").toInteger());
                m_seen.outputAtAttach = o.value("output_bytes").toInteger();
                if (!m_seen.run)
                    m_seen.run = quint32(o.value("run").toInteger());
            } else if (type == "run.lagging" && m_seen.attached &&
                       quint32(o.value("channel").toInteger()) == m_seen.channel) {
                ++m_seen.lagging;
            }
        });
        QObject::connect(m_client, &ApiClient::data, m_ctx,
                         [this](vivarium::api::DataKind, quint32 channel, const QByteArray& b) {
                             const double at = nowMs();
                             if (!m_armed || !m_seen.attached || channel != m_seen.channel)
                                 return;
                             if (m_seen.firstAt < 0)
                                 m_seen.firstAt = at;
                             m_seen.lastAt = at;
                             m_seen.bytes += b.size();
                             if (m_seen.wantLines)
                                 lines(b, at);
                         });
        QObject::connect(m_client, &ApiClient::exited, m_ctx, [this](const QJsonObject& o) {
            if (!m_armed || !m_seen.attached ||
                quint32(o.value("channel").toInteger()) != m_seen.channel)
                return;
            m_seen.exitAt = nowMs();
            m_seen.exitCode = o.value("exit_code").toInt(-1);
            finish();
        });
        QObject::connect(m_client, &ApiClient::disconnected, m_ctx,
                         [this] { finish(m_name + ": disconnected"); });
    }

    void lines(const QByteArray& b, double at) {
        qsizetype from = 0, nl;
        while ((nl = b.indexOf('\n', from)) >= 0) {
            const QByteArray line = m_seen.partial + b.mid(from, nl - from);
            m_seen.partial.clear();
            bool ok = false;
            const int i = line.trimmed().toInt(&ok);
            if (ok && i >= 0 && size_t(i) < m_seen.lineAt.size() && m_seen.lineAt[size_t(i)] < 0)
                m_seen.lineAt[size_t(i)] = at;
            from = nl + 1;
        }
        m_seen.partial += b.mid(from);
    }

    QString m_name;
    QThread m_thread;
    QObject* m_ctx = nullptr;
    vivarium::ApiClient* m_client = nullptr;
    std::atomic<bool> m_done{false};
    // receiver thread only
    Seen m_seen;
    QString m_sandbox;
    bool m_armed = false, m_subscriber = false, m_attachRequested = false;
};

struct Cpu {
    double daemon = 0, qemu = 0, bench = 0;
};
Cpu cpuNow(pid_t daemon, pid_t qemu) {
    return {processCpuMs(daemon), processCpuMs(qemu), processCpuMs(getpid())};
}

} // namespace

bool fanOut(Context& ctx) {
    Config& c = ctx.config;
    constexpr qint64 kBlocks = 1024; // dd bs=65536: 64 MiB
    constexpr qint64 N = kBlocks * 65536;
    constexpr int kLines = 200;
    const int tputRuns = c.throughputRuns, latRuns = c.runs;
    const QList<int> tputConfigs{0, 1, 4}; // subscribers besides the runner
    const QList<int> latConfigs{1, 4};
    say("\n== fan-out: one run's stdout to the exec'ing connection alone vs to it and 1 or 4 "
        "subscriber connections (64 MiB, dd bs=64k; %d runs per configuration, alternating), and "
        "per-line added latency runner -> subscriber (%d lines, 20 ms apart; %d runs per "
        "configuration)\n",
        tputRuns, kLines, latRuns);
    // 200 ms first: the subscribers' run.attach (sent on run.started) lands before any output.
    const QStringList ddArgv{"sh", "-c",
                             QString("usleep 200000; dd if=/dev/zero bs=65536 count=%1 2>/dev/null")
                                 .arg(kBlocks)};
    const QStringList lineArgv{
        "sh", "-c",
        QString("usleep 200000; i=0; while [ $i -lt %1 ]; do echo $i; usleep 20000; "
                "i=$((i+1)); done")
            .arg(kLines)};

    QString error;
    ScopedSandbox sb(ctx.api);
    auto id = createReady(ctx, sb, &error);
    if (!id) {
        fail(error);
        return false;
    }
    const pid_t daemonPid = pid_t(ctx.daemon.pid());
    const pid_t qemuPid = libvirtQemuPid("vivarium-" + *id);

    std::vector<std::unique_ptr<Receiver>> rx;
    rx.push_back(std::make_unique<Receiver>("runner"));
    for (int i = 1; i <= 4; ++i)
        rx.push_back(std::make_unique<Receiver>(QString("subscriber-%1").arg(i)));
    for (auto& r : rx)
        if (!r->start(ctx.daemon.endpoint(), &error)) {
            fail(error);
            return false;
        }

    int lateAttaches = 0;
    // One run with the runner and `subs` subscribers; the Seen of each, runner first.
    auto oneRun = [&](int subs, const QStringList& argv, bool lines,
                      std::vector<Seen>* seen, Cpu* cpu) -> bool {
        for (int i = 0; i <= subs; ++i)
            rx[size_t(i)]->arm(*id, i > 0, lines, lines ? kLines : 0);
        const Cpu before = cpuNow(daemonPid, qemuPid);
        rx[0]->exec(*id, argv);
        const bool ok = waitUntil(
            [&] {
                for (int i = 0; i <= subs; ++i)
                    if (!rx[size_t(i)]->done())
                        return false;
                return true;
            },
            300000);
        const Cpu after = cpuNow(daemonPid, qemuPid);
        *cpu = {after.daemon - before.daemon, after.qemu - before.qemu, after.bench - before.bench};
        seen->clear();
        for (int i = 0; i <= subs; ++i)
            seen->push_back(rx[size_t(i)]->take());
        if (!ok) {
            fail(QString("fan-out run with %1 subscriber(s): not every connection got the exit "
                         "within 300 s").arg(subs));
            return false;
        }
        for (const Seen& s : *seen) {
            if (!s.error.isEmpty() || s.exitCode != 0) {
                fail(QString("fan-out: %1 (exit code %2)").arg(s.error).arg(s.exitCode));
                return false;
            }
            if (s.outputAtAttach > 0)
                ++lateAttaches;
        }
        return true;
    };

    // ---- throughput ----
    struct TputSide {
        Stats runner, perSub, aggregate, lagging, daemonCpu, qemuCpu, benchCpu;
    };
    std::map<int, TputSide> tput;
    // Per round, per-subscriber MB/s over the runner-alone MB/s of the same round: the
    // configurations of one round run back to back, so the machine's load drifts less.
    std::map<int, Stats> pairedRatio;
    auto rate = [](qint64 bytes, double from, double to) {
        return double(bytes) / 1e6 / ((to - from) / 1000.0);
    };
    { // warm-up: one unmeasured run (page cache, the guest's dd, the run directory)
        std::vector<Seen> seen;
        Cpu cpu;
        if (!oneRun(0, ddArgv, false, &seen, &cpu))
            return false;
    }
    for (int round = 0; round < tputRuns && !interrupted(); ++round) {
        for (int subs : tputConfigs) {
            std::vector<Seen> seen;
            Cpu cpu;
            if (!oneRun(subs, ddArgv, false, &seen, &cpu))
                return false;
            TputSide& t = tput[subs];
            if (subs > 0 && !tput[0].runner.empty()) {
                Stats sub;
                for (size_t i = 1; i < seen.size(); ++i)
                    sub.add(rate(seen[i].bytes, seen[i].firstAt, seen[i].exitAt));
                pairedRatio[subs].add(ratio(sub.p50(), tput[0].runner.samples.back()));
            }
            double first = 1e300, last = 0;
            qint64 total = 0;
            int lag = 0;
            for (size_t i = 0; i < seen.size(); ++i) {
                const Seen& s = seen[i];
                if (s.bytes != N) {
                    fail(QString("fan-out: connection %1 received %2 of %3 bytes")
                             .arg(i).arg(s.bytes).arg(N));
                    return false;
                }
                const double r = rate(s.bytes, s.firstAt, s.exitAt);
                (i == 0 ? t.runner : t.perSub).add(r);
                first = std::min(first, s.firstAt);
                last = std::max(last, s.exitAt);
                total += s.bytes;
                lag += s.lagging;
            }
            t.aggregate.add(rate(total, first, last));
            t.lagging.add(lag);
            t.daemonCpu.add(cpu.daemon);
            t.qemuCpu.add(cpu.qemu);
            t.benchCpu.add(cpu.bench);
            QStringList subRates;
            for (size_t i = 1; i < seen.size(); ++i)
                subRates << fmt(rate(seen[i].bytes, seen[i].firstAt, seen[i].exitAt), 1);
            say("  round %d, %d subscriber(s): runner %s MB/s%s, aggregate %s MB/s, lagging %d; "
                "cpu ms vivariumd %s qemu %s bench %s\n",
                round + 1, subs, S(fmt(rate(N, seen[0].firstAt, seen[0].exitAt), 1)).c(),
                subs ? S(", subscribers " + subRates.join(' ')).c() : "",
                S(fmt(t.aggregate.samples.back(), 1)).c(), lag, S(fmt(cpu.daemon, 0)).c(),
                S(fmt(cpu.qemu, 0)).c(), S(fmt(cpu.bench, 0)).c());
        }
    }

    // ---- reference: a late subscriber replays every stored run ----
    // sandbox.subscribe attaches to every run of the sandbox so far, each replayed from the
    // start of its record: after the rounds above that is all of their output.
    Stats replayRate;
    qint64 replayBytes = 0;
    int replayRuns = 0;
    double replayMs = -1;
    {
        vivarium::ApiClient late;
        bool ready = false, failed = false;
        QObject::connect(&late, &vivarium::ApiClient::ready, [&] { ready = true; });
        QObject::connect(&late, &vivarium::ApiClient::failed, [&] { failed = true; });
        late.open(ctx.daemon.endpoint());
        if (!waitUntil([&] { return ready || failed; }, 15000) || !ready) {
            fail("fan-out: the late subscriber cannot connect");
            return false;
        }
        auto runs = ctx.api.call("run.list", {{"sandbox", *id}}, 30000, &error);
        if (!runs) {
            fail(error);
            return false;
        }
        const int expected = int(runs->value("runs").toArray().size());
        int exits = 0;
        double first = -1, last = -1;
        QObject::connect(&late, &vivarium::ApiClient::data,
                         [&](vivarium::api::DataKind, quint32, const QByteArray& b) {
                             if (first < 0)
                                 first = nowMs();
                             replayBytes += b.size();
                         });
        QObject::connect(&late, &vivarium::ApiClient::exited, [&](const QJsonObject&) {
            if (++exits == expected)
                last = nowMs();
        });
        const double t0 = nowMs();
        late.request("sandbox.subscribe", {{"sandbox", *id}}, [](vivarium::Result<QJsonObject>) {});
        if (!waitUntil([&] { return last >= 0; }, 600000)) {
            fail(QString("fan-out: the late subscriber got %1 of %2 exits").arg(exits).arg(expected));
            return false;
        }
        replayRuns = expected;
        replayMs = last - t0;
        replayRate.add(double(replayBytes) / 1e6 / (replayMs / 1000.0));
        say("  late subscriber: %d stored runs, %s MB replayed in %s ms (%s MB/s)\n", expected,
            S(fmt(double(replayBytes) / 1e6, 0)).c(), S(fmt(replayMs, 0)).c(),
            S(fmt(replayRate.samples.back(), 1)).c());
    }

    // ---- latency ----
    struct LatSide {
        Stats added, spread, runnerGap;
        int missing = 0;
    };
    std::map<int, LatSide> lat;
    for (int round = 0; round < latRuns && !interrupted(); ++round) {
        for (int subs : latConfigs) {
            std::vector<Seen> seen;
            Cpu cpu;
            if (!oneRun(subs, lineArgv, true, &seen, &cpu))
                return false;
            LatSide& l = lat[subs];
            Stats runAdded;
            for (int line = 0; line < kLines; ++line) {
                const double base = seen[0].lineAt[size_t(line)];
                double lo = base, hi = base;
                bool all = base >= 0;
                for (size_t i = 1; i < seen.size(); ++i) {
                    const double at = seen[i].lineAt[size_t(line)];
                    if (at < 0 || base < 0) {
                        all = false;
                        continue;
                    }
                    l.added.add(at - base);
                    runAdded.add(at - base);
                    lo = std::min(lo, at);
                    hi = std::max(hi, at);
                }
                if (all)
                    l.spread.add(hi - lo);
                else
                    ++l.missing;
                if (line > 0 && base >= 0 && seen[0].lineAt[size_t(line - 1)] >= 0)
                    l.runnerGap.add(base - seen[0].lineAt[size_t(line - 1)]);
            }
            say("  latency round %d, %d subscriber(s): added p50 %s ms p99 %s ms (%zu samples)\n",
                round + 1, subs, S(fmt(runAdded.p50(), 3)).c(), S(fmt(runAdded.p99(), 3)).c(),
                runAdded.size());
        }
    }
    for (auto& r : rx)
        r->stop();
    sb.reset();

    const double base = tput[0].runner.p50();
    const double r1 = ratio(tput[1].perSub.p50(), base), r4 = ratio(tput[4].perSub.p50(), base);
    printTable("fan-out throughput (MB/s = 10^6 bytes/s, first byte -> exit per connection; "
               "64 MiB, dd bs=64k)",
               {{"baseline: runner alone (1 receiving connection)", &tput[0].runner, "MB/s"},
                {"1 subscriber: per subscriber", &tput[1].perSub, "MB/s"},
                {"  (1 subscriber: the runner)", &tput[1].runner, "MB/s"},
                {"  (1 subscriber: aggregate, 2 connections)", &tput[1].aggregate, "MB/s"},
                {"4 subscribers: per subscriber", &tput[4].perSub, "MB/s"},
                {"  (4 subscribers: the runner)", &tput[4].runner, "MB/s"},
                {"  (4 subscribers: aggregate, 5 connections)", &tput[4].aggregate, "MB/s"}},
               1);
    printTable("fan-out CPU per run (ms of user+system CPU; lagging = run.lagging messages)",
               {{"runner alone: vivariumd", &tput[0].daemonCpu, "ms"},
                {"runner alone: sandbox QEMU", &tput[0].qemuCpu, "ms"},
                {"runner alone: bench (receivers)", &tput[0].benchCpu, "ms"},
                {"1 subscriber: vivariumd", &tput[1].daemonCpu, "ms"},
                {"1 subscriber: sandbox QEMU", &tput[1].qemuCpu, "ms"},
                {"1 subscriber: bench (receivers)", &tput[1].benchCpu, "ms"},
                {"1 subscriber: lagging messages", &tput[1].lagging, "msgs"},
                {"4 subscribers: vivariumd", &tput[4].daemonCpu, "ms"},
                {"4 subscribers: sandbox QEMU", &tput[4].qemuCpu, "ms"},
                {"4 subscribers: bench (receivers)", &tput[4].benchCpu, "ms"},
                {"4 subscribers: lagging messages", &tput[4].lagging, "msgs"}},
               0);
    printTable("fan-out latency (ms): per line, arrival at a subscriber minus at the runner",
               {{"1 subscriber: added latency", &lat[1].added, "ms"},
                {"1 subscriber: arrival spread (max - min)", &lat[1].spread, "ms"},
                {"4 subscribers: added latency", &lat[4].added, "ms"},
                {"4 subscribers: arrival spread (max - min)", &lat[4].spread, "ms"},
                {"  (runner: gap between lines, 20 ms asked)", &lat[4].runnerGap, "ms"}},
               3);
    say("  ratio per-subscriber MB/s vs runner alone (p50): 1 subscriber %s x, 4 subscribers %s x\n",
        S(fmt(r1, 2)).c(), S(fmt(r4, 2)).c());
    say("  median of the per-round ratios (same round, back to back): 1 subscriber %s x, "
        "4 subscribers %s x\n",
        S(fmt(pairedRatio[1].p50(), 2)).c(), S(fmt(pairedRatio[4].p50(), 2)).c());
    say("  late sandbox.subscribe: %d stored runs (%s MB) replayed at %s MB/s\n", replayRuns,
        S(fmt(double(replayBytes) / 1e6, 0)).c(), S(fmt(replayRate.p50(), 1)).c());
    if (lateAttaches)
        say("  note: %d subscriber attach(es) came after the first output (replayed from the "
            "run record)\n", lateAttaches);
    auto tputJson = [&](int subs) {
        const TputSide& t = tput[subs];
        return QJsonObject{{"subscribers", subs},
                           {"runner", t.runner.toJson("MB/s")},
                           {"per_subscriber", t.perSub.toJson("MB/s")},
                           {"aggregate", t.aggregate.toJson("MB/s")},
                           {"lagging_messages", t.lagging.toJson("msgs")},
                           {"cpu_vivariumd", t.daemonCpu.toJson("ms")},
                           {"cpu_qemu", t.qemuCpu.toJson("ms")},
                           {"cpu_bench", t.benchCpu.toJson("ms")}};
    };
    auto latJson = [&](int subs) {
        const LatSide& l = lat[subs];
        return QJsonObject{{"subscribers", subs},
                           {"added", l.added.toJson("ms", false)},
                           {"spread", l.spread.toJson("ms", false)},
                           {"runner_line_gap", l.runnerGap.toJson("ms", false)},
                           {"lines_missing", l.missing}};
    };
    QJsonObject rec{
        {"bytes", N},
        {"runs", tputRuns},
        {"latency_runs", latRuns},
        {"lines_per_run", kLines},
        {"what", "one tiny sandbox; `sh -c 'usleep 200000; dd if=/dev/zero bs=65536 count=1024'`"
                 " exec'd by one ApiClient (the runner); subscribers are further ApiClient "
                 "connections (each on its own thread) that send run.attach on the run.started "
                 "event, before the first output. Rate per connection: its first byte to its "
                 "exit message; aggregate: all connections' bytes over earliest first byte to "
                 "latest exit. Latency: `echo $i; usleep 20000` x 200, arrival of each line at a "
                 "subscriber minus at the runner; spread: latest minus earliest arrival of a "
                 "line over all connections."},
        {"baseline", tputJson(0)},
        {"one_subscriber", tputJson(1)},
        {"four_subscribers", tputJson(4)},
        {"ratio_one", round3(r1)},
        {"ratio_four", round3(r4)},
        {"paired_ratio_one", pairedRatio[1].toJson("x")},
        {"paired_ratio_four", pairedRatio[4].toJson("x")},
        {"latency_one", latJson(1)},
        {"latency_four", latJson(4)},
        {"late_attaches", lateAttaches},
        {"late_subscribe_replay",
         QJsonObject{{"what", "after the throughput rounds, a new connection sends "
                              "sandbox.subscribe: every stored run is replayed from its record; "
                              "subscribe request -> exit message of the last run"},
                     {"runs", replayRuns},
                     {"bytes", replayBytes},
                     {"time_ms", round3(replayMs)},
                     {"rate", replayRate.toJson("MB/s", false)}}}};
    writeJson(c, "fan-out", rec);
    return true;
}

} // namespace bench
