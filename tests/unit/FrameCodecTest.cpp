// The guest frame codec against round trips, byte-at-a-time feeding, many frames at once,
// and hostile input: truncated, oversized, unknown type, bad stream id, garbage.
#include "GuestMessages.h"
#include "GuestProtocol.h"

#include <QRandomGenerator>
#include <QTest>

using namespace vivarium::protocol;

namespace {
std::vector<std::uint8_t> encode(FrameType t, std::uint32_t stream, std::string_view payload) {
    std::vector<std::uint8_t> out;
    if (!encodeFrame(out, t, stream, payload))
        qFatal("encode failed");
    return out;
}
constexpr FrameType kControl[] = {FrameType::Hello, FrameType::Sync, FrameType::SyncAck,
                                  FrameType::Shutdown, FrameType::Ping, FrameType::Pong,
                                  FrameType::Log, FrameType::NetConfig, FrameType::SetClock,
                                  FrameType::Flush};
} // namespace

class FrameCodecTest : public QObject {
    Q_OBJECT
private slots:
    void everyTypeRoundTrips() {
        int known = 0;
        for (int t = 0; t < 256; ++t) {
            if (!isKnownFrameType(std::uint8_t(t)))
                continue;
            ++known;
            const auto type = FrameType(t);
            const bool control = std::find(std::begin(kControl), std::end(kControl), type) !=
                                 std::end(kControl);
            const std::uint32_t stream = control ? 0 : 42;
            const std::string payload = "payload-" + std::to_string(t);
            const auto bytes = encode(type, stream, payload);
            const auto r = decodeFrame(bytes);
            QCOMPARE(int(r.status), int(DecodeStatus::Frame));
            QCOMPARE(r.consumed, bytes.size());
            QCOMPARE(int(r.frame.type), t);
            QCOMPARE(r.frame.stream, stream);
            QCOMPARE(std::string(r.frame.payloadText()), payload);
            QVERIFY(frameTypeName(type) != "unknown");
        }
        QCOMPARE(known, 33);
    }

    void byteAtATime() {
        std::vector<std::uint8_t> bytes = encode(FrameType::Stdout, 7, std::string(1000, 'x'));
        const auto second = encode(FrameType::Exit, 7, R"({"code":0})");
        bytes.insert(bytes.end(), second.begin(), second.end());
        FrameReader reader;
        std::vector<Frame> frames;
        for (std::uint8_t b : bytes) {
            reader.append(std::span(&b, 1));
            while (auto f = reader.next())
                frames.push_back(*f);
        }
        QCOMPARE(frames.size(), size_t(2));
        QCOMPARE(frames[0].payload.size(), size_t(1000));
        QCOMPARE(int(frames[1].type), int(FrameType::Exit));
        QCOMPARE(reader.corruptCount(), size_t(0));
    }

    void manyFramesAtOnce() {
        std::vector<std::uint8_t> bytes;
        for (std::uint32_t i = 1; i <= 1000; ++i)
            encodeFrame(bytes, FrameType::Stdout, i, std::to_string(i));
        FrameReader reader;
        reader.append(bytes);
        std::uint32_t n = 0;
        while (auto f = reader.next()) {
            ++n;
            QCOMPARE(f->stream, n);
            QCOMPARE(std::string(f->payloadText()), std::to_string(n));
        }
        QCOMPARE(n, 1000u);
    }

    void truncatedNeedsMore() {
        const auto bytes = encode(FrameType::Stdout, 1, "hello");
        for (size_t len = 0; len < bytes.size(); ++len)
            QCOMPARE(int(decodeFrame(std::span(bytes).first(len)).status),
                     int(DecodeStatus::NeedMore));
    }

    void oversizedIsCorruptBeforeThePayloadArrives() {
        auto bytes = encode(FrameType::Stdout, 1, "");
        const std::uint32_t huge = std::uint32_t(kMaxPayload + 1);
        for (int i = 0; i < 4; ++i)
            bytes[8 + i] = std::uint8_t(huge >> (8 * i));
        const auto r = decodeFrame(bytes);
        QCOMPARE(int(r.status), int(DecodeStatus::Corrupt));
        QVERIFY(r.consumed >= 1);
        QVERIFY(QString::fromStdString(r.error).contains("exceeds"));
        std::vector<std::uint8_t> out;
        QVERIFY(!encodeFrame(out, FrameType::Stdout, 1, std::string(kMaxPayload + 1, 'x')));
        QVERIFY(out.empty());
        bytes[8] = bytes[9] = bytes[10] = bytes[11] = 0xff;
        QCOMPARE(int(decodeFrame(bytes).status), int(DecodeStatus::Corrupt));
    }

