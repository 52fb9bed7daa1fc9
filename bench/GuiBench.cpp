// gui-flood and gui-idle: the desktop app under load, in this process (offscreen unless a
// display is set), so the event loop we measure is the app's own.
//
// gui-flood: a run printing 20 MiB of text while the window follows it live. Ours: from the
// exec request to the Runs tab's terminal showing the run's last line. Baseline: the same
// run with the window not following (a plain API client on the same event loop gets it):
// the API's own delivery time. Both sides record the longest gap between ticks of a 5 ms
// probe timer (an event-loop stall); the goal is no stall over 50 ms while the app follows.
//
// gui-idle: the app connected to a fake service (tests/support) listing 100 ready sandboxes
// whose live stats arrive every 2 s, left alone. Ours: the process's CPU use with 100
// sandboxes; baseline: with none. 100 real microVMs would need ~24 GiB under TCG, and the
// app's idle work depends only on what the API tells it, which the fake reproduces exactly.
#include "Benchmarks.h"
#include "Helpers.h"

#include "FakeService.h"
#include "MainWindow.h"
#include "RunOutputView.h"
#include "RunsModel.h"
#include "SandboxModel.h"
#include "SandboxView.h"
#include "terminal/TerminalWidget.h"
#include "terminal/VTermScreen.h"

#include <QApplication>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QTableView>
#include <QTimer>

#include <sys/resource.h>

namespace bench {

namespace {

constexpr qint64 kDefaultFloodBytes = 20ll * 1024 * 1024;
constexpr const char* kEndMarker = "END-OF-FLOOD";

// The longest gap between ticks of a 5 ms timer while it runs: how long the event loop was
// kept from handling anything else.
class StallProbe {
public:
    StallProbe() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(5);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this] {
            const double now = nowMs();
            if (m_last > 0)
                m_gaps.add(now - m_last);
            m_last = now;
        });
    }
    void start() {
        m_gaps = {};
        m_last = 0;
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    double maxStallMs() const { return m_gaps.empty() ? 0 : m_gaps.max() - 5; }
    double p99GapMs() const { return m_gaps.empty() ? 0 : m_gaps.p99(); }

private:
    QTimer m_timer;
    double m_last = 0;
    Stats m_gaps;
};

double cpuSeconds() {
    rusage u {};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

bool terminalShows(vivarium::gui::TerminalWidget* t, const QString& text) {
    const auto& screen = t->screen();
    for (int r = screen.rows() - 1; r >= 0; --r)
        if (screen.rowText(r).contains(text))
            return true;
    return false;
}

void useService(const vivarium::Endpoint& e) {
    qputenv("VIVARIUM_URL", e.url.toString().toUtf8());
    qputenv("VIVARIUM_TOKEN", e.token.toUtf8());
}

} // namespace

