#include "HostMemory.h"

#include <QFile>
#include <QList>

namespace vivarium {

std::optional<qint64> parseMemAvailableMiB(const QByteArray& meminfo) {
    for (const QByteArray& line : meminfo.split('\n')) {
        if (!line.startsWith("MemAvailable:"))
            continue;
        // "MemAvailable:   12345678 kB"
        const QList<QByteArray> parts = line.mid(13).simplified().split(' ');
        bool ok = false;
        const qint64 kib = parts.value(0).toLongLong(&ok);
        if (!ok || kib < 0 || parts.value(1) != "kB")
            return std::nullopt;
        return kib / 1024;
    }
    return std::nullopt;
}

Result<qint64> hostMemAvailableMiB() {
    QFile f("/proc/meminfo");
    if (!f.open(QIODevice::ReadOnly))
        return makeError("io_error", "Cannot read /proc/meminfo", f.errorString());
    // A procfs file has no size: read until the end.
    const auto mib = parseMemAvailableMiB(f.readAll());
    if (!mib)
        return makeError("io_error", "/proc/meminfo has no readable MemAvailable line");
    return *mib;
}

Status checkHostMemory(const MemoryDemand& d) {
    const qint64 need = qint64(d.guestMiB) + kVmmOverheadMiB;
    const qint64 free = d.availableMiB - d.bootingMiB;
    if (need + d.reserveMiB <= free)
        return {};
    QString available = QString("%1 MiB are available").arg(std::max<qint64>(0, free));
    if (d.bootingMiB > 0)
        available += QString(" once the sandboxes still booting have theirs (%1 MiB)")
                         .arg(d.bootingMiB);
    return makeError("host_memory_low",
                     QString("Not enough free memory on this host to start sandbox %1: it needs "
                             "about %2 MiB, %3 (keeping %4 MiB for the host). Stop, hibernate or "
                             "remove idle sandboxes, or lower the template's memory.")
                         .arg(d.sandbox)
                         .arg(need)
                         .arg(available)
                         .arg(d.reserveMiB));
}

} // namespace vivarium
