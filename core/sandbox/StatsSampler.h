// Samples what every sandbox costs the host (SandboxStats) on a timer: every 2 s unless
// configured (ManagerSettings::statsIntervalMs, VIVARIUM_STATS_INTERVAL_MS). The libvirt
// bulk-statistics call and the disk stat run on the manager's worker pool and come back
// queued; a tick while a sample is still out is skipped, so a slow libvirtd delays samples
// instead of piling them up. Keeps only the latest sample per sandbox and the CPU reading
// the next one needs: history is the clients' business. Never blocks the calling thread.
#pragma once

#include "SandboxStats.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>

namespace vivarium {

class LibvirtConnection;
class SandboxManager;

class StatsSampler : public QObject {
    Q_OBJECT
public:
    StatsSampler(SandboxManager* manager, int intervalMs);

    int intervalMs() const { return m_timer.interval(); }
    void start(); // samples at once (memory and disk; CPU needs a second one), then every interval
    // The latest sample of a sandbox, if it had one.
    std::optional<SandboxStats> latest(const QString& id) const;

signals:
    // Every sandbox that existed when the sample was taken and still does, ordered by id.
    void sampled(const QList<vivarium::SandboxStats>& stats);

private:
    struct Target {
        QString id;
        QString domain;
        QString disk;
        int vcpus = 1;
        qint64 guestMemoryBytes = 0;
    };
    struct Collected;
    static Collected collect(LibvirtConnection& libvirt, const QList<Target>& targets);
    void sample();
    void finish(const QList<Target>& targets, const Collected& collected);

    SandboxManager* m_manager;
    QTimer m_timer;
    bool m_busy = false;
    QString m_lastProblem; // logged once, not every interval
    QHash<QString, SandboxStats> m_latest;
    QHash<QString, CpuReading> m_cpu;
};

} // namespace vivarium
