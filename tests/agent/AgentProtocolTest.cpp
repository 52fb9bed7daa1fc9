// Drives the real vivarium-agent binary in test mode (--listen-unix, no VM) over a unix
// socket with real frames, as QEMU's test-qga does for qemu-ga: hello, exec with pipes and a
// pty, exit codes and signals, stdin flow control, a 16 MiB stream, concurrency, files,
// reconnect + sync, and hostile input. Every wait is on a condition with a timeout.
#include "GuestMessages.h"
#include "GuestProtocol.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

using namespace vivarium::protocol;

namespace {

constexpr int kTimeoutMs = 20000;

QByteArray bytesOf(const std::vector<std::uint8_t>& v) {
    return QByteArray(reinterpret_cast<const char*>(v.data()), qsizetype(v.size()));
}

// What arrived on one stream.
struct StreamState {
    QByteArray out, err, fileData;
    bool started = false;
    qint64 pid = 0;
    std::optional<ExitStatus> exit;
    std::optional<StreamError> error;
    std::optional<FileInfo> info;
    std::vector<FileEntry> entries; // every FileEntries frame, in arrival order
    int entryFrames = 0;
    bool malformedEntries = false;
    bool fileEnd = false;
    quint64 acked = 0; // Window bytes
    QByteArray tcp;    // TcpData bytes
    bool tcpConnected = false;
    bool tcpFin = false;
    std::optional<TcpAccepted> accepted;
    bool closed() const { return exit || error || fileEnd; }
};

// One host connection to the agent: sends frames, and records every frame received per stream.
class HostConnection {
public:
    bool connectTo(const QString& path) {
        // The agent's socket file appears at bind(), a moment before listen(): a connection
        // in between is refused, so retry until the deadline.
        return QTest::qWaitFor(
            [&] {
                m_socket.connectToServer(path);
                if (m_socket.waitForConnected(200))
                    return true;
                m_socket.abort();
                return false;
            },
            kTimeoutMs);
    }
    void close() { m_socket.abort(); }
    void send(FrameType type, std::uint32_t stream, const QByteArray& payload = {}) {
        std::vector<std::uint8_t> out;
        QVERIFY(
            encodeFrame(out, type, stream, std::string_view(payload.constData(), payload.size())));
        sendRaw(bytesOf(out));
    }
    void send(FrameType type, std::uint32_t stream, const std::string& json) {
        send(type, stream, QByteArray::fromStdString(json));
    }
    void sendRaw(const QByteArray& bytes) {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Reads whatever arrives within `ms`; false on timeout or a closed socket.
    bool pumpOnce(int ms) {
        if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(ms))
            return false;
        const QByteArray data = m_socket.readAll();
        m_reader.append(std::span(reinterpret_cast<const std::uint8_t*>(data.constData()),
                                  std::size_t(data.size())));
        while (auto f = m_reader.next())
            record(std::move(*f));
        return true;
    }
    bool waitUntil(const std::function<bool()>& done, int ms = kTimeoutMs) {
        QDeadlineTimer deadline(ms);
        while (!done()) {
            if (deadline.hasExpired())
                return false;
            pumpOnce(int(qMax<qint64>(1, deadline.remainingTime())));
        }
        return true;
    }
    std::optional<Frame> waitControl(FrameType type, int ms = kTimeoutMs) {
        std::optional<Frame> found;
        waitUntil(
            [&] {
                for (auto it = control.begin(); it != control.end(); ++it)
                    if (it->type == type) {
                        found = *it;
                        control.erase(it);
                        return true;
                    }
                return false;
            },
            ms);
        return found;
    }
    bool waitClosed(std::uint32_t stream, int ms = kTimeoutMs) {
        return waitUntil([&] { return streams[stream].closed(); }, ms);
    }
    std::size_t corrupt() const { return m_reader.corruptCount(); }

    std::map<std::uint32_t, StreamState> streams;
    std::vector<Frame> control;     // stream 0, in arrival order
    std::vector<Frame> controlSeen; // stream 0, never consumed

private:
    void record(Frame f) {
        if (f.stream == kControlStream) {
            controlSeen.push_back(f);
            control.push_back(std::move(f));
            return;
        }
        StreamState& s = streams[f.stream];
        const QByteArray payload(reinterpret_cast<const char*>(f.payload.data()),
                                 qsizetype(f.payload.size()));
        switch (f.type) {
        case FrameType::Started:
            s.started = true;
            s.pid = QJsonDocument::fromJson(payload).object().value("pid").toInteger();
            break;
        case FrameType::Stdout:
            s.out += payload;
            break;
        case FrameType::Stderr:
            s.err += payload;
            break;
        case FrameType::FileData:
            s.fileData += payload;
            break;
        case FrameType::FileEnd:
            s.fileEnd = true;
            break;
        case FrameType::FileInfo:
            if (auto i = parseFileInfo(f.payloadText()))
                s.info = *i;
            break;
        case FrameType::FileEntries:
            ++s.entryFrames;
            // The agent promises frames well under the limit.
            if (f.payload.size() > kListChunkBytes)
                s.malformedEntries = true;
            if (auto e = parseFileEntries(f.payloadText()))
                s.entries.insert(s.entries.end(), e->entries.begin(), e->entries.end());
            else
                s.malformedEntries = true;
            break;
        case FrameType::Window:
            if (auto b = parseWindow(f.payloadText()))
                s.acked += *b;
            break;
        case FrameType::TcpConnected:
            s.tcpConnected = true;
            break;
        case FrameType::TcpAccepted:
            if (auto a = parseTcpAccepted(f.payloadText()))
                s.accepted = *a;
            break;
        case FrameType::TcpData:
            if (payload.isEmpty())
                s.tcpFin = true;
            s.tcp += payload;
            break;
        case FrameType::Exit:
            if (auto e = parseExitStatus(f.payloadText()))
                s.exit = *e;
            break;
        case FrameType::Error:
            if (auto e = parseStreamError(f.payloadText()))
                s.error = *e;
            break;
        default:
            break;
        }
    }

