// tunnel and egress: the network paths of issue 6 against the host's plain loopback, in one
// run. The same programs run on both sides of each comparison: vivarium-netprobe
// (bench/NetProbe.cpp, static) is the server in the guest and on the host, and the client of
// the egress requests in the guest and on the host; the tunnel's client is this file's code,
// pointed at the tunnel's host port or at the host server's loopback port.
//  * tunnel: a tiny sandbox runs `vivarium-netprobe serve 127.0.0.1 9000`, reached through
//    `tunnel.open`; the baseline is the same server on the host's 127.0.0.1. Throughput both
//    ways, 64-byte echo round trips on one connection, connect → first echoed byte. References:
//    the same round trips and connects inside the guest (guest loopback) and through the API's exec stdin
//    → stdout of `cat` (the guest channel without TCP), so a reader sees where the time goes.
//  * egress: a template with egress `proxy` whose allowlist names the host's own non-loopback
//    IPv4 address and the port of a vivarium-netprobe HTTP server listening on it. In the
//    guest, N sequential GETs timed by vivarium-netprobe: absolute-form through the proxy
//    (keep-alive), inside one CONNECT tunnel through the proxy (the same channel and upstream
//    without the per-request proxy logic), and a new proxy connection per request. The
//    baseline is the same client on the host straight to the upstream.
// Sandboxes, the template and the host servers are removed whatever happens.
#include "Benchmarks.h"
#include "Helpers.h"

#include "FileTransfer.h"

#include <QJsonArray>
#include <QNetworkInterface>
#include <QProcess>

#include <cstring>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bench {

namespace {

constexpr quint16 kGuestPort = 9000;
constexpr int kIoTimeoutMs = 120000;
constexpr const char* kGuestProbe = "/tmp/vivarium-netprobe";

QString probeBinary(const Config& c) { return c.binDir + "/vivarium-netprobe"; }

// ---- host side: a client on plain sockets (the same code for the tunnel and the loopback) --

class Connection {
public:
    ~Connection() { close(); }
    bool open(quint16 port, QString* error) {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd < 0 || ::connect(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            *error = QString("cannot connect to 127.0.0.1:%1: %2").arg(port).arg(strerror(errno));
            return false;
        }
        const int one = 1;
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK); // deadlines on every wait
        return true;
    }
    void close() {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }
    bool send(const QByteArray& b) { return writeAll(m_fd, b.constData(), size_t(b.size()), kIoTimeoutMs); }
    // Reads exactly n bytes (discarded); false on end, error or timeout.
    bool receive(qint64 n) {
        char buf[4096];
        while (n > 0) {
            const ssize_t r = readSome(m_fd, buf, size_t(std::min<qint64>(n, sizeof buf)), kIoTimeoutMs);
            if (r <= 0)
                return false;
            n -= r;
        }
        return true;
    }
    int fd() const { return m_fd; }

private:
    int m_fd = -1;
};

struct Transfer {
    double start = 0, first = -1, last = -1;
    qint64 bytes = 0;
};

// Guest (or host server) → client: "ZERO n", read to the end.
bool download(quint16 port, qint64 n, Transfer* t, QString* error) {
    Connection c;
    *t = Transfer{};
    t->start = nowMs();
    if (!c.open(port, error) || !c.send("ZERO " + QByteArray::number(n) + "\n")) {
        *error = "download: " + (error->isEmpty() ? QString("cannot send the request") : *error);
        return false;
    }
    std::vector<char> buf(1 << 20);
    for (;;) {
        const ssize_t r = readSome(c.fd(), buf.data(), buf.size(), kIoTimeoutMs);
        if (r < 0) {
            *error = QString("download: stalled after %1 of %2 bytes").arg(t->bytes).arg(n);
            return false;
        }
        if (r == 0)
            break;
        if (t->first < 0)
            t->first = nowMs();
        t->bytes += r;
    }
    t->last = nowMs();
    if (t->bytes != n) {
        *error = QString("download: the connection ended after %1 of %2 bytes").arg(t->bytes).arg(n);
        return false;
    }
    return true;
}

