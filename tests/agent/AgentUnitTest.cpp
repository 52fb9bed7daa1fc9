// The agent's pure pieces, without running the agent: kernel command-line parsing, the
// passwd/group reader that replaces NSS and its cache, the output queue's ordering rules
// and byte accounting, and the file jobs' bounds (listing chunk sizes under back-pressure,
// the removal's depth limit).
#include "DirectoryListing.h"
#include "KernelCommandLine.h"
#include "OutputQueue.h"
#include "TreeRemoval.h"
#include "UserAccount.h"

#include "GuestMessages.h"
#include "GuestProtocol.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

using namespace vivarium::agent;
using vivarium::protocol::FrameReader;
using vivarium::protocol::FrameType;

class AgentUnitTest : public QObject {
    Q_OBJECT

private slots:
    void commandLineKeepsVivariumSettings();
    void commandLineFromFile();
    void userByNameAndUid();
    void outputQueueSyncAckGoesFirst();
    void outputQueueFramesReadInPlace();
    void outputQueueRestartCountsResentBytes();
    void outputQueueUrgentAfterPartialFrame();
    void userCacheSeesChanges();
    void listingChunksStayBoundedUnderBackPressure();
    void removalStopsAtTheDepthLimit();
};

namespace {

// Moves everything queued through a pipe into `reader`.
bool drain(OutputQueue& q, FrameReader& reader) {
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return false;
    bool ok = true;
    while (ok && !q.empty()) {
        const auto status = q.writeTo(fds[1]);
        ok = status != OutputQueue::WriteStatus::Closed;
        std::uint8_t buffer[64 * 1024];
        ssize_t n;
        while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
            reader.append(std::span<const std::uint8_t>(buffer, std::size_t(n)));
    }
    ::close(fds[0]);
    ::close(fds[1]);
    return ok;
}

std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed) {
    std::vector<std::uint8_t> v(size);
    for (std::size_t i = 0; i < size; ++i)
        v[i] = std::uint8_t(seed + i * 7 + (i >> 8));
    return v;
}

// A pipe that takes at most one page at a time, to write frames partly.
bool smallPipe(int fds[2]) {
    return ::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0 && ::fcntl(fds[1], F_SETPIPE_SZ, 4096) >= 0;
}

} // namespace

void AgentUnitTest::commandLineKeepsVivariumSettings() {
    const auto c = KernelCommandLine::parse(
        "console=ttyS0 vivarium.root=/dev/vdb vivarium.hostname=\"my box\" quiet "
        "vivarium.flag vivarium.root=/dev/vdc vivarium.=x novivarium.mode=echo\n");
    QCOMPARE(c.value("root", "/dev/vda"), std::string("/dev/vdc"));
    QCOMPARE(c.value("hostname"), std::string("my box"));
    QVERIFY(c.has("flag"));
    QCOMPARE(c.value("flag", "default"), std::string());
    QCOMPARE(c.value("rootfstype", "ext4"), std::string("ext4"));
    QVERIFY(!c.has("mode"));
    QVERIFY(!c.has(""));
}

