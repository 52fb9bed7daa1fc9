#include "PoolManager.h"

#include "Log.h"
#include "PoolMath.h"
#include "SandboxManager.h"

#include <QCryptographicHash>
#include <QJsonDocument>

#include <memory>

namespace vivarium {

namespace {

bool booting(SandboxState s) { return s == SandboxState::Creating || s == SandboxState::Booting; }

// States a member leaves the pool from: it cannot become Ready by itself.
bool broken(SandboxState s) {
    return s == SandboxState::Stopped || s == SandboxState::Error || s == SandboxState::Paused ||
           s == SandboxState::Saving || s == SandboxState::Hibernated;
}

} // namespace

PoolSettings PoolSettings::fromEnvironment() {
    PoolSettings s;
    if (int v = qEnvironmentVariableIntValue("VIVARIUM_POOL_MAX_BOOTING"); v > 0)
        s.maxBooting = v;
    if (int v = qEnvironmentVariableIntValue("VIVARIUM_POOL_TICK_MS"); v > 0)
        s.tickMs = v;
    if (int v = qEnvironmentVariableIntValue("VIVARIUM_POOL_SAMPLE_MS"); v > 0)
        s.sampleMs = v;
    if (int v = qEnvironmentVariableIntValue("VIVARIUM_POOL_DEMAND_WINDOW_MS"); v > 0)
        s.demandWindowMs = v;
    return s;
}

PoolManager::PoolManager(SandboxManager* manager, PoolSettings settings)
    : QObject(manager), m_manager(manager), m_settings(settings) {
    m_tick.setInterval(m_settings.tickMs);
    connect(&m_tick, &QTimer::timeout, this, &PoolManager::reconcileAll);
    m_sample.setInterval(m_settings.sampleMs);
    connect(&m_sample, &QTimer::timeout, this, &PoolManager::sample);
}

QString PoolManager::signature(const Template& t) {
    // What makes two members interchangeable: everything a sandbox copies from its template.
    QJsonObject env;
    for (auto it = t.env.begin(); it != t.env.end(); ++it)
        env[it.key()] = it.value();
    const QJsonObject o{{"image", t.image},   {"vcpus", t.vcpus},     {"memory_mib", t.memoryMiB},
                        {"disk_mib", t.diskMiB}, {"env", env},       {"workdir", t.workdir},
                        {"user", t.user},     {"network", t.networkJson()}};
    return QString::fromLatin1(
        QCryptographicHash::hash(QJsonDocument(o).toJson(QJsonDocument::Compact), QCryptographicHash::Sha256)
            .toHex()
            .left(16));
}

void PoolManager::start() {
    if (m_started)
        return;
    m_started = true;
    TemplateStore* templates = &m_manager->templates();
    connect(templates, &TemplateStore::templateAdded, this, &PoolManager::onTemplate);
    connect(templates, &TemplateStore::templateChanged, this, &PoolManager::onTemplate);
    connect(templates, &TemplateStore::templateRemoved, this, &PoolManager::onTemplateRemoved);
    // Counts follow the sandboxes: a member becoming Ready, a claimed one stopping.
    connect(m_manager, &SandboxManager::sandboxStateChanged, this, [this](Sandbox* s) {
        const QString name = !s->config().pool.isEmpty() ? s->config().pool : s->config().fromPool;
        if (!name.isEmpty())
            QTimer::singleShot(0, this, [this, name] { reconcile(name); });
    });
    connect(m_manager, &SandboxManager::sandboxRemoved, this, [this] { reconcileAll(); });
    // Members whose template has no pool any more (or no longer exists) are drained.
    for (Sandbox* s : m_manager->sandboxes())
        if (const QString name = s->config().pool; !name.isEmpty() && !m_pools.contains(name)) {
            Pool& p = m_pools[name];
            p.tmpl.name = name;
            p.removed = true;
        }
    syncTemplates();
    m_tick.start();
    m_sample.start();
    reconcileAll();
}

void PoolManager::syncTemplates() {
    QSet<QString> seen;
    for (const Template& t : m_manager->templates().list()) {
        seen.insert(t.name);
        onTemplate(t);
    }
    for (const QString& name : m_pools.keys())
        if (!seen.contains(name))
            onTemplateRemoved(name);
}

void PoolManager::onTemplate(const Template& t) {
    auto it = m_pools.find(t.name);
    if (!t.pool.enabled()) {
        if (it != m_pools.end() && !it->removed) {
            qCInfo(lcSandbox) << "pool" << t.name << "switched off: removing its members";
            it->removed = true;
            reconcile(t.name);
        }
        return;
    }
    if (it == m_pools.end()) {
        it = m_pools.insert(t.name, Pool{});
        qCInfo(lcSandbox) << "pool" << t.name << "min_ready" << t.pool.minReady << "max" << t.pool.max;
    }
    const QString sig = signature(t);
    if (sig != it->signature || it->removed) {
        // A new image, size or setting may be what fixes a failing refill: try again now.
        it->failures = 0;
        it->error.clear();
        it->retryAt = {};
    }
    it->tmpl = t;
    it->signature = sig;
    it->removed = false;
    reconcile(t.name);
}

void PoolManager::onTemplateRemoved(const QString& name) {
    auto it = m_pools.find(name);
    if (it == m_pools.end() || it->removed)
        return;
    qCInfo(lcSandbox) << "template" << name << "removed: removing its pool's members";
    it->removed = true;
    reconcile(name);
}

void PoolManager::reconcileAll() {
    for (const QString& name : m_pools.keys())
        reconcile(name);
}

PoolManager::Counts PoolManager::counts(const Pool& pool) const {
    Counts c;
    const QString& name = pool.tmpl.name;
    for (Sandbox* s : m_manager->sandboxes()) {
        if (s->config().pool == name) {
            if (s->state() == SandboxState::Ready) {
                ++c.ready;
                c.readyMembers << s;
            } else if (booting(s->state())) {
                ++c.booting;
            }
        } else if (s->config().fromPool == name && s->state() == SandboxState::Ready) {
            ++c.inUse;
        }
    }
    c.booting += pool.making;
    return c;
}

int PoolManager::bootingTotal() const {
    int n = 0;
    for (const Pool& p : m_pools)
        n += p.making;
    for (Sandbox* s : m_manager->sandboxes())
        if (!s->config().pool.isEmpty() && booting(s->state()))
            ++n;
    return n;
}

int PoolManager::target(Pool& pool, qint64 now) const {
    while (!pool.claims.isEmpty() && now - pool.claims.first() > m_settings.demandWindowMs)
        pool.claims.removeFirst();
    return poolmath::target(pool.tmpl.pool.minReady, pool.tmpl.pool.max, int(pool.claims.size()));
}

void PoolManager::reconcile(const QString& name) {
    auto it = m_pools.find(name);
    if (it == m_pools.end())
        return;
    Pool& p = *it;
    int members = 0;
    for (Sandbox* s : m_manager->sandboxes()) {
        if (s->config().pool != name)
            continue;
        const SandboxState state = s->state();
        if (state == SandboxState::Removing || state == SandboxState::Stopping)
            continue; // on its way out
        ++members;
        if (broken(state)) {
            removeMember(s, "it is " + stateName(state) +
                                (s->lastError().isEmpty() ? QString() : " (" + s->lastError() + ")"));
        } else if (!booting(state) && (p.removed || s->config().poolSignature != p.signature)) {
            // A booting member is left to finish first: removing a sandbox while its boot's
            // libvirt calls are still queued could leave its domain behind.
            removeMember(s, p.removed ? "the pool is switched off" : "its template changed");
        }
    }
    if (p.removed) {
        if (members == 0 && p.making == 0) {
            m_pools.erase(it);
            emit poolChanged(name);
        }
        return;
    }

    const QDateTime now = QDateTime::currentDateTimeUtc();
    const int tgt = target(p, now.toMSecsSinceEpoch());
    Counts c = counts(p);
    QList<qint64> idle;
    for (Sandbox* s : std::as_const(c.readyMembers))
        idle << (s->readySince().isValid() ? s->readySince().msecsTo(now) : 0);
    const QList<int> victims = poolmath::shrink(idle, c.booting, tgt, qint64(p.tmpl.pool.idleTtlS) * 1000);
    for (int i : victims)
        removeMember(c.readyMembers[i], "it was idle longer than the pool's idle_ttl_s");
    if (!victims.isEmpty())
        c = counts(p);

    if (!p.retryAt.isValid() || now >= p.retryAt) {
        const int free = std::max(0, m_settings.maxBooting - bootingTotal());
        const int n = poolmath::toBoot(tgt, p.tmpl.pool.max, c.ready, c.booting, c.booting + free);
        for (int i = 0; i < n; ++i)
            refill(name);
    }
    notify(name);
}

void PoolManager::refill(const QString& name) {
    Pool& p = m_pools[name];
    ++p.making;
    SandboxManager::CreateOptions o;
    o.templateName = name;
    o.pool = name;
    auto made = std::make_shared<bool>(false);
    // From here the sandbox counts itself (booting, then ready): no longer one being made.
    o.added = [this, name, made](Sandbox*) {
        *made = true;
        if (auto it = m_pools.find(name); it != m_pools.end())
            --it->making;
    };
    m_manager->create(
        o, [](int, const QString&) {},
        [this, name, made](Result<Sandbox*> r) {
            auto it = m_pools.find(name);
            if (it == m_pools.end())
                return;
            if (!*made)
                --it->making;
            if (r) {
                if (it->failures > 0)
                    qCInfo(lcSandbox) << "pool" << name << "refilled again after" << it->failures << "failures";
                it->failures = 0;
                it->error.clear();
                it->retryAt = {};
            } else {
                ++it->failures;
                it->error = r.error().text();
                const int wait = poolmath::backoffMs(it->failures);
                it->retryAt = QDateTime::currentDateTimeUtc().addMSecs(wait);
                qCWarning(lcSandbox).noquote()
                    << "pool" << name << "refill failed (" << it->failures << "in a row), next try in"
                    << wait / 1000.0 << "s:" << it->error;
            }
            QTimer::singleShot(0, this, [this, name] { reconcile(name); });
        },
        this);
}

void PoolManager::removeMember(Sandbox* sandbox, const QString& why) {
    qCInfo(lcSandbox).noquote() << "pool" << sandbox->config().pool << "removing member" << sandbox->id()
                                << "because" << why;
    const QString name = sandbox->config().pool;
    m_manager->remove(sandbox, [this, name, id = sandbox->id()](Status s) {
        if (!s)
            qCWarning(lcSandbox).noquote() << "cannot remove pool member" << id << ":" << s.error().text();
        QTimer::singleShot(0, this, [this, name] { reconcile(name); });
    });
}

Sandbox* PoolManager::claim(const Template& tmpl, const QString& name) {
    auto it = m_pools.find(tmpl.name);
    if (it == m_pools.end() || it->removed)
        return nullptr;
    // Every request is demand, served or not: misses are what makes the pool grow.
    it->claims << QDateTime::currentMSecsSinceEpoch();
    const QString sig = signature(tmpl);
    Sandbox* best = nullptr;
    for (Sandbox* s : m_manager->sandboxes())
        if (s->config().pool == tmpl.name && s->state() == SandboxState::Ready &&
            s->config().poolSignature == sig &&
            (!best || s->readySince() < best->readySince()))
            best = s;
    if (!best) {
        QTimer::singleShot(0, this, [this, n = tmpl.name] { reconcile(n); });
        return nullptr;
    }
    // From here it is the caller's: no longer counted, listed or handed out again.
    SandboxConfig& c = best->m_config;
    c.pool.clear();
    c.poolSignature.clear();
    c.fromPool = tmpl.name;
    c.name = name.isEmpty() ? tmpl.name + "-" + c.id.left(4) : name;
    c.created = QDateTime::currentDateTimeUtc();
    // Idle reaping does not change the machine: the template's current setting applies, and the
    // idle clock starts now (not when the member became ready).
    c.idleTimeoutS = tmpl.idleTimeoutS;
    c.idleAction = tmpl.idleAction;
    if (auto saved = best->saveConfig(); !saved)
        qCWarning(lcSandbox).noquote() << "claimed pool member" << c.id << ":" << saved.error().text();
    best->touch();
    qCInfo(lcSandbox) << "pool" << tmpl.name << "handed out" << c.id << "as" << c.name;
    QTimer::singleShot(0, this, [this, n = tmpl.name] { reconcile(n); });
    return best;
}

void PoolManager::sample() {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (auto it = m_pools.begin(); it != m_pools.end(); ++it) {
        if (it->removed)
            continue;
        const Counts c = counts(*it);
        it->history.push_back({now, c.ready, c.booting, c.inUse});
        while (int(it->history.size()) > m_settings.historySamples)
            it->history.pop_front();
        emit poolChanged(it.key());
    }
}

void PoolManager::notify(const QString& name) {
    auto it = m_pools.find(name);
    if (it == m_pools.end())
        return;
    const QJsonObject now = poolJson(*it, false);
    if (now == it->lastSent)
        return;
    it->lastSent = now;
    emit poolChanged(name);
}

QJsonObject PoolManager::poolJson(const Pool& p, bool history) const {
    Pool& mutableP = const_cast<Pool&>(p); // target() drops claims older than the window
    const int tgt = p.removed ? 0 : target(mutableP, QDateTime::currentMSecsSinceEpoch());
    const Counts c = counts(p);
    QString state = "ready";
    if (p.removed)
        state = "draining";
    else if (p.failures > 0)
        state = "error";
    else if (c.ready < tgt)
        state = "filling";
    QJsonObject o{{"template", p.tmpl.name},
                  {"min_ready", p.tmpl.pool.minReady},
                  {"max", p.tmpl.pool.max},
                  {"idle_ttl_s", p.tmpl.pool.idleTtlS},
                  {"target", tgt},
                  {"ready", c.ready},
                  {"booting", c.booting},
                  {"in_use", c.inUse},
                  {"state", state},
                  {"failures", p.failures},
                  {"error", p.error.isEmpty() ? QJsonValue() : QJsonValue(p.error)},
                  {"retry_at", p.retryAt.isValid() ? QJsonValue(p.retryAt.toString(Qt::ISODateWithMs))
                                                   : QJsonValue()}};
    if (history) {
        QJsonArray h;
        for (const Sample& s : p.history)
            h.append(QJsonObject{{"t", s.t}, {"ready", s.ready}, {"booting", s.booting}, {"in_use", s.inUse}});
        o["history"] = h;
    }
    return o;
}

QJsonObject PoolManager::poolJson(const QString& name) const {
    const auto it = m_pools.constFind(name);
    return it == m_pools.cend() ? QJsonObject() : poolJson(*it, true);
}

QJsonArray PoolManager::toJson() const {
    QStringList names = m_pools.keys();
    names.sort();
    QJsonArray out;
    for (const QString& name : names)
        out.append(poolJson(m_pools[name], true));
    return out;
}

} // namespace vivarium
