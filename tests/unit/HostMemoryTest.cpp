// The low-host-memory check as a pure function: /proc/meminfo texts in, a verdict and the
// user's message out (no VM, no real /proc).
#include "HostMemory.h"

#include <QTest>

using namespace vivarium;

class HostMemoryTest : public QObject {
    Q_OBJECT
private slots:
    void readsMemAvailable() {
        const QByteArray meminfo = "MemTotal:       24584892 kB\n"
                                   "MemFree:         1022476 kB\n"
                                   "MemAvailable:    8388608 kB\n"
                                   "Buffers:          123456 kB\n";
        QCOMPARE(parseMemAvailableMiB(meminfo), std::optional<qint64>(8192));
        QCOMPARE(parseMemAvailableMiB("MemAvailable: 1023 kB"), std::optional<qint64>(0));
    }

    void rejectsWhatItCannotRead() {
        QVERIFY(!parseMemAvailableMiB(""));
        QVERIFY(!parseMemAvailableMiB("MemTotal: 100 kB\nMemFree: 50 kB\n")); // before Linux 3.14
        QVERIFY(!parseMemAvailableMiB("MemAvailable: lots kB\n"));
        QVERIFY(!parseMemAvailableMiB("MemAvailable: -5 kB\n"));
        QVERIFY(!parseMemAvailableMiB("MemAvailable: 5 MB\n"));
    }

    void theRealFileHasIt() {
        auto mib = hostMemAvailableMiB();
        QVERIFY2(mib, mib ? "" : qPrintable(mib.error().text()));
        QVERIFY(*mib > 0);
    }

    void fitsOrRefusesWithAUsefulMessage() {
        MemoryDemand d;
        d.sandbox = "web-1";
        d.guestMiB = 256;
        d.availableMiB = 256 + kVmmOverheadMiB + 512;
        d.reserveMiB = 512;
        QVERIFY(checkHostMemory(d)); // exactly fits
        d.availableMiB -= 1;
        const Status s = checkHostMemory(d);
        QVERIFY(!s);
        QCOMPARE(s.error().code, QString("host_memory_low"));
        QVERIFY2(s.error().message.contains("start sandbox web-1"), qPrintable(s.error().message));
        QVERIFY(s.error().message.contains(QString("needs about %1 MiB").arg(256 + kVmmOverheadMiB)));
        QVERIFY(s.error().message.contains("keeping 512 MiB for the host"));
        QVERIFY(s.error().message.contains("Stop, hibernate or remove idle sandboxes"));
    }

    void bootingSandboxesCountAgainstIt() {
        // Two boots cannot both be promised the same free memory.
        MemoryDemand d;
        d.sandbox = "b";
        d.guestMiB = 512;
        d.availableMiB = 1200;
        d.reserveMiB = 0;
        QVERIFY(checkHostMemory(d));
        d.bootingMiB = 512 + kVmmOverheadMiB;
        const Status s = checkHostMemory(d);
        QVERIFY(!s);
        QVERIFY2(s.error().message.contains("still booting"), qPrintable(s.error().message));
    }
};

QTEST_GUILESS_MAIN(HostMemoryTest)
#include "HostMemoryTest.moc"
