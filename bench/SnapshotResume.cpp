// snapshot-resume: time from the request to the first output of an exec, for a sandbox that
// resumes from a memory snapshot (a fork of it, and a restore of it into its own sandbox)
// against a cold boot of the same template (create + exec), interleaved round by round,
// medians of --runs; plus how long taking a snapshot holds a running sandbox (disk only and
// with memory) and how big each is. All through the API of an isolated vivariumd, tiny
// sandboxes (256 MiB, TCG). Every sandbox is removed whatever happens.
#include "Benchmarks.h"
#include "Helpers.h"

#include <QJsonArray>

namespace bench {

namespace {

// Request → first byte of `echo` output from the sandbox the request produced.
struct FirstOutput {
    double total = -1;   // request sent → first output
    double request = -1; // request sent → its reply (the sandbox is ready)
};

bool echoAfter(Context& ctx, const QString& id, double t0, double replied, FirstOutput* out,
               QString* error) {
    const ExecTiming t = ctx.api.exec(id, {"echo", "resumed"}, 60000, error);
    if (!t.ok() || t.firstOut < 0 || !t.output.contains("resumed")) {
        if (error->isEmpty())
            *error = "exec in " + id + " gave no output";
        return false;
    }
    out->total = t.firstOut - t0;
    out->request = replied - t0;
    return true;
}

} // namespace

bool snapshotResume(Context& ctx) {
    Config& c = ctx.config;
    const int runs = std::max(1, c.runs);
    say("\n== snapshot-resume: request -> first exec output, resumed from a memory snapshot "
        "(fork, restore) vs a cold boot (create); snapshot times and sizes (median of %d)\n",
        runs);
    QString error;
    ScopedSandbox origin(ctx.api);
    auto originId = createReady(ctx, origin, &error);
    if (!originId ||
        !ctx.api.exec(*originId, {"sh", "-c", "sleep 100000 & true"}, 30000, &error).ok()) {
        fail("origin: " + error);
        return false;
    }

    // Snapshot create: how long the request takes (the sandbox is saved, copied, restored).
    Stats diskMs, memoryMs, diskMiB, memoryMiB;
    for (int i = 0; i < runs && !interrupted(); ++i) {
        for (const bool memory : {false, true}) {
            const QString name = QString("%1-%2").arg(memory ? "mem" : "disk").arg(i);
            const double t0 = nowMs();
            auto r = ctx.api.call("snapshot.create",
                                  {{"sandbox", *originId}, {"name", name}, {"memory", memory}},
                                  kBootTimeoutMs, &error);
            if (!r) {
                fail("snapshot.create " + name + ": " + error);
                return false;
            }
            (memory ? memoryMs : diskMs).add(nowMs() - t0);
            (memory ? memoryMiB : diskMiB)
                .add(r->value("snapshot").toObject().value("size_bytes").toDouble() / 1048576.0);
        }
    }

    Stats forkFirst, forkReply, restoreFirst, restoreReply, coldFirst, coldReply;
    int memoryRestored = 0;
    for (int i = 0; i < runs && !interrupted(); ++i) {
        // Cold boot of the same template.
        {
            ScopedSandbox cold(ctx.api);
            double replied = 0;
            const double t0 = nowMs();
            auto id = ctx.api.create("tiny", kBootTimeoutMs, &error, &replied);
            if (!id) {
                fail("create: " + error);
                return false;
            }
            cold.set(*id);
            FirstOutput f;
            if (!echoAfter(ctx, *id, t0, replied, &f, &error)) {
                fail(error);
                return false;
            }
            coldFirst.add(f.total);
            coldReply.add(f.request);
        }
        // A fork of the memory snapshot.
        {
            ScopedSandbox fork(ctx.api);
            double replied = 0;
            const double t0 = nowMs();
            auto r = ctx.api.call("sandbox.fork", {{"sandbox", *originId}, {"snapshot", "mem-0"}},
                                  kBootTimeoutMs, &error, &replied);
            if (!r) {
                fail("sandbox.fork: " + error);
                return false;
            }
            const QString id = r->value("sandbox").toObject().value("id").toString();
            fork.set(id);
            memoryRestored += r->value("memory_restored").toBool() ? 1 : 0;
            FirstOutput f;
            if (!echoAfter(ctx, id, t0, replied, &f, &error)) {
                fail(error);
                return false;
            }
            forkFirst.add(f.total);
            forkReply.add(f.request);
        }
        // A restore of the memory snapshot into the origin (stopped first, not timed).
        {
            if (!ctx.api.call("sandbox.stop", {{"sandbox", *originId}}, kBootTimeoutMs, &error)) {
                fail("stop: " + error);
                return false;
            }
            double replied = 0;
            const double t0 = nowMs();
            if (!ctx.api.call("snapshot.restore", {{"sandbox", *originId}, {"name", "mem-0"}},
                              kBootTimeoutMs, &error, &replied)) {
                fail("snapshot.restore: " + error);
                return false;
            }
            FirstOutput f;
            if (!echoAfter(ctx, *originId, t0, replied, &f, &error)) {
                fail(error);
                return false;
            }
            restoreFirst.add(f.total);
            restoreReply.add(f.request);
        }
    }
    if (interrupted())
        return false;

    const double forkRatio = ratio(forkFirst.p50(), coldFirst.p50());
    const double restoreRatio = ratio(restoreFirst.p50(), coldFirst.p50());
    printTable("request -> first exec output (ms)",
               {{"ours: fork of a memory snapshot", &forkFirst, "ms"},
                {"  (fork reply: ready)", &forkReply, "ms"},
                {"ours: restore of a memory snapshot", &restoreFirst, "ms"},
                {"  (restore reply: ready)", &restoreReply, "ms"},
                {"baseline: cold boot (create + exec)", &coldFirst, "ms"},
                {"  (create reply: ready)", &coldReply, "ms"}},
               0);
    printTable("snapshot create (ms: the request, the sandbox is saved, copied and restored)",
               {{"disk only, running sandbox", &diskMs, "ms"},
                {"disk and memory, running sandbox", &memoryMs, "ms"}},
               0);
    printTable("snapshot size (MiB)",
               {{"disk only", &diskMiB, "MiB"}, {"disk and memory", &memoryMiB, "MiB"}}, 1);
    say("  ratio fork/cold (p50): %s x; restore/cold (p50): %s x; forks with memory restored: "
        "%d of %d\n",
        S(fmt(forkRatio, 2)).c(), S(fmt(restoreRatio, 2)).c(), memoryRestored, runs);
    QJsonObject rec{
        {"what", "request -> first output of `echo` in the sandbox the request produced; tiny "
                 "template (256 MiB, 1 vCPU, TCG); rounds interleave cold, fork, restore"},
        {"runs", runs},
        {"ours", QJsonObject{{"fork_first_output", forkFirst.toJson("ms")},
                             {"fork_reply", forkReply.toJson("ms")},
                             {"restore_first_output", restoreFirst.toJson("ms")},
                             {"restore_reply", restoreReply.toJson("ms")},
                             {"forks_memory_restored", memoryRestored}}},
        {"baseline",
         QJsonObject{{"what", "sandbox.create of the same template, then the same exec"},
                     {"first_output", coldFirst.toJson("ms")},
                     {"create_reply", coldReply.toJson("ms")}}},
        {"snapshot_create",
         QJsonObject{{"disk_only", diskMs.toJson("ms")}, {"with_memory", memoryMs.toJson("ms")}}},
        {"snapshot_size", QJsonObject{{"disk_only", diskMiB.toJson("MiB")},
                                      {"with_memory", memoryMiB.toJson("MiB")}}},
        {"ratio", round3(forkRatio)},
        {"ratio_restore_vs_cold", round3(restoreRatio)}};
    writeJson(c, "snapshot-resume", rec);
    return true;
}

} // namespace bench
