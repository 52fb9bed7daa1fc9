// pool: time from `sandbox.create {template}` to the first output of an `echo` in the sandbox
// it returns, from a warm pool (a template with `pool` min 1, max 2) against a cold boot (the
// same template without a pool), N sequential requests each (20 by default), p50 and p99; the
// pool refills between warm requests (the bench waits for a pool.changed event with ready ≥ 1,
// it does not sleep). Then a burst: 10 simultaneous requests against a pool of min 3, max 3,
// each timed from the moment all were sent, and how many came from the pool. tiny image,
// 256 MiB, TCG. Templates and sandboxes are removed whatever happens.
#include "Benchmarks.h"
#include "Helpers.h"

#include "ApiClient.h"

#include <QJsonArray>

#include <memory>

namespace bench {

namespace {

constexpr const char* kWarm = "bench-pool-warm";
constexpr const char* kCold = "bench-pool-cold";

// The templates made here, removed (with their pools' members) when the scope ends.
class ScopedTemplates {
public:
    explicit ScopedTemplates(Api& api) : m_api(api) {}
    ~ScopedTemplates() {
        QString error;
        for (const QString& name : m_names)
            m_api.call("template.remove", {{"name", name}}, 30000, &error);
        // The pool's members go with it; wait until they are gone so the next bench starts clean.
        waitUntil([this] {
            QString e;
            auto r = m_api.call("sandbox.list", {{"all", true}}, 30000, &e);
            if (!r)
                return true;
            for (const QJsonValue& v : r->value("sandboxes").toArray())
                if (v.toObject().contains("pool"))
                    return false;
            return true;
        }, 60000);
    }
    void add(const QString& name) { m_names << name; }

private:
    Api& m_api;
    QStringList m_names;
};

struct Timed {
    double firstOut = -1; // ms from the request (or the burst's start)
    bool fromPool = false;
};

// One request: create, then echo, sequentially (the reply of the create is the start of the
// exec).
std::optional<Timed> createAndEcho(Context& ctx, const QString& tmpl, QString* error) {
    ScopedSandbox sb(ctx.api);
    const double t0 = nowMs();
    auto r = ctx.api.call("sandbox.create", {{"template", tmpl}}, kBootTimeoutMs, error);
    if (!r)
        return std::nullopt;
    sb.set(r->value("sandbox").toObject().value("id").toString());
    const ExecTiming t = ctx.api.exec(sb.id(), {"echo", "warm"}, 60000, error);
    if (!t.ok() || t.firstOut < 0) {
        if (error->isEmpty())
            *error = "exec in " + sb.id() + " gave no output";
        return std::nullopt;
    }
    return Timed{t.firstOut - t0, r->value("from_pool").toBool()};
}

} // namespace

bool poolBench(Context& ctx) {
    Config& c = ctx.config;
    const int requests = qEnvironmentVariableIntValue("VIVARIUM_BENCH_POOL_REQUESTS") > 0
                             ? qEnvironmentVariableIntValue("VIVARIUM_BENCH_POOL_REQUESTS")
                             : 20;
    const int burst = 10;
    say("\n== pool: create {template} -> first exec output, warm pool vs cold boot (%d requests "
        "each, sequential), and a burst of %d against a pool of 3\n",
        requests, burst);
    QString error;
    // Every pool.changed event: the latest state of each pool, and the highest ready + booting.
    QHash<QString, QJsonObject> pools;
    int overMax = 0;
    auto conn = QObject::connect(&ctx.api.client(), &vivarium::ApiClient::event, &ctx.api,
                                 [&](const QJsonObject& e) {
                                     if (e.value("event") != "pool.changed" || !e.value("pool").isObject())
                                         return;
                                     const QJsonObject p = e.value("pool").toObject();
                                     pools[p.value("template").toString()] = p;
                                     overMax += p.value("ready").toInt() + p.value("booting").toInt() >
                                                p.value("max").toInt();
                                 });
    struct Disconnect {
        QMetaObject::Connection c;
        ~Disconnect() { QObject::disconnect(c); }
    } disconnect{conn};
    auto ready = [&](int n) {
        return waitUntil([&] { return pools.value(kWarm).value("ready").toInt() >= n; }, kBootTimeoutMs);
    };

    ScopedTemplates templates(ctx.api);
    for (const auto& [name, pool] : {std::pair{kWarm, QJsonObject{{"min_ready", 1}, {"max", 2}}},
                                     std::pair{kCold, QJsonObject{}}}) {
        QJsonObject body{{"name", name}, {"from", "tiny"}, {"memory_mib", 256}};
        if (!pool.isEmpty())
            body["pool"] = pool;
        if (!ctx.api.call("template.create", body, 30000, &error)) {
            fail(QString("template.create ") + name + ": " + error);
            return false;
        }
        templates.add(name);
    }

    // Sequential, interleaved: a warm request (once the pool has a ready member), a cold one.
    Stats warmFirst, coldFirst;
    int warmFromPool = 0;
    for (int i = 0; i < requests && !interrupted(); ++i) {
        if (!ready(1)) {
            fail("the pool has no ready sandbox after " + QString::number(kBootTimeoutMs / 1000) + " s");
            return false;
        }
        auto warm = createAndEcho(ctx, kWarm, &error);
        if (!warm) {
            fail("warm: " + error);
            return false;
        }
        warmFirst.add(warm->firstOut);
        warmFromPool += warm->fromPool;
        auto cold = createAndEcho(ctx, kCold, &error);
        if (!cold) {
            fail("cold: " + error);
            return false;
        }
        coldFirst.add(cold->firstOut);
    }
    if (interrupted())
        return false;

    // The burst: a pool of 3, then `burst` creates at once, each followed by its echo.
    if (!ctx.api.call("template.update", {{"name", kWarm}, {"pool", QJsonObject{{"min_ready", 3}, {"max", 3}}}},
                      30000, &error)) {
        fail("template.update: " + error);
        return false;
    }
    if (!ready(3)) {
        fail("the pool did not reach 3 ready sandboxes");
        return false;
    }
    struct Pending {
        QString id;
        quint32 channel = 0;
        bool fromPool = false;
        double firstOut = -1;
        QString error;
    };
    auto pending = std::make_shared<QList<Pending>>(burst);
    auto dataConn = QObject::connect(&ctx.api.client(), &vivarium::ApiClient::data, &ctx.api,
                                     [pending](vivarium::api::DataKind, quint32 channel, const QByteArray&) {
                                         for (Pending& p : *pending)
                                             if (p.channel == channel && p.firstOut < 0)
                                                 p.firstOut = nowMs();
                                     });
    Disconnect dataDisconnect{dataConn};
    const double t0 = nowMs();
    Api* api = &ctx.api;
    for (int i = 0; i < burst; ++i)
        api->client().request("sandbox.create", {{"template", kWarm}}, [api, pending, i](vivarium::Result<QJsonObject> r) {
            Pending& p = (*pending)[i];
            if (!r) {
                p.error = r.error().text();
                return;
            }
            p.id = r->value("sandbox").toObject().value("id").toString();
            p.fromPool = r->value("from_pool").toBool();
            api->client().request("exec", {{"sandbox", p.id}, {"argv", QJsonArray{"echo", "burst"}}},
                                     [pending, i](vivarium::Result<QJsonObject> e) {
                                         if (!e)
                                             (*pending)[i].error = e.error().text();
                                         else
                                             (*pending)[i].channel = quint32(e->value("channel").toInteger());
                                     });
        });
    const bool allOut = waitUntil([&] {
        for (const Pending& p : std::as_const(*pending))
            if (p.firstOut < 0 && p.error.isEmpty())
                return false;
        return true;
    }, 3 * kBootTimeoutMs);
    // Removed here whatever happened, before the templates.
    for (const Pending& p : std::as_const(*pending))
        if (!p.id.isEmpty()) {
            ScopedSandbox sb(ctx.api);
            sb.set(p.id);
        }
    Stats burstFirst, burstPool, burstCold;
    int burstFromPool = 0;
    for (const Pending& p : std::as_const(*pending)) {
        if (!p.error.isEmpty() || p.firstOut < 0) {
            fail("burst: " + (p.error.isEmpty() ? QString("no output in time") : p.error));
            return false;
        }
        burstFirst.add(p.firstOut - t0);
        (p.fromPool ? burstPool : burstCold).add(p.firstOut - t0);
        burstFromPool += p.fromPool;
    }
    if (!allOut)
        return false;

    const double seqRatio = ratio(warmFirst.p50(), coldFirst.p50());
    printTable("create -> first exec output (ms), sequential",
               {{"ours: warm pool (min 1, max 2)", &warmFirst, "ms"},
                {"baseline: cold boot (no pool)", &coldFirst, "ms"}},
               0);
    printTable(QString("burst of %1 simultaneous creates, pool min 3 max 3 (ms from the burst's start)").arg(burst),
               {{"all requests", &burstFirst, "ms"},
                {"  served from the pool", &burstPool, "ms"},
                {"  cold boots (the pool was empty)", &burstCold, "ms"}},
               0);
    say("  ratio warm/cold (p50): %s x (p99: %s x); warm requests served from the pool: %d of %d; "
        "burst: %d of %d from the pool; pool.changed events over max: %d\n",
        S(fmt(seqRatio, 3)).c(), S(fmt(ratio(warmFirst.p99(), coldFirst.p99()), 3)).c(), warmFromPool,
        requests, burstFromPool, burst, overMax);
    QJsonObject rec{
        {"what", "sandbox.create {template} -> first output of `echo` in the sandbox it returns; "
                 "tiny image, 256 MiB, 1 vCPU, TCG; warm and cold requests interleaved, the pool "
                 "refilled (pool.changed ready >= 1) before each warm request"},
        {"requests", requests},
        {"ours", QJsonObject{{"warm_first_output", warmFirst.toJson("ms")},
                             {"served_from_pool", warmFromPool}}},
        {"baseline", QJsonObject{{"what", "the same template without a pool: a cold boot per request"},
                                 {"first_output", coldFirst.toJson("ms")}}},
        {"ratio", round3(seqRatio)},
        {"ratio_p99", round3(ratio(warmFirst.p99(), coldFirst.p99()))},
        {"burst", QJsonObject{{"requests", burst},
                              {"pool", QJsonObject{{"min_ready", 3}, {"max", 3}}},
                              {"first_output", burstFirst.toJson("ms")},
                              {"from_pool_first_output", burstPool.toJson("ms")},
                              {"cold_first_output", burstCold.toJson("ms")},
                              {"from_pool", burstFromPool}}},
        {"pool_events_over_max", overMax}};
    writeJson(c, "pool", rec);
    return true;
}

} // namespace bench
