// vivarium-bench: runs the product benchmarks against an isolated vivariumd of this build
// tree (and bare QEMU baselines) and writes bench/results/<name>.json. See bench/README.md.
#include "Benchmarks.h"

#include <QCommandLineParser>
#include <QApplication>
#include <QDir>
#include <QJsonArray>
#include <QStandardPaths>

#include <cstdio>

#include <unistd.h>

using namespace bench;

namespace {

const QStringList kBenchmarks{"cold-start", "exec-rtt", "throughput", "memory",
                              "boot-reliability", "fan-out", "api-overhead", "gui-flood",
                              "gui-idle", "image-import", "tunnel", "egress", "idle-memory",
                              "snapshot-resume", "pool"};

bool runOne(const QString& name, Context& ctx) {
    if (name == "cold-start")
        return coldStart(ctx);
    if (name == "exec-rtt")
        return execRtt(ctx);
    if (name == "throughput")
        return throughput(ctx);
    if (name == "memory")
        return memory(ctx);
    if (name == "fan-out")
        return fanOut(ctx);
    if (name == "api-overhead")
        return apiOverhead(ctx);
    if (name == "gui-flood")
        return guiFlood(ctx);
    if (name == "gui-idle")
        return guiIdle(ctx);
    if (name == "image-import")
        return imageImport(ctx);
    if (name == "tunnel")
        return tunnel(ctx);
    if (name == "egress")
        return egress(ctx);
    if (name == "idle-memory")
        return idleMemory(ctx);
    if (name == "snapshot-resume")
        return snapshotResume(ctx);
    if (name == "pool")
        return poolBench(ctx);
    return bootReliability(ctx);
}

// Anything a benchmark left behind in our private service (there should be nothing).
void removeLeftovers(Api& api) {
    QString error;
    auto list = api.call("sandbox.list", {}, 30000, &error);
    if (!list)
        return;
    for (const QJsonValue& v : list->value("sandboxes").toArray()) {
        const QString id = v.toObject().value("id").toString();
        std::fprintf(stderr, "removing leftover sandbox %s\n", qPrintable(id));
        if (!api.remove(id, &error))
            std::fprintf(stderr, "  %s\n", qPrintable(error));
    }
}

} // namespace