// Client → server: "SINK n", n bytes; the server answers the count it read. (Not "send to the
// end, then answer": a half-close through a tunnel loses the answer, see bench/README.md.)
bool upload(quint16 port, qint64 n, Transfer* t, QString* error) {
    Connection c;
    *t = Transfer{};
    if (!c.open(port, error) || !c.send("SINK " + QByteArray::number(n) + "\n")) {
        *error = "upload: " + (error->isEmpty() ? QString("cannot send the request") : *error);
        return false;
    }
    const QByteArray chunk(64 * 1024, '\0');
    t->start = t->first = nowMs();
    for (qint64 left = n; left > 0; left -= chunk.size())
        if (!c.send(left >= chunk.size() ? chunk : chunk.left(int(left)))) {
            *error = QString("upload: stalled with %1 of %2 bytes sent").arg(n - left).arg(n);
            return false;
        }
    QByteArray answer;
    char buf[64];
    while (!answer.contains('\n')) {
        const ssize_t r = readSome(c.fd(), buf, sizeof buf, kIoTimeoutMs);
        if (r <= 0) {
            *error = "upload: no answer from the server";
            return false;
        }
        answer.append(buf, r);
    }
    t->last = nowMs();
    t->bytes = answer.trimmed().toLongLong();
    if (t->bytes != n) {
        *error = QString("upload: the server read %1 of %2 bytes").arg(t->bytes).arg(n);
        return false;
    }
    return true;
}

// n round trips of 64 bytes on one connection (after 5 unmeasured ones), ms each. `split`:
// the server answers in two writes 1 ms apart (a response head, then its body).
bool echoRoundTrips(quint16 port, int n, Stats* out, QString* error, bool split = false) {
    Connection c;
    if (!c.open(port, error))
        return false;
    if (!c.send(split ? "SPLIT\n" : "ECHO\n")) {
        *error = "echo: cannot send the request";
        return false;
    }
    const QByteArray msg(64, 'x');
    for (int i = -5; i < n; ++i) {
        const double t0 = nowMs();
        if (!c.send(msg) || !c.receive(msg.size())) {
            *error = QString("echo: round trip %1 did not come back").arg(i + 6);
            return false;
        }
        if (i >= 0)
            out->add(nowMs() - t0);
    }
    return true;
}

// connect() → the first echoed byte on a new connection, ms.
bool connectToFirstByte(quint16 port, Stats* out, QString* error) {
    Connection c;
    const double t0 = nowMs();
    if (!c.open(port, error))
        return false;
    if (!c.send("ECHO\nx") || !c.receive(1)) {
        *error = "connect: no first byte came back";
        return false;
    }
    out->add(nowMs() - t0);
    return true;
}

// ---- vivarium-netprobe on the host ------------------------------------------------------------

// `vivarium-netprobe serve ADDR 0` as our child; killed (by its pid) when the scope ends.
class HostServer {
public:
    ~HostServer() {
        if (m_proc.state() != QProcess::NotRunning) {
            m_proc.kill();
            m_proc.waitForFinished(5000);
        }
    }
    bool start(const Config& c, const QString& address, QString* error) {
        m_proc.start(probeBinary(c), {"serve", address, "0"});
        QByteArray out;
        waitUntil(
            [&] {
                out += m_proc.readAllStandardOutput();
                return out.contains('\n') || m_proc.state() == QProcess::NotRunning;
            },
            10000);
        m_port = quint16(out.trimmed().toUInt());
        if (m_port == 0) {
            *error = "vivarium-netprobe serve " + address + " did not start: " +
                     QString::fromLocal8Bit(m_proc.readAllStandardError()).trimmed();
            return false;
        }
        return true;
    }
    quint16 port() const { return m_port; }

private:
    QProcess m_proc;
    quint16 m_port = 0;
};

