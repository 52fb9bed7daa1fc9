#include "StatsSampler.h"

#include "LibvirtConnection.h"
#include "Log.h"
#include "SandboxManager.h"

#include <QFile>
#include <QSet>

#include <sys/stat.h>

#include <chrono>

namespace vivarium {

struct StatsSampler::Collected {
    std::optional<Error> error;
    QHash<QString, DomainStats> domains; // running ones, by domain name
    QHash<QString, qint64> disk;         // by sandbox id
    qint64 monotonicNs = 0;
    QDateTime at;
};

StatsSampler::StatsSampler(SandboxManager* manager, int intervalMs)
    : QObject(manager), m_manager(manager) {
    m_timer.setInterval(std::max(100, intervalMs));
    connect(&m_timer, &QTimer::timeout, this, &StatsSampler::sample);
}

void StatsSampler::start() {
    m_timer.start();
    // A client that asks right after the service started (viv ls, which may have started
    // it) should not have to wait a whole interval for memory and disk figures.
    QTimer::singleShot(0, this, &StatsSampler::sample);
}

std::optional<SandboxStats> StatsSampler::latest(const QString& id) const {
    const auto it = m_latest.constFind(id);
    if (it == m_latest.cend())
        return std::nullopt;
    return *it;
}

void StatsSampler::sample() {
    if (m_busy)
        return;
    QList<Target> targets;
    for (const Sandbox* s : m_manager->sandboxes())
        targets.append({s->id(), s->domainName(), s->overlayPath(), s->config().vcpus,
                        qint64(s->config().memoryMiB) * 1024 * 1024});
    if (targets.isEmpty()) {
        m_latest.clear();
        m_cpu.clear();
        return;
    }
    m_busy = true;
    m_manager->runLibvirt<Collected>(
        this, [targets](LibvirtConnection& c) { return collect(c, targets); },
        [this, targets](Collected collected) { finish(targets, collected); });
}

// On a worker thread: blocking calls only, no state of this object.
StatsSampler::Collected StatsSampler::collect(LibvirtConnection& libvirt,
                                              const QList<Target>& targets) {
    Collected out;
    QStringList domains;
    for (const Target& t : targets)
        domains << t.domain;
    auto stats = libvirt.domainStats(domains);
    out.monotonicNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
    out.at = QDateTime::currentDateTimeUtc();
    if (stats) {
        for (const DomainStats& d : stats.value())
            out.domains.insert(d.name, d);
    } else {
        out.error = stats.error();
    }
    // Allocated blocks, not the file's length: a qcow2 overlay is sparse, and what the
    // user pays in disk space is what is allocated.
    for (const Target& t : targets) {
        struct stat st {};
        if (::stat(QFile::encodeName(t.disk).constData(), &st) == 0)
            out.disk.insert(t.id, qint64(st.st_blocks) * 512);
    }
    return out;
}

void StatsSampler::finish(const QList<Target>& targets, const Collected& collected) {
    m_busy = false;
    if (collected.error) {
        if (collected.error->text() != m_lastProblem)
            qCWarning(lcHypervisor) << "sandbox statistics:" << collected.error->text();
        m_lastProblem = collected.error->text();
    } else {
        m_lastProblem.clear();
    }
    QSet<QString> present;
    for (const Sandbox* s : m_manager->sandboxes())
        present.insert(s->id());
    QList<SandboxStats> out;
    for (const Target& t : targets) {
        if (!present.contains(t.id)) // removed while the sample was out
            continue;
        SandboxStats s;
        s.id = t.id;
        s.vcpus = t.vcpus;
        s.guestMemoryBytes = t.guestMemoryBytes;
        s.sampledAt = collected.at;
        if (const auto disk = collected.disk.constFind(t.id); disk != collected.disk.cend())
            s.diskBytes = *disk;
        const auto d = collected.domains.constFind(t.domain);
        if (d != collected.domains.cend()) {
            s.running = true;
            if (d->residentBytes)
                s.memoryBytes = qint64(*d->residentBytes);
            if (d->guestMemoryBytes)
                s.guestMemoryBytes = qint64(*d->guestMemoryBytes);
            if (d->cpuTimeNs) {
                const CpuReading now{*d->cpuTimeNs, collected.monotonicNs, d->domainId};
                const auto prev = m_cpu.constFind(t.id);
                s.cpuPercent = cpuPercent(prev == m_cpu.cend() ? std::nullopt
                                                               : std::optional<CpuReading>(*prev),
                                          now);
                m_cpu.insert(t.id, now);
            } else {
                m_cpu.remove(t.id);
            }
        } else if (!collected.error) {
            m_cpu.remove(t.id); // stopped: the next boot starts a new counter
        } else if (const auto last = m_latest.constFind(t.id); last != m_latest.cend()) {
            s.running = last->running; // libvirt did not answer: not a reason to call it stopped
        }
        m_latest.insert(t.id, s);
        out.append(s);
    }
    for (auto it = m_latest.begin(); it != m_latest.end();)
        it = present.contains(it.key()) ? std::next(it) : m_latest.erase(it);
    for (auto it = m_cpu.begin(); it != m_cpu.end();)
        it = present.contains(it.key()) ? std::next(it) : m_cpu.erase(it);
    std::sort(out.begin(), out.end(),
              [](const SandboxStats& a, const SandboxStats& b) { return a.id < b.id; });
    emit sampled(out);
}

} // namespace vivarium
