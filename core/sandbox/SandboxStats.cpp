#include "SandboxStats.h"

#include <cmath>

namespace vivarium {

QJsonObject SandboxStats::toJson() const {
    QJsonObject o{{"id", id},
                  {"running", running},
                  {"vcpus", vcpus},
                  {"guest_memory_bytes", guestMemoryBytes},
                  {"sampled_at", sampledAt.toString(Qt::ISODateWithMs)}};
    if (cpuPercent)
        o["cpu_percent"] = std::round(*cpuPercent * 10) / 10; // a tenth is all a client shows
    if (memoryBytes)
        o["memory_bytes"] = *memoryBytes;
    if (diskBytes)
        o["disk_bytes"] = *diskBytes;
    return o;
}

std::optional<double> cpuPercent(const std::optional<CpuReading>& previous,
                                 const CpuReading& current) {
    if (!previous || previous->bootId != current.bootId)
        return std::nullopt;
    if (current.cpuTimeNs < previous->cpuTimeNs) // the counter restarted: a new QEMU process
        return std::nullopt;
    const qint64 wall = current.monotonicNs - previous->monotonicNs;
    if (wall <= 0)
        return std::nullopt;
    return double(current.cpuTimeNs - previous->cpuTimeNs) * 100.0 / double(wall);
}

} // namespace vivarium
