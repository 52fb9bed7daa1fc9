// How much memory this host can still give a new sandbox, and the refusal when it cannot.
// Reads /proc/meminfo (MemAvailable: what the kernel could hand out without swapping) and
// nothing else; the bookkeeping of sandboxes still booting is the manager's.
#pragma once

#include "Result.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace vivarium {

// MemAvailable from the text of /proc/meminfo, in MiB; nullopt when the line is missing or
// malformed (kernels before 3.14 have no MemAvailable).
std::optional<qint64> parseMemAvailableMiB(const QByteArray& meminfo);
Result<qint64> hostMemAvailableMiB(); // /proc/meminfo now

// QEMU's own memory beyond the guest's: the TCG translation cache (~44 MiB here), devices,
// libraries. Measured here at ~100 MiB per TCG guest beyond the guest memory it touched.
inline constexpr int kVmmOverheadMiB = 100;

struct MemoryDemand {
    QString sandbox;        // for the message
    int guestMiB = 0;       // the template's memory
    qint64 availableMiB = 0; // MemAvailable
    qint64 bootingMiB = 0;  // promised to sandboxes still booting (not yet in MemAvailable)
    int reserveMiB = 0;     // kept for the host
};
// Ok when guestMiB + kVmmOverheadMiB fits in available - booting - reserve; else an error
// "host_memory_low" telling the user what to free.
Status checkHostMemory(const MemoryDemand& d);

} // namespace vivarium
