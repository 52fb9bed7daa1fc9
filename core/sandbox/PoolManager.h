// Warm pools: per template with a `pool` setting, sandboxes booted ahead of time and kept
// Ready, unclaimed, so that `sandbox.create {template}` can hand one out at once. Refills in
// the background (at most a few boots at once), grows the target ahead of demand up to max,
// shrinks idle extras after the time-to-live, backs off after failed refills, replaces members
// made from an older version of the template and removes them all when the pool is switched
// off. Members are ordinary sandboxes marked in their SandboxConfig (`pool`), so they survive
// a service restart and are re-adopted like any other; the API hides them until claimed.
// The counts are always worked out from the sandboxes themselves (plus refills still making
// their disk), so a claim, a failure or a removal by hand cannot leave them wrong.
// Runs on the manager's thread; it never blocks (creates and removals go through the manager).
#pragma once

#include "TemplateStore.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <deque>

namespace vivarium {

class Sandbox;
class SandboxManager;

struct PoolSettings {
    int maxBooting = 2;        // refills booting at once, over all pools
    int tickMs = 1000;         // how often pools are checked (shrink, retry, demand decay)
    int sampleMs = 5000;       // history sample interval
    int historySamples = 120;  // kept per pool (10 minutes at 5 s)
    int demandWindowMs = 60000; // claims this recent raise the target

    static PoolSettings fromEnvironment();
};

class PoolManager : public QObject {
    Q_OBJECT
public:
    PoolManager(SandboxManager* manager, PoolSettings settings);

    // After the manager adopted its sandboxes: sets up a pool per template that has one.
    void start();

    // A Ready, current member of the pool of template `templateName`, now an ordinary sandbox
    // named `name` (or a normal default name); nullptr when there is none.
    Sandbox* claim(const Template& tmpl, const QString& name);

    // What a member made from `tmpl` as it is now would record (to tell stale members).
    static QString signature(const Template& tmpl);

    QJsonArray toJson() const;                      // pool.list, one object per pool
    QJsonObject poolJson(const QString& name) const; // {} when there is no such pool

signals:
    // A pool's counts, state or history changed (or it went: then poolJson is {}).
    void poolChanged(const QString& templateName);

private:
    struct Sample {
        qint64 t;
        int ready, booting, inUse;
    };
    struct Pool {
        Template tmpl;
        QString signature;
        int making = 0; // refills whose sandbox does not exist yet
        QList<qint64> claims; // requests (served or not), ms since epoch, within the demand window
        int failures = 0;
        QString error;
        QDateTime retryAt;
        std::deque<Sample> history;
        QJsonObject lastSent; // without history, to tell real changes
        bool removed = false; // the template or its pool went: drain, then forget
    };
    struct Counts {
        int ready = 0, booting = 0, inUse = 0;
        QList<Sandbox*> readyMembers;
    };

    void syncTemplates();
    void onTemplate(const Template& t);
    void onTemplateRemoved(const QString& name);
    void reconcileAll();
    void reconcile(const QString& name);
    Counts counts(const Pool& pool) const;
    int target(Pool& pool, qint64 now) const;
    void refill(const QString& name);
    void removeMember(Sandbox* sandbox, const QString& why);
    void watch(Sandbox* sandbox);
    void sample();
    QJsonObject poolJson(const Pool& pool, bool history) const;
    void notify(const QString& name);
    int bootingTotal() const;

    SandboxManager* m_manager;
    PoolSettings m_settings;
    QHash<QString, Pool> m_pools;
    QTimer m_tick;
    QTimer m_sample;
    bool m_started = false;
};

} // namespace vivarium