bool guiFlood(Context& ctx) {
    // VIVARIUM_BENCH_FLOOD_BYTES: a smaller flood for trying the benchmark out.
    const qint64 floodBytes = qEnvironmentVariableIntValue("VIVARIUM_BENCH_FLOOD_BYTES") > 0
                                  ? qEnvironmentVariableIntValue("VIVARIUM_BENCH_FLOOD_BYTES")
                                  : kDefaultFloodBytes;
    say("\n== gui-flood: a %s MiB run followed live by the app (%s runs per side) ==\n",
        S(QString::number(double(floodBytes) / 1048576.0, 'f', 1)).c(), S(ctx.config.runs).c());
    QString error;
    ScopedSandbox sb(ctx.api);
    auto id = createReady(ctx, sb, &error);
    if (!id) {
        fail("cannot create a sandbox: " + error);
        return false;
    }
    useService(ctx.daemon.endpoint());
    vivarium::gui::MainWindow window;
    window.show();
    window.connectToService();
    if (!waitUntil([&] { return window.isConnected() && window.sandboxModel()->rowOf(*id) >= 0; }, 30000)) {
        fail("the window did not connect to the service");
        return false;
    }
    vivarium::gui::SandboxView* view = window.sandboxView();
    // `yes` lines of 64 bytes, cut at 20 MiB, then the marker on a line of its own.
    const QString script = QString("yes 'Vivarium flood line: the quick brown fox jumps over the dog.' "
                                   "| head -c %1; echo; echo %2")
                               .arg(floodBytes)
                               .arg(kEndMarker);
    Stats oursMs, baseMs, oursStall, baseStall, oursP99, baseP99;
    StallProbe probe;
    for (int i = 0; i < ctx.config.runs && !interrupted(); ++i) {
        for (const bool following : {true, false}) {
            if (following && !window.selectSandbox(*id)) {
                fail("cannot select the sandbox");
                return false;
            }
            if (!following) // nothing selected: the view follows no sandbox
                window.sandboxTable()->selectionModel()->clear();
            const int runsBefore = following ? view->runsModel()->rowCount() : 0;
            probe.start();
            const double t0 = nowMs();
            vivarium::ApiClient& client = ctx.api.client();
            bool exited = false;
            QByteArray tail;
            quint32 channel = 0;
            auto onData = QObject::connect(&client, &vivarium::ApiClient::data, &client,
                                           [&](vivarium::api::DataKind, quint32 ch, const QByteArray& b) {
                                               if (ch == channel)
                                                   tail = (tail + b).right(64);
                                           });
            auto onExit = QObject::connect(&client, &vivarium::ApiClient::exited, &client,
                                           [&](const QJsonObject& e) {
                                               if (quint32(e.value("channel").toInt()) == channel)
                                                   exited = true;
                                           });
            std::optional<QJsonObject> reply =
                ctx.api.call("exec", {{"sandbox", *id}, {"argv", QJsonArray{"sh", "-c", script}}}, 30000, &error);
            if (!reply) {
                QObject::disconnect(onData);
                QObject::disconnect(onExit);
                fail("exec failed: " + error);
                return false;
            }
            channel = quint32(reply->value("channel").toInt());
            const qint64 run = reply->value("run").toInteger();
            bool done = false;
            double end = -1;
            if (following) {
                // The view follows the new run as soon as it appears.
                done = waitUntil([&] { return view->runsModel()->rowCount() > runsBefore; }, 30000) &&
                       (view->selectRun(run), true) &&
                       waitUntil([&] {
                           return exited && !view->outputView()->feeding() &&
                                  terminalShows(view->outputView()->terminal(), kEndMarker);
                       }, 600000);
            } else {
                done = waitUntil([&] { return exited && tail.contains(kEndMarker); }, 600000);
            }
            end = nowMs();
            probe.stop();
            QObject::disconnect(onData);
            QObject::disconnect(onExit);
            if (!done) {
                QString shown;
                if (following) {
                    const auto& screen = view->outputView()->terminal()->screen();
                    for (int r = std::max(0, screen.rows() - 3); r < screen.rows(); ++r)
                        shown += "\n    | " + screen.rowText(r);
                }
                fail(following ? QString("the app did not show the end of the run (exited %1, runs listed %2, "
                                         "still feeding %3); its last rows:%4")
                                     .arg(exited)
                                     .arg(view->runsModel()->rowCount())
                                     .arg(view->outputView()->feeding())
                                     .arg(shown)
                               : QString("the run did not end"));
                return false;
            }
            (following ? oursMs : baseMs).add(end - t0);
            (following ? oursStall : baseStall).add(probe.maxStallMs());
            (following ? oursP99 : baseP99).add(probe.p99GapMs());
            say("  run %d %-9s %7.0f ms to the end, longest stall %5.1f ms\n", i + 1,
                following ? "app" : "api only", end - t0, probe.maxStallMs());
        }
    }
    if (oursMs.empty() || baseMs.empty())
        return false;
    printTable("gui-flood: time to show the end of a 20 MiB run (ms)",
               {{"app following it live", &oursMs, "ms"}, {"API client only (baseline)", &baseMs, "ms"}}, 0);
    printTable("gui-flood: longest event-loop stall while it streams (ms; goal <= 50)",
               {{"app following it live", &oursStall, "ms"}, {"API client only (baseline)", &baseStall, "ms"}}, 1);
    const double r = ratio(oursMs.p50(), baseMs.p50());
    say("  ratio app / baseline (median time to end): %.2fx; median longest stall %.1f ms (goal <= 50 ms): %s\n", r,
        oursStall.p50(), oursStall.p50() <= 50 ? "met" : "MISSED");
    QJsonObject rec{{"benchmark", "gui-flood"},
                    {"bytes", floodBytes},
                    {"ours_ms", oursMs.toJson("ms")},
                    {"baseline_ms", baseMs.toJson("ms")},
                    {"ours_max_stall_ms", oursStall.toJson("ms")},
                    {"baseline_max_stall_ms", baseStall.toJson("ms")},
                    {"ours_p99_tick_gap_ms", oursP99.toJson("ms")},
                    {"ratio", round3(r)},
                    {"stall_goal_ms", 50},
                    {"stall_goal_met", oursStall.p50() <= 50},
                    {"platform", QGuiApplication::platformName()}};
    return writeJson(ctx.config, "gui-flood", rec);
}