void AgentUnitTest::commandLineFromFile() {
    QTemporaryDir dir;
    QFile f(dir.filePath("cmdline"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("vivarium.mode=echo");
    f.close();
    auto c = KernelCommandLine::load(f.fileName().toStdString());
    QVERIFY(c);
    QCOMPARE(c->value("mode"), std::string("echo"));
    auto missing = KernelCommandLine::load(dir.filePath("none").toStdString());
    QVERIFY(!missing);
    QCOMPARE(missing.error().code, std::string("not_found"));
}

void AgentUnitTest::userByNameAndUid() {
    QTemporaryDir dir;
    QFile passwd(dir.filePath("passwd")), group(dir.filePath("group"));
    QVERIFY(passwd.open(QIODevice::WriteOnly) && group.open(QIODevice::WriteOnly));
    passwd.write("root:x:0:0:root:/root:/bin/bash\n# comment\nbroken line\n"
                 "alice:x:1000:1000:Alice:/home/alice:/bin/zsh\nnohome:x:1001:1001:::\n");
    group.write("root:x:0:\nalice:x:1000:\nwheel:x:10:bob,alice\naudio:x:29:bob\n");
    passwd.close();
    group.close();
    const auto p = passwd.fileName().toStdString(), g = group.fileName().toStdString();

    auto alice = UserAccount::resolve("alice", p, g);
    QVERIFY(alice);
    QCOMPARE(alice->uid, uid_t(1000));
    QCOMPARE(alice->gid, gid_t(1000));
    QCOMPARE(alice->home, std::string("/home/alice"));
    QCOMPARE(alice->shell, std::string("/bin/zsh"));
    QCOMPARE(alice->groups, (std::vector<gid_t>{1000, 10}));

    auto byUid = UserAccount::resolve("1000", p, g);
    QVERIFY(byUid);
    QCOMPARE(byUid->name, std::string("alice"));

    auto nohome = UserAccount::resolve("nohome", p, g);
    QVERIFY(nohome);
    QCOMPARE(nohome->home, std::string("/"));
    QCOMPARE(nohome->shell, std::string("/bin/sh"));

    auto anonymous = UserAccount::resolve("4242", p, g);
    QVERIFY(anonymous);
    QCOMPARE(anonymous->uid, uid_t(4242));
    QCOMPARE(anonymous->gid, gid_t(4242));

    // An OCI image's "user:group": that primary group, no supplementary ones.
    auto withGroup = UserAccount::resolve("alice:audio", p, g);
    QVERIFY(withGroup);
    QCOMPARE(withGroup->uid, uid_t(1000));
    QCOMPARE(withGroup->gid, gid_t(29));
    QCOMPARE(withGroup->groups, std::vector<gid_t>{29});
    auto numericPair = UserAccount::resolve("4242:4343", p, g);
    QVERIFY(numericPair);
    QCOMPARE(numericPair->uid, uid_t(4242));
    QCOMPARE(numericPair->gid, gid_t(4343));

    for (const char* bad : {"mallory", "", "a:b", "4294967295", "alice:nogroup", ":10", "alice:",
                            "alice:10:1"}) {
        auto r = UserAccount::resolve(bad, p, g);
        QVERIFY2(!r, bad);
        QCOMPARE(r.error().code, std::string("bad_user"));
    }
}

void AgentUnitTest::outputQueueSyncAckGoesFirst() {
    OutputQueue q;
    q.push(FrameType::Hello, 0, std::string_view("{}"));
    q.push(FrameType::Stdout, 3, std::string_view("abc"));
    q.dropUnsent(FrameType::Hello);
    q.pushUrgent(FrameType::SyncAck, 0, std::string_view("{\"nonce\":1}"));

    int fds[2];
    QVERIFY(::pipe2(fds, O_NONBLOCK) == 0);
    std::size_t written = 0;
    QCOMPARE(q.writeTo(fds[1], &written), OutputQueue::WriteStatus::Drained);
    QVERIFY(q.empty());
    QCOMPARE(q.bytes(), std::size_t(0));
    std::uint8_t buffer[256];
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    QCOMPARE(std::size_t(n), written);
    ::close(fds[0]);
    ::close(fds[1]);

    FrameReader reader;
    reader.append(std::span<const std::uint8_t>(buffer, std::size_t(n)));
    auto first = reader.next();
    auto second = reader.next();
    QVERIFY(first && second && !reader.next());
    QCOMPARE(first->type, FrameType::SyncAck);
    QCOMPARE(second->type, FrameType::Stdout);
    QCOMPARE(second->payloadText(), std::string_view("abc"));
}

void AgentUnitTest::outputQueueFramesReadInPlace() {
    // Frames filled in place and pushed ones, across several blocks, come out whole and in
    // order; an abandoned in-place frame leaves nothing.
    OutputQueue q;
    std::vector<std::pair<FrameType, std::vector<std::uint8_t>>> sent;
    for (int i = 0; i < 12; ++i) {
        const std::size_t size = i % 3 == 0 ? vivarium::protocol::kDataChunk : 1000 + i * 4093;
        auto data = pattern(size, std::uint8_t(i));
        auto room = q.beginFrame(FrameType::Stdout, 5, vivarium::protocol::kDataChunk);
        QCOMPARE(room.size(), vivarium::protocol::kDataChunk);
        std::memcpy(room.data(), data.data(), size);
        q.commitFrame(size);
        sent.emplace_back(FrameType::Stdout, std::move(data));

        (void)q.beginFrame(FrameType::Stderr, 5, vivarium::protocol::kDataChunk);
        q.commitFrame(0);

        const std::string json = "{\"bytes\":" + std::to_string(i) + "}";
        q.push(FrameType::Window, 5, std::string_view(json));
        sent.emplace_back(FrameType::Window, std::vector<std::uint8_t>(json.begin(), json.end()));
    }
    std::size_t expected = 0;
    for (const auto& [type, payload] : sent)
        expected += vivarium::protocol::kHeaderSize + payload.size();
    QCOMPARE(q.bytes(), expected);

    FrameReader reader;
    QVERIFY(drain(q, reader));
    QCOMPARE(q.bytes(), std::size_t(0));
    for (const auto& [type, payload] : sent) {
        auto f = reader.next();
        QVERIFY(f);
        QCOMPARE(f->type, type);
        QCOMPARE(f->stream, 5u);
        QVERIFY(f->payload == payload);
    }
    QVERIFY(!reader.next());
    QCOMPARE(reader.corruptCount(), std::size_t(0));
}

void AgentUnitTest::outputQueueRestartCountsResentBytes() {
    // A host that leaves mid-frame: the frame is sent again whole to the next one, and the
    // queue's size (what back-pressure reads) counts those bytes again, or it would end
    // below zero once they are written.
    OutputQueue q;
    const auto big = pattern(10000, 1);
    q.push(FrameType::Stdout, 3, std::span<const std::uint8_t>(big));
    q.push(FrameType::Exit, 3, std::string_view("{\"code\":0}"));
    const std::size_t total = q.bytes();

    int fds[2];
    QVERIFY(smallPipe(fds));
    std::size_t written = 0;
    QCOMPARE(q.writeTo(fds[1], &written), OutputQueue::WriteStatus::WouldBlock);
    QVERIFY(written > 0 && written < big.size());
    QCOMPARE(q.bytes(), total - written);
    ::close(fds[0]);
    ::close(fds[1]);

    q.restartPartial();
    QCOMPARE(q.bytes(), total);
    FrameReader reader;
    QVERIFY(drain(q, reader));
    QCOMPARE(q.bytes(), std::size_t(0));
    auto first = reader.next(), second = reader.next();
    QVERIFY(first && second && !reader.next());
    QVERIFY(first->payload == big);
    QCOMPARE(second->type, FrameType::Exit);
}

void AgentUnitTest::outputQueueUrgentAfterPartialFrame() {
    // The host already reads the first frame: the urgent one goes right after it, ahead of
    // everything not started, and an unsent Hello behind it is dropped.
    OutputQueue q;
    const auto big = pattern(10000, 2);
    q.push(FrameType::Stdout, 3, std::span<const std::uint8_t>(big));
    q.push(FrameType::Hello, 0, std::string_view("{}"));
    q.push(FrameType::Stdout, 3, std::string_view("tail"));

    int fds[2];
    QVERIFY(smallPipe(fds));
    std::vector<std::uint8_t> received;
    std::size_t written = 0;
    QCOMPARE(q.writeTo(fds[1], &written), OutputQueue::WriteStatus::WouldBlock);
    QVERIFY(written > 0 && written < big.size());
    q.dropUnsent(FrameType::Hello);
    q.pushUrgent(FrameType::SyncAck, 0, std::string_view("{\"nonce\":7}"));
    FrameReader reader;
    while (!q.empty()) {
        QVERIFY(q.writeTo(fds[1]) != OutputQueue::WriteStatus::Closed);
        std::uint8_t buffer[8192];
        ssize_t n;
        while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
            reader.append(std::span<const std::uint8_t>(buffer, std::size_t(n)));
    }
    ::close(fds[0]);
    ::close(fds[1]);
    auto a = reader.next(), b = reader.next(), c = reader.next();
    QVERIFY(a && b && c && !reader.next());
    QVERIFY(a->payload == big);
    QCOMPARE(b->type, FrameType::SyncAck);
    QCOMPARE(c->payloadText(), std::string_view("tail"));
}

void AgentUnitTest::userCacheSeesChanges() {
    QTemporaryDir dir;
    const QString p = dir.filePath("passwd"), g = dir.filePath("group");
    auto write = [](const QString& path, const QByteArray& text) {
        QFile f(path);
        return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(text) == text.size();
    };
    // Timestamps an hour old: the cache trusts them.
    auto age = [](const QString& path) {
        const timeval old[2] = {{::time(nullptr) - 3600, 0}, {::time(nullptr) - 3600, 0}};
        return ::utimes(QFile::encodeName(path).constData(), old) == 0;
    };
    QVERIFY(write(p, "alice:x:1000:1000::/home/alice:/bin/sh\n") && write(g, "wheel:x:10:alice\n"));
    QVERIFY(age(p) && age(g));
    UserAccountCache cache(p.toStdString(), g.toStdString());
    auto first = cache.resolve("alice");
    QVERIFY(first);
    QCOMPARE(first->home, std::string("/home/alice"));
    QCOMPARE(first->groups, (std::vector<gid_t>{1000, 10}));

    // Same size and the old mtime again: only the ctime tells (a cache hit cannot be told
    // from a miss here; what matters is that a changed file is never answered from it).
    QVERIFY(write(p, "alice:x:1000:1000::/home/ALICE:/bin/sh\n"));
    QVERIFY(age(p));
    auto second = cache.resolve("alice");
    QVERIFY(second);
    QCOMPARE(second->home, std::string("/home/ALICE"));

    // Another user and an unknown one are answered from the files, not the cache.
    QVERIFY(cache.resolve("4242"));
    QCOMPARE(cache.resolve("4242")->uid, uid_t(4242));
    auto bad = cache.resolve("mallory");
    QVERIFY(!bad);
    QCOMPARE(bad.error().code, std::string("bad_user"));
}

void AgentUnitTest::listingChunksStayBoundedUnderBackPressure() {
    namespace protocol = vivarium::protocol;
    QTemporaryDir dir;
    const QByteArray root = QFile::encodeName(dir.path());
    // The worst JSON per entry: a 255-byte name and a 4000-byte target, all control bytes
    // (each escaped as \u00XX, six bytes).
    const std::string target(4000, '\x01');
    constexpr int kCount = 120;
    for (int i = 0; i < kCount; ++i) {
        QByteArray name = QByteArray::number(i).rightJustified(4, '0');
        name += QByteArray(255 - name.size(), '\x02');
        QVERIFY(::symlink(target.c_str(), (root + "/" + name).constData()) == 0);
    }
    auto listing = DirectoryListing::open(7, protocol::ListRequest{root.toStdString()});
    QVERIFY(listing);

    OutputQueue out;
    out.push(FrameType::Stdout, 3, std::string_view("queued"));
    // At or above the limit the listing does nothing.
    auto blocked = (*listing)->pump(out, out.bytes());
    QVERIFY(blocked);
    QCOMPARE(*blocked, FileJob::Step::Blocked);

    constexpr std::size_t kLimit = 64 * 1024;
    FrameReader reader;
    std::vector<protocol::FileEntry> entries;
    int frames = 0;
    bool ended = false;
    for (int round = 0; round < 10000 && !ended; ++round) {
        auto step = (*listing)->pump(out, kLimit);
        QVERIFY(step);
        // One pump adds at most one chunk above the limit.
        QVERIFY(out.bytes() <= kLimit + protocol::kListChunkBytes + protocol::kHeaderSize);
        QVERIFY(drain(out, reader));
        while (auto f = reader.next()) {
            if (f->type == FrameType::FileEnd) {
                ended = true;
                continue;
            }
            if (f->type != FrameType::FileEntries)
                continue;
            ++frames;
            QVERIFY(f->payload.size() <= protocol::kListChunkBytes);
            auto parsed = protocol::parseFileEntries(f->payloadText());
            QVERIFY2(parsed, parsed.error.c_str());
            entries.insert(entries.end(), parsed->entries.begin(), parsed->entries.end());
        }
        if (*step == FileJob::Step::Done)
            QVERIFY(ended);
    }
    QVERIFY(ended);
    QCOMPARE(reader.corruptCount(), std::size_t(0));
    QCOMPARE(entries.size(), std::size_t(kCount));
    QVERIFY(frames > 1);
    for (int i = 0; i < kCount; ++i) {
        QCOMPARE(entries[std::size_t(i)].info.type, protocol::FileKind::Symlink);
        QCOMPARE(entries[std::size_t(i)].info.target, target);
        QCOMPARE(entries[std::size_t(i)].name.size(), std::size_t(255));
    }
}

void AgentUnitTest::removalStopsAtTheDepthLimit() {
    namespace protocol = vivarium::protocol;
    QTemporaryDir dir;
    const QByteArray top = QFile::encodeName(dir.filePath("deep"));
    QVERIFY(::mkdir(top.constData(), 0755) == 0);
    int fd = ::open(top.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (std::size_t i = 0; i < TreeRemoval::kMaxDepth + 10; ++i) {
        QVERIFY(::mkdirat(fd, "d", 0755) == 0);
        const int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ::close(fd);
        fd = next;
        QVERIFY(fd >= 0);
    }
    ::close(fd);

    auto removal = TreeRemoval::start(9, protocol::RemoveRequest{top.toStdString(), true});
    QVERIFY(removal);
    QVERIFY(*removal);
    OutputQueue out;
    std::optional<vivarium::agent::Error> error;
    for (int round = 0; round < 10000 && !error; ++round) {
        auto step = (**removal).pump(out, 1 << 20);
        if (!step)
            error = step.error();
        else
            QVERIFY(*step != FileJob::Step::Done);
    }
    QVERIFY(error);
    QCOMPARE(error->code, std::string("io_error"));
    QVERIFY2(error->message.find("deep") != std::string::npos, error->message.c_str());
    QVERIFY(out.empty());
    // Nothing was removed: the walk fails before it reaches an empty directory.
    QVERIFY(QFileInfo::exists(dir.filePath("deep/d/d")));
}

QTEST_GUILESS_MAIN(AgentUnitTest)
#include "AgentUnitTest.moc"
