#include "GuestKernelArgs.h"

#include <QFile>
#include <QRegularExpression>

namespace vivarium {

QString hostTscKhz() {
    QFile f("/proc/cpuinfo");
    if (!f.open(QIODevice::ReadOnly))
        return {};
    static const QRegularExpression re(R"(^cpu MHz\s*:\s*([0-9.]+))",
                                       QRegularExpression::MultilineOption);
    const auto m = re.match(QString::fromLatin1(f.readAll()));
    return m.hasMatch() ? QString::number(qRound64(m.captured(1).toDouble() * 1000)) : QString();
}

QStringList guestKernelArgs(Accelerator accelerator, const QString& tscKhz) {
    QStringList args{"console=ttyS0", "quiet", "panic=-1", "reboot=t"};
    if (accelerator == Accelerator::Tcg && !tscKhz.isEmpty())
        args << "tsc_early_khz=" + tscKhz;
    return args;
}

} // namespace vivarium