    QLocalSocket m_socket;
    FrameReader m_reader;
};

std::string statJson(const QString& path, bool follow = false) {
    return toJson(StatRequest{path.toStdString(), follow});
}
std::string listJson(const QString& path) { return toJson(ListRequest{path.toStdString()}); }
std::string removeJson(const QString& path, bool recursive = false) {
    return toJson(RemoveRequest{path.toStdString(), recursive});
}

// Files the tests lay out, made with POSIX calls so names need not be valid UTF-8.
bool writeFile(const QByteArray& path, const QByteArray& content, mode_t mode = 0644) {
    const int fd = ::open(path.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return false;
    const bool ok = ::write(fd, content.constData(), size_t(content.size())) == content.size();
    return ::close(fd) == 0 && ::fchmodat(AT_FDCWD, path.constData(), mode, 0) == 0 && ok;
}

std::string execJson(std::vector<std::string> argv, bool pty = false, std::uint16_t rows = 24,
                     std::uint16_t cols = 80) {
    ExecRequest r;
    r.argv = std::move(argv);
    r.pty = pty;
    r.rows = rows;
    r.cols = cols;
    return toJson(r);
}

} // namespace

class AgentProtocolTest : public QObject {
    Q_OBJECT

private slots:
    void init();
    void cleanup();

    void helloArrivesFirst();
    void echoRunsAndExits();
    void exitCodeIsReported();
    void signalTerminatesProcess();
    void environmentAndWorkingDirectory();
    void stdinRoundTripHonoursWindow();
    void ptyHasTerminalAndSize();
    void ptyResize();
    void largeOutputIsByteExact();
    void concurrentExecs();
    void missingBinaryIsExecFailed();
    void unknownUserIsBadUser();
    void fileWriteThenRead();
    void fileErrors();
    void fileStat();
    void fileListShowsEntriesWithoutFollowing();
    void fileListOfManyEntriesArrivesInChunks();
    void fileListErrors();
    void fileRemove();
    void fileRemoveRecursiveDoesNotFollowSymlinks();
    void fileRemoveRefusesRootAndRelativePaths();
    void syncAfterReconnectListsRunningStreams();
    void malformedInputDoesNotKillAgent();
    void streamInUseIsRejected();
    void shutdownEndsTestMode();
    void tcpConnectCarriesBytesAndHalfCloses();
    void tcpConnectToClosedPortIsRefused();
    void tcpGuestSendsNoMoreThanTheWindow();
    void egressListenerNumbersGuestStreams();
    void hostCannotOpenGuestNumberedStreams();
    void syncClosesTcpStreams();
    void createCwdMakesTheTemplateWorkdir();
    void flushIsAnsweredAndClockIsChecked();

private:
    // A port nothing listens on right now (bound, read, closed).
    static quint16 freePort();
    void connectHost(); // (re)connects m_host and consumes nothing
    StreamState& run(std::uint32_t stream, const std::string& execJson);
    // Sends a one-frame file request and waits until its stream closes.
    StreamState& fileRequest(std::uint32_t stream, FrameType type, const std::string& json);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_agent;
    std::unique_ptr<HostConnection> m_host;
    QString m_socketPath;
};

void AgentProtocolTest::init() {
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_socketPath = m_dir->filePath("agent.sock");
    QFile cmdline(m_dir->filePath("cmdline"));
    QVERIFY(cmdline.open(QIODevice::WriteOnly));
    cmdline.write("console=ttyS0 vivarium.hostname=agent-test quiet\n");
    cmdline.close();

    m_agent = std::make_unique<QProcess>();
    m_agent->setProcessChannelMode(QProcess::ForwardedChannels);
    // VIVARIUM_AGENT_PATH in the environment runs another build (e.g. a sanitizer one).
    m_agent->start(qEnvironmentVariable("VIVARIUM_AGENT_PATH", VIVARIUM_AGENT_PATH),
                   {"--listen-unix", m_socketPath, "--cmdline", cmdline.fileName()});
    QVERIFY2(m_agent->waitForStarted(kTimeoutMs), qPrintable(m_agent->errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(m_socketPath), kTimeoutMs);
    connectHost();
    // Every test starts after the Hello, which the first connection gets unasked.
    QVERIFY(m_host->waitControl(FrameType::Hello).has_value());
}

void AgentProtocolTest::cleanup() {
    m_host.reset();
    if (m_agent && m_agent->state() != QProcess::NotRunning) {
        m_agent->terminate();
        if (!m_agent->waitForFinished(kTimeoutMs))
            m_agent->kill();
        m_agent->waitForFinished(kTimeoutMs);
    }
    m_agent.reset();
    m_dir.reset();
}

void AgentProtocolTest::connectHost() {
    m_host = std::make_unique<HostConnection>();
    QVERIFY(m_host->connectTo(m_socketPath));
}

StreamState& AgentProtocolTest::run(std::uint32_t stream, const std::string& json) {
    m_host->send(FrameType::Exec, stream, json);
    m_host->waitClosed(stream);
    return m_host->streams[stream];
}

StreamState& AgentProtocolTest::fileRequest(std::uint32_t stream, FrameType type,
                                            const std::string& json) {
    m_host->send(type, stream, json);
    m_host->waitClosed(stream);
    return m_host->streams[stream];
}

void AgentProtocolTest::helloArrivesFirst() {
    // init() consumed the Hello; check its content and that it was the first frame.
    QVERIFY(!m_host->controlSeen.empty());
    const Frame& first = m_host->controlSeen.front();
    QCOMPARE(first.type, FrameType::Hello);
    auto hello = parseHello(first.payloadText());
    QVERIFY2(hello, hello.error.c_str());
    QCOMPARE(hello->version, kVersion);
    QVERIFY(QString::fromStdString(hello->agent).startsWith("vivarium-agent "));
    QCOMPARE(hello->hostname, std::string("agent-test"));
    QVERIFY(!hello->kernel.empty());
}

void AgentProtocolTest::echoRunsAndExits() {
    StreamState& s = run(1, execJson({"/bin/echo", "hello", "world"}));
    QVERIFY(s.started);
    QVERIFY(s.pid > 0);
    QVERIFY2(!s.error, s.error ? s.error->message.c_str() : "");
    QCOMPARE(s.out, QByteArray("hello world\n"));
    QVERIFY(s.exit);
    QCOMPARE(s.exit->code, 0);
    QCOMPARE(s.exit->signal, 0);
}

void AgentProtocolTest::exitCodeIsReported() {
    StreamState& s = run(2, execJson({"sh", "-c", "echo oops >&2; exit 3"}));
    QVERIFY(s.exit);
    QCOMPARE(s.exit->code, 3);
    QCOMPARE(s.exit->signal, 0);
    QCOMPARE(s.err, QByteArray("oops\n"));
    QVERIFY(s.out.isEmpty());
}

void AgentProtocolTest::signalTerminatesProcess() {
    m_host->send(FrameType::Exec, 3, execJson({"sleep", "100"}));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[3].started; }));
    m_host->send(FrameType::Signal, 3, signalJson(15));
    QVERIFY(m_host->waitClosed(3));
    const StreamState& s = m_host->streams[3];
    QVERIFY(s.exit);
    QCOMPARE(s.exit->code, -1);
    QCOMPARE(s.exit->signal, 15);
}

