// The one place that includes libvirt. Owns a virConnect, bridges libvirt's event loop
// (run on its own thread) into Qt signals, and offers the few domain operations the
// sandbox layer needs as Result-returning calls. The calls block: callers run them off the
// GUI/API thread (see SandboxManager). Errors are captured right after the call that failed.
#pragma once

#include "Result.h"

#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QStringList>

#include <optional>

struct _virConnect;

namespace vivarium {

enum class DomainState { Unknown, Running, Paused, ShutOff, Crashed, ShuttingDown, Other };
QString domainStateName(DomainState state);

struct DomainInfo {
    QString name;
    QString uuid;
    DomainState state = DomainState::Unknown;
    QString metadata; // our <vivarium:sandbox> element, empty when the domain has none
    qint64 vmmPid = 0;
};

// One running domain's counters, as libvirt's bulk statistics report them. A value libvirt
// could not give this time (a job held the domain, no cgroup) is absent, not zero.
struct DomainStats {
    QString name;
    int domainId = -1; // libvirt's id of the running domain: a new one at every boot
    std::optional<quint64> cpuTimeNs;        // cpu.time: all of QEMU's threads, ever since start
    std::optional<quint64> residentBytes;    // balloon.rss: the QEMU process's resident memory
    std::optional<quint64> guestMemoryBytes; // balloon.maximum: the memory the guest was given
};

enum class Accelerator { Kvm, Tcg };
QString acceleratorName(Accelerator a);

class LibvirtConnection : public QObject {
    Q_OBJECT
public:
    static constexpr const char* kMetadataUri = "https://vivarium.dev/xmlns/sandbox/1";
    static constexpr const char* kMetadataPrefix = "vivarium";

    explicit LibvirtConnection(QObject* parent = nullptr);
    ~LibvirtConnection() override;

    Status open(const QString& uri);
    bool isOpen() const;
    QString uri() const { return m_uri; }

    // Whether libvirt offers KVM for a microvm guest (it may still fail to run one: probe).
    bool kvmOffered();

    Status defineDomain(const QString& xml);
    // Starts a domain that libvirt forgets once it stops (probes).
    Status createTransient(const QString& xml);
    Status startDomain(const QString& name);
    Status destroyDomain(const QString& name);
    Status undefineDomain(const QString& name);
    // Pause and resume the guest's CPUs: memory stays in the host, processes keep running.
    Status suspendDomain(const QString& name);
    Status resumeDomain(const QString& name);
    // Hibernation: libvirt writes memory to its managed save image and stops QEMU; the next
    // startDomain restores from it. removeManagedSave discards it (the next start is cold).
    Status managedSave(const QString& name);
    Result<bool> hasManagedSave(const QString& name);
    Status removeManagedSave(const QString& name);
    // Memory to a file of ours (snapshots): the domain stops; restoreDomain starts it again
    // from the file, with `xml` (may be empty) as its definition.
    Status saveDomain(const QString& name, const QString& path);
    Status restoreDomain(const QString& path, const QString& xml);
    Result<DomainState> domainState(const QString& name);
    Result<bool> domainExists(const QString& name);
    Result<QList<DomainInfo>> listDomains(const QString& namePrefix);
    // Resident memory of the domain's QEMU process in bytes (0 when unknown).
    qint64 vmmResidentBytes(const QString& name);
    // CPU time and memory of those of `names` that are running, in one bulk request (CPU
    // total and balloon groups). Never waits for a domain's job: what needs one is left out.
    Result<QList<DomainStats>> domainStats(const QStringList& names);

signals:
    // Queued onto this object's thread from libvirt's event thread.
    void domainStopped(const QString& name, const QString& reason);
    void domainStarted(const QString& name);
    void domainSuspended(const QString& name); // by anyone: us, virsh, an I/O error
    void domainResumed(const QString& name);
    void connectionClosed(const QString& reason);

private:
    friend struct LibvirtCallbacks;
    Error lastError(const QString& what) const;

    _virConnect* m_conn = nullptr;
    QString m_uri;
    int m_lifecycleCallback = -1;
};

} // namespace vivarium