// "a b c" (µs) → samples in ms.
bool addSamples(const QByteArray& line, Stats* out, int expected, QString* error) {
    const QList<QByteArray> parts = line.trimmed().split(' ');
    int n = 0;
    for (const QByteArray& p : parts) {
        bool ok = false;
        const double us = p.toDouble(&ok);
        if (!ok)
            break;
        out->add(us / 1000.0);
        ++n;
    }
    if (n != expected) {
        *error = QString("vivarium-netprobe printed %1 samples, not %2: %3")
                     .arg(n)
                     .arg(expected)
                     .arg(QString::fromLocal8Bit(line.left(300)));
        return false;
    }
    return true;
}

bool hostClient(const Config& c, const QStringList& args, int expected, Stats* out,
                QString* error) {
    QProcess p;
    p.start(probeBinary(c), args);
    if (!waitUntil([&] { return p.state() == QProcess::NotRunning; }, kIoTimeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        *error = "vivarium-netprobe " + args.join(' ') + " on the host did not finish";
        return false;
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = "vivarium-netprobe " + args.join(' ') + " on the host failed: " +
                 QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
        return false;
    }
    return addSamples(p.readAllStandardOutput(), out, expected, error);
}

// ---- vivarium-netprobe in the guest -------------------------------------------------------

bool uploadProbe(Context& ctx, const QString& sandbox, QString* error) {
    QObject context;
    auto* t = new vivarium::FileTransfer(&ctx.api.client(), vivarium::FileTransfer::Direction::Upload,
                                         sandbox, kGuestProbe, probeBinary(ctx.config), &context);
    QString why;
    bool done = false;
    QObject::connect(t, &vivarium::FileTransfer::finished, &context, [&](const vivarium::Status& s) {
        done = true;
        if (!s)
            why = s.error().text();
    });
    t->start();
    if (!waitUntil([&] { return done; }, kIoTimeoutMs) || !why.isEmpty()) {
        *error = "cannot copy vivarium-netprobe into the sandbox: " +
                 (why.isEmpty() ? QString("timeout") : why);
        return false;
    }
    return true;
}

bool guestRun(Context& ctx, const QString& sandbox, const QStringList& args, QByteArray* out,
              QString* error) {
    ExecTiming e = ctx.api.exec(sandbox, QStringList{kGuestProbe} + args, kIoTimeoutMs, error);
    if (!e.ok() || e.exitCode() != 0) {
        if (error->isEmpty())
            *error = QString("vivarium-netprobe %1 in the guest exited with %2: %3")
                         .arg(args.join(' '))
                         .arg(e.exitCode())
                         .arg(QString::fromLocal8Bit(e.output.left(400)).trimmed());
        return false;
    }
    *out = e.output;
    return true;
}

bool guestClient(Context& ctx, const QString& sandbox, const QStringList& args, int expected,
                 Stats* out, QString* error) {
    QByteArray line;
    return guestRun(ctx, sandbox, args, &line, error) && addSamples(line, out, expected, error);
}

// A sandbox of `tmpl` with vivarium-netprobe in it serving on kGuestPort.
std::optional<QString> probeSandbox(Context& ctx, ScopedSandbox& sb, const QString& tmpl,
                                    QString* error) {
    auto id = ctx.api.create(tmpl, kBootTimeoutMs, error);
    if (!id)
        return std::nullopt;
    sb.set(*id);
    QByteArray out;
    if (!uploadProbe(ctx, *id, error) ||
        !guestRun(ctx, *id, {"serve", "127.0.0.1", QString::number(kGuestPort), "--daemon"}, &out,
                  error))
        return std::nullopt;
    return id;
}

// 64-byte round trips through the API: exec `cat` with stdin open, each message sent as stdin
// and timed until it is back as stdout.
bool apiCatRoundTrips(Context& ctx, const QString& sandbox, int n, Stats* out, QString* error) {
    vivarium::ApiClient& client = ctx.api.client();
    QObject context;
    // Shared with the reply callback, which has no context object and may outlive this call.
    struct State {
        quint32 channel = 0;
        bool replied = false, exited = false;
        qint64 received = 0;
        QString error;
    };
    auto st = std::make_shared<State>();
    QObject::connect(&client, &vivarium::ApiClient::data, &context,
                     [st](vivarium::api::DataKind, quint32 ch, const QByteArray& bytes) {
                         if (st->replied && ch == st->channel)
                             st->received += bytes.size();
                     });
    QObject::connect(&client, &vivarium::ApiClient::exited, &context, [st](const QJsonObject& e) {
        if (st->replied && quint32(e.value("channel").toInteger()) == st->channel)
            st->exited = true;
    });
    client.request("exec", {{"sandbox", sandbox}, {"argv", QJsonArray{"cat"}}, {"stdin", true}},
                   [st](vivarium::Result<QJsonObject> r) {
                       if (r)
                           st->channel = quint32(r.value().value("channel").toInteger());
                       else
                           st->error = "exec cat: " + r.error().text();
                       st->replied = true;
                   });
    if (!waitUntil([st] { return st->replied; }, 30000) || st->channel == 0) {
        *error = st->error.isEmpty() ? QString("exec cat: no reply") : st->error;
        return false;
    }
    const quint32 channel = st->channel;
    const QByteArray msg(63, 'x');
    const QByteArray line = msg + '\n'; // cat in the guest reads a pipe: any chunking is fine
    qint64 expected = 0;
    bool ok = true;
    for (int i = -5; i < n && ok; ++i) {
        const double t0 = nowMs();
        client.sendData(channel, line);
        expected += line.size();
        ok = waitUntil([&] { return st->received >= expected; }, 30000);
        if (ok && i >= 0)
            out->add(nowMs() - t0);
    }
    client.sendData(channel, {}); // cat sees the end of its input and exits
    waitUntil([st] { return st->exited; }, 30000);
    if (!ok)
        *error = "exec cat: a line did not come back";
    return ok;
}

QString hostIPv4() {
    for (const QHostAddress& a : QNetworkInterface::allAddresses())
        if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback() && !a.isLinkLocal())
            return a.toString();
    return {};
}