void AgentProtocolTest::environmentAndWorkingDirectory() {
    ExecRequest r;
    r.argv = {"sh", "-c", "echo \"$FOO|$LANG|$PATH\"; pwd"};
    r.env = {{"FOO", "bar"}};
    r.cwd = QDir(m_dir->path()).canonicalPath().toStdString();
    StreamState& s = run(4, toJson(r));
    QVERIFY(s.exit);
    QCOMPARE(s.exit->code, 0);
    const QList<QByteArray> lines = s.out.split('\n');
    QCOMPARE(
        lines.value(0),
        QByteArray("bar|C.UTF-8|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    QCOMPARE(lines.value(1), QByteArray::fromStdString(r.cwd));
}

void AgentProtocolTest::stdinRoundTripHonoursWindow() {
    // Three windows' worth, so the transfer only completes if Window frames come back.
    const qsizetype total = 3 * qsizetype(kStreamWindow) + 12345;
    QByteArray input(total, Qt::Uninitialized);
    QRandomGenerator gen(42);
    gen.fillRange(reinterpret_cast<quint32*>(input.data()), total / 4);

    const std::uint32_t id = 5;
    m_host->send(FrameType::Exec, id, execJson({"cat"}));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[id].started; }));
    StreamState& s = m_host->streams[id];
    qsizetype sent = 0;
    QDeadlineTimer deadline(60000);
    while (sent < total) {
        QVERIFY2(!deadline.hasExpired(), "stdin transfer stalled");
        QVERIFY(!s.closed());
        const qint64 inFlight = sent - qint64(s.acked);
        QVERIFY(inFlight <= qint64(kStreamWindow));
        if (inFlight < qint64(kStreamWindow)) {
            const qsizetype n = std::min(
                {qsizetype(kDataChunk), total - sent, qsizetype(qint64(kStreamWindow) - inFlight)});
            m_host->send(FrameType::Stdin, id, input.mid(sent, n));
            sent += n;
        } else {
            m_host->pumpOnce(1000);
        }
    }
    m_host->send(FrameType::Stdin, id); // empty: close stdin
    QVERIFY(m_host->waitClosed(id, 60000));
    QVERIFY(s.exit);
    QCOMPARE(s.exit->code, 0);
    QCOMPARE(s.out.size(), total);
    QVERIFY(s.out == input);
    QCOMPARE(qsizetype(s.acked), total);
}

void AgentProtocolTest::ptyHasTerminalAndSize() {
    StreamState& s = run(6, execJson({"sh", "-c", "tty; stty size; echo $TERM"}, true, 30, 100));
    QVERIFY2(!s.error, s.error ? s.error->message.c_str() : "");
    QVERIFY(s.exit);
    QCOMPARE(s.exit->code, 0);
    QVERIFY2(s.out.contains("/dev/pts/"), s.out.constData());
    QVERIFY2(s.out.contains("30 100"), s.out.constData());
    QVERIFY2(s.out.contains("xterm-256color"), s.out.constData());
    QVERIFY(s.err.isEmpty());
}

void AgentProtocolTest::ptyResize() {
    const std::uint32_t id = 7;
    m_host->send(FrameType::Exec, id, execJson({"sh", "-c", "read x; stty size"}, true, 24, 80));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[id].started; }));
    m_host->send(FrameType::Resize, id, resizeJson(40, 120));
    m_host->send(FrameType::Stdin, id, QByteArray("go\n"));
    QVERIFY(m_host->waitClosed(id));
    const StreamState& s = m_host->streams[id];
    QVERIFY(s.exit);
    QVERIFY2(s.out.contains("40 120"), s.out.constData());
}

void AgentProtocolTest::largeOutputIsByteExact() {
    const QString file = m_dir->filePath("random.bin");
    const std::string script = "head -c 16777216 /dev/urandom > '" + file.toStdString() +
                               "' && cat '" + file.toStdString() + "' && sha256sum < '" +
                               file.toStdString() + "' >&2";
    StreamState& s = run(8, execJson({"sh", "-c", script}));
    QVERIFY(s.exit);
    QCOMPARE(s.exit->code, 0);
    QCOMPARE(s.out.size(), qsizetype(16 * 1024 * 1024));
    const QByteArray digest = QCryptographicHash::hash(s.out, QCryptographicHash::Sha256).toHex();
    QCOMPARE(s.err.left(64), digest);
}

void AgentProtocolTest::concurrentExecs() {
    const std::vector<std::uint32_t> ids{11, 12, 13, 14};
    for (std::uint32_t id : ids)
        m_host->send(FrameType::Exec, id,
                     execJson({"sh", "-c",
                               "i=0; while [ $i -lt 2000 ]; do echo stream-" + std::to_string(id) +
                                   "-$i; i=$((i+1)); done; exit " + std::to_string(id)}));
    QVERIFY(m_host->waitUntil(
        [&] {
            for (std::uint32_t id : ids)
                if (!m_host->streams[id].closed())
                    return false;
            return true;
        },
        60000));
    for (std::uint32_t id : ids) {
        const StreamState& s = m_host->streams[id];
        QVERIFY(s.exit);
        QCOMPARE(s.exit->code, int(id));
        const QList<QByteArray> lines = s.out.trimmed().split('\n');
        QCOMPARE(lines.size(), 2000);
        for (int i = 0; i < lines.size(); ++i)
            QCOMPARE(lines[i],
                     QByteArray("stream-" + QByteArray::number(id) + "-" + QByteArray::number(i)));
    }
}

void AgentProtocolTest::missingBinaryIsExecFailed() {
    StreamState& a = run(20, execJson({"/nonexistent/binary", "x"}));
    QVERIFY(a.error);
    QCOMPARE(a.error->code, std::string("exec_failed"));
    QCOMPARE(a.error->message, std::string("/nonexistent/binary: No such file or directory"));
    QVERIFY(!a.exit);
    QVERIFY(!a.started);

    StreamState& b = run(21, execJson({"no-such-command-vivarium"}));
    QVERIFY(b.error);
    QCOMPARE(b.error->code, std::string("exec_failed"));
    QCOMPARE(b.error->message, std::string("no-such-command-vivarium: No such file or directory"));

    // The failed stream's id is free again.
    m_host->streams.erase(20);
    StreamState& c = run(20, execJson({"true"}));
    QVERIFY(c.exit);
    QCOMPARE(c.exit->code, 0);
}

