#include "Benchmarks.h"
#include "Helpers.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <cmath>
#include <cstdio>

#include <unistd.h>

namespace bench {

namespace {

constexpr int kBareBootTimeoutMs = 60000;

QStringList baseArgs(const Config& c, const QString& initrd, const QString& cmdline,
                     const QString& accel = "tcg") {
    // The machine a tiny sandbox gets from libvirt: microvm with ACPI, TCG, 256 MiB, 1 vCPU.
    return {"-M",      "microvm,acpi=on", "-accel",  accel,     "-m",      "256",
            "-smp",    "1",               "-no-reboot", "-display", "none", "-nodefaults",
            "-serial", "stdio",           "-kernel", c.kernel(), "-initrd", initrd,
            "-append", cmdline};
}

// The devices of a sandbox: its qcow2 overlay on the tiny image and the agent's port.
QStringList agentDevices(const QString& overlay, const QString& chardev) {
    return {"-drive",  "id=d,file=" + overlay + ",format=qcow2,if=none,cache=writeback,discard=unmap",
            "-device", "virtio-blk-device,drive=d",
            "-device", "virtio-serial-device",
            "-chardev", chardev,
            "-device", "virtserialport,chardev=agent,name=dev.vivarium.agent.0"};
}

bool makeOverlay(const Config& c, const QString& path, QString* error) {
    QFile::remove(path);
    return runTool("qemu-img", {"create", "-q", "-f", "qcow2", "-F", "raw", "-b", c.tinyRootfs(), path},
                   60000, error);
}

// Bare QEMU running our initramfs and agent on a tiny overlay, its agent port on a socket the
// bench listens on: the sandbox's guest without libvirt or vivariumd.
struct AgentVm {
    BareQemu qemu;
    UnixListener listener;
    std::unique_ptr<AgentClient> agent;

    double helloAt = -1;

    bool boot(const Config& c, const QString& tag, QString* error,
              const QString& accel = "tcg") {
        const QString overlay = c.runDir + "/" + tag + ".qcow2";
        if (!makeOverlay(c, overlay, error) ||
            !listener.listen(c.runDir + "/" + tag + ".sock", error))
            return false;
        QStringList args =
            baseArgs(c, c.initrd(), c.guestCmdline("vivarium.hostname=bench"), accel);
        args << agentDevices(overlay, "socket,id=agent,path=" + listener.path());
        if (!qemu.start(c.qemu, args, c.runDir + "/" + tag + ".qemu.log", error))
            return false;
        const int fd = listener.accept(10000);
        if (fd < 0) {
            *error = "QEMU did not connect to " + listener.path();
            return false;
        }
        agent = std::make_unique<AgentClient>(fd);
        if (!agent->hello(kBareBootTimeoutMs)) {
            *error = "no Hello from the agent in the bare VM (console: " +
                     QString::fromUtf8(qemu.console().right(400)) + ")";
            return false;
        }
        helloAt = nowMs();
        return true;
    }
};

// Bare QEMU running the bench guest (busybox + qemu-ga, see prepare()).
struct BenchGuest {
    BareQemu qemu;
    UnixListener qgaListener, streamListener;
    std::unique_ptr<QgaClient> qga;
    int stream = -1;

