// Snapshots without a VM: names (the only thing a snapshot path is made from), the staging →
// commit → list/find → remove cycle, a taken name and a concurrent one refused, a failed copy
// (a real write failure: the file size limit, and /dev/full) leaving the target as it was;
// the libvirt save header (synthetic files: read, rewrite with a longer and shorter XML, the
// stream kept byte for byte, other versions, partial and truncated files, no room refused);
// and the domain XML a fork's memory gets.
#include "SnapshotStore.h"
#include "SaveImage.h"
#include "Snapshots.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QtEndian>

#include <csignal>
#include <sys/resource.h>

using namespace vivarium;

namespace {

bool writeFile(const QString& path, const QByteArray& data) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray randomBytes(int n) {
    QByteArray b(n, Qt::Uninitialized);
    for (int i = 0; i < n; ++i)
        b[i] = char(QRandomGenerator::global()->bounded(256));
    return b;
}

void putU32(QByteArray& b, int offset, quint32 v) {
    qToLittleEndian<quint32>(v, b.data() + offset);
}

// A save file as libvirt 9 writes it: header, XML + NUL, cookie + NUL, padding, stream.
QByteArray saveFile(const QByteArray& xml, const QByteArray& cookie, quint32 padding,
                    const QByteArray& stream, quint32 version = 2) {
    const quint32 dataLen = quint32(xml.size() + 1 + cookie.size() + 1) + padding;
    QByteArray h(saveimage::kHeaderSize, '\0');
    memcpy(h.data(), "LibvirtQemudSave", 16);
    putU32(h, 16, version);
    putU32(h, 20, dataLen);
    putU32(h, 24, 1);
    putU32(h, 28, 0);
    putU32(h, 32, quint32(xml.size() + 1));
    QByteArray data(int(dataLen), '\0');
    memcpy(data.data(), xml.constData(), size_t(xml.size()));
    memcpy(data.data() + xml.size() + 1, cookie.constData(), size_t(cookie.size()));
    return h + data + stream;
}

const QByteArray kXml =
    "<domain type='qemu' id='7'>\n  <name>vivarium-1a2b3c4d</name>\n"
    "  <uuid>0b7e1a9c-1111-4222-8333-944455556666</uuid>\n"
    "  <metadata>\n    <vivarium:sandbox xmlns:vivarium=\"https://vivarium.dev/xmlns/sandbox/1\" "
    "id=\"1a2b3c4d\" home=\"/data/vivarium\"/>\n  </metadata>\n"
    "  <os><cmdline>console=ttyS0 vivarium.hostname=default-1a2b</cmdline></os>\n"
    "  <devices>\n    <disk type='file' device='disk'><source file='/data/vivarium/sandboxes/"
    "1a2b3c4d/disk.qcow2'/></disk>\n    <serial type='file'><source path='/data/vivarium/"
    "sandboxes/1a2b3c4d/console.log'/></serial>\n    <channel type='unix'><source mode='bind' "
    "path='/data/vivarium/sandboxes/1a2b3c4d/agent.sock'/></channel>\n  </devices>\n</domain>";

const DomainIdentity kFrom{"1a2b3c4d", "0b7e1a9c-1111-4222-8333-944455556666",
                           "/data/vivarium/sandboxes/1a2b3c4d"};
const DomainIdentity kTo{"9f8e7d6c", "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
                         "/data/vivarium/sandboxes/9f8e7d6c"};

SnapshotInfo info(const QString& name) {
    SnapshotInfo i;
    i.name = name;
    i.created = QDateTime::currentDateTimeUtc();
    i.takenIn = "stopped";
    i.config = QJsonObject{{"id", "1a2b3c4d"}, {"image", "tiny"}, {"template", "tiny"}};
    return i;
}

} // namespace