int main(int argc, char** argv) {
    // The gui-* benchmarks run the desktop app in this process: offscreen unless a display
    // is there to draw on.
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM") && !qEnvironmentVariableIsSet("DISPLAY") &&
        !qEnvironmentVariableIsSet("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    app.setApplicationName("vivarium-bench");
    QCommandLineParser p;
    p.setApplicationDescription(
        "Vivarium benchmarks. Each compares our path with a baseline in the same run.\n"
        "Benchmarks: " + kBenchmarks.join(", ") + ", or all.");
    p.addHelpOption();
    p.addPositionalArgument("benchmark", "cold-start | exec-rtt | throughput | memory | "
                                         "boot-reliability | fan-out | api-overhead | gui-flood | "
                                         "gui-idle | image-import | tunnel | egress | idle-memory | "
                                         "snapshot-resume | all");
    QCommandLineOption runs("runs", "Runs per side for cold-start and memory, fan-out latency runs, image-import rounds (default 5).", "N",
                            "5");
    QCommandLineOption execRuns("exec-runs", "Execs per side for exec-rtt and api-overhead (default 200).", "N",
                                "200");
    QCommandLineOption tputRuns("throughput-runs", "Transfers per side for throughput and fan-out (default 5).", "N", "5");
    QCommandLineOption bytes("bytes", "Bytes per throughput transfer (default 67108864).", "N",
                             "67108864");
    QCommandLineOption boots("boots", "Boots for boot-reliability (default 50).", "N", "50");
    QCommandLineOption json("json", "Write the JSON record here (one benchmark only).", "PATH");
    QCommandLineOption results("results", "Directory for JSON records (default bench/results).",
                               "DIR", VIVARIUM_BENCH_RESULTS);
    const QString home = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    QCommandLineOption cache("cache",
                             "Prepared guest artifacts (kernel/, images/); default "
                             "$VIVARIUM_CACHE_DIR or ~/.local/share/vivarium. Read only.",
                             "DIR");
    QCommandLineOption work("work", "Scratch root (default /tmp/vivarium-bench).", "DIR",
                            "/tmp/vivarium-bench");
    QCommandLineOption keep("keep", "Keep this run's scratch directory (logs, overlays).");
    p.addOptions({runs, execRuns, tputRuns, bytes, boots, json, results, cache, work, keep});
    p.process(app);

    const QStringList args = p.positionalArguments();
    const QString what = args.value(0, "all");
    if (args.size() > 1 || (what != "all" && !kBenchmarks.contains(what))) {
        std::fprintf(stderr, "unknown benchmark '%s'\n", qPrintable(args.join(' ')));
        p.showHelp(2);
    }
    const QStringList selected = what == "all" ? kBenchmarks : QStringList{what};
    if (p.isSet(json) && selected.size() > 1) {
        std::fprintf(stderr, "--json needs a single benchmark\n");
        return 2;
    }

    Config c;
    c.binDir = QCoreApplication::applicationDirPath();
    c.vivariumd = QDir::cleanPath(c.binDir + "/../bin/vivariumd");
    c.imageTool = QDir::cleanPath(c.binDir + "/../libexec/vivarium-image");
    c.agent = QDir::cleanPath(c.binDir + "/../agent/vivarium-agent");
    c.sourceCache = p.isSet(cache) ? p.value(cache)
                    : qEnvironmentVariableIsSet("VIVARIUM_CACHE_DIR")
                        ? qEnvironmentVariable("VIVARIUM_CACHE_DIR")
                        : home + "/vivarium";
    c.workRoot = p.value(work);
    c.cacheDir = c.workRoot + "/cache";
    c.runDir = c.workRoot + QString("/run-%1").arg(getpid());
    c.resultsDir = p.value(results);
    c.jsonPath = p.value(json);
    c.runs = std::max(1, p.value(runs).toInt());
    c.execRuns = std::max(1, p.value(execRuns).toInt());
    c.throughputRuns = std::max(1, p.value(tputRuns).toInt());
    c.throughputBytes = std::max<qint64>(1, p.value(bytes).toLongLong());
    c.boots = std::max(1, p.value(boots).toInt());
    c.keepRunDir = p.isSet(keep);

    installInterruptHandler();
    QString error;
    if (!prepare(c, &error)) {
        std::fprintf(stderr, "vivarium-bench: %s\n", qPrintable(error));
        return 1;
    }
    Daemon daemon(c);
    if (!daemon.start(&error)) {
        std::fprintf(stderr, "vivarium-bench: %s\n", qPrintable(error));
        return 1;
    }
    Api api;
    if (!api.open(daemon.endpoint(), &error)) {
        std::fprintf(stderr, "vivarium-bench: %s\n", qPrintable(error));
        daemon.stop();
        return 1;
    }
    std::printf("vivariumd %s (log %s), scratch %s\n", qPrintable(daemon.endpoint().url.toString()),
                qPrintable(daemon.logPath()), qPrintable(c.runDir));
    Context ctx{c, daemon, api};
    QStringList failed;
    for (const QString& name : selected) {
        if (interrupted())
            break;
        if (!runOne(name, ctx))
            failed << name;
    }
    removeLeftovers(api);
    daemon.stop();
    if (interrupted())
        failed << "(interrupted)";
    if (!failed.isEmpty()) {
        std::fprintf(stderr, "\nvivarium-bench: could not complete: %s; logs kept in %s\n",
                     qPrintable(failed.join(", ")), qPrintable(c.runDir));
        return 1;
    }
    if (!c.keepRunDir)
        QDir(c.runDir).removeRecursively();
    return 0;
}