void AgentProtocolTest::unknownUserIsBadUser() {
    ExecRequest r;
    r.argv = {"true"};
    r.user = "no-such-user-vivarium";
    StreamState& s = run(22, toJson(r));
    QVERIFY(s.error);
    QCOMPARE(s.error->code, std::string("bad_user"));
}

void AgentProtocolTest::fileWriteThenRead() {
    const QString path = m_dir->filePath("uploaded.bin");
    QByteArray content(200 * 1024 + 7, Qt::Uninitialized);
    for (qsizetype i = 0; i < content.size(); ++i)
        content[i] = char(i * 7 + i / 256);

    FileRequest w;
    w.path = path.toStdString();
    w.mode = 0640;
    m_host->send(FrameType::FileWrite, 30, toJson(w));
    for (qsizetype off = 0; off < content.size(); off += qsizetype(kDataChunk))
        m_host->send(FrameType::FileData, 30, content.mid(off, qsizetype(kDataChunk)));
    m_host->send(FrameType::FileEnd, 30);
    QVERIFY(m_host->waitClosed(30));
    const StreamState& ws = m_host->streams[30];
    QVERIFY2(!ws.error, ws.error ? ws.error->message.c_str() : "");
    QVERIFY(ws.fileEnd);
    QCOMPARE(qsizetype(ws.acked), content.size());

    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), content);
    QCOMPARE(QFileInfo(path).permissions() & 0x7777,
             QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser |
                 QFileDevice::WriteUser | QFileDevice::ReadGroup);

    // Appending keeps the mode and adds at the end.
    FileRequest a;
    a.path = path.toStdString();
    a.append = true;
    m_host->send(FrameType::FileWrite, 31, toJson(a));
    m_host->send(FrameType::FileData, 31, QByteArray("tail"));
    m_host->send(FrameType::FileEnd, 31);
    QVERIFY(m_host->waitClosed(31));
    QVERIFY(m_host->streams[31].fileEnd);
    content += "tail";

    FileRequest r;
    r.path = path.toStdString();
    m_host->send(FrameType::FileRead, 32, toJson(r));
    QVERIFY(m_host->waitClosed(32));
    const StreamState& rs = m_host->streams[32];
    QVERIFY2(!rs.error, rs.error ? rs.error->message.c_str() : "");
    QVERIFY(rs.info);
    QCOMPARE(qsizetype(rs.info->size), content.size());
    QCOMPARE(rs.info->mode, 0640u);
    QCOMPARE(rs.fileData, content);
}

void AgentProtocolTest::fileErrors() {
    FileRequest r;
    r.path = m_dir->path().toStdString();
    m_host->send(FrameType::FileRead, 40, toJson(r));
    r.path = m_dir->filePath("missing").toStdString();
    m_host->send(FrameType::FileRead, 41, toJson(r));
    r.path = m_dir->filePath("no/such/dir/file").toStdString();
    m_host->send(FrameType::FileWrite, 42, toJson(r));
    r.path = m_dir->path().toStdString();
    m_host->send(FrameType::FileWrite, 43, toJson(r));
    QVERIFY(m_host->waitUntil([&] {
        return m_host->streams[40].error && m_host->streams[41].error &&
               m_host->streams[42].error && m_host->streams[43].error;
    }));
    QCOMPARE(m_host->streams[40].error->code, std::string("is_a_directory"));
    QCOMPARE(m_host->streams[41].error->code, std::string("not_found"));
    QVERIFY(m_host->streams[41].error->message.find("missing") != std::string::npos);
    QCOMPARE(m_host->streams[42].error->code, std::string("not_found"));
    QCOMPARE(m_host->streams[43].error->code, std::string("is_a_directory"));
    // Data for the failed upload is dropped quietly, not answered with bad_stream.
    m_host->streams.erase(42);
    m_host->send(FrameType::FileData, 42, QByteArray("late"));
    m_host->send(FrameType::Ping, 0, nonceJson(9));
    auto pong = m_host->waitControl(FrameType::Pong);
    QVERIFY(pong);
    QVERIFY(!m_host->streams[42].error);
}

void AgentProtocolTest::fileStat() {
    const QByteArray dir = QFile::encodeName(m_dir->filePath("stat"));
    QVERIFY(::mkdir(dir.constData(), 0750) == 0);
    QVERIFY(writeFile(dir + "/file", "hello", 0640));
    QVERIFY(::symlink("file", (dir + "/link").constData()) == 0);
    const QString d = QFile::decodeName(dir);

    StreamState& f = fileRequest(70, FrameType::FileStat, statJson(d + "/file"));
    QVERIFY2(!f.error, f.error ? f.error->message.c_str() : "");
    QVERIFY(f.fileEnd);
    QVERIFY(f.info);
    QCOMPARE(f.info->type, FileKind::File);
    QCOMPARE(f.info->size, std::uint64_t(5));
    QCOMPARE(f.info->mode, 0640u);
    QCOMPARE(f.info->uid, std::uint32_t(::getuid()));
    QCOMPARE(f.info->gid, std::uint32_t(::getgid()));
    QCOMPARE(f.info->mtime, QFileInfo(d + "/file").lastModified().toSecsSinceEpoch());
    QVERIFY(f.info->target.empty());

    StreamState& dirState = fileRequest(71, FrameType::FileStat, statJson(d));
    QVERIFY(dirState.info && dirState.fileEnd);
    QCOMPARE(dirState.info->type, FileKind::Directory);
    QCOMPARE(dirState.info->mode, 0750u);

    // Not followed by default: the link itself, with its target.
    StreamState& link = fileRequest(72, FrameType::FileStat, statJson(d + "/link"));
    QVERIFY(link.info && link.fileEnd);
    QCOMPARE(link.info->type, FileKind::Symlink);
    QCOMPARE(link.info->target, std::string("file"));
    StreamState& followed = fileRequest(73, FrameType::FileStat, statJson(d + "/link", true));
    QVERIFY(followed.info && followed.fileEnd);
    QCOMPARE(followed.info->type, FileKind::File);
    QCOMPARE(followed.info->size, std::uint64_t(5));
    QVERIFY(followed.info->target.empty());

    StreamState& missing = fileRequest(74, FrameType::FileStat, statJson(d + "/missing"));
    QVERIFY(missing.error);
    QCOMPARE(missing.error->code, std::string("not_found"));
    QVERIFY(!missing.info);
    StreamState& relative = fileRequest(75, FrameType::FileStat, R"({"path":"stat/file"})");
    QVERIFY(relative.error);
    QCOMPARE(relative.error->code, std::string("bad_request"));

    // FileRead's FileInfo carries the same description.
    StreamState& read = fileRequest(76, FrameType::FileRead, toJson(FileRequest{
                                                                  (d + "/file").toStdString()}));
    QVERIFY(read.info && read.fileEnd);
    QCOMPARE(read.info->type, FileKind::File);
    QCOMPARE(read.info->mtime, f.info->mtime);
    QCOMPARE(read.fileData, QByteArray("hello"));
}