double mbps(qint64 bytes, double ms) { return ms > 0 ? bytes / 1e6 / (ms / 1000.0) : NAN; }

} // namespace

// ---- tunnel --------------------------------------------------------------------------------

bool tunnel(Context& ctx) {
    Config& c = ctx.config;
    const qint64 down = c.throughputBytes;
    const qint64 up = std::max<qint64>(1, c.throughputBytes / 4);
    const int rtts = c.execRuns, connects = 20, splits = 20;
    say("\n== tunnel: a tiny sandbox's TCP server through tunnel.open vs the same server "
        "(vivarium-netprobe) on the host's 127.0.0.1, same client: %d transfers each way, %d "
        "rounds of %d echo round trips and %d connects, alternating\n",
        c.throughputRuns, c.runs, rtts, connects);
    QString error;
    HostServer host;
    if (!host.start(c, "127.0.0.1", &error)) {
        fail(error);
        return false;
    }
    ScopedSandbox sb(ctx.api);
    auto id = probeSandbox(ctx, sb, "tiny", &error);
    if (!id) {
        fail(error);
        return false;
    }
    auto opened = ctx.api.call("tunnel.open", {{"sandbox", *id}, {"port", kGuestPort}}, 30000, &error);
    if (!opened) {
        fail(error);
        return false;
    }
    const QJsonObject t = opened->value("tunnel").toObject();
    const quint16 tp = quint16(t.value("host_port").toInt());
    say("  sandbox %s: guest port %d on %s; host server on 127.0.0.1:%d\n", S(*id).c(),
        int(kGuestPort), S(t.value("url").toString()).c(), int(host.port()));

    struct Side {
        quint16 port;
        Stats down, downE2E, up, rtt, setup, split;
    } tun{tp, {}, {}, {}, {}, {}, {}}, loop{host.port(), {}, {}, {}, {}, {}, {}};
    Stats guestLocal, guestConnect, apiCat;
    {
        // One unmeasured pass of each: the guest's page cache, the tunnel's first connection.
        Transfer x;
        Stats s;
        for (Side* side : {&tun, &loop})
            if (!download(side->port, 1 << 20, &x, &error) || !echoRoundTrips(side->port, 5, &s, &error)) {
                fail(error);
                return false;
            }
    }
    for (int i = 0; i < c.throughputRuns && !interrupted(); ++i) {
        for (Side* side : {&tun, &loop}) {
            Transfer d, u;
            if (!download(side->port, down, &d, &error) || !upload(side->port, up, &u, &error)) {
                fail((side == &tun ? "tunnel " : "loopback ") + error);
                return false;
            }
            side->down.add(mbps(d.bytes, d.last - d.first));
            side->downE2E.add(mbps(d.bytes, d.last - d.start));
            side->up.add(mbps(u.bytes, u.last - u.start));
        }
        say("  run %d: guest->host %s MB/s (loopback %s), host->guest %s MB/s (loopback %s)\n",
            i + 1, S(fmt(tun.down.samples.back(), 1)).c(), S(fmt(loop.down.samples.back(), 1)).c(),
            S(fmt(tun.up.samples.back(), 1)).c(), S(fmt(loop.up.samples.back(), 1)).c());
    }
    for (int i = 0; i < c.runs && !interrupted(); ++i) {
        for (Side* side : {&tun, &loop}) {
            if (!echoRoundTrips(side->port, rtts, &side->rtt, &error)) {
                fail((side == &tun ? "tunnel " : "loopback ") + error);
                return false;
            }
            if (!echoRoundTrips(side->port, splits, &side->split, &error, true)) {
                fail((side == &tun ? "tunnel, split answers: " : "loopback, split answers: ") + error);
                return false;
            }
            for (int k = 0; k < connects; ++k)
                if (!connectToFirstByte(side->port, &side->setup, &error)) {
                    fail((side == &tun ? "tunnel " : "loopback ") + error);
                    return false;
                }
        }
        if (!guestClient(ctx, *id, {"echo-rtt", "127.0.0.1", QString::number(kGuestPort), QString::number(rtts)},
                         rtts, &guestLocal, &error) ||
            !guestClient(ctx, *id, {"connect-rtt", "127.0.0.1", QString::number(kGuestPort), QString::number(connects)},
                         connects, &guestConnect, &error) ||
            !apiCatRoundTrips(ctx, *id, rtts, &apiCat, &error)) {
            fail(error);
            return false;
        }
        say("  after round %d, p50 so far: echo tunnel %s ms, loopback %s ms, in the guest %s ms, "
            "API exec cat %s ms\n",
            i + 1, S(fmt(tun.rtt.p50(), 3)).c(), S(fmt(loop.rtt.p50(), 3)).c(),
            S(fmt(guestLocal.p50(), 3)).c(), S(fmt(apiCat.p50(), 3)).c());
    }
    if (tun.rtt.empty() || tun.down.empty())
        return false;
    auto list = ctx.api.call("tunnel.list", {{"sandbox", *id}}, 30000, &error);
    const QJsonObject after = list ? list->value("tunnels").toArray().first().toObject() : QJsonObject();

    const double rDown = ratio(tun.down.p50(), loop.down.p50());
    const double rUp = ratio(tun.up.p50(), loop.up.p50());
    const double rRtt = ratio(tun.rtt.p50(), loop.rtt.p50());
    const double rRtt99 = ratio(tun.rtt.p99(), loop.rtt.p99());
    const double rSetup = ratio(tun.setup.p50(), loop.setup.p50());
    printTable("tunnel throughput (MB/s = 10^6 bytes/s; higher is better)",
               {{"ours: guest->host through the tunnel, first->last byte", &tun.down, "MB/s"},
                {"  (ours: connect -> last byte)", &tun.downE2E, "MB/s"},
                {"baseline: the same from the host server on 127.0.0.1", &loop.down, "MB/s"},
                {"  (baseline: connect -> last byte)", &loop.downE2E, "MB/s"},
                {"ours: host->guest through the tunnel, to the count", &tun.up, "MB/s"},
                {"baseline: host->host on 127.0.0.1", &loop.up, "MB/s"}},
               1);
    printTable("tunnel latency (ms)",
               {{"ours: 64-byte echo round trip through the tunnel", &tun.rtt, "ms"},
                {"baseline: the same on 127.0.0.1", &loop.rtt, "ms"},
                {"ours: echo answered in two writes 1 ms apart, tunnel", &tun.split, "ms"},
                {"baseline: the same on 127.0.0.1", &loop.split, "ms"},
                {"ours: connect -> first echoed byte, tunnel", &tun.setup, "ms"},
                {"baseline: connect -> first echoed byte, 127.0.0.1", &loop.setup, "ms"},
                {"reference: the round trip inside the guest (its loopback)", &guestLocal, "ms"},
                {"reference: connect -> first byte inside the guest", &guestConnect, "ms"},
                {"reference: API exec cat, stdin -> stdout", &apiCat, "ms"}},
               3);
    say("  ratios tunnel/loopback (p50): guest->host %s x, host->guest %s x, round trip %s x "
        "(p99 %s x), connect %s x\n",
        S(fmt(rDown, 4)).c(), S(fmt(rUp, 4)).c(), S(fmt(rRtt, 1)).c(), S(fmt(rRtt99, 1)).c(),
        S(fmt(rSetup, 1)).c());
    say("  round trip added by the tunnel over the guest's own loopback (p50): %s ms\n",
        S(fmt(tun.rtt.p50() - guestLocal.p50(), 3)).c());
    QJsonObject rec{
        {"bytes_down", down},
        {"bytes_up", up},
        {"runs", c.throughputRuns},
        {"latency_rounds", c.runs},
        {"round_trips_per_round", rtts},
        {"split_round_trips_per_round", splits},
        {"connects_per_round", connects},
        {"ours", QJsonObject{{"what", "a tiny sandbox runs vivarium-netprobe serve 127.0.0.1:9000; "
                                      "the bench's client reaches it through tunnel.open's host port"},
                             {"down", tun.down.toJson("MB/s")},
                             {"down_connect_to_last", tun.downE2E.toJson("MB/s")},
                             {"up", tun.up.toJson("MB/s")},
                             {"round_trip", tun.rtt.toJson("ms", false)},
                             {"connect_first_byte", tun.setup.toJson("ms", false)},
                             {"round_trip_split_answer", tun.split.toJson("ms", false)}}},
        {"baseline", QJsonObject{{"what", "the same vivarium-netprobe server on the host's 127.0.0.1, "
                                          "the same client code"},
                                 {"down", loop.down.toJson("MB/s")},
                                 {"down_connect_to_last", loop.downE2E.toJson("MB/s")},
                                 {"up", loop.up.toJson("MB/s")},
                                 {"round_trip", loop.rtt.toJson("ms", false)},
                                 {"connect_first_byte", loop.setup.toJson("ms", false)},
                                 {"round_trip_split_answer", loop.split.toJson("ms", false)}}},
        {"reference_guest_loopback", QJsonObject{{"what", "vivarium-netprobe echo-rtt in the guest "
                                                          "against the guest server (no tunnel)"},
                                                 {"round_trip", guestLocal.toJson("ms", false)},
                                                 {"connect_first_byte", guestConnect.toJson("ms", false)}}},
        {"reference_api_exec_cat", QJsonObject{{"what", "exec [cat] with stdin over the API: a "
                                                        "64-byte line sent as stdin until it is back "
                                                        "as stdout (the guest channel without TCP)"},
                                               {"round_trip", apiCat.toJson("ms", false)}}},
        {"tunnel_after", after},
        {"ratio_down", round3(rDown)},
        {"ratio_up", round3(rUp)},
        {"ratio_round_trip_p50", round3(rRtt)},
        {"ratio_round_trip_p99", round3(rRtt99)},
        {"ratio_connect", round3(rSetup)},
        {"added_over_guest_loopback_ms", round3(tun.rtt.p50() - guestLocal.p50())}};
    writeJson(c, "tunnel", rec);
    return true;
}

