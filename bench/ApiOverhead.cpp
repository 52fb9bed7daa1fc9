// api-overhead: exec of /bin/true through the WebSocket API (vivariumd) vs through the core
// library in this process (a SandboxManager of our own, its own data directory, the same
// tiny template, the same accelerator), alternating one exec on each.
#include "Benchmarks.h"
#include "Helpers.h"

#include "SandboxManager.h"

#include <QDir>
#include <QFile>

#include <unistd.h>

namespace bench {

namespace {

// Points this process's vivarium paths (Paths::dataDir() etc.) at a private directory, as
// the isolated service's environment does, and puts everything back afterwards.
class CoreEnvironment {
public:
    CoreEnvironment(const Config& c) {
        const QString base = c.runDir + "/core";
        const QString runtime = base + "/runtime";
        for (const QString& d : {runtime, base + "/data", base + "/config"})
            QDir().mkpath(d);
        QFile::setPermissions(runtime, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        set("XDG_RUNTIME_DIR", runtime);
        set("XDG_DATA_HOME", base + "/data");
        set("XDG_CONFIG_HOME", base + "/config");
        set("VIVARIUM_CACHE_DIR", c.cacheDir);
        set("VIVARIUM_ACCEL", "tcg");
        for (const char* k : {"VIVARIUM_DATA_DIR", "VIVARIUM_GUEST_CMDLINE_EXTRA",
                              "VIVARIUM_LIBVIRT_URI", "VIVARIUM_REQUIRE_KVM"})
            set(k, {}, true);
    }
    ~CoreEnvironment() {
        for (auto it = m_saved.crbegin(); it != m_saved.crend(); ++it) {
            if (it->had)
                qputenv(it->name.constData(), it->value);
            else
                qunsetenv(it->name.constData());
        }
    }

private:
    void set(const char* name, const QString& value, bool unset = false) {
        m_saved.push_back({name, qgetenv(name), qEnvironmentVariableIsSet(name)});
        if (unset)
            qunsetenv(name);
        else
            qputenv(name, value.toLocal8Bit());
    }
    struct Saved {
        QByteArray name, value;
        bool had;
    };
    std::vector<Saved> m_saved;
};

// The core's log lines go to a file in the scratch directory, not between the tables.
QFile* g_coreLog = nullptr;
QtMessageHandler g_previousHandler = nullptr;
void toCoreLog(QtMsgType type, const QMessageLogContext& ctx, const QString& msg) {
    if (g_coreLog && ctx.category && QByteArray(ctx.category).startsWith("vivarium.")) {
        g_coreLog->write(qFormatLogMessage(type, ctx, msg).toUtf8() + "\n");
        g_coreLog->flush();
        return;
    }
    if (g_previousHandler)
        g_previousHandler(type, ctx, msg);
}

// An in-process SandboxManager with one tiny sandbox, removed (and the manager gone) when
// the scope ends, whatever happened.
class CoreSandbox {
public:
    explicit CoreSandbox(const Config& c) : m_env(c), m_log(c.runDir + "/core.log") {
        m_log.open(QIODevice::WriteOnly | QIODevice::Append);
        g_coreLog = &m_log;
        g_previousHandler = qInstallMessageHandler(toCoreLog);
    }
    ~CoreSandbox() {
        if (m_sandbox && m_manager) {
            bool done = false;
            vivarium::Status st;
            m_manager->remove(m_sandbox, [&](vivarium::Status s) {
                st = std::move(s);
                done = true;
            });
            if (!waitUntil([&] { return done; }, 60000))
                fail("core: removing the in-process sandbox took more than 60 s");
            else if (!st)
                fail("core: cannot remove the in-process sandbox: " + st.error().text());
        }
        m_manager.reset();
        qInstallMessageHandler(g_previousHandler);
        g_coreLog = nullptr;
    }

    bool create(QString* error) {
        m_manager = std::make_unique<vivarium::SandboxManager>(
            vivarium::ManagerSettings::fromEnvironment());
        if (auto s = m_manager->init(); !s) {
            *error = "core: SandboxManager::init: " + s.error().text();
            return false;
        }
        bool done = false;
        QString why;
        vivarium::SandboxManager::CreateOptions o;
        o.templateName = "tiny";
        m_manager->create(
            o, [](int, const QString&) {},
            [&](vivarium::Result<vivarium::Sandbox*> r) {
                if (r)
                    m_sandbox = r.value();
                else
                    why = r.error().text();
                done = true;
            },
            &m_context);
        if (!waitUntil([&] { return done; }, kBootTimeoutMs)) {
            *error = "core: create did not finish in time";
            return false;
        }
        if (!m_sandbox) {
            *error = "core: create: " + why;
            return false;
        }
        return true;
    }

