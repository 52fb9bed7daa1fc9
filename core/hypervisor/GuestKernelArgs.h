// The kernel command line every guest boots with, in one place (the service and the
// benchmarks' bare-QEMU baselines must boot the same guest the same way).
#pragma once

#include "LibvirtConnection.h"

#include <QString>
#include <QStringList>

namespace vivarium {

// The host's TSC rate in kHz from /proc/cpuinfo, empty when unknown. Under TCG the guest's
// TSC is the host's; telling the kernel its rate avoids a boot hang in PIT calibration that
// microvm (no HPET, no PM timer) is prone to (DESIGN.md).
QString hostTscKhz();

// console, quiet, panic and reboot behaviour, and tsc_early_khz under TCG.
QStringList guestKernelArgs(Accelerator accelerator, const QString& tscKhz = hostTscKhz());

} // namespace vivarium