    void unknownTypeIsCorrupt() {
        auto bytes = encode(FrameType::Stdout, 1, "x");
        bytes[2] = 200;
        const auto r = decodeFrame(bytes);
        QCOMPARE(int(r.status), int(DecodeStatus::Corrupt));
        QVERIFY(QString::fromStdString(r.error).contains("unknown frame type"));
    }

    void badStreamIds() {
        auto bytes = encode(FrameType::Stdout, 1, "x");
        bytes[7] = 0x80; // stream id above kMaxStream
        QCOMPARE(int(decodeFrame(bytes).status), int(DecodeStatus::Corrupt));
        // Data on the control stream, control on a data stream.
        QCOMPARE(int(decodeFrame(encode(FrameType::Stdout, 0, "x")).status),
                 int(DecodeStatus::Corrupt));
        QCOMPARE(int(decodeFrame(encode(FrameType::Hello, 3, "{}")).status),
                 int(DecodeStatus::Corrupt));
    }

    void readerRecoversAfterGarbage() {
        FrameReader reader;
        std::vector<std::uint8_t> garbage(5000);
        auto* rng = QRandomGenerator::global();
        for (auto& b : garbage)
            b = std::uint8_t(rng->bounded(256));
        reader.append(garbage);
        reader.append(encode(FrameType::Pong, 0, R"({"nonce":5})"));
        std::optional<Frame> last;
        while (auto f = reader.next())
            last = f;
        // Random bytes may decode as frames by chance, but the real one must come through
        // once the garbage is skipped (the garbage can at worst swallow it as a payload
        // bounded by kMaxPayload; feed a second copy after enough padding to be sure).
        if (!last || last->type != FrameType::Pong) {
            reader.append(std::vector<std::uint8_t>(kMaxPayload + kHeaderSize, 0));
            reader.append(encode(FrameType::Pong, 0, R"({"nonce":5})"));
            while (auto f = reader.next())
                last = f;
        }
        QVERIFY(last);
        QCOMPARE(int(last->type), int(FrameType::Pong));
    }

    void messagesRoundTrip() {
        ExecRequest e;
        e.argv = {"sh", "-c", "echo \"hi\""};
        e.env = {{"A", "1"}};
        e.cwd = "/tmp";
        e.user = "user";
        e.pty = true;
        e.rows = 30;
        e.cols = 100;
        const auto p = parseExecRequest(toJson(e));
        QVERIFY(p);
        QCOMPARE(p->argv, e.argv);
        QCOMPARE(p->env, e.env);
        QCOMPARE(p->cwd, e.cwd);
        QVERIFY(p->pty);
        QCOMPARE(p->rows, 30);
        Hello h{kVersion, "agent", "host", "6.1", 99, {1, 2}};
        const auto ph = parseHello(toJson(h));
        QVERIFY(ph);
        QCOMPARE(ph->nonce, 99u);
        QCOMPARE(ph->streams.size(), size_t(2));
        const auto st = parseExitStatus(toJson(ExitStatus{3, 0, false}));
        QVERIFY(st);
        QCOMPARE(st->code, 3);
        QCOMPARE(parseResize(resizeJson(30, 90))->second, 90);
        QCOMPARE(*parseSignal(signalJson(15)), 15);
        QCOMPARE(*parseWindow(windowJson(4096)), 4096u);
        QCOMPARE(*parseShutdown(shutdownJson("poweroff")), std::string("poweroff"));
        ExecRequest create;
        create.argv = {"pwd"};
        create.cwd = "/work";
        create.createCwd = true;
        QVERIFY(parseExecRequest(toJson(create))->createCwd);
        QVERIFY(!parseExecRequest(R"({"argv":["a"]})")->createCwd);
        QVERIFY(!parseExecRequest(R"({"argv":["a"],"create_cwd":"yes"})"));
        QCOMPARE(*parsePort(portJson(8080)), 8080);
        QCOMPARE(*parseNetConfig(netConfigJson(3128)), 3128);
        QCOMPARE(*parseNetConfig(netConfigJson(0)), 0);
        const auto clock = parseClock(clockJson({1795000000, 123456789}));
        QVERIFY(clock);
        QCOMPARE(clock->sec, std::int64_t(1795000000));
        QCOMPARE(clock->nsec, 123456789u);
        QVERIFY(!parseClock(R"({"sec":5,"nsec":0})"));          // 1970: nobody's clock
        QVERIFY(!parseClock(R"({"sec":1795000000,"nsec":1000000000})"));
        QVERIFY(!parseClock(R"({"sec":"1795000000","nsec":0})"));
        QVERIFY(!parseClock(R"({"sec":1795000000})"));
        const auto accepted = parseTcpAccepted(toJson(TcpAccepted{"egress", 3128}));
        QVERIFY(accepted);
        QCOMPARE(accepted->port, 3128);
    }

