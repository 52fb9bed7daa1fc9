// The agent's pure pieces, without running the agent: kernel command-line parsing, the
// passwd/group reader that replaces NSS, and the output queue's ordering rules.
#include "KernelCommandLine.h"
#include "OutputQueue.h"
#include "UserAccount.h"

#include "GuestProtocol.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
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
};

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

    for (const char* bad : {"mallory", "", "a:b", "4294967295"}) {
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

QTEST_GUILESS_MAIN(AgentUnitTest)
#include "AgentUnitTest.moc"