void AgentProtocolTest::fileListShowsEntriesWithoutFollowing() {
    const QByteArray dir = QFile::encodeName(m_dir->filePath("list"));
    const QByteArray outside = QFile::encodeName(m_dir->filePath("outside"));
    QVERIFY(::mkdir(dir.constData(), 0755) == 0);
    QVERIFY(::mkdir(outside.constData(), 0755) == 0);
    QVERIFY(writeFile(dir + "/b", "bbbb", 0600));
    QVERIFY(writeFile(dir + "/a", "abc", 0644));
    QVERIFY(::mkdir((dir + "/sub").constData(), 0700) == 0);
    QVERIFY(writeFile(dir + "/sub/inner", "not listed"));
    QVERIFY(::symlink(outside.constData(), (dir + "/link").constData()) == 0);
    QVERIFY(writeFile(dir + "/bad\xff\xfe", "x"));

    StreamState& s = fileRequest(80, FrameType::FileList, listJson(QFile::decodeName(dir)));
    QVERIFY2(!s.error, s.error ? s.error->message.c_str() : "");
    QVERIFY(s.fileEnd);
    QVERIFY(!s.malformedEntries);
    QCOMPARE(s.entryFrames, 1);
    QCOMPARE(s.entries.size(), size_t(5));
    // Sorted by the raw bytes: "a" < "b" < "bad\xff\xfe" < "link" < "sub".
    QCOMPARE(s.entries[0].name, std::string("a"));
    QCOMPARE(s.entries[0].info.type, FileKind::File);
    QCOMPARE(s.entries[0].info.size, std::uint64_t(3));
    QCOMPARE(s.entries[0].info.mode, 0644u);
    QCOMPARE(s.entries[1].name, std::string("b"));
    QCOMPARE(s.entries[1].info.mode, 0600u);
    QCOMPARE(s.entries[1].info.uid, std::uint32_t(::getuid()));
    // Invalid UTF-8 arrives with each bad byte replaced by U+FFFD.
    const std::string& bad = s.entries[2].name;
    QVERIFY(bad.rfind("bad", 0) == 0);
    QVERIFY(bad.find("\xEF\xBF\xBD") != std::string::npos);
    QCOMPARE(QString::fromUtf8(bad).toUtf8().toStdString(), bad);
    QCOMPARE(s.entries[3].name, std::string("link"));
    QCOMPARE(s.entries[3].info.type, FileKind::Symlink);
    QCOMPARE(s.entries[3].info.target, outside.toStdString());
    QCOMPARE(s.entries[4].name, std::string("sub"));
    QCOMPARE(s.entries[4].info.type, FileKind::Directory);
    QCOMPARE(s.entries[4].info.mode, 0700u);
    QVERIFY(s.entries[4].info.mtime > 0);

    // An empty directory: one empty FileEntries, then FileEnd.
    StreamState& empty =
        fileRequest(81, FrameType::FileList, listJson(QFile::decodeName(outside)));
    QVERIFY(empty.fileEnd && !empty.error);
    QCOMPARE(empty.entryFrames, 1);
    QVERIFY(empty.entries.empty());
}

void AgentProtocolTest::fileListOfManyEntriesArrivesInChunks() {
    const QByteArray dir = QFile::encodeName(m_dir->filePath("many"));
    QVERIFY(::mkdir(dir.constData(), 0755) == 0);
    constexpr int kCount = 2000;
    for (int i = 0; i < kCount; ++i)
        QVERIFY(writeFile(dir + "/entry-" + QByteArray::number(i).rightJustified(5, '0'),
                          QByteArray::number(i)));
    StreamState& s = fileRequest(82, FrameType::FileList, listJson(QFile::decodeName(dir)));
    QVERIFY2(!s.error, s.error ? s.error->message.c_str() : "");
    QVERIFY(s.fileEnd);
    QVERIFY(!s.malformedEntries);
    QVERIFY2(s.entryFrames >= int(kCount / kListChunkEntries),
             qPrintable(QString::number(s.entryFrames)));
    QCOMPARE(s.entries.size(), size_t(kCount));
    for (int i = 0; i < kCount; ++i) {
        const std::string name =
            "entry-" + QByteArray::number(i).rightJustified(5, '0').toStdString();
        QCOMPARE(s.entries[size_t(i)].name, name);
        QCOMPARE(s.entries[size_t(i)].info.size, std::uint64_t(QByteArray::number(i).size()));
    }
}

void AgentProtocolTest::fileListErrors() {
    const QByteArray file = QFile::encodeName(m_dir->filePath("plain"));
    QVERIFY(writeFile(file, "x"));
    m_host->send(FrameType::FileList, 83, listJson(QFile::decodeName(file)));
    m_host->send(FrameType::FileList, 84, listJson(m_dir->filePath("missing")));
    m_host->send(FrameType::FileList, 85, QByteArray(R"({"path":"relative/dir"})"));
    m_host->send(FrameType::FileList, 86, QByteArray(R"({"path":7})"));
    QVERIFY(m_host->waitUntil([&] {
        return m_host->streams[83].error && m_host->streams[84].error &&
               m_host->streams[85].error && m_host->streams[86].error;
    }));
    QCOMPARE(m_host->streams[83].error->code, std::string("not_a_directory"));
    QCOMPARE(m_host->streams[84].error->code, std::string("not_found"));
    QCOMPARE(m_host->streams[85].error->code, std::string("bad_request"));
    QCOMPARE(m_host->streams[86].error->code, std::string("bad_request"));
    QCOMPARE(m_host->streams[83].entryFrames, 0);
}