    ~BenchGuest() {
        if (stream >= 0)
            ::close(stream);
    }
    bool boot(const Config& c, QString* error) {
        if (!qgaListener.listen(c.runDir + "/qga.sock", error) ||
            !streamListener.listen(c.runDir + "/stream.sock", error))
            return false;
        QStringList args = baseArgs(c, c.benchGuestInitrd(), c.guestCmdline({}));
        args << "-device" << "virtio-serial-device"
             << "-chardev" << "socket,id=qga,path=" + qgaListener.path()
             << "-device" << "virtserialport,chardev=qga,name=org.qemu.guest_agent.0"
             << "-chardev" << "socket,id=st,path=" + streamListener.path()
             << "-device" << "virtserialport,chardev=st,name=bench.stream.0";
        if (!qemu.start(c.qemu, args, c.runDir + "/bench-guest.qemu.log", error))
            return false;
        const int q = qgaListener.accept(10000);
        stream = streamListener.accept(10000);
        if (q < 0 || stream < 0) {
            *error = "QEMU did not connect to the bench guest's sockets";
            return false;
        }
        qga = std::make_unique<QgaClient>(q);
        // The stream port's "R" says the guest's init has opened it (and started qemu-ga).
        char r = 0;
        if (readSome(stream, &r, 1, kBareBootTimeoutMs) != 1 || r != 'R') {
            *error = "the bench guest did not come up (console: " +
                     QString::fromUtf8(qemu.console().right(400)) + ")";
            return false;
        }
        if (!qga->sync(30000)) {
            *error = "qemu-ga in the bench guest does not answer guest-sync";
            return false;
        }
        return true;
    }
};

// The -accel argument libvirt gave a sandbox's QEMU (e.g. "tcg,tb-size=32").
QString qemuAccel(pid_t pid) {
    QFile f(QString("/proc/%1/cmdline").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const QList<QByteArray> args = f.readAll().split('\0');
    for (int i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "-accel")
            return QString::fromLocal8Bit(args[i + 1]);
    return {};
}

struct Breakdown {
    double booting = -1, started = -1, ready = -1;
    int failedAttempts = 0;
};

// The sandbox's timeline from the service log (lines carry CLOCK_MONOTONIC ms).
Breakdown breakdownFor(const Daemon& d, const QString& id, int fromLine) {
    Breakdown b;
    const auto& lines = d.lines();
    for (int i = fromLine; i < lines.size(); ++i) {
        const LogLine& l = lines[i];
        if (!l.message.contains(id))
            continue;
        if (l.message.contains("\"booting\"") && b.booting < 0)
            b.booting = l.tMs;
        else if (l.message.contains("virtual machine started"))
            b.started = l.tMs;
        else if (l.message.contains("\"ready\"") && b.ready < 0)
            b.ready = l.tMs;
        else if (l.message.contains("boot attempt") && l.message.contains("failed"))
            ++b.failedAttempts;
    }
    return b;
}

} // namespace

// ---- 1. cold start -------------------------------------------------------------------------

bool coldStart(Context& ctx) {
    Config& c = ctx.config;
    say("\n== cold-start: sandbox.create(tiny) + exec `echo hi` to first stdout byte, vs bare "
        "QEMU microvm boot to `vivarium-echo` (%d runs each, alternating)\n", c.runs);
    QString error;
    const QString overlay = c.runDir + "/echo.qcow2";
    if (!makeOverlay(c, overlay, &error)) {
        fail(error);
        return false;
    }
    QString sandboxAccel; // learnt from the first sandbox
    auto bare = [&](double* echo, double* exitMs, const QString& accel = "tcg") -> bool {
        BareQemu q;
        QStringList args = baseArgs(c, c.initrd(), c.guestCmdline("vivarium.mode=echo"), accel);
        args << agentDevices(overlay, "socket,id=agent,path=" + c.runDir +
                                          "/echo-agent.sock,server=on,wait=off");
        QString err;
        if (!q.start(c.qemu, args, c.runDir + "/echo.qemu.log", &err)) {
            fail(err);
            return false;
        }
        const double at = q.waitForConsole("vivarium-echo", kBareBootTimeoutMs);
        if (at < 0) {
            fail("bare boot: no vivarium-echo on the console: " +
                 QString::fromUtf8(q.console().right(300)));
            return false;
        }
        const double end = q.waitForExit(30000);
        *echo = at - q.spawnedAt();
        *exitMs = end < 0 ? NAN : end - q.spawnedAt();
        return true;
    };
    struct OursRun {
        double total = -1, createReply = -1;
        Breakdown b;
        double t0 = 0, replied = 0, first = 0;
    };
    auto ours = [&](OursRun* r) -> bool {
        ScopedSandbox sb(ctx.api);
        const int fromLine = int(ctx.daemon.lines().size());
        QString err;
        r->t0 = nowMs();
        auto id = ctx.api.create("tiny", kBootTimeoutMs, &err, &r->replied);
        if (!id) {
            fail(err);
            return false;
        }
        sb.set(*id);
        if (sandboxAccel.isEmpty())
            sandboxAccel = qemuAccel(libvirtQemuPid("vivarium-" + *id));
        ExecTiming e = ctx.api.exec(*id, {"echo", "hi"}, 30000, &err);
        if (!e.ok() || e.firstOut < 0 || !e.output.startsWith("hi")) {
            fail("exec echo hi: " + err + " output '" + QString::fromUtf8(e.output) + "'");
            return false;
        }
        r->first = e.firstOut;
        r->total = e.firstOut - r->t0;
        r->createReply = r->replied - r->t0;
        r->b = breakdownFor(ctx.daemon, *id, fromLine);
        return true;
    };

    // One unmeasured run of each first: page cache (66 MB vmlinux), libvirt's caches.
    {
        double e, x;
        OursRun r;
        if (!bare(&e, &x) || !ours(&r))
            return false;
    }
    const bool accelRef = !sandboxAccel.isEmpty() && sandboxAccel != "tcg";
    Stats oursTotal, bareEcho, bareExit, bareEchoAccel, bareHello, apiToBoot, libvirtStart,
        guestBoot, replyLatency, execFirst, createReply;
    int retries = 0;
    for (int i = 0; i < c.runs && !interrupted(); ++i) {
        OursRun r;
        if (!ours(&r))
            return false;
        double e, x;
        if (!bare(&e, &x))
            return false;
        if (accelRef) {
            double ea, xa;
            if (!bare(&ea, &xa, sandboxAccel))
                return false;
            bareEchoAccel.add(ea);
        }
        {
            AgentVm vm;
            QString err;
            if (!vm.boot(c, "cold-agent", &err)) {
                fail(err);
                return false;
            }
            bareHello.add(vm.helloAt - vm.qemu.spawnedAt());
        }
        oursTotal.add(r.total);
        createReply.add(r.createReply);
        bareEcho.add(e);
        if (!std::isnan(x))
            bareExit.add(x);
        retries += r.b.failedAttempts;
        if (r.b.booting > 0 && r.b.started > 0 && r.b.ready > 0) {
            apiToBoot.add(r.b.booting - r.t0);
            libvirtStart.add(r.b.started - r.b.booting);
            guestBoot.add(r.b.ready - r.b.started);
            replyLatency.add(r.replied - r.b.ready);
        }
        execFirst.add(r.first - r.replied);
        say("  run %d: ours %s ms, bare %s ms%s\n", i + 1, S(fmt(r.total, 0)).c(),
            S(fmt(e, 0)).c(), r.b.failedAttempts ? " (ours retried a boot)" : "");
    }
    if (oursTotal.empty())
        return false;
    const double rt = ratio(oursTotal.p50(), bareEcho.p50());
    printTable("cold-start (ms)",
               {{"ours: create tiny + exec echo hi -> first byte", &oursTotal, "ms"},
                {"baseline: bare qemu microvm -> vivarium-echo", &bareEcho, "ms"},
                {"  (bare qemu until it exited)", &bareExit, "ms"},
                {"  (bare, -accel " + sandboxAccel + " as the sandbox)", &bareEchoAccel, "ms"},
                {"  (bare qemu -> agent Hello on its socket)", &bareHello, "ms"}},
               0);
    printTable("cold-start breakdown of ours (service log, CLOCK_MONOTONIC)",
               {{"request -> booting (API, overlay, config)", &apiToBoot, "ms"},
                {"libvirt define + start", &libvirtStart, "ms"},
                {"guest boot to agent hello", &guestBoot, "ms"},
                {"ready -> create reply at client", &replyLatency, "ms"},
                {"exec request -> first stdout byte", &execFirst, "ms"}},
               1);
    say("  ratio ours/baseline (p50): %s x   goal <= 1.5x, aim < 1.37x: %s\n", S(fmt(rt, 2)).c(),
        rt < 1.37 ? "MET (aim)" : rt <= 1.5 ? "MET (goal, not aim)" : "NOT MET");
    QJsonObject rec{
        {"runs", c.runs},
        {"ours", QJsonObject{{"what", "sandbox.create template tiny, then exec [echo, hi], until "
                                      "the first stdout byte reaches the API client"},
                             {"time", oursTotal.toJson("ms")},
                             {"create_reply", createReply.toJson("ms")}}},
        {"baseline", QJsonObject{{"what", "posix_spawn of qemu-system-x86_64 -M microvm (same "
                                          "kernel, initramfs, disk, serial port, vivarium.mode=echo) "
                                          "until vivarium-echo is read from the serial console pipe"},
                                 {"time", bareEcho.toJson("ms")},
                                 {"until_exit", bareExit.toJson("ms")}}},
        {"reference_bare_same_accel", QJsonObject{{"accel", sandboxAccel},
                                                  {"what", "the baseline with the -accel "
                                                           "argument libvirt gives the sandbox"},
                                                  {"time", bareEchoAccel.toJson("ms")}}},
        {"reference_bare_agent_hello", QJsonObject{{"what", "bare QEMU with the sandbox's full "
                                                            "guest (agent, disk, port) until the "
                                                            "agent's Hello on the raw socket"},
                                                   {"time", bareHello.toJson("ms")}}},
        {"breakdown", QJsonObject{{"request_to_booting", apiToBoot.toJson("ms")},
                                  {"libvirt_define_start", libvirtStart.toJson("ms")},
                                  {"guest_boot_to_hello", guestBoot.toJson("ms")},
                                  {"ready_to_create_reply", replyLatency.toJson("ms")},
                                  {"exec_to_first_byte", execFirst.toJson("ms")}}},
        {"boot_retries", retries},
        {"ratio", round3(rt)},
        {"goal", QJsonObject{{"max_ratio", 1.5}, {"aim_ratio", 1.37}}},
        {"pass", rt <= 1.5}};
    writeJson(c, "cold-start", rec);
    return true;
}

// ---- 2. exec round trip --------------------------------------------------------------------

bool execRtt(Context& ctx) {
    Config& c = ctx.config;
    const int n = c.execRuns;
    say("\n== exec-rtt: exec /bin/true in a running sandbox, request -> exit message, vs "
        "qemu-guest-agent guest-exec + guest-exec-status polling (%d runs each)\n",
        n);
    QString error;
    Stats ours, oursReply, oursAfterReply, qga, raw, polls;
    {
        ScopedSandbox sb(ctx.api);
        auto id = createReady(ctx, sb, &error);
        if (!id) {
            fail(error);
            return false;
        }
        for (int i = -10; i < n && !interrupted(); ++i) { // 10 warm-up runs
            ExecTiming e = ctx.api.exec(*id, {"/bin/true"}, 30000, &error);
            if (!e.ok() || e.exitCode() != 0) {
                fail("exec /bin/true: " + error);
                return false;
            }
            if (i >= 0) {
                ours.add(e.exit - e.sent);
                oursReply.add(e.reply - e.sent);
                oursAfterReply.add(e.exit - e.reply);
            }
        }
    }
    {
        BenchGuest g;
        if (!g.boot(c, &error)) {
            fail(error);
            return false;
        }
        for (int i = -10; i < n && !interrupted(); ++i) {
            int p = 0;
            const double t0 = nowMs();
            auto code = g.qga->execAndWait("/bin/true", 30000, &p);
            const double t1 = nowMs();
            if (!code || *code != 0) {
                fail("qemu-ga guest-exec /bin/true failed");
                return false;
            }
            if (i >= 0) {
                qga.add(t1 - t0);
                polls.add(p);
            }
        }
    }
    {
        // Reference: the same agent in the same guest, spoken to directly on its socket.
        AgentVm vm;
        if (!vm.boot(c, "rtt-agent", &error)) {
            fail(error);
            return false;
        }
        for (int i = -10; i < n && !interrupted(); ++i) {
            const double t0 = nowMs();
            auto code = vm.agent->exec({"/bin/true"}, 30000);
            const double t1 = nowMs();
            if (!code || *code != 0) {
                fail("raw agent exec /bin/true failed");
                return false;
            }
            if (i >= 0)
                raw.add(t1 - t0);
        }
    }
    const double r50 = ratio(ours.p50(), qga.p50()), r99 = ratio(ours.p99(), qga.p99());
    printTable("exec-rtt (ms)",
               {{"ours: API exec /bin/true -> exit message", &ours, "ms"},
                {"  (ours: request -> exec reply)", &oursReply, "ms"},
                {"  (ours: exec reply -> exit message)", &oursAfterReply, "ms"},
                {"baseline: qemu-ga guest-exec + status polls", &qga, "ms"},
                {"  (baseline: guest-exec-status polls per exec)", &polls, "polls"},
                {"  (reference: our agent on its raw socket)", &raw, "ms"}},
               2);
    say("  ratio ours/baseline: p50 %s x, p99 %s x   goal <= 0.3x: %s\n", S(fmt(r50, 2)).c(),
        S(fmt(r99, 2)).c(), r50 <= 0.3 ? "MET (p50)" : "NOT MET (p50)");
    QJsonObject rec{
        {"runs", n},
        {"ours", QJsonObject{{"what", "API exec argv [/bin/true] in a running tiny sandbox, from "
                                      "sending the request to the exit message"},
                             {"time", ours.toJson("ms")},
                             {"request_to_reply", oursReply.toJson("ms", false)},
                             {"reply_to_exit", oursAfterReply.toJson("ms", false)}}},
        {"baseline", QJsonObject{{"what", "qemu-ga 7.2 in a bare microvm (same kernel, busybox "
                                          "/bin/true) on its raw unix socket: guest-exec "
                                          "{path:/bin/true, capture-output:true}, then "
                                          "guest-exec-status back to back until exited"},
                                 {"time", qga.toJson("ms")},
                                 {"status_polls", polls.toJson("polls", false)}}},
        {"reference_raw_agent", QJsonObject{{"what", "vivarium-agent in a bare microvm, Exec "
                                                     "frame to Exit frame on its raw socket"},
                                            {"time", raw.toJson("ms")}}},
        {"ratio_p50", round3(r50)},
        {"ratio_p99", round3(r99)},
        {"goal", QJsonObject{{"max_ratio", 0.3}}},
        {"pass", r50 <= 0.3}};
    writeJson(c, "exec-rtt", rec);
    return true;
}

// ---- 3. throughput -------------------------------------------------------------------------

bool throughput(Context& ctx) {
    Config& c = ctx.config;
    const qint64 N = c.throughputBytes;
    const double mb = double(N) / 1e6;
    const int refRuns = std::min(3, c.throughputRuns);
    const bool ddPair = N % 65536 == 0;
    say("\n== throughput: %s bytes of guest stdout to an API client, vs the same writer straight "
        "into a virtio-serial port read raw on the host (%d runs each; references %d)\n",
        S(N).c(), c.throughputRuns, refRuns);
    QString error;
    const QStringList head{"head", "-c", QString::number(N), "/dev/zero"};
    const QStringList dd{"sh", "-c",
                         QString("dd if=/dev/zero bs=65536 count=%1 2>/dev/null").arg(N / 65536)};
    Stats ours, oursE2E, oursDd, rawHead, rawHeadE2E, rawDd, rawAgent;
    auto rate = [mb](double from, double to) { return mb / ((to - from) / 1000.0); };
    {
        ScopedSandbox sb(ctx.api);
        auto id = createReady(ctx, sb, &error);
        if (!id) {
            fail(error);
            return false;
        }
        auto run = [&](const QStringList& argv, Stats& st, Stats* e2e) -> bool {
            ExecTiming e = ctx.api.exec(*id, argv, 300000, &error);
            if (!e.ok() || e.bytes != N) {
                fail(QString("exec %1: %2 (received %3 of %4 bytes)")
                         .arg(argv.join(' '), error)
                         .arg(e.bytes)
                         .arg(N));
                return false;
            }
            st.add(rate(e.firstOut, e.exit));
            if (e2e)
                e2e->add(rate(e.sent, e.exit));
            return true;
        };
        for (int i = 0; i < c.throughputRuns && !interrupted(); ++i) {
            if (!run(head, ours, &oursE2E))
                return false;
            say("  ours run %d: head -c %s MB/s\n", i + 1, S(fmt(ours.samples.back(), 1)).c());
        }
        for (int i = 0; ddPair && i < refRuns && !interrupted(); ++i) {
            if (!run(dd, oursDd, nullptr))
                return false;
            say("  ours run %d: dd bs=64k %s MB/s\n", i + 1, S(fmt(oursDd.samples.back(), 1)).c());
        }
    }
    {
        BenchGuest g;
        if (!g.boot(c, &error)) {
            fail(error);
            return false;
        }
        std::vector<char> buf(1 << 20);
        auto transfer = [&](char trigger, double* t0, double* first, double* end) -> bool {
            *t0 = nowMs();
            if (!writeAll(g.stream, &trigger, 1, 5000)) {
                fail("cannot write to the bench guest's stream port");
                return false;
            }
            qint64 got = 0;
            *first = -1;
            while (got < N) {
                const ssize_t r = readSome(
                    g.stream, buf.data(), size_t(std::min<qint64>(N - got, qint64(buf.size()))),
                    120000);
                if (r <= 0) {
                    fail(QString("bench guest stream ended after %1 bytes").arg(got));
                    return false;
                }
                if (*first < 0)
                    *first = nowMs();
                got += r;
            }
            *end = nowMs();
            return true;
        };
        for (int i = 0; i < c.throughputRuns && !interrupted(); ++i) {
            double t0, first, end;
            if (!transfer('G', &t0, &first, &end))
                return false;
            rawHead.add(rate(first, end));
            rawHeadE2E.add(rate(t0, end));
            say("  baseline run %d: head -c %s MB/s\n", i + 1, S(fmt(rawHead.samples.back(), 1)).c());
        }
        for (int i = 0; i < refRuns && !interrupted(); ++i) {
            double t0, first, end;
            if (!transfer('D', &t0, &first, &end))
                return false;
            rawDd.add(rate(first, end));
            say("  baseline run %d: dd bs=64k %s MB/s\n", i + 1, S(fmt(rawDd.samples.back(), 1)).c());
        }
    }
    {
        AgentVm vm;
        if (!vm.boot(c, "tput-agent", &error)) {
            fail(error);
            return false;
        }
        std::vector<std::string> argv;
        for (const QString& a : head)
            argv.push_back(a.toStdString());
        for (int i = 0; i < refRuns && !interrupted(); ++i) {
            AgentClient::Output out;
            auto code = vm.agent->exec(argv, 300000, &out);
            if (!code || out.bytes != N) {
                fail(QString("raw agent exec head: received %1 of %2 bytes").arg(out.bytes).arg(N));
                return false;
            }
            rawAgent.add(rate(out.first, out.exit));
            say("  raw agent run %d: head -c %s MB/s\n", i + 1,
                S(fmt(rawAgent.samples.back(), 1)).c());
        }
    }
    const double rt = ratio(ours.p50(), rawHead.p50());
    const double rtDd = ratio(oursDd.p50(), rawDd.p50());
    printTable("throughput (MB/s = 10^6 bytes/s; higher is better)",
               {{"ours: API stdout of head -c, first byte -> exit", &ours, "MB/s"},
                {"  (ours: exec request -> exit message)", &oursE2E, "MB/s"},
                {"baseline: head -c straight into the port, raw", &rawHead, "MB/s"},
                {"  (baseline: trigger sent -> last byte)", &rawHeadE2E, "MB/s"},
                {"ours, writer dd bs=64k", &oursDd, "MB/s"},
                {"raw port, writer dd bs=64k (channel capacity)", &rawDd, "MB/s"},
                {"reference: our agent on its raw socket, head -c", &rawAgent, "MB/s"}},
               1);
    say("  ratio ours/baseline, writer head -c (p50): %s x   goal >= 0.5x: %s\n",
        S(fmt(rt, 2)).c(), rt >= 0.5 ? "MET" : "NOT MET");
    say("  ratio ours/raw port, writer dd bs=64k (p50): %s x\n", S(fmt(rtDd, 2)).c());
    QJsonObject rec{
        {"bytes", N},
        {"runs", c.throughputRuns},
        {"reference_runs", refRuns},
        {"ours", QJsonObject{{"what", "exec [head, -c, N, /dev/zero] in a tiny sandbox; bytes "
                                      "received by an ApiClient, first byte to exit message"},
                             {"rate", ours.toJson("MB/s")},
                             {"rate_request_to_exit", oursE2E.toJson("MB/s")}}},
        {"baseline", QJsonObject{{"what", "bare microvm, same kernel and busybox: its init runs "
                                          "busybox `head -c N /dev/zero` (the same writer) "
                                          "straight into its own virtio-serial port; the host "
                                          "reads the chardev unix socket with 1 MiB read(2)s, "
                                          "first to last byte"},
                                 {"rate", rawHead.toJson("MB/s")},
                                 {"rate_trigger_to_last", rawHeadE2E.toJson("MB/s")}}},
        {"ratio", round3(rt)},
        {"dd_64k", QJsonObject{{"what", "both sides again with `dd if=/dev/zero bs=65536` as the "
                                        "writer (64 KiB writes: the raw side shows what the "
                                        "channel itself carries)"},
                               {"ours", oursDd.toJson("MB/s")},
                               {"raw_port", rawDd.toJson("MB/s")},
                               {"ratio", round3(rtDd)}}},
        {"reference_raw_agent", QJsonObject{{"what", "vivarium-agent in a bare microvm: exec head "
                                                     "-c, Stdout frames read raw from its socket "
                                                     "(no libvirt, no vivariumd), first byte to Exit"},
                                            {"rate", rawAgent.toJson("MB/s")}}},
        {"goal", QJsonObject{{"min_ratio", 0.5}}},
        {"pass", rt >= 0.5}};
    writeJson(c, "throughput", rec);
    return true;
}

// ---- 4. memory -----------------------------------------------------------------------------

bool memory(Context& ctx) {
    Config& c = ctx.config;
    say("\n== memory: VmRSS of the QEMU process of an idle tiny sandbox (after one exec of "
        "/bin/true), vs bare QEMU of the same guest (%d runs each)\n",
        c.runs);
    QString error;
    Stats oursRss, oursHwm, bareRss, bareHwm, accelRss;
    QString sandboxAccel;
    for (int i = 0; i < c.runs && !interrupted(); ++i) {
        {
            ScopedSandbox sb(ctx.api);
            auto id = createReady(ctx, sb, &error);
            if (!id) {
                fail(error);
                return false;
            }
            ExecTiming e = ctx.api.exec(*id, {"/bin/true"}, 30000, &error);
            if (!e.ok()) {
                fail(error);
                return false;
            }
            const pid_t pid = libvirtQemuPid("vivarium-" + *id);
            const Memory m = processMemory(pid);
            if (m.rssKiB < 0) {
                fail("cannot read the memory of the sandbox's QEMU (pid file of vivarium-" + *id +
                     ")");
                return false;
            }
            oursRss.add(m.rssKiB / 1024.0);
            oursHwm.add(m.hwmKiB / 1024.0);
            sandboxAccel = qemuAccel(pid);
        }
        if (!sandboxAccel.isEmpty() && sandboxAccel != "tcg") {
            AgentVm vm;
            if (!vm.boot(c, "mem-agent-accel", &error, sandboxAccel) ||
                !vm.agent->exec({"/bin/true"}, 30000)) {
                fail("bare VM with -accel " + sandboxAccel + ": " + error);
                return false;
            }
            accelRss.add(processMemory(vm.qemu.pid()).rssKiB / 1024.0);
        }
        {
            AgentVm vm;
            if (!vm.boot(c, "mem-agent", &error)) {
                fail(error);
                return false;
            }
            if (!vm.agent->exec({"/bin/true"}, 30000)) {
                fail("raw agent exec failed");
                return false;
            }
            const Memory m = processMemory(vm.qemu.pid());
            bareRss.add(m.rssKiB / 1024.0);
            bareHwm.add(m.hwmKiB / 1024.0);
        }
        say("  run %d: ours %s MiB, bare %s MiB\n", i + 1, S(fmt(oursRss.samples.back(), 1)).c(),
            S(fmt(bareRss.samples.back(), 1)).c());
    }
    if (oursRss.empty())
        return false;
    const double rt = ratio(oursRss.p50(), bareRss.p50());
    printTable("memory (MiB of host RSS per idle sandbox)",
               {{"ours: sandbox QEMU VmRSS", &oursRss, "MiB"},
                {"  (ours: VmHWM, peak)", &oursHwm, "MiB"},
                {"baseline: bare QEMU VmRSS", &bareRss, "MiB"},
                {"  (baseline: VmHWM, peak)", &bareHwm, "MiB"},
                {"  (bare QEMU, -accel " + sandboxAccel + " as the sandbox)", &accelRss, "MiB"}},
               1);
    say("  ratio ours/baseline (p50): %s x\n", S(fmt(rt, 2)).c());
    QJsonObject rec{
        {"runs", c.runs},
        {"ours", QJsonObject{{"what", "VmRSS of the libvirt-started QEMU of a tiny sandbox "
                                      "(256 MiB, 1 vCPU) after boot and one exec of /bin/true"},
                             {"rss", oursRss.toJson("MiB")},
                             {"hwm", oursHwm.toJson("MiB")}}},
        {"baseline", QJsonObject{{"what", "VmRSS of a bare qemu-system-x86_64 -M microvm with the "
                                          "same kernel, initramfs, tiny overlay and agent port, "
                                          "after the agent's Hello and one exec of /bin/true"},
                                 {"rss", bareRss.toJson("MiB")},
                                 {"hwm", bareHwm.toJson("MiB")}}},
        {"reference_bare_same_accel", QJsonObject{{"accel", sandboxAccel},
                                                  {"rss", accelRss.toJson("MiB")}}},
        {"ratio", round3(rt)}};
    writeJson(c, "memory", rec);
    return true;
}

// ---- 5. boot reliability -------------------------------------------------------------------

bool bootReliability(Context& ctx) {
    Config& c = ctx.config;
    say("\n== boot-reliability: %d consecutive sandbox boots (create tiny -> exec echo hi -> "
        "rm)\n",
        c.boots);
    int failures = 0, retries = 0, done = 0;
    Stats times;
    QJsonArray failed;
    const int fromLine = int(ctx.daemon.lines().size());
    for (int i = 0; i < c.boots && !interrupted(); ++i) {
        ScopedSandbox sb(ctx.api);
        QString error;
        const int from = int(ctx.daemon.lines().size());
        const double t0 = nowMs();
        auto id = ctx.api.create("tiny", kBootTimeoutMs, &error);
        bool ok = false;
        if (id) {
            sb.set(*id);
            ExecTiming e = ctx.api.exec(*id, {"echo", "hi"}, 30000, &error);
            ok = e.ok() && e.output.startsWith("hi");
            if (ok)
                times.add(e.firstOut - t0);
            else if (error.isEmpty())
                error = "unexpected output '" + QString::fromUtf8(e.output) + "'";
        }
        ++done;
        const int r = id ? breakdownFor(ctx.daemon, *id, from).failedAttempts : 0;
        retries += r;
        if (!ok) {
            ++failures;
            if (id) { // keep the guest console for diagnosis
                const QString dst = c.runDir + "/failed-" + *id + ".console.log";
                QFile::copy(ctx.daemon.dataDir() + "/sandboxes/" + *id + "/console.log", dst);
            }
            failed.append(QJsonObject{{"boot", i + 1}, {"sandbox", id.value_or(QString())},
                                      {"error", error}});
            fail(QString("boot %1 failed: %2").arg(i + 1).arg(error));
        }
        if (r)
            say("  boot %d: %d failed boot attempt(s), retried\n", i + 1, r);
        if ((i + 1) % 10 == 0)
            say("  %d boots done\n", i + 1);
    }
    // All retry lines since the start, in case one belonged to no sandbox we saw.
    int logRetries = 0;
    for (int i = fromLine; i < ctx.daemon.lines().size(); ++i) {
        const LogLine& l = ctx.daemon.lines()[i];
        if (l.message.contains("boot attempt") && l.message.contains("failed"))
            ++logRetries;
    }
    printTable("boot-reliability: create -> first output (ms)",
               {{"successful boots", &times, "ms"}}, 0);
    say("  boots %d, failures %d, boot retries %d (service log lines \"boot attempt ... "
        "failed\": %d)\n",
        done, failures, retries, logRetries);
    say("  goal: 0 failures: %s\n", failures == 0 ? "MET" : "NOT MET");
    QJsonObject rec{{"boots", done},
                    {"failures", failures},
                    {"boot_retries", std::max(retries, logRetries)},
                    {"failed", failed},
                    {"time_to_first_output", times.toJson("ms")},
                    {"goal", QJsonObject{{"max_failures", 0}}},
                    {"pass", failures == 0 && done == c.boots}};
    writeJson(c, "boot-reliability", rec);
    return true;
}

} // namespace bench
