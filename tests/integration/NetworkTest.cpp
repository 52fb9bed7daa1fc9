// Tunnels on a real sandbox (TCG microVM, template default): a python3 web server started in
// the guest is reached through `viv tunnel` with real clients (curl, raw sockets, a
// QWebSocket, headless Chromium): keep-alive, many concurrent connections, a long-lived
// stream, a WebSocket upgrade, the guest server killed mid-stream, and tunnels closing when
// the sandbox stops and coming back (same URL) when it starts again. One sandbox serves every
// test. The app's Network tab is driven against the same sandbox (offscreen). Every wait is
// on a condition with a timeout.
#include "HttpResponder.h"
#include "ServiceFixture.h"

#include "ApiClient.h"
#include "JsonTableModel.h"
#include "NetworkTab.h"

#include <QAction>
#include <QJsonArray>
#include <QNetworkInterface>
#include <QTableView>
#include <QTcpServer>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QWebSocket>
#include <QtTest>

#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace vivarium;

namespace {

constexpr int kTimeoutMs = 60000;

struct Response {
    int status = 0;
    QByteArray headers;
    QByteArray body;
    bool complete = false;
};

// Parses one HTTP/1.1 response at the front of `buffer` (Content-Length or chunked); removes
// it when complete.
Response takeResponse(QByteArray& buffer) {
    Response r;
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return r;
    r.headers = buffer.left(end);
    r.status = r.headers.mid(9, 3).toInt();
    const QByteArray lower = r.headers.toLower();
    qsizetype at = end + 4;
    if (lower.contains("transfer-encoding: chunked")) {
        for (;;) {
            const qsizetype eol = buffer.indexOf("\r\n", at);
            if (eol < 0)
                return r;
            bool ok = false;
            const qsizetype size = buffer.mid(at, eol - at).toLongLong(&ok, 16);
            if (!ok || buffer.size() < eol + 2 + size + 2)
                return r;
            r.body += buffer.mid(eol + 2, size);
            at = eol + 2 + size + 2;
            if (size == 0)
                break;
        }
    } else {
        const qsizetype cl = lower.indexOf("content-length:");
        const qsizetype length = cl < 0 ? 0
                                        : lower.mid(cl + 15, lower.indexOf("\r\n", cl) - cl - 15)
                                              .trimmed()
                                              .toLongLong();
        if (buffer.size() < at + length)
            return r;
        r.body = buffer.mid(at, length);
        at += length;
    }
    r.complete = true;
    buffer.remove(0, at);
    return r;
}

// A keep-alive HTTP client on one socket.
class HttpConnection {
public:
    bool open(quint16 port) {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        return m_socket.waitForConnected(kTimeoutMs);
    }
    Response get(const QByteArray& path, int timeoutMs = kTimeoutMs) {
        m_socket.write("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Response r;
        QTest::qWaitFor(
            [&] {
                m_buffer += m_socket.readAll();
                r = takeResponse(m_buffer);
                return r.complete || m_socket.state() != QAbstractSocket::ConnectedState;
            },
            timeoutMs);
        return r;
    }
    QTcpSocket& socket() { return m_socket; }

private:
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// A real upstream on the host: 200 with the request head it got as the body (so a test sees
// the headers the proxy sent), or a 302 for /redirect?to=URL.
HttpResponder::Handler echoHeads() {
    return [](const QByteArray& head) {
        const QByteArray target = head.split(' ').value(1);
        if (target.contains("/redirect?to="))
            return HttpResponder::response("302 Found", {},
                                           "Location: " + target.mid(target.indexOf("to=") + 3) + "\r\n");
        return HttpResponder::response("200 OK", head);
    };
}

// This host's first non-loopback IPv4 address (what an allowlist must name explicitly).
QString hostAddress() {
    for (const QHostAddress& a : QNetworkInterface::allAddresses())
        if (a.protocol() == QAbstractSocket::IPv4Protocol && !a.isLoopback() && !a.isLinkLocal())
            return a.toString();
    return {};
}

const QByteArray kSecret = "sk-test-7a1c9e55d0b3-SECRETVALUE";

// Python run in the guest: raw requests to the agent's egress listener, so what the proxy
// answers is seen as is (urllib would follow NO_PROXY and redirects on its own).
const char* kGuestProbe = R"PY(
import os, socket, sys, urllib.request, urllib.error
def raw(request):
    s = socket.create_connection(("127.0.0.1", 3128), timeout=30)
    s.sendall(request)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data:
            head, _, body = data.partition(b"\r\n\r\n")
            length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
            if length and len(body) >= length[0]:
                break
    return data.decode(errors="replace")
what = sys.argv[1]
if what == "route":
    req = urllib.request.Request(os.environ["ECHO_BASE_URL"] + "/chat?q=1",
                                 headers={"Authorization": "Bearer forged-by-guest", "X-Key": os.environ["ECHO_KEY"]})
    print(urllib.request.urlopen(req).read().decode())
elif what == "allowed":
    print(urllib.request.urlopen(sys.argv[2]).read().decode())
elif what == "follow":
    print(urllib.request.urlopen(os.environ["ECHO_BASE_URL"] + "/redirect?to=" + sys.argv[2]).read().decode())
else:
    print(raw(sys.argv[2].encode().decode("unicode_escape").encode()))
)PY";

} // namespace

class NetworkTest : public QObject {
    Q_OBJECT
    std::unique_ptr<ServiceFixture> m_service;
    QString m_sandbox;
    quint16 m_port = 0;