void AgentProtocolTest::fileRemove() {
    const QByteArray dir = QFile::encodeName(m_dir->filePath("rm"));
    QVERIFY(::mkdir(dir.constData(), 0755) == 0);
    QVERIFY(writeFile(dir + "/file", "x"));
    QVERIFY(::mkdir((dir + "/empty").constData(), 0755) == 0);
    QVERIFY(::mkdir((dir + "/full").constData(), 0755) == 0);
    QVERIFY(writeFile(dir + "/full/inner", "x"));
    const QString d = QFile::decodeName(dir);

    StreamState& file = fileRequest(90, FrameType::FileRemove, removeJson(d + "/file"));
    QVERIFY2(!file.error, file.error ? file.error->message.c_str() : "");
    QVERIFY(file.fileEnd);
    QVERIFY(!QFileInfo::exists(d + "/file"));

    // An empty directory goes without `recursive` (a trailing slash is fine).
    StreamState& empty = fileRequest(91, FrameType::FileRemove, removeJson(d + "/empty/"));
    QVERIFY2(!empty.error, empty.error ? empty.error->message.c_str() : "");
    QVERIFY(empty.fileEnd);
    QVERIFY(!QFileInfo::exists(d + "/empty"));

    StreamState& full = fileRequest(92, FrameType::FileRemove, removeJson(d + "/full"));
    QVERIFY(full.error);
    QCOMPARE(full.error->code, std::string("is_a_directory"));
    QVERIFY(QFileInfo::exists(d + "/full/inner"));

    StreamState& missing = fileRequest(93, FrameType::FileRemove, removeJson(d + "/missing"));
    QVERIFY(missing.error);
    QCOMPARE(missing.error->code, std::string("not_found"));

    StreamState& all = fileRequest(94, FrameType::FileRemove, removeJson(d, true));
    QVERIFY2(!all.error, all.error ? all.error->message.c_str() : "");
    QVERIFY(all.fileEnd);
    QVERIFY(!QFileInfo::exists(d));
}

void AgentProtocolTest::fileRemoveRecursiveDoesNotFollowSymlinks() {
    const QByteArray tree = QFile::encodeName(m_dir->filePath("tree"));
    const QByteArray outside = QFile::encodeName(m_dir->filePath("keep"));
    QVERIFY(::mkdir(outside.constData(), 0755) == 0);
    QVERIFY(writeFile(outside + "/precious", "keep me"));
    QVERIFY(::mkdir(tree.constData(), 0755) == 0);
    QByteArray deep = tree;
    for (int i = 0; i < 20; ++i) {
        deep += "/d" + QByteArray::number(i);
        QVERIFY(::mkdir(deep.constData(), i % 2 ? 0700 : 0755) == 0);
        QVERIFY(writeFile(deep + "/f", "x", 0400));
        QVERIFY(::symlink(outside.constData(), (deep + "/to-outside").constData()) == 0);
    }
    for (int i = 0; i < 600; ++i)
        QVERIFY(writeFile(tree + "/d0/n" + QByteArray::number(i), "x"));
    QVERIFY(::symlink((outside + "/precious").constData(), (tree + "/file-link").constData()) ==
            0);
    QVERIFY(::symlink(outside.constData(), (tree + "/dir-link").constData()) == 0);

    StreamState& s =
        fileRequest(95, FrameType::FileRemove, removeJson(QFile::decodeName(tree), true));
    QVERIFY2(!s.error, s.error ? s.error->message.c_str() : "");
    QVERIFY(s.fileEnd);
    QVERIFY(!QFileInfo::exists(QFile::decodeName(tree)));
    QFile precious(QFile::decodeName(outside + "/precious"));
    QVERIFY(precious.open(QIODevice::ReadOnly));
    QCOMPARE(precious.readAll(), QByteArray("keep me"));

    // A symlink to a directory, removed recursively, is only the link.
    const QByteArray link = QFile::encodeName(m_dir->filePath("top-link"));
    QVERIFY(::symlink(outside.constData(), link.constData()) == 0);
    StreamState& l =
        fileRequest(96, FrameType::FileRemove, removeJson(QFile::decodeName(link), true));
    QVERIFY2(!l.error, l.error ? l.error->message.c_str() : "");
    QVERIFY(l.fileEnd);
    struct stat st {};
    QVERIFY(::lstat(link.constData(), &st) < 0);
    QVERIFY(QFileInfo::exists(QFile::decodeName(outside + "/precious")));
}

void AgentProtocolTest::fileRemoveRefusesRootAndRelativePaths() {
    StreamState& root = fileRequest(97, FrameType::FileRemove, removeJson("/", true));
    QVERIFY(root.error);
    QCOMPARE(root.error->code, std::string("refused"));
    StreamState& slashes = fileRequest(98, FrameType::FileRemove, removeJson("///", true));
    QVERIFY(slashes.error);
    QCOMPARE(slashes.error->code, std::string("refused"));
    StreamState& dotdot = fileRequest(99, FrameType::FileRemove, removeJson("/tmp/..", true));
    QVERIFY(dotdot.error);
    QCOMPARE(dotdot.error->code, std::string("bad_request"));
    StreamState& relative =
        fileRequest(100, FrameType::FileRemove, R"({"path":"tmp","recursive":true})");
    QVERIFY(relative.error);
    QCOMPARE(relative.error->code, std::string("bad_request"));
    // The agent is still serving.
    StreamState& s = run(101, execJson({"echo", "alive"}));
    QCOMPARE(s.out, QByteArray("alive\n"));
}

void AgentProtocolTest::syncAfterReconnectListsRunningStreams() {
    m_host->send(FrameType::Exec, 50, execJson({"sleep", "100"}));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[50].started; }));
    m_host->close();

    connectHost();
    // A Ping before the Sync is answered only after the SyncAck: nothing goes out before it.
    m_host->send(FrameType::Ping, 0, nonceJson(7));
    m_host->send(FrameType::Sync, 0, nonceJson(42));
    auto ack = m_host->waitControl(FrameType::SyncAck);
    QVERIFY(ack);
    QCOMPARE(m_host->controlSeen.front().type, FrameType::SyncAck);
    auto parsed = parseHello(ack->payloadText());
    QVERIFY2(parsed, parsed.error.c_str());
    QCOMPARE(parsed->nonce, std::uint64_t(42));
    QCOMPARE(parsed->version, kVersion);
    QCOMPARE(parsed->streams, std::vector<std::uint32_t>{50});
    auto pong = m_host->waitControl(FrameType::Pong);
    QVERIFY(pong);
    QCOMPARE(parseNonce(pong->payloadText()), std::optional<std::uint64_t>(7));

    // The stream survived the reconnect and is still controllable.
    m_host->send(FrameType::Signal, 50, signalJson(9));
    QVERIFY(m_host->waitClosed(50));
    QVERIFY(m_host->streams[50].exit);
    QCOMPARE(m_host->streams[50].exit->signal, 9);
}