bool guiIdle(Context& ctx) {
    const int seconds = qEnvironmentVariableIntValue("VIVARIUM_BENCH_IDLE_SECONDS") > 0
                            ? qEnvironmentVariableIntValue("VIVARIUM_BENCH_IDLE_SECONDS")
                            : 20;
    say("\n== gui-idle: the app's CPU use, idle, 100 sandboxes with live stats vs none (%s s x %s runs) ==\n",
        S(seconds).c(), S(ctx.config.runs).c());
    Stats ours, base;
    for (int i = 0; i < ctx.config.runs && !interrupted(); ++i) {
        for (const int count : {100, 0}) {
            vivarium::testing::FakeService service;
            if (!service.listen()) {
                fail("cannot listen for the fake service");
                return false;
            }
            QJsonArray sandboxes;
            for (int s = 0; s < count; ++s)
                sandboxes.append(vivarium::testing::fakeSandbox(QString("%1").arg(s, 8, 16, QChar('0')),
                                                                QString("agent-sandbox-%1").arg(s), "ready"));
            service.setResult("sandbox.list", {{"sandboxes", sandboxes}});
            useService({service.url(), "bench", true});
            vivarium::gui::MainWindow window;
            window.show();
            window.connectToService();
            if (!waitUntil([&] { return window.isConnected() && window.sandboxModel()->rowCount() == count; }, 10000)) {
                fail("the window did not connect to the fake service");
                return false;
            }
            // What the real service sends every 2 s: one sandbox.stats event for all of them.
            int tick = 0;
            QTimer stats;
            stats.setInterval(2000);
            QObject::connect(&stats, &QTimer::timeout, &stats, [&] {
                QJsonArray list;
                ++tick;
                for (int s = 0; s < count; ++s)
                    list.append(QJsonObject{{"id", QString("%1").arg(s, 8, 16, QChar('0'))},
                                            {"running", true},
                                            {"cpu_percent", double((s * 7 + tick * 13) % 100)},
                                            {"memory_bytes", double(200 + (s + tick) % 50) * 1048576},
                                            {"guest_memory_bytes", 268435456.0},
                                            {"vcpus", 1},
                                            {"disk_bytes", 1048576.0 * (1 + s % 10)}});
                service.sendEvent("sandbox.stats", {{"stats", list}, {"interval_ms", 2000}});
            });
            stats.start();
            waitUntil([] { return false; }, 1000); // let the first paint settle
            const double cpu0 = cpuSeconds();
            const double t0 = nowMs();
            waitUntil([] { return false; }, seconds * 1000);
            const double percent = (cpuSeconds() - cpu0) / ((nowMs() - t0) / 1000.0) * 100.0;
            (count ? ours : base).add(percent);
            say("  run %d: %3d sandboxes: %.2f %% of one core\n", i + 1, count, percent);
        }
    }
    if (ours.empty() || base.empty())
        return false;
    printTable("gui-idle: CPU use of the idle app (% of one core)",
               {{"100 sandboxes, stats every 2 s", &ours, "%"}, {"no sandboxes (baseline)", &base, "%"}}, 2);
    const double r = ratio(ours.p50(), base.p50());
    say("  ratio 100 sandboxes / none (median CPU): %.2fx\n", r);
    QJsonObject rec{{"benchmark", "gui-idle"},
                    {"sandboxes", 100},
                    {"seconds_per_run", seconds},
                    {"ours_cpu_percent", ours.toJson("%")},
                    {"baseline_cpu_percent", base.toJson("%")},
                    {"ratio", round3(r)},
                    {"platform", QGuiApplication::platformName()}};
    return writeJson(ctx.config, "gui-idle", rec);
}

} // namespace bench
