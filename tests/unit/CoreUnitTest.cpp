// Core logic without a VM: the sandbox state machine table, domain XML against its golden
// file, run-record storage (append, finish, reopen, replay, torn and corrupt files), and
// CPU percent from two readings of a VM's CPU time.
#include "DomainXml.h"
#include "RunRecord.h"
#include "SandboxState.h"
#include "SandboxStats.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace vivarium;

class CoreUnitTest : public QObject {
    Q_OBJECT
private slots:
    void everyStateVerbPair() {
        // The whole table, written out: a change to the lifecycle must change this test.
        using S = SandboxState;
        const QHash<SandboxVerb, QList<SandboxState>> legal{
            {SandboxVerb::Start, {S::Stopped, S::Error, S::Hibernated}},
            {SandboxVerb::Stop, {S::Booting, S::Ready, S::Error, S::Paused, S::Hibernated}},
            {SandboxVerb::Exec, {S::Ready}},
            {SandboxVerb::Remove,
             {S::Booting, S::Ready, S::Paused, S::Saving, S::Hibernated, S::Stopping, S::Stopped,
              S::Error}},
            {SandboxVerb::Pause, {S::Ready}},
            {SandboxVerb::Resume, {S::Paused, S::Hibernated}},
            {SandboxVerb::Hibernate, {S::Ready, S::Paused}},
            {SandboxVerb::Snapshot, {S::Ready, S::Paused, S::Stopped, S::Hibernated}},
            {SandboxVerb::Restore, {S::Stopped, S::Error, S::Hibernated}},
            {SandboxVerb::Fork,
             {S::Booting, S::Ready, S::Paused, S::Saving, S::Hibernated, S::Stopping, S::Stopped,
              S::Error}},
        };
        int pairs = 0;
        for (SandboxState s : kAllStates)
            for (SandboxVerb v : kAllVerbs) {
                ++pairs;
                const bool expected = legal.value(v).contains(s);
                QCOMPARE(verbAllowed(s, v), expected);
                const Status st = checkVerb("abc", s, v);
                QCOMPARE(st.ok(), expected);
                if (!expected) {
                    QCOMPARE(st.error().code, QString("invalid_state"));
                    QVERIFY(st.error().message.contains(s == SandboxState::Error ? "error"
                                                                                 : stateName(s)));
                    QVERIFY(st.error().message.contains("abc"));
                }
            }
        QCOMPARE(pairs, 100);
    }

    void domainXmlMatchesGolden() {
        DomainSpec s;
        s.name = "vivarium-0123abcd";
        s.vcpus = 2;
        s.memoryMiB = 512;
        s.kernel = "/cache/kernel/vmlinuz";
        s.initrd = "/cache/kernel/initramfs.cpio.gz";
        s.cmdline = "console=ttyS0 quiet panic=-1 tsc_early_khz=2596150 vivarium.hostname=a&b";
        s.diskPath = "/data/sandboxes/0123abcd/disk.qcow2";
        s.channelPath = "/data/sandboxes/0123abcd/agent.sock";
        s.consoleLog = "/data/sandboxes/0123abcd/console.log";
        s.dacOwner = std::pair{0u, 0u};
        s.metadataXml = "<vivarium:sandbox xmlns:vivarium='https://vivarium.dev/xmlns/sandbox/1' "
                        "id='0123abcd' home='/data'/>";
        QFile golden(QFINDTESTDATA("../data/domain-tcg.xml"));
        if (qEnvironmentVariableIsSet("VIVARIUM_UPDATE_GOLDEN")) {
            QVERIFY(golden.open(QIODevice::WriteOnly | QIODevice::Truncate));
            golden.write(domainXml(s).toUtf8());
            golden.close();
        }
        QVERIFY(golden.open(QIODevice::ReadOnly));
        QCOMPARE(domainXml(s), QString::fromUtf8(golden.readAll()));

        s.accelerator = Accelerator::Kvm;
        s.dacOwner.reset();
        const QString kvm = domainXml(s);
        QVERIFY(kvm.startsWith("<domain type='kvm'>"));
        QVERIFY(!kvm.contains("tb-cache"));
        QVERIFY(!kvm.contains("seclabel"));
        QVERIFY(kvm.contains("host-passthrough"));
        // No NIC, and no QEMU arguments, unless asked for.
        QVERIFY(!kvm.contains("qemu:"));
        QVERIFY(!kvm.contains("netdev"));
    }