void AgentProtocolTest::flushIsAnsweredAndClockIsChecked() {
    // Flush (before the host saves the guest's memory) is answered with its nonce.
    m_host->send(FrameType::Flush, 0, nonceJson(77));
    auto pong = m_host->waitControl(FrameType::Pong);
    QVERIFY(pong);
    QCOMPARE(parseNonce(pong->payloadText()), std::optional<std::uint64_t>(77));
    // A plausible time is taken without a word (a test agent never sets the host's clock);
    // nonsense is refused.
    m_host->send(FrameType::SetClock, 0, clockJson({1795000000, 5}));
    m_host->send(FrameType::Ping, 0, nonceJson(78));
    QVERIFY(m_host->waitControl(FrameType::Pong).has_value());
    for (const Frame& f : m_host->controlSeen)
        QVERIFY2(f.type != FrameType::Error, std::string(f.payloadText()).c_str());
    m_host->send(FrameType::SetClock, 0, QByteArray("{\"sec\":3,\"nsec\":0}"));
    auto error = m_host->waitControl(FrameType::Error);
    QVERIFY(error);
    QCOMPARE(parseStreamError(error->payloadText())->code, std::string("bad_request"));
    QCOMPARE(m_agent->state(), QProcess::Running);
}

void AgentProtocolTest::malformedInputDoesNotKillAgent() {
    // Garbage without the magic's first byte, so nothing of it can start a frame.
    QByteArray garbage(4096, Qt::Uninitialized);
    QRandomGenerator gen(7);
    for (auto& c : garbage) {
        c = char(gen.bounded(256));
        if (c == char(0x76))
            c = 0x11;
    }
    m_host->sendRaw(garbage);
    // A header announcing 4 GiB.
    m_host->sendRaw(QByteArray::fromHex("7676"
                                        "05"
                                        "00"
                                        "00000000"
                                        "ffffffff"));
    // An unknown frame type.
    m_host->sendRaw(QByteArray::fromHex("7676"
                                        "63"
                                        "00"
                                        "01000000"
                                        "00000000"));
    // A stream id beyond kMaxStream.
    m_host->sendRaw(QByteArray::fromHex("7676"
                                        "12"
                                        "00"
                                        "00000080"
                                        "01000000"
                                        "41"));
    // Stdin for a stream that does not exist.
    m_host->send(FrameType::Stdin, 555, QByteArray("x"));
    // An Exec whose payload is not JSON, and one that is JSON of the wrong shape.
    m_host->send(FrameType::Exec, 556, QByteArray("{not json"));
    m_host->send(FrameType::Exec, 557, QByteArray("{\"argv\":[1,2]}"));
    // A Ping whose nonce is not a number; a frame only the guest may send.
    m_host->send(FrameType::Ping, 0, QByteArray("{\"nonce\":\"x\"}"));
    m_host->send(FrameType::Stdout, 558, QByteArray("y"));

    m_host->send(FrameType::Ping, 0, nonceJson(1234));
    auto pong = m_host->waitControl(FrameType::Pong);
    QVERIFY(pong);
    QCOMPARE(parseNonce(pong->payloadText()), std::optional<std::uint64_t>(1234));
    QVERIFY(m_host->waitUntil([&] {
        return m_host->streams[555].error && m_host->streams[556].error &&
               m_host->streams[557].error && m_host->streams[558].error;
    }));
    QCOMPARE(m_host->streams[555].error->code, std::string("bad_stream"));
    QCOMPARE(m_host->streams[556].error->code, std::string("bad_request"));
    QCOMPARE(m_host->streams[557].error->code, std::string("bad_request"));
    QCOMPARE(m_host->streams[558].error->code, std::string("bad_stream"));
    bool controlError = false;
    for (const Frame& f : m_host->controlSeen)
        if (f.type == FrameType::Error) {
            auto e = parseStreamError(f.payloadText());
            controlError = e && e->code == "bad_request";
        }
    QVERIFY(controlError);
    QCOMPARE(m_host->corrupt(), std::size_t(0));

    // Still fully working.
    StreamState& s = run(559, execJson({"echo", "alive"}));
    QCOMPARE(s.out, QByteArray("alive\n"));
    QCOMPARE(m_agent->state(), QProcess::Running);
}

void AgentProtocolTest::streamInUseIsRejected() {
    m_host->send(FrameType::Exec, 60, execJson({"sleep", "100"}));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[60].started; }));
    m_host->send(FrameType::Exec, 60, execJson({"true"}));
    QVERIFY(m_host->waitClosed(60));
    QVERIFY(m_host->streams[60].error);
    QCOMPARE(m_host->streams[60].error->code, std::string("bad_stream"));
}

void AgentProtocolTest::shutdownEndsTestMode() {
    m_host->send(FrameType::Shutdown, 0, shutdownJson("poweroff"));
    QVERIFY(m_agent->waitForFinished(kTimeoutMs));
    QCOMPARE(m_agent->exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_agent->exitCode(), 0);
    QVERIFY(!QFileInfo::exists(m_socketPath));
}

quint16 AgentProtocolTest::freePort() {
    QTcpServer s;
    s.listen(QHostAddress::LocalHost, 0);
    return s.serverPort();
}

// Reads from `socket` until `bytes` have arrived (blocking: the test has no event loop here).
static bool readAtLeast(QTcpSocket& socket, QByteArray& into, qsizetype bytes) {
    QDeadlineTimer deadline(kTimeoutMs);
    while (into.size() < bytes && !deadline.hasExpired()) {
        if (socket.bytesAvailable() == 0)
            socket.waitForReadyRead(int(qMax<qint64>(1, deadline.remainingTime())));
        into += socket.readAll();
    }
    return into.size() >= bytes;
}

void AgentProtocolTest::tcpConnectCarriesBytesAndHalfCloses() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    m_host->send(FrameType::TcpConnect, 500, portJson(server.serverPort()));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[500].tcpConnected; }));
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());

    m_host->send(FrameType::TcpData, 500, QByteArray("ping"));
    QByteArray got;
    QVERIFY(readAtLeast(*peer, got, 4));
    QCOMPARE(got, QByteArray("ping"));
    // What the guest socket took is credited back.
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[500].acked == 4; }));

    peer->write("pong");
    QVERIFY(peer->waitForBytesWritten(kTimeoutMs));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[500].tcp == "pong"; }));

    // The host ends its direction: the guest peer reads EOF and can still answer.
    m_host->send(FrameType::TcpData, 500, QByteArray());
    QVERIFY(QTest::qWaitFor([&] {
        peer->waitForReadyRead(50);
        return peer->state() != QAbstractSocket::ConnectedState || peer->atEnd();
    }, kTimeoutMs));
    peer->disconnectFromHost();
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[500].tcpFin; }));
    QVERIFY(!m_host->streams[500].error);
    // Both directions ended: the stream is free again.
    m_host->streams.erase(500);
    m_host->send(FrameType::TcpConnect, 500, portJson(server.serverPort()));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[500].tcpConnected; }));
    QVERIFY(!m_host->streams[500].error);
}