    void tcpPayloadsRejectNonsense() {
        QVERIFY(!parsePort(R"({"port":0})"));
        QVERIFY(!parsePort(R"({"port":65536})"));
        QVERIFY(!parsePort(R"({"port":"80"})"));
        QVERIFY(!parsePort("[]"));
        QVERIFY(!parseNetConfig(R"({"proxy_port":-1})"));
        QVERIFY(!parseTcpAccepted(R"({"listener":"other","port":1})"));
        QVERIFY(!parseTcpAccepted(R"({"port":1})"));
        QVERIFY(!hasJsonPayload(FrameType::TcpData));
    }

    void malformedMessagesAreValues() {
        QVERIFY(!parseExecRequest("not json"));
        QVERIFY(!parseExecRequest("[]"));
        QVERIFY(!parseExecRequest(R"({"argv":[]})"));
        QVERIFY(!parseExecRequest(R"({"argv":[1]})"));
        QVERIFY(!parseExecRequest(R"({"argv":["a"],"env":{"A=B":"c"}})"));
        QVERIFY(!parseExecRequest(R"({"argv":["a"],"rows":70000})"));
        QVERIFY(!parseExitStatus(R"({"code":"0"})"));
        QVERIFY(!parseExitStatus(R"({"code":1000})"));
        QVERIFY(!parseHello(R"({"version":1,"streams":[0]})"));
        QVERIFY(!parseSignal(R"({"signal":0})"));
        QVERIFY(!parseShutdown(R"({"action":"explode"})"));
        QVERIFY(!parseFileRequest(R"({"path":""})"));
        QVERIFY(!parseFileRequest(R"({"path":"relative"})"));
    }

    void fileMessagesRoundTrip() {
        const auto stat = parseStatRequest(toJson(StatRequest{"/etc/passwd", true}));
        QVERIFY2(stat, stat.error.c_str());
        QCOMPARE(stat->path, std::string("/etc/passwd"));
        QVERIFY(stat->follow);
        QVERIFY(!parseStatRequest(R"({"path":"/x"})")->follow); // default
        const auto list = parseListRequest(toJson(ListRequest{"/tmp"}));
        QVERIFY(list);
        QCOMPARE(list->path, std::string("/tmp"));
        const auto rm = parseRemoveRequest(toJson(RemoveRequest{"/tmp/x", true}));
        QVERIFY(rm);
        QCOMPARE(rm->path, std::string("/tmp/x"));
        QVERIFY(rm->recursive);
        QVERIFY(!parseRemoveRequest(R"({"path":"/x"})")->recursive);

        FileInfo link{12, 0777, FileKind::Symlink, -5, 1000, 100, "../target"};
        const auto pl = parseFileInfo(toJson(link));
        QVERIFY2(pl, pl.error.c_str());
        QCOMPARE(pl->size, 12u);
        QCOMPARE(pl->mode, 0777u);
        QCOMPARE(pl->type, FileKind::Symlink);
        QCOMPARE(pl->mtime, std::int64_t(-5));
        QCOMPARE(pl->uid, 1000u);
        QCOMPARE(pl->gid, 100u);
        QCOMPARE(pl->target, std::string("../target"));
        // Only symlinks carry a target.
        FileInfo dir{4096, 0755, FileKind::Directory, 1700000000, 0, 0, "ignored"};
        QVERIFY(toJson(dir).find("target") == std::string::npos);
        QCOMPARE(parseFileInfo(toJson(dir))->type, FileKind::Directory);
        QCOMPARE(parseFileInfo(toJson(dir))->mtime, std::int64_t(1700000000));
        // A FileInfo of the first agents ({size, mode}) still parses, as a regular file.
        const auto old = parseFileInfo(R"({"size":5,"mode":420})");
        QVERIFY(old);
        QCOMPARE(old->type, FileKind::File);
        for (auto k : {FileKind::File, FileKind::Directory, FileKind::Symlink, FileKind::Other})
            QCOMPARE(parseFileKind(fileKindName(k)), std::optional<FileKind>(k));

        FileEntries entries;
        entries.entries.push_back({"a.txt", {3, 0644, FileKind::File, 1, 2, 3, {}}});
        entries.entries.push_back({"link", link});
        entries.entries.push_back({"bad\xff", {0, 0, FileKind::Other, 0, 0, 0, {}}});
        const std::string json = toJson(entries);
        const auto pe = parseFileEntries(json);
        QVERIFY2(pe, pe.error.c_str());
        QCOMPARE(pe->entries.size(), size_t(3));
        QCOMPARE(pe->entries[0].name, std::string("a.txt"));
        QCOMPARE(pe->entries[0].info.gid, 3u);
        QCOMPARE(pe->entries[1].info.target, std::string("../target"));
        // Invalid UTF-8 is replaced, never thrown on.
        QCOMPARE(pe->entries[2].name, std::string("bad\xEF\xBF\xBD"));
        // The list's JSON is its entries' JSON joined by commas: the agent sizes chunks so.
        std::size_t sum = 0;
        for (const auto& e : entries.entries)
            sum += toJson(e).size() + 1;
        QCOMPARE(json.size(), sum - 1 + std::string(R"({"entries":[]})").size());
        QVERIFY(parseFileEntries(R"({"entries":[]})"));
    }