    QJsonObject api(const QString& type, const QJsonObject& body) {
        ApiClient client;
        client.open({QUrl(m_service->url()), m_service->ownerToken(), true});
        QSignalSpy ready(&client, &ApiClient::ready);
        if (!ready.wait(kTimeoutMs))
            return {{"error", "no connection"}};
        auto r = callApi(client, type, body);
        return r ? *r : QJsonObject{{"error", r.error().message}, {"code", r.error().code}};
    }

    // Starts the web server in the guest and waits until it answers through the tunnel.
    bool startServer() {
        const VivResult r = m_service->viv(
            {"exec", m_sandbox, "--", "sh", "-c",
             "nohup python3 /srv/server.py 8000 >/tmp/server.log 2>&1 &"});
        if (r.code != 0)
            return false;
        return QTest::qWaitFor(
            [&] {
                HttpConnection c;
                return c.open(m_port) && c.get("/", 2000).status == 200;
            },
            kTimeoutMs);
    }

private slots:
    void initTestCase() {
        m_service = std::make_unique<ServiceFixture>();
        VivResult r = m_service->viv({"create", "--name", "web"});
        QVERIFY2(r.code == 0, r.err.constData());
        m_sandbox = QString::fromUtf8(r.out).trimmed().split('\n').last();
        r = m_service->viv({"cp", QFINDTESTDATA("data/guest_web_server.py"), m_sandbox + ":/srv/server.py"});
        QVERIFY2(r.code == 0, r.err.constData());
        // The URL is the last line of `viv tunnel`.
        r = m_service->viv({"tunnel", m_sandbox, "8000"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString url = QString::fromUtf8(r.out).trimmed().split('\n').last();
        QVERIFY2(url.startsWith("http://127.0.0.1:"), qPrintable(url));
        m_port = quint16(QUrl(url).port());
        QVERIFY(m_port > 0);
        QVERIFY(startServer());
    }

    void curlThroughTheTunnelWithKeepAlive() {
        // Two URLs in one curl: the second reuses the connection.
        QProcess curl;
        const QString base = QString("http://127.0.0.1:%1").arg(m_port);
        curl.start("curl", {"-sv", base + "/", base + "/big?n=100000", "-o", "/dev/null",
                            "-o", "/dev/null"});
        QVERIFY(curl.waitForFinished(kTimeoutMs));
        const QByteArray log = curl.readAllStandardError();
        QCOMPARE(curl.exitCode(), 0);
        QVERIFY2(log.contains("Re-using existing connection"), log.constData());
        QCOMPARE(log.count("HTTP/1.1 200"), 2);

        // Many requests on one raw connection, bytes exact.
        HttpConnection c;
        QVERIFY(c.open(m_port));
        for (int i = 0; i < 20; ++i) {
            const Response r = c.get("/big?n=" + QByteArray::number(1000 + i * 7919));
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body.size(), 1000 + i * 7919);
            QCOMPARE(quint8(r.body.at(257)), quint8(1));
        }
    }

    void manyConcurrentConnections() {
        constexpr int kConnections = 64;
        std::vector<std::unique_ptr<HttpConnection>> conns;
        for (int i = 0; i < kConnections; ++i) {
            conns.push_back(std::make_unique<HttpConnection>());
            conns.back()->socket().connectToHost(QHostAddress::LocalHost, m_port);
        }
        QByteArray buffers[kConnections];
        for (int i = 0; i < kConnections; ++i)
            conns[i]->socket().write("GET /big?n=65536 HTTP/1.1\r\nHost: x\r\n\r\n");
        int done = 0;
        int wrongSize = 0;
        QVERIFY(QTest::qWaitFor(
            [&] {
                for (int i = 0; i < kConnections; ++i) {
                    if (buffers[i] == "done")
                        continue;
                    buffers[i] += conns[i]->socket().readAll();
                    const Response r = takeResponse(buffers[i]);
                    if (r.complete) {
                        wrongSize += r.body.size() != 65536;
                        buffers[i] = "done";
                        ++done;
                    }
                }
                return done == kConnections;
            },
            kTimeoutMs));
        QCOMPARE(wrongSize, 0);
        const QJsonObject t = api("tunnel.list", {{"sandbox", m_sandbox}})
                                  .value("tunnels").toArray().first().toObject();
        QVERIFY(t.value("connections").toInteger() >= kConnections);
        QVERIFY(t.value("bytes_out").toInteger() >= qint64(kConnections) * 65536);
    }

    void longLivedStreamArrivesAsItIsWritten() {
        HttpConnection c;
        QVERIFY(c.open(m_port));
        c.socket().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray seen;
        // The first tick arrives long before the stream ends (2 s): nothing is held back.
        QVERIFY(QTest::qWaitFor([&] {
            seen += c.socket().readAll();
            return seen.contains("tick 0");
        }, kTimeoutMs));
        QVERIFY(!seen.contains("tick 9"));
        QVERIFY(QTest::qWaitFor([&] {
            seen += c.socket().readAll();
            return seen.contains("0\r\n\r\n");
        }, kTimeoutMs));
        QVERIFY(seen.contains("tick 9"));
    }

    void webSocketUpgradeEchoes() {
        QWebSocket ws;
        QSignalSpy connected(&ws, &QWebSocket::connected);
        QSignalSpy message(&ws, &QWebSocket::textMessageReceived);
        ws.open(QUrl(QString("ws://127.0.0.1:%1/ws").arg(m_port)));
        QVERIFY(connected.wait(kTimeoutMs));
        for (int i = 0; i < 5; ++i) {
            ws.sendTextMessage(QString("message %1").arg(i));
            QTRY_COMPARE_WITH_TIMEOUT(message.size(), i + 1, kTimeoutMs);
            QCOMPARE(message.last().first().toString(), QString("echo: message %1").arg(i));
        }
        ws.close();
    }

    // A client that sends its request and then ends its side (nc -N, "read to the end"
    // protocols) still gets the whole answer: the tunnel keeps the two directions apart.
    void halfClosedClientGetsTheAnswer() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        QVERIFY(fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(m_port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        const QByteArray request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        QCOMPARE(::send(fd, request.constData(), size_t(request.size()), 0), ssize_t(request.size()));
        QCOMPARE(::shutdown(fd, SHUT_WR), 0);
        QByteArray answer;
        QDeadlineTimer deadline(kTimeoutMs);
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, int(qMax<qint64>(1, deadline.remainingTime()))) <= 0)
                break;
            char buffer[4096];
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0)
                break;
            answer.append(buffer, n);
        }
        ::close(fd);
        QVERIFY2(answer.startsWith("HTTP/1.1 200") && answer.contains("hello from the sandbox"),
                 answer.constData());
    }

    void headlessChromiumLoadsThePage() {
        QString browser;
        for (const char* name : {"chromium-headless-shell", "chromium", "chromium-browser"})
            if (browser.isEmpty())
                browser = QStandardPaths::findExecutable(name);
        if (browser.isEmpty())
            QSKIP("no Chromium on this machine (setup.sh installs chromium-headless-shell)");
        QTemporaryDir profile;
        QProcess chromium;
        chromium.start(browser, {"--headless", "--no-sandbox", "--disable-gpu",
                                 "--user-data-dir=" + profile.path(), "--dump-dom",
                                 QString("http://127.0.0.1:%1/").arg(m_port)});
        QVERIFY(chromium.waitForFinished(kTimeoutMs * 2));
        const QByteArray dom = chromium.readAllStandardOutput();
        QVERIFY2(dom.contains("<h1 id=\"greeting\">hello from the sandbox</h1>"),
                 (dom + chromium.readAllStandardError()).left(2000).constData());
    }

    void networkLogListsTunnelConnections() {
        const VivResult r = m_service->viv({"network", m_sandbox, "--json", "-n", "1000"});
        QCOMPARE(r.code, 0);
        const QJsonArray entries = QJsonDocument::fromJson(r.out).array();
        int tunnels = 0;
        for (const QJsonValue& v : entries)
            if (v.toObject().value("kind") == "tunnel" && v.toObject().value("port") == 8000)
                ++tunnels;
        QVERIFY2(tunnels >= 64, qPrintable(QString::number(tunnels)));
    }

    void networkTabShowsTunnelsAndTheLiveLog() {
        gui::NetworkTab tab;
        QList<QUrl> opened;
        tab.setHooks({[] { return 8000; }, [&](const QUrl& url) { opened << url; }});
        tab.resize(900, 600);
        tab.show();
        QSignalSpy loaded(&tab, &gui::NetworkTab::tunnelsLoaded);
        tab.showSandbox({{"id", m_sandbox}, {"state", "ready"}},
                        {QUrl(m_service->url()), m_service->ownerToken(), true});
        QVERIFY(loaded.wait(kTimeoutMs));
        QCOMPARE(tab.tunnels()->rowCount(), 1);
        const QString url = QString("http://127.0.0.1:%1").arg(m_port);
        QCOMPARE(tab.tunnels()->object(0).value("url").toString(), url);
        // The log shows what happened so far, and grows live.
        QTRY_VERIFY_WITH_TIMEOUT(tab.log()->rowCount() >= 64, kTimeoutMs);
        const int before = tab.log()->rowCount();
        {
            HttpConnection c;
            QVERIFY(c.open(m_port));
            QCOMPARE(c.get("/").status, 200);
        }
        QTRY_VERIFY_WITH_TIMEOUT(tab.log()->rowCount() > before, kTimeoutMs);
        QCOMPARE(tab.log()->object(tab.log()->rowCount() - 1).value("kind").toString(), QString("tunnel"));
        // One click on the URL opens the browser.
        QTableView* view = tab.tunnelsView();
        const QRect cell = view->visualRect(tab.tunnels()->index(0, 1));
        QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(opened, QList<QUrl>{QUrl(url)});
        // Open Tunnel… for a second port (the hook answers 8000: the same tunnel, no new row),
        // then 8001 directly; Close Tunnel removes the selected one.
        tab.openTunnelWithDialog();
        tab.openTunnel(8001);
        QTRY_COMPARE_WITH_TIMEOUT(tab.tunnels()->rowCount(), 2, kTimeoutMs);
        const int row8001 = tab.tunnels()->object(0).value("guest_port").toInt() == 8001 ? 0 : 1;
        view->selectRow(row8001);
        QAction* close = nullptr;
        for (QAction* a : tab.findChildren<QAction*>())
            if (a->text().contains("Close"))
                close = a;
        QVERIFY(close && close->isEnabled());
        close->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(tab.tunnels()->rowCount(), 1, kTimeoutMs);
        QCOMPARE(tab.tunnels()->object(0).value("guest_port").toInt(), 8000);
        QVERIFY(tab.message().isEmpty());
    }

    void guestServerKilledMidStream() {
        HttpConnection c;
        QVERIFY(c.open(m_port));
        c.socket().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        QByteArray seen;
        QVERIFY(QTest::qWaitFor([&] {
            seen += c.socket().readAll();
            return seen.contains("tick 1");
        }, kTimeoutMs));
        QSignalSpy closed(&c.socket(), &QTcpSocket::disconnected);
        const VivResult kill = m_service->viv({"exec", m_sandbox, "--", "pkill", "-9", "-f", "server.py"});
        QCOMPARE(kill.code, 0);
        // The host side closes: no hang, no half-open socket.
        QVERIFY(closed.wait(kTimeoutMs) || closed.size() == 1);
        QVERIFY(!seen.contains("0\r\n\r\n"));
        QTRY_COMPARE_WITH_TIMEOUT(api("tunnel.list", {{"sandbox", m_sandbox}})
                                      .value("tunnels").toArray().first().toObject()
                                      .value("open").toInt(),
                                  0, kTimeoutMs);
        // Nothing listens now: a new connection is refused by the guest and closed here.
        HttpConnection refused;
        QVERIFY(refused.open(m_port));
        QVERIFY(refused.get("/", kTimeoutMs).status == 0);
    }

    void tunnelClosesOnStopAndComesBackOnStart() {
        VivResult r = m_service->viv({"stop", m_sandbox});
        QVERIFY2(r.code == 0, r.err.constData());
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(!s.waitForConnected(5000));
        QCOMPARE(api("tunnel.list", {{"sandbox", m_sandbox}}).value("tunnels").toArray()
                     .first().toObject().value("state").toString(),
                 QString("waiting"));
        r = m_service->viv({"start", m_sandbox});
        QVERIFY2(r.code == 0, r.err.constData());
        // Same URL as before; the server is started again (processes do not survive a stop).
        const QJsonObject t = api("tunnel.list", {{"sandbox", m_sandbox}})
                                  .value("tunnels").toArray().first().toObject();
        QCOMPARE(t.value("state").toString(), QString("open"));
        QCOMPARE(t.value("host_port").toInt(), int(m_port));
        QVERIFY(startServer());
        r = m_service->viv({"tunnel", "ls", m_sandbox});
        QVERIFY(r.out.contains(QByteArray::number(m_port)));
        r = m_service->viv({"tunnel", "rm", m_sandbox, "8000"});
        QCOMPARE(r.code, 0);
        QTcpSocket gone;
        gone.connectToHost(QHostAddress::LocalHost, m_port);
        QVERIFY(!gone.waitForConnected(5000));
    }

    void badTunnelRequests() {
        QCOMPARE(api("tunnel.open", {{"sandbox", m_sandbox}, {"port", 0}}).value("code").toString(),
                 QString("bad_request"));
        QCOMPARE(api("tunnel.open", {{"sandbox", m_sandbox}, {"port", 70000}}).value("code").toString(),
                 QString("bad_request"));
        QCOMPARE(api("tunnel.open", {{"sandbox", m_sandbox}, {"port", "80"}}).value("code").toString(),
                 QString("bad_request"));
        QCOMPARE(api("tunnel.close", {{"sandbox", m_sandbox}, {"port", 4444}}).value("code").toString(),
                 QString("not_found"));
        const VivResult r = m_service->viv({"tunnel", m_sandbox, "http"});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("not a port number"));
    }

    void egressRoutesInjectTheSecretTheGuestNeverSees() {
        HttpResponder up(echoHeads()), other(echoHeads());
        QVERIFY(up.listen(QHostAddress::Any) && other.listen(QHostAddress::Any));
        const QString host = hostAddress();
        if (host.isEmpty())
            QSKIP("this machine has no non-loopback IPv4 address for the allowlist case");
        VivResult r = m_service->viv({"secret", "set", "ECHO_KEY"}, kSecret + "\n");
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(!r.out.contains(kSecret) && !r.err.contains(kSecret));
        r = m_service->viv({"route", "add", "echo", "--upstream",
                            QString("http://127.0.0.1:%1/v1").arg(up.port()), "--header",
                            "Authorization: Bearer {secret:ECHO_KEY}"});
        QVERIFY2(r.code == 0, r.err.constData());
        r = m_service->viv({"template", "create", "web", "--from", "default", "--egress", "proxy",
                            "--route", "echo", "--allow", QString("%1:%2").arg(host).arg(other.port())});
        QVERIFY2(r.code == 0, r.err.constData());
        r = m_service->viv({"create", "--template", "web", "--name", "egress"});
        QVERIFY2(r.code == 0, r.err.constData());
        const QString id = QString::fromUtf8(r.out).trimmed().split('\n').last();
        QTemporaryDir dir;
        QFile probe(dir.filePath("probe.py"));
        QVERIFY(probe.open(QIODevice::WriteOnly));
        probe.write(kGuestProbe);
        probe.close();
        QCOMPARE(m_service->viv({"cp", probe.fileName(), id + ":/root/probe.py"}).code, 0);
        // The upstreams answer on this thread while `viv` runs.
        auto guest = [&](const QStringList& args) {
            return m_service->vivServing(QStringList{"exec", id, "--", "python3", "/root/probe.py"} + args,
                                         kTimeoutMs * 2);
        };

        // The route: the upstream gets the real key, whatever the guest sent; the guest sees
        // the answer with the key redacted.
        r = guest({"route"});
        QVERIFY2(r.code == 0, r.err.constData());
        QCOMPARE(up.heads.size(), 1);
        const QByteArray head = up.heads.last();
        QVERIFY2(head.startsWith("GET /v1/chat?q=1 HTTP/1.1"), head.constData());
        QVERIFY2(head.contains("Authorization: Bearer " + kSecret), head.constData());
        QVERIFY(!head.contains("forged-by-guest"));
        // The placeholder the guest holds was swapped for the value in this route only.
        QVERIFY2(head.contains("X-Key: " + kSecret), head.constData());
        QVERIFY2(!r.out.contains(kSecret), r.out.constData());
        QVERIFY(r.out.contains("Authorization"));

        // Allowlisted: through the proxy, with no credential.
        r = guest({"allowed", QString("http://%1:%2/plain").arg(host).arg(other.port())});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(!other.heads.last().contains("Authorization"));
        // A redirect from the route's upstream to another host is followed without the key.
        r = guest({"follow", QString("http://%1:%2/landed").arg(host).arg(other.port())});
        QVERIFY2(r.code == 0, r.err.constData());
        QVERIFY(other.heads.last().startsWith("GET /landed"));
        QVERIFY(!other.heads.last().contains(kSecret));
        QVERIFY(!other.heads.last().contains("Authorization"));

        // Refused, each with a reason the guest can read.
        auto rawStatus = [&](const QString& request) {
            const VivResult v = guest({"raw", request});
            return QString::fromUtf8(v.out);
        };
        QString answer = rawStatus("GET http://example.org/ HTTP/1.1\\r\\nHost: example.org\\r\\n\\r\\n");
        QVERIFY2(answer.startsWith("HTTP/1.1 403") && answer.contains("allowlist"), qPrintable(answer));
        const qsizetype reached = up.heads.size();
        answer = rawStatus(QString("GET http://127.0.0.1:%1/ HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n").arg(up.port()));
        QVERIFY2(answer.startsWith("HTTP/1.1 403"), qPrintable(answer));
        QCOMPARE(up.heads.size(), reached); // never reached
        answer = rawStatus("GET http://169.254.169.254/latest/meta-data HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n");
        QVERIFY2(answer.startsWith("HTTP/1.1 403"), qPrintable(answer));
        answer = rawStatus(QString("POST http://%1:%2/ HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 4\\r\\n"
                                   "Transfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n")
                               .arg(host)
                               .arg(other.port()));
        QVERIFY2(answer.startsWith("HTTP/1.1 400"), qPrintable(answer));

        // The secret is nowhere in the guest: no process environment, no file on its disk.
        r = m_service->viv({"exec", id, "--", "sh", "-c",
                            "echo $ECHO_KEY; cat /proc/[0-9]*/environ | tr '\\0' '\\n' | grep -c SECRETVALUE; sync"});
        QVERIFY2(r.out.startsWith("vivarium-placeholder-ECHO_KEY-"), r.out.constData());
        QVERIFY2(r.out.trimmed().endsWith("\n0"), r.out.constData());
        QFile overlay(m_service->dataDir() + "/sandboxes/" + id + "/disk.qcow2");
        QVERIFY(overlay.open(QIODevice::ReadOnly));
        bool found = false;
        while (!overlay.atEnd() && !found) {
            const qint64 at = overlay.pos();
            found = overlay.read(8 << 20).contains(kSecret);
            if (!overlay.atEnd())
                overlay.seek(at + (8 << 20) - kSecret.size());
        }
        QVERIFY(!found);
        // … nor in what the host logs.
        QFile netlog(m_service->dataDir() + "/sandboxes/" + id + "/network.jsonl");
        QVERIFY(netlog.open(QIODevice::ReadOnly));
        const QByteArray lines = netlog.readAll();
        QVERIFY(!lines.contains(kSecret));
        QVERIFY(lines.contains("\"route\":\"echo\""));
        QVERIFY(lines.contains("\"status\":403"));
        QCOMPARE(m_service->viv({"rm", id}).code, 0);
    }

    void cleanupTestCase() { m_service.reset(); }
};

QTEST_MAIN(NetworkTest)
#include "NetworkTest.moc"
