// idle-memory: host memory per idle sandbox (VmRSS of its QEMU) and how many idle 256 MiB
// sandboxes fit in 8 GiB, running, paused and hibernated; the time to hibernate, and a
// restore from hibernation against a cold boot of the same sandbox. Baseline: a bare
// `qemu-system-x86_64 -M microvm` with the same kernel, initramfs, -m 256 and a tiny overlay,
// booted to the agent's Hello. Sandboxes are `tiny` (256 MiB, 1 vCPU), as in `memory`.
#include "Helpers.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>

#include <csignal>
#include <unistd.h>

namespace bench {

namespace {

constexpr int kSandboxes = 4;
constexpr int kTimed = 3; // hibernate, restore and cold boot: median of 3
constexpr double kEightGiBMiB = 8 * 1024.0;

// Waits until the QEMU process has settled: under 3% of one CPU over a 500 ms window, at
// most 20 s (a TCG guest's kernel keeps some timer work going; that is its idle).
double settle(pid_t pid) {
    const double t0 = nowMs();
    double lastCpu = processCpuMs(pid), lastAt = nowMs();
    double share = 1;
    while (nowMs() - t0 < 20000 && !interrupted()) {
        waitUntil([&] { return nowMs() - lastAt >= 500; }, 1000);
        const double cpu = processCpuMs(pid), at = nowMs();
        share = (cpu - lastCpu) / (at - lastAt);
        lastCpu = cpu;
        lastAt = at;
        if (share < 0.03)
            break;
    }
    return share;
}

QString saveImage(const QString& domain) {
    for (const QString& dir : {QString("/var/lib/libvirt/qemu/save"),
                               QDir::homePath() + "/.config/libvirt/qemu/save"})
        if (QFileInfo::exists(dir + "/" + domain + ".save"))
            return dir + "/" + domain + ".save";
    return {};
}

// The bare baseline: the sandbox's guest without libvirt or vivariumd.
bool bareRss(const Config& c, double* rssMiB, QString* error) {
    const QString overlay = c.runDir + "/idle-bare.qcow2";
    QFile::remove(overlay);
    if (!runTool("qemu-img", {"create", "-q", "-f", "qcow2", "-F", "raw", "-b", c.tinyRootfs(), overlay},
                 60000, error))
        return false;
    UnixListener listener;
    if (!listener.listen(c.runDir + "/idle-bare.sock", error))
        return false;
    const QStringList args{
        "-M", "microvm,acpi=on", "-accel", "tcg", "-m", "256", "-smp", "1", "-no-reboot",
        "-display", "none", "-nodefaults", "-serial", "stdio", "-kernel", c.kernel(),
        "-initrd", c.initrd(), "-append", c.guestCmdline("vivarium.hostname=bench"),
        "-drive", "id=d,file=" + overlay + ",format=qcow2,if=none,cache=writeback,discard=unmap",
        "-device", "virtio-blk-device,drive=d", "-device", "virtio-serial-device",
        "-chardev", "socket,id=agent,path=" + listener.path(),
        "-device", "virtserialport,chardev=agent,name=dev.vivarium.agent.0"};
    BareQemu qemu;
    if (!qemu.start(c.qemu, args, c.runDir + "/idle-bare.qemu.log", error))
        return false;
    const int fd = listener.accept(10000);
    if (fd < 0) {
        *error = "bare QEMU did not connect to its agent socket";
        return false;
    }
    AgentClient agent(fd);
    if (!agent.hello(60000) || !agent.exec({"/bin/true"}, 30000)) {
        *error = "no Hello or exec from the agent in the bare VM";
        return false;
    }
    settle(qemu.pid());
    *rssMiB = processMemory(qemu.pid()).rssKiB / 1024.0;
    return *rssMiB > 0;
}

} // namespace

bool idleMemory(Context& ctx) {
    Config& c = ctx.config;
    say("\n== idle-memory: QEMU VmRSS of %d idle tiny sandboxes (256 MiB) running, paused and "
        "hibernated; hibernate and restore times vs a cold boot (median of %d)\n",
        kSandboxes, kTimed);
    QString error;
    std::vector<std::unique_ptr<ScopedSandbox>> boxes;
    QStringList ids;
    for (int i = 0; i < kSandboxes && !interrupted(); ++i) {
        boxes.push_back(std::make_unique<ScopedSandbox>(ctx.api));
        auto id = createReady(ctx, *boxes.back(), &error);
        if (!id || !ctx.api.exec(*id, {"/bin/true"}, 30000, &error).ok()) {
            fail(error);
            return false;
        }
        ids << *id;
    }
    auto call = [&](const QString& type, const QString& id, double* ms = nullptr) {
        const double t0 = nowMs();
        const bool ok = ctx.api.call(type, {{"sandbox", id}}, kBootTimeoutMs, &error).has_value();
        if (ms)
            *ms = nowMs() - t0;
        if (!ok)
            fail(type + " " + id + ": " + error);
        return ok;
    };

    Stats running, paused, hibernatedRss, imageMiB, hibernateMs, restoreMs, coldMs, bare;
    QJsonArray settledCpu;
    for (const QString& id : std::as_const(ids)) {
        const pid_t pid = libvirtQemuPid("vivarium-" + id);
        settledCpu.append(round3(settle(pid)));
        running.add(processMemory(pid).rssKiB / 1024.0);
    }
    for (const QString& id : std::as_const(ids))
        if (!call("sandbox.pause", id))
            return false;
    for (const QString& id : std::as_const(ids))
        paused.add(processMemory(libvirtQemuPid("vivarium-" + id)).rssKiB / 1024.0);
    for (const QString& id : std::as_const(ids))
        if (!call("sandbox.resume", id))
            return false;

    for (int i = 0; i < ids.size(); ++i) {
        double ms = 0;
        if (!call("sandbox.hibernate", ids[i], &ms))
            return false;
        if (i < kTimed)
            hibernateMs.add(ms);
        const pid_t pid = libvirtQemuPid("vivarium-" + ids[i]);
        hibernatedRss.add(pid > 0 && ::kill(pid, 0) == 0 ? processMemory(pid).rssKiB / 1024.0 : 0.0);
        imageMiB.add(QFileInfo(saveImage("vivarium-" + ids[i])).size() / 1048576.0);
    }
    // Restore: resume answers once the agent has resynced (processes intact, clock set).
    for (int i = 0; i < ids.size(); ++i) {
        double ms = 0;
        if (!call("sandbox.resume", ids[i], &ms))
            return false;
        if (i < kTimed)
            restoreMs.add(ms);
        if (!ctx.api.exec(ids[i], {"/bin/true"}, 30000, &error).ok()) {
            fail("exec after restore: " + error);
            return false;
        }
    }
    // Cold boot of the same sandboxes: stop, then start until the agent's Hello.
    for (int i = 0; i < kTimed; ++i) {
        double ms = 0;
        if (!call("sandbox.stop", ids[i]) || !call("sandbox.start", ids[i], &ms))
            return false;
        coldMs.add(ms);
    }
    boxes.clear(); // removes them
    for (int i = 0; i < kTimed && !interrupted(); ++i) {
        double rss = 0;
        if (!bareRss(c, &rss, &error)) {
            fail(error);
            return false;
        }
        bare.add(rss);
    }

    const double perSandbox = running.p50();
    const double fits = perSandbox > 0 ? std::floor(kEightGiBMiB / perSandbox) : 0;
    const double fitsBare = bare.p50() > 0 ? std::floor(kEightGiBMiB / bare.p50()) : 0;
    const double restoreRatio = ratio(restoreMs.p50(), coldMs.p50());
    printTable("idle memory (MiB of host RSS per sandbox's QEMU)",
               {{"ours: idle, running", &running, "MiB"},
                {"ours: paused", &paused, "MiB"},
                {"ours: hibernated (no QEMU)", &hibernatedRss, "MiB"},
                {"  (hibernated: save image on disk)", &imageMiB, "MiB"},
                {"baseline: bare QEMU, -m 256, idle after Hello", &bare, "MiB"}},
               1);
    printTable("hibernation (ms, through the API)",
               {{"hibernate (memory to disk, QEMU exits)", &hibernateMs, "ms"},
                {"restore from hibernation -> ready (resynced)", &restoreMs, "ms"},
                {"baseline: cold boot (start -> ready)", &coldMs, "ms"}},
               0);
    say("  idle 256 MiB sandboxes in 8 GiB: %s running (bare QEMU: %s), the same paused, "
        "unlimited hibernated (disk only)\n",
        S(qint64(fits)).c(), S(qint64(fitsBare)).c());
    say("  ratio restore/cold boot (p50): %s x; ours/bare RSS (p50): %s x\n",
        S(fmt(restoreRatio, 2)).c(), S(fmt(ratio(perSandbox, bare.p50()), 2)).c());
    QJsonObject rec{
        {"sandboxes", kSandboxes},
        {"settle", "each QEMU under 3% of a CPU over 500 ms (bounded at 20 s); shares seen"},
        {"settled_cpu_share", settledCpu},
        {"ours", QJsonObject{{"what", "VmRSS of the libvirt-started QEMU of idle tiny sandboxes "
                                      "(256 MiB, 1 vCPU, TCG) after boot and one exec"},
                             {"running_rss", running.toJson("MiB")},
                             {"paused_rss", paused.toJson("MiB")},
                             {"hibernated_rss", hibernatedRss.toJson("MiB")},
                             {"hibernated_image", imageMiB.toJson("MiB")},
                             {"fit_in_8GiB_running", fits},
                             {"fit_in_8GiB_paused", paused.p50() > 0 ? std::floor(kEightGiBMiB / paused.p50()) : 0}}},
        {"baseline", QJsonObject{{"what", "bare qemu-system-x86_64 -M microvm -m 256, same kernel, "
                                          "initramfs, tiny overlay and agent port, idle after Hello "
                                          "and one exec"},
                                 {"rss", bare.toJson("MiB")},
                                 {"fit_in_8GiB", fitsBare}}},
        {"hibernate", hibernateMs.toJson("ms")},
        {"restore", restoreMs.toJson("ms")},
        {"cold_boot", coldMs.toJson("ms")},
        {"ratio_restore_vs_cold", round3(restoreRatio)},
        {"ratio", round3(ratio(perSandbox, bare.p50()))}};
    writeJson(c, "idle-memory", rec);
    return true;
}

} // namespace bench