    void domainXmlWithUserNetworkMatchesGolden() {
        // Egress `open`: the same domain plus a slirp netdev and a virtio-mmio NIC passed as
        // QEMU arguments (libvirt 9.0 refuses <interface> on microvm).
        DomainSpec s;
        s.name = "vivarium-0123abcd";
        s.kernel = "/cache/kernel/vmlinuz";
        s.initrd = "/cache/kernel/initramfs.cpio.gz";
        s.cmdline = "console=ttyS0 quiet panic=-1 vivarium.hostname=net vivarium.net=user";
        s.diskPath = "/data/sandboxes/0123abcd/disk.qcow2";
        s.channelPath = "/data/sandboxes/0123abcd/agent.sock";
        s.consoleLog = "/data/sandboxes/0123abcd/console.log";
        s.userNetwork = true;
        QFile golden(QFINDTESTDATA("../data/domain-tcg-usernet.xml"));
        if (qEnvironmentVariableIsSet("VIVARIUM_UPDATE_GOLDEN")) {
            QVERIFY(golden.open(QIODevice::WriteOnly | QIODevice::Truncate));
            golden.write(domainXml(s).toUtf8());
            golden.close();
        }
        QVERIFY(golden.open(QIODevice::ReadOnly));
        const QString xml = domainXml(s);
        QCOMPARE(xml, QString::fromUtf8(golden.readAll()));

        // The only differences from the same spec without a NIC: the namespace on the root
        // element and the qemu:commandline block before </domain>.
        s.userNetwork = false;
        QString plain = domainXml(s);
        plain.replace("<domain type='qemu'>",
                      "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>");
        const qsizetype block = xml.indexOf("  <qemu:commandline>");
        QVERIFY(block > 0);
        QCOMPARE(xml.left(block) + "</domain>\n", plain);

        // A stable, locally administered unicast MAC per name, different between sandboxes.
        const QString mac = macAddressFor("vivarium-0123abcd");
        QVERIFY(xml.contains("mac=" + mac + "'"));
        QCOMPARE(macAddressFor("vivarium-0123abcd"), mac);
        QVERIFY(macAddressFor("vivarium-0123abce") != mac);
        QVERIFY(QRegularExpression("^52:54:00(:[0-9a-f]{2}){3}$").match(mac).hasMatch());
    }

    void runRecordStoresAndReplays() {
        QTemporaryDir dir;
        RunInfo info;
        info.seq = 7;
        info.argv = {"echo", "hi"};
        info.origin = "test";
        info.started = QDateTime::currentDateTimeUtc();
        auto rec = RunRecord::create(dir.filePath("7"), info);
        QVERIFY(rec);
        QVERIFY(rec.value()->appendOutput(OutputKind::Stdout, "hello "));
        QVERIFY(rec.value()->appendOutput(OutputKind::Stderr, "oops"));
        QVERIFY(rec.value()->appendOutput(OutputKind::Stdout, QByteArray(100000, 'z')));
        QVERIFY(rec.value()->finish(3, 0));
        rec.value().reset();

        auto back = RunRecord::open(dir.filePath("7"));
        QVERIFY(back);
        QCOMPARE(back.value()->info().argv, info.argv);
        QCOMPARE(back.value()->info().exitCode.value_or(-1), 3);
        QCOMPARE(back.value()->info().outputBytes, qint64(6 + 4 + 100000));
        QList<QPair<OutputKind, QByteArray>> chunks;
        QVERIFY(RunRecord::replay(dir.filePath("7"), [&](OutputKind k, const QByteArray& d) {
            chunks.append({k, d});
            return true;
        }));
        QCOMPARE(chunks.size(), 3);
        QCOMPARE(chunks[1].first, OutputKind::Stderr);
        QCOMPARE(chunks[1].second, QByteArray("oops"));
        QCOMPARE(chunks[2].second.size(), 100000);
    }