// ---- egress --------------------------------------------------------------------------------

bool egress(Context& ctx) {
    Config& c = ctx.config;
    const int n = std::max(10, c.execRuns / 4);
    const QString address = hostIPv4();
    say("\n== egress: %d sequential GETs from the guest through the egress proxy to an allowlisted "
        "upstream on the host's own address, vs the same client on the host straight to it; "
        "%d rounds\n",
        n, c.runs);
    if (address.isEmpty()) {
        fail("egress: this machine has no non-loopback IPv4 address for the upstream and the "
             "allowlist; connect a network interface (a dummy one will do) and run again");
        return false;
    }
    QString error;
    HostServer upstream;
    if (!upstream.start(c, address, &error)) {
        fail(error);
        return false;
    }
    const QString hostPort = QString::number(upstream.port());
    const QString allow = address + ":" + hostPort;
    const QString tmpl = QString("bench-egress-%1").arg(getpid());
    if (!ctx.api.call("template.create",
                      {{"name", tmpl},
                       {"from", "tiny"},
                       {"network", QJsonObject{{"egress", "proxy"},
                                               {"allow", QJsonArray{allow}},
                                               {"routes", QJsonArray{}}}}},
                      30000, &error)) {
        fail(error);
        return false;
    }
    struct TemplateGuard {
        Api& api;
        QString name;
        ~TemplateGuard() {
            QString e;
            if (!api.call("template.remove", {{"name", name}}, 30000, &e))
                fail("cannot remove template " + name + ": " + e);
        }
    } guard{ctx.api, tmpl};
    ScopedSandbox sb(ctx.api);
    auto id = probeSandbox(ctx, sb, tmpl, &error);
    if (!id) {
        fail(error);
        return false;
    }
    say("  sandbox %s (template %s, egress proxy, --allow %s); upstream vivarium-netprobe on %s\n",
        S(*id).c(), S(tmpl).c(), S(allow).c(), S(allow).c());

    const QString N = QString::number(n), local = QString::number(kGuestPort);
    struct Case {
        const char* key;
        QString label;
        bool inGuest;
        QStringList args;
        Stats s;
    };
    std::vector<Case> cases{
        {"proxy_keepalive", "ours: guest, absolute-form through the proxy, keep-alive", true,
         {"http", address, hostPort, N, "--via", "proxy"}, {}},
        {"connect_keepalive", "  (guest, inside one CONNECT tunnel of the proxy)", true,
         {"http", address, hostPort, N, "--via", "connect"}, {}},
        {"proxy_new_connection", "ours: guest, a new proxy connection per request", true,
         {"http", address, hostPort, N, "--via", "proxy", "--new"}, {}},
        {"connect_new_connection", "  (guest, a new CONNECT per request)", true,
         {"http", address, hostPort, N, "--via", "connect", "--new"}, {}},
        {"direct_keepalive", "baseline: host straight to the upstream, keep-alive", false,
         {"http", address, hostPort, N, "--via", "direct"}, {}},
        {"direct_new_connection", "baseline: host straight, a new connection per request", false,
         {"http", address, hostPort, N, "--via", "direct", "--new"}, {}},
        {"guest_local_keepalive", "reference: guest to a server in the guest, keep-alive", true,
         {"http", "127.0.0.1", local, N, "--via", "direct"}, {}},
        {"guest_local_new_connection", "reference: guest to a guest server, new connection", true,
         {"http", "127.0.0.1", local, N, "--via", "direct", "--new"}, {}},
    };
    // One unmeasured pass of the first case: the upstream's and the proxy's first connection.
    {
        Stats warm;
        if (!guestClient(ctx, *id, cases[0].args, n, &warm, &error)) {
            fail(error);
            return false;
        }
    }
    for (int i = 0; i < c.runs && !interrupted(); ++i) {
        for (Case& k : cases) {
            const bool ok = k.inGuest ? guestClient(ctx, *id, k.args, n, &k.s, &error)
                                      : hostClient(c, k.args, n, &k.s, &error);
            if (!ok) {
                fail(QString(k.key) + ": " + error);
                return false;
            }
        }
        say("  after round %d, p50 so far: through the proxy %s ms/request (CONNECT %s, new "
            "connection %s), host direct %s ms\n",
            i + 1, S(fmt(cases[0].s.p50(), 3)).c(), S(fmt(cases[1].s.p50(), 3)).c(),
            S(fmt(cases[2].s.p50(), 3)).c(), S(fmt(cases[4].s.p50(), 3)).c());
    }
    if (cases[0].s.empty())
        return false;
    // What the proxy logged: one entry per absolute-form request, one per CONNECT.
    auto log = ctx.api.call("network.log", {{"sandbox", *id}, {"limit", 100000}}, 30000, &error);
    int logged = 0, refused = 0;
    if (log)
        for (const QJsonValue& v : log->value("entries").toArray()) {
            ++logged;
            if (!v.toObject().value("error").toString().isEmpty())
                ++refused;
        }
    QList<Row> rows;
    for (const Case& k : cases)
        rows.append({k.label, &k.s, "ms"});
    printTable("egress: per request (ms), timed by the client", rows, 3);
    const Stats &proxy = cases[0].s, &connectKa = cases[1].s, &proxyNew = cases[2].s,
                &direct = cases[4].s, &directNew = cases[5].s, &guestKa = cases[6].s,
                &guestNew = cases[7].s;
    const double r = ratio(proxy.p50(), direct.p50());
    const double added = proxy.p50() - direct.p50();
    const double logic = proxy.p50() - connectKa.p50();
    const double addedNew = proxyNew.p50() - directNew.p50();
    const double pathOverGuest = proxy.p50() - guestKa.p50();
    say("  per request, keep-alive: proxy %s ms vs host direct %s ms: %s x, +%s ms; of which the "
        "proxy's HTTP handling (absolute-form minus CONNECT) %s ms\n",
        S(fmt(proxy.p50(), 3)).c(), S(fmt(direct.p50(), 3)).c(), S(fmt(r, 1)).c(),
        S(fmt(added, 3)).c(), S(fmt(logic, 3)).c());
    say("  per request, new connection: +%s ms over host direct; over a request served inside "
        "the guest: keep-alive +%s ms, new connection +%s ms\n",
        S(fmt(addedNew, 3)).c(), S(fmt(pathOverGuest, 3)).c(),
        S(fmt(proxyNew.p50() - guestNew.p50(), 3)).c());
    say("  network.log: %d entries, %d with an error\n", logged, refused);
    QJsonObject measured;
    for (const Case& k : cases)
        measured[k.key] = QJsonObject{{"what", k.label.trimmed()},
                                      {"where", k.inGuest ? "guest" : "host"},
                                      {"args", QJsonArray::fromStringList(k.args)},
                                      {"time", k.s.toJson("ms", false)}};
    QJsonObject rec{
        {"requests_per_run", n},
        {"rounds", c.runs},
        {"upstream", allow},
        {"what", "vivarium-netprobe http (static, same binary in the guest and on the host), "
                 "GET /bench with a 22-byte body from vivarium-netprobe serve on the host's "
                 "non-loopback IPv4, allowlisted in a template with egress proxy; each sample is "
                 "one request timed by the client (CLOCK_MONOTONIC in its own machine)"},
        {"cases", measured},
        {"ratio_keepalive", round3(r)},
        {"added_keepalive_ms", round3(added)},
        {"proxy_http_handling_ms", round3(logic)},
        {"added_new_connection_ms", round3(addedNew)},
        {"added_over_guest_local_keepalive_ms", round3(pathOverGuest)},
        {"network_log_entries", logged},
        {"network_log_errors", refused}};
    writeJson(c, "egress", rec);
    return true;
}

} // namespace bench