class SnapshotStoreTest : public QObject {
    Q_OBJECT

private slots:
    void names_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("valid");
        QTest::newRow("plain") << "before-upgrade" << true;
        QTest::newRow("dots") << "v1.2_rc-3" << true;
        QTest::newRow("64") << QString(64, 'a') << true;
        QTest::newRow("65") << QString(65, 'a') << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("dot") << "." << false;
        QTest::newRow("dotdot") << ".." << false;
        QTest::newRow("hidden") << ".staging-x" << false;
        QTest::newRow("traversal") << "../../etc" << false;
        QTest::newRow("slash") << "a/b" << false;
        QTest::newRow("space") << "a b" << false;
        QTest::newRow("nul") << QString("a") + QChar(0) + "b" << false;
        QTest::newRow("unicode") << "caf\u00e9" << false;
    }
    void names() {
        QFETCH(QString, name);
        QFETCH(bool, valid);
        const Status s = SnapshotStore::checkName(name);
        QCOMPARE(s.ok(), valid);
        if (!valid)
            QVERIFY(s.error().message.contains("letters, digits"));
    }

    void cycle() {
        QTemporaryDir dir;
        SnapshotStore store(dir.path(), "1a2b3c4d");
        QVERIFY(store.list().isEmpty());
        auto staging = store.stage("one");
        QVERIFY2(staging.ok(), qPrintable(staging.ok() ? QString() : staging.error().text()));
        QVERIFY(QFileInfo(*staging).isDir());
        QVERIFY(store.list().isEmpty()); // a staging directory is not a snapshot
        QVERIFY(!store.find("one").ok());
        // The same name while it is being taken: refused, the first one unharmed.
        auto again = store.stage("one");
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, QString("busy"));
        QVERIFY(writeFile(*staging + "/disk.qcow2", QByteArray(1000, 'd')));
        auto made = store.commit(*staging, info("one"));
        QVERIFY(made.ok());
        QCOMPARE(made->sizeBytes, 1000);
        QVERIFY(!QFileInfo::exists(*staging));
        QVERIFY(QFileInfo::exists(store.diskOf("one")));

        auto found = store.find("one");
        QVERIFY(found.ok());
        QCOMPARE(found->name, QString("one"));
        QCOMPARE(found->memory, false);
        QCOMPARE(found->takenIn, QString("stopped"));
        QCOMPARE(found->config.value("id").toString(), QString("1a2b3c4d"));
        QVERIFY(!found->toJson(false).contains("config"));

        // A taken name.
        auto dup = store.stage("one");
        QVERIFY(!dup.ok());
        QCOMPARE(dup.error().code, QString("exists"));
        QVERIFY(dup.error().message.contains("already has a snapshot named one"));

        // A memory snapshot counts both files.
        auto second = store.stage("two");
        QVERIFY(second.ok());
        QVERIFY(writeFile(*second + "/disk.qcow2", QByteArray(10, 'd')));
        QVERIFY(writeFile(*second + "/memory.save", QByteArray(20, 'm')));
        SnapshotInfo withMemory = info("two");
        withMemory.memory = true;
        withMemory.created = withMemory.created.addSecs(1);
        QCOMPARE(store.commit(*second, withMemory)->sizeBytes, 30);
        QCOMPARE(store.list().size(), 2);
        QCOMPARE(store.list().last().name, QString("two"));

        // A snapshot whose memory went missing is reported, not used.
        QVERIFY(QFile::remove(store.memoryOf("two")));
        auto broken = store.find("two");
        QVERIFY(!broken.ok());
        QVERIFY(broken.error().message.contains("viv snapshot rm 1a2b3c4d two"));

        // A damaged snapshot.json is skipped in the list.
        QVERIFY(writeFile(store.dirOf("two") + "/snapshot.json", "{garbage"));
        QCOMPARE(store.list().size(), 1);

        QVERIFY(store.remove("one").ok());
        QVERIFY(!QFileInfo::exists(store.dirOf("one")));
        auto missing = store.find("one");
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, QString("not_found"));
        QVERIFY(missing.error().message.contains("no snapshot one of sandbox 1a2b3c4d"));
        QVERIFY(missing.error().message.contains("viv snapshot ls 1a2b3c4d"));
        QVERIFY(!store.remove("one").ok());
        QVERIFY(!store.remove("../one").ok());

        // discard() and discardStale() leave no staging directory.
        auto third = store.stage("three");
        QVERIFY(third.ok());
        store.discard(*third);
        QVERIFY(!QFileInfo::exists(*third));
        QVERIFY(store.stage("four").ok());
        store.discardStale();
        QVERIFY(
            QDir(store.root()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot) ==
            QStringList{"two"});
    }

    // A real write failure in the middle of a copy: the target keeps its old content and no
    // temporary is left beside it.
    void failedCopyLeavesTarget() {
        QTemporaryDir dir;
        const QString from = dir.filePath("snapshot-disk.qcow2");
        const QString to = dir.filePath("disk.qcow2");
        const QByteArray big = randomBytes(3 << 20);
        QVERIFY(writeFile(from, big));
        QVERIFY(writeFile(to, "the sandbox's own disk"));
        rlimit saved{};
        QVERIFY(getrlimit(RLIMIT_FSIZE, &saved) == 0);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = saved;
        small.rlim_cur = 1 << 20;
        QVERIFY(setrlimit(RLIMIT_FSIZE, &small) == 0);
        const Status s = copyFileAtomically(from, to);
        setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY(!s.ok());
        QCOMPARE(s.error().code, QString("io_error"));
        QVERIFY2(s.error().message.contains("Free some disk space"), qPrintable(s.error().text()));
        QCOMPARE(readFile(to), QByteArray("the sandbox's own disk"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 2);

        // Without the limit the same copy is whole.
        QVERIFY(copyFileAtomically(from, to).ok());
        QCOMPARE(readFile(to), big);
    }

    void copyToFullDevice() {
        QByteArray data = randomBytes(1 << 16);
        QBuffer in(&data);
        QVERIFY(in.open(QIODevice::ReadOnly));
        QFile full("/dev/full");
        QVERIFY(full.open(QIODevice::WriteOnly | QIODevice::Unbuffered));
        const Status s = copyData(in, full, "a test copy");
        QVERIFY(!s.ok());
        QVERIFY2(s.error().detail.contains("space", Qt::CaseInsensitive),
                 qPrintable(s.error().text()));
    }

    void saveHeader() {
        const QByteArray cookie = "<qemu-migration><cpu/></qemu-migration>";
        const QByteArray stream = "QEVM" + randomBytes(200000);
        const QByteArray file = saveFile(kXml, cookie, 65536, stream);
        auto h = saveimage::parseHeader(file);
        QVERIFY2(h.ok(), qPrintable(h.ok() ? QString() : h.error().text()));
        QCOMPARE(h->version, 2u);
        QCOMPARE(h->xml, kXml);
        QCOMPARE(h->cookie, cookie);
        QCOMPARE(h->wasRunning, 1u);
        QCOMPARE(file.mid(h->streamOffset(), 4), QByteArray("QEVM"));

        QTemporaryDir dir;
        const QString from = dir.filePath("memory.save");
        QVERIFY(writeFile(from, file));
        for (const QByteArray& xml : {kXml + QByteArray(300, ' '), QByteArray("<domain/>")}) {
            const QString to = dir.filePath("copy.save");
            QVERIFY(saveimage::copyWithXml(from, to, xml).ok());
            const QByteArray copy = readFile(to);
            QCOMPARE(copy.size(), file.size());
            auto c = saveimage::readHeader(to);
            QVERIFY(c.ok());
            QCOMPARE(c->xml, xml);
            QCOMPARE(c->cookie, cookie);
            QCOMPARE(c->cookieOffset, quint32(xml.size() + 1));
            QCOMPARE(c->dataLen, h->dataLen);
            QCOMPARE(c->wasRunning, 1u);
            QCOMPARE(copy.mid(c->streamOffset()), stream); // the stream where it was, unchanged
        }
        // More than the room there is.
        const Status tooBig = saveimage::copyWithXml(from, dir.filePath("big.save"),
                                                     QByteArray(int(h->dataLen), 'x'));
        QVERIFY(!tooBig.ok());
        QCOMPARE(tooBig.error().code, QString("bad_save_image"));
        QVERIFY(!QFileInfo::exists(dir.filePath("big.save")));
        // The original is never touched.
        QCOMPARE(readFile(from), file);
    }

    void badSaveFiles() {
        const QByteArray good = saveFile(kXml, "cookie", 100, "QEVM");
        QByteArray otherVersion = saveFile(kXml, "cookie", 100, "QEVM", 3);
        QVERIFY(saveimage::parseHeader(otherVersion).error().message.contains("version is 3"));
        QByteArray partial = good;
        memcpy(partial.data(), "LibvirtQemudPart", 16);
        QVERIFY(saveimage::parseHeader(partial).error().message.contains("partial"));
        QVERIFY(!saveimage::parseHeader("not a save file at all, but long enough to be a header"
                                        " of ninety-two bytes, really, it is.")
                     .ok());
        QVERIFY(!saveimage::parseHeader(good.left(50)).ok());
        QVERIFY(!saveimage::parseHeader(good.left(saveimage::kHeaderSize + 10)).ok());
        QByteArray huge = good;
        putU32(huge, 20, 0xFFFFFFF0u);
        QVERIFY(!saveimage::parseHeader(huge).ok());
        QByteArray unterminated = good;
        unterminated.replace(saveimage::kHeaderSize + kXml.size(), 1, "x");
        putU32(unterminated, 32, 0);
        const int dataLen = int(qFromLittleEndian<quint32>(good.constData() + 20));
        unterminated.replace(saveimage::kHeaderSize, dataLen, QByteArray(dataLen, 'x'));
        QVERIFY(!saveimage::parseHeader(unterminated).ok());
        QByteArray badCookie = good;
        putU32(badCookie, 32, quint32(dataLen + 5));
        QVERIFY(!saveimage::parseHeader(badCookie).ok());
        QVERIFY(!saveimage::readHeader("/nonexistent/memory.save").ok());
    }

    void forkXml() {
        auto x = forkDomainXml(kXml, kFrom, kTo);
        QVERIFY2(x.ok(), qPrintable(x.ok() ? QString() : x.error().text()));
        const QString out = QString::fromUtf8(*x);
        QVERIFY(out.contains("<name>vivarium-9f8e7d6c</name>"));
        QVERIFY(out.contains("<uuid>aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee</uuid>"));
        QVERIFY(out.contains("id=\"9f8e7d6c\" home=\"/data/vivarium\""));
        QVERIFY(out.contains("/data/vivarium/sandboxes/9f8e7d6c/disk.qcow2"));
        QVERIFY(out.contains("/data/vivarium/sandboxes/9f8e7d6c/agent.sock"));
        QVERIFY(out.contains("/data/vivarium/sandboxes/9f8e7d6c/console.log"));
        QVERIFY(!out.contains("1a2b3c4d"));
        // Another sandbox's memory (its UUID is not the snapshot's): refused.
        DomainIdentity other = kFrom;
        other.uuid = "11111111-2222-4333-8444-555555555555";
        QVERIFY(!forkDomainXml(kXml, other, kTo).ok());
        // A path outside the sandbox's directory that still names it: refused, not half-renamed.
        DomainIdentity elsewhere = kFrom;
        elsewhere.dir = "/elsewhere/1a2b3c4d";
        auto e = forkDomainXml(kXml, elsewhere, kTo);
        QVERIFY(!e.ok());
        QCOMPARE(e.error().code, QString("bad_save_image"));
    }
};

QTEST_GUILESS_MAIN(SnapshotStoreTest)
#include "SnapshotStoreTest.moc"