    void tornAndCorruptRecords() {
        QTemporaryDir dir;
        RunInfo info;
        info.seq = 1;
        info.argv = {"x"};
        auto rec = RunRecord::create(dir.filePath("1"), info);
        QVERIFY(rec);
        QVERIFY(rec.value()->appendOutput(OutputKind::Stdout, "whole"));
        rec.value().reset();
        QFile out(dir.filePath("1/output.log"));
        QVERIFY(out.open(QIODevice::Append));
        out.write(QByteArray("\x01\x10\x00\x00\x00par", 8)); // a record torn by a crash
        out.close();
        int n = 0;
        QVERIFY(RunRecord::replay(dir.filePath("1"), [&](OutputKind, const QByteArray&) {
            ++n;
            return true;
        }));
        QCOMPARE(n, 1);
        QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
        out.write(QByteArray("\x09\xff\xff\xff\xff", 5));
        out.close();
        const Status s = RunRecord::replay(dir.filePath("1"), [](OutputKind, const QByteArray&) {
            return true;
        });
        QVERIFY(!s);
        QCOMPARE(s.error().code, QString("corrupt_record"));
        QFile meta(dir.filePath("1/meta.json"));
        QVERIFY(meta.open(QIODevice::WriteOnly | QIODevice::Truncate));
        meta.write("{not json");
        meta.close();
        const auto bad = RunRecord::open(dir.filePath("1"));
        QVERIFY(!bad);
        QCOMPARE(bad.error().code, QString("corrupt_record"));
    }

    void cpuPercentFromTwoReadings() {
        const qint64 second = 1'000'000'000;
        const CpuReading first{5 * quint64(second), 10 * second, 3};
        // The first reading of a boot has nothing to compare with.
        QVERIFY(!cpuPercent(std::nullopt, first));
        // Half a CPU second over two seconds of wall time: 25 % of one host CPU.
        CpuReading later{first.cpuTimeNs + quint64(second / 2), first.monotonicNs + 2 * second, 3};
        QCOMPARE(cpuPercent(first, later).value(), 25.0);
        // Two vCPUs busy: above 100 (top's convention, not normalised to the vCPU count).
        later.cpuTimeNs = first.cpuTimeNs + 4 * quint64(second);
        QCOMPARE(cpuPercent(first, later).value(), 200.0);
        // Idle.
        later.cpuTimeNs = first.cpuTimeNs;
        QCOMPARE(cpuPercent(first, later).value(), 0.0);
        // A reboot between the readings: another domain id, even if the counter grew.
        CpuReading rebooted{first.cpuTimeNs + 1, first.monotonicNs + second, 4};
        QVERIFY(!cpuPercent(first, rebooted));
        // A counter that went back (a new QEMU process under the same id).
        CpuReading reset{first.cpuTimeNs - 1, first.monotonicNs + second, 3};
        QVERIFY(!cpuPercent(first, reset));
        // No time between the readings, or a clock that went back: no value, no division by 0.
        CpuReading sameTime{first.cpuTimeNs + 100, first.monotonicNs, 3};
        QVERIFY(!cpuPercent(first, sameTime));
        CpuReading earlier{first.cpuTimeNs + 100, first.monotonicNs - 1, 3};
        QVERIFY(!cpuPercent(first, earlier));
    }

    void statsJsonLeavesOutWhatIsUnknown() {
        SandboxStats s;
        s.id = "0123abcd";
        s.vcpus = 2;
        s.guestMemoryBytes = 256LL << 20;
        s.diskBytes = 4096;
        s.sampledAt = QDateTime::fromString("2026-11-27T00:52:45.801Z", Qt::ISODateWithMs);
        QJsonObject o = s.toJson();
        QCOMPARE(o.value("running").toBool(), false);
        QVERIFY(!o.contains("cpu_percent"));
        QVERIFY(!o.contains("memory_bytes"));
        QCOMPARE(o.value("disk_bytes").toInteger(), 4096);
        QCOMPARE(o.value("sampled_at").toString(), QString("2026-11-27T00:52:45.801Z"));
        s.running = true;
        s.cpuPercent = 12.345;
        s.memoryBytes = 231LL << 20;
        o = s.toJson();
        QCOMPARE(o.value("cpu_percent").toDouble(), 12.3);
        QCOMPARE(o.value("memory_bytes").toInteger(), 231LL << 20);
        QCOMPARE(o.value("guest_memory_bytes").toInteger(), 256LL << 20);
        QCOMPARE(o.value("vcpus").toInt(), 2);
    }
};

QTEST_GUILESS_MAIN(CoreUnitTest)
#include "CoreUnitTest.moc"
