// What a sandbox costs the host right now: CPU, memory and disk, as one value sampled by
// StatsSampler and sent to clients (`sandbox.stats`). Also the one piece of arithmetic
// behind it, CPU percent from two readings of a cumulative counter, as a pure function so
// that its edge cases (first reading, a reboot, no time passed) are tested without a VM.
// Nothing here talks to libvirt or the disk.
#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

#include <optional>

namespace vivarium {

// CPU percent is top's and `docker stats`' convention: 100 means one host CPU busy for the
// whole interval, so a guest with n vCPUs (plus QEMU's own threads) can go above 100.
struct SandboxStats {
    QString id;
    bool running = false;              // a VM was running at the sample
    std::optional<double> cpuPercent;  // running, and a previous reading of the same boot
    std::optional<qint64> memoryBytes; // resident memory of the VM's QEMU process (the host's cost)
    qint64 guestMemoryBytes = 0;       // the memory the guest was configured with
    int vcpus = 1;
    std::optional<qint64> diskBytes;   // bytes allocated on the host by the sandbox's disk.qcow2
    QDateTime sampledAt;               // UTC

    QJsonObject toJson() const;
};

// One reading of a VM's cumulative CPU time.
struct CpuReading {
    quint64 cpuTimeNs = 0;  // CPU time the VM used since it started
    qint64 monotonicNs = 0; // when it was read, on a monotonic clock
    int bootId = -1;        // which boot the counter belongs to (libvirt's domain id)
};

// CPU use between two readings, in percent of one host CPU. No value without a previous
// reading, across a reboot (another boot id, or a counter that went back) or when no time
// passed between the two.
std::optional<double> cpuPercent(const std::optional<CpuReading>& previous,
                                 const CpuReading& current);

} // namespace vivarium