    void malformedFileMessagesAreValues() {
        // Requests: absolute, bounded paths without NUL; typed flags.
        for (const char* bad : {R"({})", R"({"path":""})", R"({"path":"rel/x"})",
                                R"({"path":7})", R"({"path":"/a\u0000b"})",
                                R"({"path":"/x","follow":"yes"})", "[]", "nope"})
            QVERIFY2(!parseStatRequest(bad), bad);
        QVERIFY(!parseListRequest(R"({"path":"./x"})"));
        QVERIFY(!parseRemoveRequest(R"({"path":"/x","recursive":1})"));
        QVERIFY(!parseRemoveRequest(R"({"path":"x"})"));
        const std::string longPath = "/" + std::string(kMaxPath, 'a');
        QVERIFY(!parseListRequest(toJson(ListRequest{longPath})));

        // FileInfo from a hostile guest.
        for (const char* bad : {R"({})", R"({"size":-1})", R"({"size":"1"})",
                                R"({"size":1,"mode":4096})", R"({"size":1,"type":"fifo"})",
                                R"({"size":1,"type":3})", R"({"size":1,"uid":-1})",
                                R"({"size":1,"gid":4294967296})", R"({"size":1,"mtime":1.5})",
                                R"({"size":1,"type":"symlink","target":7})"})
            QVERIFY2(!parseFileInfo(bad), bad);
        FileInfo huge{0, 0, FileKind::Symlink, 0, 0, 0, std::string(kMaxTargetBytes + 1, 'x')};
        QVERIFY(!parseFileInfo(toJson(huge)));

        // FileEntries: a list of bounded objects with real file names.
        for (const char* bad :
             {R"({})", R"({"entries":{}})", R"({"entries":[1]})", R"({"entries":[{}]})",
              R"({"entries":[{"name":"a","size":1}]})",           // type is required
              R"({"entries":[{"name":"a","type":"file"}]})",      // size is required
              R"({"entries":[{"name":"","type":"file","size":1}]})",
              R"({"entries":[{"name":".","type":"dir","size":1}]})",
              R"({"entries":[{"name":"..","type":"dir","size":1}]})",
              R"({"entries":[{"name":"a/b","type":"file","size":1}]})",
              R"({"entries":[{"name":"a\u0000","type":"file","size":1}]})",
              R"({"entries":[{"name":7,"type":"file","size":1}]})"})
            QVERIFY2(!parseFileEntries(bad), bad);
        FileEntries tooMany;
        tooMany.entries.resize(kListChunkEntries + 1, {"x", {}});
        QVERIFY(!parseFileEntries(toJson(tooMany)));
        tooMany.entries.resize(kListChunkEntries);
        QVERIFY(parseFileEntries(toJson(tooMany)));
        FileEntries longName;
        longName.entries.push_back({std::string(kMaxNameBytes + 1, 'n'), {}});
        QVERIFY(!parseFileEntries(toJson(longName)));
    }
};

QTEST_APPLESS_MAIN(FrameCodecTest)
#include "FrameCodecTest.moc"