void AgentProtocolTest::tcpConnectToClosedPortIsRefused() {
    m_host->send(FrameType::TcpConnect, 501, portJson(freePort()));
    QVERIFY(m_host->waitClosed(501));
    QCOMPARE(m_host->streams[501].error->code, std::string("connection_refused"));
    QVERIFY(!m_host->streams[501].tcpConnected);
    m_host->send(FrameType::TcpConnect, 502, std::string(R"({"port":0})"));
    QVERIFY(m_host->waitClosed(502));
    QCOMPARE(m_host->streams[502].error->code, std::string("bad_request"));
}

void AgentProtocolTest::tcpGuestSendsNoMoreThanTheWindow() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    m_host->send(FrameType::TcpConnect, 510, portJson(server.serverPort()));
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    const QByteArray big(3 * 1024 * 1024, 'w');
    peer->write(big);
    QVERIFY(m_host->waitUntil([&] {
        peer->waitForBytesWritten(1); // no event loop here: the test socket writes when asked
        return m_host->streams[510].tcp.size() >= qsizetype(kStreamWindow);
    }));
    // A ping answered means the agent has looked at everything: still no more than the window.
    m_host->send(FrameType::Ping, 0, nonceJson(7));
    QVERIFY(m_host->waitControl(FrameType::Pong).has_value());
    QCOMPARE(m_host->streams[510].tcp.size(), qsizetype(kStreamWindow));
    // Credits let the rest through, byte-exact.
    qsizetype credited = 0;
    QVERIFY(m_host->waitUntil([&] {
        const qsizetype have = m_host->streams[510].tcp.size();
        if (have > credited) {
            m_host->send(FrameType::Window, 510, windowJson(std::uint32_t(have - credited)));
            credited = have;
        }
        peer->waitForBytesWritten(1);
        return have == big.size();
    }));
    QCOMPARE(m_host->streams[510].tcp, big);
}

void AgentProtocolTest::egressListenerNumbersGuestStreams() {
    const quint16 port = freePort();
    m_host->send(FrameType::NetConfig, 0, netConfigJson(port));
    QTcpSocket client;
    QVERIFY(QTest::qWaitFor([&] {
        client.connectToHost(QHostAddress::LocalHost, port);
        if (client.waitForConnected(100))
            return true;
        client.abort();
        m_host->pumpOnce(10);
        return false;
    }, kTimeoutMs));
    client.write("GET / HTTP/1.1\r\n\r\n");
    client.flush();
    std::uint32_t stream = 0;
    QVERIFY(m_host->waitUntil([&] {
        for (auto& [id, st] : m_host->streams)
            if (st.accepted && st.tcp == "GET / HTTP/1.1\r\n\r\n")
                stream = id;
        return stream != 0;
    }));
    QVERIFY(stream >= kGuestStreamBase);
    QCOMPARE(m_host->streams[stream].accepted->port, port);
    m_host->send(FrameType::TcpData, stream, QByteArray("HTTP/1.1 204 No Content\r\n\r\n"));
    m_host->send(FrameType::TcpData, stream, QByteArray());
    QByteArray got;
    QVERIFY(readAtLeast(client, got, 27));
    QVERIFY(got.startsWith("HTTP/1.1 204"));
    // A second connection gets another number.
    QTcpSocket second;
    second.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(second.waitForConnected(kTimeoutMs));
    QVERIFY(m_host->waitUntil([&] {
        int accepted = 0;
        for (auto& [id, st] : m_host->streams)
            accepted += st.accepted ? 1 : 0;
        return accepted == 2;
    }));
    // Port 0 stops listening.
    m_host->send(FrameType::NetConfig, 0, netConfigJson(0));
    m_host->send(FrameType::Ping, 0, nonceJson(8));
    QVERIFY(m_host->waitControl(FrameType::Pong).has_value());
    QTcpSocket third;
    third.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!third.waitForConnected(2000) || third.state() != QAbstractSocket::ConnectedState);
}

void AgentProtocolTest::hostCannotOpenGuestNumberedStreams() {
    m_host->send(FrameType::TcpConnect, kGuestStreamBase + 1, portJson(80));
    QVERIFY(m_host->waitClosed(kGuestStreamBase + 1));
    QCOMPARE(m_host->streams[kGuestStreamBase + 1].error->code, std::string("bad_stream"));
}

void AgentProtocolTest::syncClosesTcpStreams() {
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    m_host->send(FrameType::TcpConnect, 520, portJson(server.serverPort()));
    QVERIFY(m_host->waitUntil([&] { return m_host->streams[520].tcpConnected; }));
    QVERIFY(server.waitForNewConnection(kTimeoutMs));
    std::unique_ptr<QTcpSocket> peer(server.nextPendingConnection());
    // A new host knows nothing of the old one's connections: they end.
    connectHost();
    m_host->send(FrameType::Sync, 0, nonceJson(42));
    QVERIFY(m_host->waitControl(FrameType::SyncAck).has_value());
    QVERIFY(QTest::qWaitFor([&] {
        peer->waitForReadyRead(50);
        return peer->state() != QAbstractSocket::ConnectedState;
    }, kTimeoutMs));
}

void AgentProtocolTest::createCwdMakesTheTemplateWorkdir() {
    const std::string dir = m_dir->filePath("work/deep/dir").toStdString();
    ExecRequest r;
    r.argv = {"pwd"};
    r.cwd = dir;
    // Without create_cwd a missing directory is the command's error.
    StreamState& missing = run(600, toJson(r));
    QVERIFY(missing.error);
    QCOMPARE(missing.error->code, std::string("exec_failed"));
    r.createCwd = true;
    StreamState& made = run(601, toJson(r));
    QVERIFY(made.exit);
    QCOMPARE(made.exit->code, 0);
    QCOMPARE(made.out.trimmed().toStdString(), dir);
    QVERIFY(QFileInfo(QString::fromStdString(dir)).isDir());
}

QTEST_GUILESS_MAIN(AgentProtocolTest)
#include "AgentProtocolTest.moc"