    // exec() to the run's exited signal, as ApiSession does it (stdin closed right away).
    struct Timing {
        double t0 = 0, t1 = -1;
        int code = -1;
    };
    std::optional<Timing> exec(const QStringList& argv, int timeoutMs, QString* error) {
        vivarium::ExecOptions o;
        o.argv = argv;
        o.origin = "bench";
        Timing t;
        t.t0 = nowMs();
        auto run = m_sandbox->exec(o);
        if (!run) {
            *error = "core: exec: " + run.error().text();
            return std::nullopt;
        }
        vivarium::Run* r = run.value();
        QObject::connect(r, &vivarium::OutputSource::exited, &m_context, [&t] { t.t1 = nowMs(); });
        m_sandbox->writeStdin(r->seq(), {});
        if (!waitUntil([&] { return t.t1 >= 0; }, timeoutMs)) {
            QObject::disconnect(r, nullptr, &m_context, nullptr);
            *error = "core: exec: no exit in time";
            return std::nullopt;
        }
        QObject::disconnect(r, nullptr, &m_context, nullptr);
        t.code = r->info().exitCode.value_or(-1);
        return t;
    }
    QString id() const { return m_sandbox ? m_sandbox->id() : QString(); }

private:
    CoreEnvironment m_env;
    QFile m_log;
    QObject m_context;
    std::unique_ptr<vivarium::SandboxManager> m_manager;
    vivarium::Sandbox* m_sandbox = nullptr;
};

} // namespace

bool apiOverhead(Context& ctx) {
    Config& c = ctx.config;
    const int n = c.execRuns;
    say("\n== api-overhead: exec /bin/true through the API (request -> exit message) vs through "
        "the core in-process (Sandbox::exec -> Run::exited), %d runs each, alternating\n",
        n);
    QString error;
    ScopedSandbox api(ctx.api);
    if (!createReady(ctx, api, &error)) {
        fail(error);
        return false;
    }
    CoreSandbox core(c);
    if (!core.create(&error)) {
        fail(error);
        return false;
    }
    say("  sandboxes: API %s (vivariumd), core %s (in-process, %s)\n", S(api.id()).c(),
        S(core.id()).c(), S(c.runDir + "/core").c());
    Stats viaApi, apiReply, viaCore, added;
    for (int i = -10; i < n && !interrupted(); ++i) { // 10 warm-up runs each
        ExecTiming e = ctx.api.exec(api.id(), {"/bin/true"}, 30000, &error);
        if (!e.ok() || e.exitCode() != 0) {
            fail("API exec /bin/true: " + error);
            return false;
        }
        auto t = core.exec({"/bin/true"}, 30000, &error);
        if (!t || t->code != 0) {
            fail(t ? QString("core exec /bin/true: exit code %1").arg(t->code) : error);
            return false;
        }
        if (i < 0)
            continue;
        viaApi.add(e.exit - e.sent);
        apiReply.add(e.reply - e.sent);
        viaCore.add(t->t1 - t->t0);
        added.add((e.exit - e.sent) - (t->t1 - t->t0));
    }
    const double r50 = ratio(viaApi.p50(), viaCore.p50());
    const double r99 = ratio(viaApi.p99(), viaCore.p99());
    printTable("api-overhead (ms)",
               {{"ours: API exec /bin/true -> exit message", &viaApi, "ms"},
                {"  (API: request -> exec reply)", &apiReply, "ms"},
                {"baseline: core in-process exec -> Run::exited", &viaCore, "ms"},
                {"  (API minus core, pairwise per iteration)", &added, "ms"}},
               2);
    say("  ratio API/core: p50 %s x (+%s ms), p99 %s x\n", S(fmt(r50, 2)).c(),
        S(fmt(viaApi.p50() - viaCore.p50(), 2)).c(), S(fmt(r99, 2)).c());
    QJsonObject rec{
        {"runs", n},
        {"ours", QJsonObject{{"what", "exec [/bin/true] in a running tiny sandbox of the isolated "
                                      "vivariumd over the WebSocket API: request sent -> exit "
                                      "message received by the ApiClient"},
                             {"time", viaApi.toJson("ms")},
                             {"request_to_reply", apiReply.toJson("ms")}}},
        {"baseline", QJsonObject{{"what", "the same exec through vivarium_core in the bench process: "
                                          "a SandboxManager (settings from the environment, own "
                                          "XDG data dir, TCG) with a tiny sandbox; "
                                          "Sandbox::exec + stdin closed -> Run::exited signal"},
                                 {"time", viaCore.toJson("ms")}}},
        {"ratio_p50", round3(r50)},
        {"ratio_p99", round3(r99)},
        {"added_p50_ms", round3(viaApi.p50() - viaCore.p50())},
        {"added_pairwise", added.toJson("ms", false)}};
    writeJson(c, "api-overhead", rec);
    return true;
}

} // namespace bench
