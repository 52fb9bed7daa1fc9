// The egress proxy with real sockets on loopback and no VM: a QTcpServer stands in for the
// agent's listener (each accepted socket is handed to EgressProxy::serve, as the service hands
// it guest-channel streams), real upstreams (an HTTP and an HTTPS server written here, with a
// certificate made by openssl at test time, recording every byte they receive), and real
// clients (raw requests on a QTcpSocket, a QSslSocket through CONNECT, and curl).
// Also the pure parts: allowlist entries, routes, forbidden addresses, the redactor, and the
// network log file.
#include "EgressProxy.h"
#include "NetworkLog.h"
#include "Redactor.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonDocument>
#include <QNetworkInterface>
#include <QPointer>
#include <QProcess>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>
#include <QTest>
#include <QUrlQuery>

#include <functional>
#include <memory>

using namespace vivarium;

namespace {

const QByteArray kSecret = "sk-test-SECRET-0123456789";
const QByteArray kPlaceholder = "VIVARIUM-PLACEHOLDER-API-KEY";
const QByteArray kPlaceholderValue = "real-placeholder-value-987654";

// ---- a real upstream --------------------------------------------------------------------

struct Received {
    int connection = 0;
    QByteArray method;
    QByteArray target;
    QList<std::pair<QByteArray, QByteArray>> headers;
    QByteArray rawHead;
    QByteArray body;

    QList<QByteArray> values(const QByteArray& name) const {
        QList<QByteArray> v;
        for (const auto& [n, value] : headers)
            if (n.compare(name, Qt::CaseInsensitive) == 0)
                v << value;
        return v;
    }
};

// Decodes a chunked body starting at `from`; false when incomplete.
bool decodeChunked(const QByteArray& data, qsizetype from, QByteArray& out, qsizetype& end) {
    out.clear();
    qsizetype pos = from;
    while (true) {
        const qsizetype lineEnd = data.indexOf("\r\n", pos);
        if (lineEnd < 0)
            return false;
        bool ok = false;
        const qint64 size = data.mid(pos, lineEnd - pos).split(';').first().trimmed().toLongLong(&ok, 16);
        if (!ok)
            return false;
        pos = lineEnd + 2;
        if (size == 0) {
            while (true) {
                const qsizetype e = data.indexOf("\r\n", pos);
                if (e < 0)
                    return false;
                if (e == pos) {
                    end = pos + 2;
                    return true;
                }
                pos = e + 2;
            }
        }
        if (data.size() < pos + size + 2)
            return false;
        out += data.mid(pos, size);
        pos += size + 2;
    }
}

// An HTTP/1.1 server that records what it receives and answers by path (a leading /v1 is
// ignored, so a route with upstream …/v1 reaches the same handlers):
//   /echo            200, body = the request head as received, X-Echo-Authorization header
//   /echo-chunked    the same, chunked one byte per chunk
//   /echo-body       200, body = the request body
//   /big?n=N         N bytes
//   /redirect-out?to=URL   302 to URL;  /redirect-in   302 into this server's /v1/landing
//   /redirect-rel    302 to /v1/rel (relative)
//   /until-close     200 without a length, then closes
//   /ws              101, then echoes raw bytes
//   anything else    200 "ok <target>"
class Upstream : public QTcpServer {
    Q_OBJECT
public:
    explicit Upstream(QSslCertificate cert = QSslCertificate(), QSslKey key = QSslKey())
        : m_cert(std::move(cert)), m_key(std::move(key)) {
        listen(QHostAddress::LocalHost, 0);
    }
    bool tls() const { return !m_cert.isNull(); }
    QString base() const { return QString("%1://127.0.0.1:%2").arg(tls() ? "https" : "http").arg(serverPort()); }
    QString hostPort() const { return QString("127.0.0.1:%1").arg(serverPort()); }
    void reset() {
        received.clear();
        allBytes.clear();
    }

    QList<Received> received;
    QByteArray allBytes; // every byte any request brought
    int connections = 0;
    QPointer<QTcpSocket> lastSocket;

signals:
    void wrote(); // some of a response left this server

protected:
    void incomingConnection(qintptr fd) override {
        QTcpSocket* socket = nullptr;
        if (tls()) {
            auto* ssl = new QSslSocket(this);
            ssl->setSocketDescriptor(fd);
            ssl->setLocalCertificate(m_cert);
            ssl->setPrivateKey(m_key);
            ssl->startServerEncryption();
            socket = ssl;
        } else {
            socket = new QTcpSocket(this);
            socket->setSocketDescriptor(fd);
        }
        const int id = ++connections;
        lastSocket = socket;
        connect(socket, &QTcpSocket::bytesWritten, this, &Upstream::wrote);
        auto buffer = std::make_shared<QByteArray>();
        auto raw = std::make_shared<bool>(false);
        connect(socket, &QTcpSocket::readyRead, this, [=, this] {
            const QByteArray data = socket->readAll();
            allBytes += data;
            if (*raw) {
                socket->write(data);
                return;
            }
            *buffer += data;
            serve(socket, *buffer, id, *raw);
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

private:
    void serve(QTcpSocket* s, QByteArray& buf, int id, bool& raw) {
        while (!raw) {
            const qsizetype end = buf.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            Received r;
            r.connection = id;
            r.rawHead = buf.left(end + 4);
            const QList<QByteArray> lines = buf.left(end).split('\n');
            const QList<QByteArray> first = lines[0].trimmed().split(' ');
            r.method = first.value(0);
            r.target = first.value(1);
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                r.headers.append({line.left(colon), line.mid(colon + 1).trimmed()});
            }
            qsizetype consumed = end + 4;
            if (!r.values("transfer-encoding").isEmpty()) {
                qsizetype bodyEnd = 0;
                if (!buf.endsWith("0\r\n\r\n")) // (no trailers here) not complete yet
                    return;
                if (!decodeChunked(buf, end + 4, r.body, bodyEnd))
                    return;
                consumed = bodyEnd;
            } else if (!r.values("content-length").isEmpty()) {
                const qint64 length = r.values("content-length").first().toLongLong();
                if (buf.size() < end + 4 + length)
                    return;
                r.body = buf.mid(end + 4, length);
                consumed = end + 4 + length;
            }
            buf.remove(0, consumed);
            received << r;
            respond(s, r, raw);
        }
    }

    void respond(QTcpSocket* s, const Received& r, bool& raw) {
        QUrl url("http://x" + QString::fromLatin1(r.target));
        QString path = url.path();
        if (path.startsWith("/v1"))
            path = path.mid(3);
        const auto send = [s](int status, const QByteArray& body, const QByteArray& extra = {}) {
            s->write("HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Length: " +
                     QByteArray::number(body.size()) + "\r\n" + extra + "\r\n" + body);
        };
        const QUrlQuery query(url);
        if (path == "/echo") {
            send(200, r.rawHead, "X-Echo-Authorization: " + r.values("authorization").join(",") + "\r\n");
        } else if (path == "/echo-chunked") {
            QByteArray out = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            for (char c : r.rawHead)
                out += "1\r\n" + QByteArray(1, c) + "\r\n";
            s->write(out + "0\r\n\r\n");
        } else if (path == "/echo-body") {
            send(200, r.body);
        } else if (path == "/big") {
            const int n = query.queryItemValue("n").toInt();
            QByteArray body(n, 'x');
            for (int i = 0; i < n; i += 997)
                body[i] = char('a' + (i / 997) % 26);
            send(200, body);
        } else if (path == "/redirect-out") {
            send(302, {}, "Location: " + query.queryItemValue("to", QUrl::FullyDecoded).toUtf8() + "\r\n");
        } else if (path == "/redirect-in") {
            send(302, {}, "Location: " + base().toUtf8() + "/v1/landing?from=in\r\n");
        } else if (path == "/redirect-rel") {
            send(302, {}, "Location: /v1/rel\r\n");
        } else if (path == "/until-close") {
            s->write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it until the end");
            s->disconnectFromHost();
        } else if (path == "/ws") {
            s->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
            raw = true;
        } else {
            send(200, "ok " + r.target);
        }
    }

    QSslCertificate m_cert;
    QSslKey m_key;
};

// ---- a real client ----------------------------------------------------------------------

struct Reply {
    int status = 0;
    QByteArray head;
    QByteArray body;
    QByteArray raw; // head and body as they came
    QByteArray header(const QByteArray& name) const {
        for (const QByteArray& line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().compare(name, Qt::CaseInsensitive) == 0)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }
};

// Runs the event loop until `done` holds, checking it whenever `source` has news (faster
// than QTest::qWaitFor's 10 ms naps when megabytes stream through).
bool waitOn(QIODevice* source, const std::function<bool()>& done, int timeoutMs) {
    if (done())
        return true;
    bool finished = false; // `done` may consume what it found: call it until true, not after
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    const auto check = [&] {
        if (!finished && done()) {
            finished = true;
            loop.quit();
        }
    };
    QObject::connect(source, &QIODevice::readyRead, &loop, check);
    QObject::connect(source, &QIODevice::readChannelFinished, &loop, check);
    if (auto* socket = qobject_cast<QAbstractSocket*>(source))
        QObject::connect(socket, &QAbstractSocket::stateChanged, &loop, check);
    timer.start(timeoutMs);
    loop.exec();
    return finished;
}

class Client {
public:
    explicit Client(quint16 port, QTcpSocket* socket = nullptr)
        : m_socket(socket ? socket : new QTcpSocket) {
        m_socket->connectToHost(QHostAddress::LocalHost, port);
    }
    ~Client() { delete m_socket; }
    QTcpSocket* socket() { return m_socket; }

    void send(const QByteArray& data) { m_socket->write(data); }

    // Waits for one whole response (Content-Length, chunked, or until the connection ends).
    std::optional<Reply> read(int timeoutMs = 15000, bool noBody = false) {
        std::optional<Reply> reply;
        waitOn(
            m_socket,
            [&] {
                m_buffer += m_socket->readAll();
                reply = take(noBody);
                return reply.has_value();
            },
            timeoutMs);
        return reply;
    }
    std::optional<Reply> request(const QByteArray& data, int timeoutMs = 15000) {
        send(data);
        return read(timeoutMs);
    }
    bool waitClosed(int timeoutMs = 10000) {
        return waitOn(
            m_socket,
            [&] {
                m_buffer += m_socket->readAll();
                return m_socket->state() == QAbstractSocket::UnconnectedState;
            },
            timeoutMs);
    }
    QByteArray buffered() {
        m_buffer += m_socket->readAll();
        return m_buffer;
    }

private:
    std::optional<Reply> take(bool noBody) {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return std::nullopt;
        Reply r;
        r.head = m_buffer.left(end + 4);
        r.status = r.head.mid(9, 3).toInt();
        qsizetype consumed = end + 4;
        const bool closed = m_socket->state() == QAbstractSocket::UnconnectedState;
        if (noBody || r.status == 101 || r.status == 204 || r.status == 304 || r.status < 200) {
        } else if (r.header("transfer-encoding").toLower() == "chunked") {
            if (!decodeChunked(m_buffer, end + 4, r.body, consumed))
                return std::nullopt;
        } else if (!r.header("content-length").isEmpty()) {
            const qint64 length = r.header("content-length").toLongLong();
            if (m_buffer.size() < end + 4 + length)
                return std::nullopt;
            r.body = m_buffer.mid(end + 4, length);
            consumed = end + 4 + length;
        } else {
            if (!closed)
                return std::nullopt;
            r.body = m_buffer.mid(end + 4);
            consumed = m_buffer.size();
        }
        r.raw = m_buffer.left(consumed);
        m_buffer.remove(0, consumed);
        return r;
    }

    QTcpSocket* m_socket;
    QByteArray m_buffer;
};

QByteArray get(const QString& url, const QByteArray& extra = {}) {
    const QUrl u(url);
    return "GET " + url.toUtf8() + " HTTP/1.1\r\nHost: " + u.authority().toUtf8() + "\r\n" + extra + "\r\n";
}

QByteArray routeGet(const QByteArray& path, const QByteArray& extra = {}) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:3128\r\n" + extra + "\r\n";
}

AllowEntry allow(const QString& text) {
    const Result<AllowEntry> e = AllowEntry::parse(text);
    if (!e)
        qFatal("bad allow entry in test: %s", qPrintable(e.error().message));
    return *e;
}

} // namespace

class EgressProxyTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    QSslCertificate m_cert;
    QSslKey m_key;
    std::unique_ptr<Upstream> m_up;     // http
    std::unique_ptr<Upstream> m_other;  // http, a different origin
    std::unique_ptr<Upstream> m_tls;    // https
    QTcpServer m_front;                 // stands in for the agent's listener in the guest
    std::unique_ptr<EgressProxy> m_proxy;
    QList<NetworkLogEntry> m_logs;

    quint16 port() const { return m_front.serverPort(); }

    EgressPolicy proxyPolicy(const QStringList& allowed) {
        EgressPolicy p;
        p.mode = EgressMode::Proxy;
        p.templateName = "web";
        for (const QString& a : allowed)
            p.allow << allow(a);
        return p;
    }
    EgressRoute apiRoute(const QString& upstreamBase) {
        EgressRoute r;
        r.name = "api";
        r.upstream = QUrl(upstreamBase + "/v1");
        r.headers = {{"Authorization", "Bearer " + kSecret}};
        r.placeholders = {{kPlaceholder, kPlaceholderValue}};
        r.secrets = {kSecret};
        return r;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        const QString certPath = m_dir.filePath("cert.pem");
        const QString keyPath = m_dir.filePath("key.pem");
        QProcess openssl;
        openssl.start("openssl", {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath,
                                  "-out", certPath, "-days", "2", "-subj", "/CN=127.0.0.1",
                                  "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
        QVERIFY2(openssl.waitForFinished(60000) && openssl.exitCode() == 0,
                 openssl.readAllStandardError().constData());
        QFile certFile(certPath);
        QFile keyFile(keyPath);
        QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
        m_cert = QSslCertificate(certFile.readAll());
        m_key = QSslKey(keyFile.readAll(), QSsl::Rsa);
        QVERIFY(!m_cert.isNull() && !m_key.isNull());

        m_up = std::make_unique<Upstream>();
        m_other = std::make_unique<Upstream>();
        m_tls = std::make_unique<Upstream>(m_cert, m_key);
        QVERIFY(m_up->isListening() && m_other->isListening() && m_tls->isListening());
        QVERIFY(m_front.listen(QHostAddress::LocalHost, 0));
        connect(&m_front, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_front.nextPendingConnection()) {
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                m_proxy->serve(s);
            }
        });
    }

    void init() {
        m_up->reset();
        m_other->reset();
        m_tls->reset();
        m_logs.clear();
        m_proxy = std::make_unique<EgressProxy>();
        connect(m_proxy.get(), &EgressProxy::logged, this,
                [this](const NetworkLogEntry& e) { m_logs << e; });
    }

    void cleanup() { m_proxy.reset(); }

    // ---- pure parts ---------------------------------------------------------------------

    void allowEntries_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical"); // empty: refused
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("host") << "api.example.com" << "api.example.com" << "";
        QTest::newRow("upper, trailing dot") << "API.Example.COM." << "api.example.com" << "";
        QTest::newRow("host:port") << "example.com:8443" << "example.com:8443" << "";
        QTest::newRow("wildcard") << "*.example.com" << "*.example.com" << "";
        QTest::newRow("wildcard:port") << "*.example.com:444" << "*.example.com:444" << "";
        QTest::newRow("ipv4") << "10.0.0.5" << "10.0.0.5" << "";
        QTest::newRow("ipv4:port") << "127.0.0.1:8080" << "127.0.0.1:8080" << "";
        QTest::newRow("ipv6") << "[2001:DB8::1]" << "[2001:db8::1]" << "";
        QTest::newRow("ipv6:port") << "[::1]:8080" << "[::1]:8080" << "";
        QTest::newRow("idn") << "bücher.de" << "xn--bcher-kva.de" << "";
        QTest::newRow("empty") << " " << "" << "empty";
        QTest::newRow("url") << "https://example.com" << "" << "is a URL";
        QTest::newRow("path") << "example.com/api" << "" << "is a URL";
        QTest::newRow("bare ipv6") << "2001:db8::1" << "" << "in brackets";
        QTest::newRow("unclosed bracket") << "[::1" << "" << "without closing";
        QTest::newRow("not ipv6 in brackets") << "[example.com]" << "" << "not an IPv6";
        QTest::newRow("star") << "*" << "" << "every host";
        QTest::newRow("star tld") << "*.com" << "" << "too broad";
        QTest::newRow("star inside") << "api.*.com" << "" << "somewhere other";
        QTest::newRow("port 0") << "example.com:0" << "" << "invalid port";
        QTest::newRow("port big") << "example.com:65536" << "" << "invalid port";
        QTest::newRow("port text") << "example.com:http" << "" << "invalid port";
        QTest::newRow("no port") << "example.com:" << "" << "no port";
        QTest::newRow("user info") << "me@example.com" << "" << "contains '@'";
        QTest::newRow("bad label") << "-bad.example.com" << "" << "not a valid host name";
        QTest::newRow("underscore") << "a_b.example.com" << "" << "not a valid host name";
        QTest::newRow("short ipv4") << "127.1" << "" << "neither a host name nor an IPv4";
        QTest::newRow("ipv4 out of range") << "300.1.1.1" << "" << "neither a host name nor an IPv4";
    }
    void allowEntries() {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        QFETCH(QString, errorPart);
        const Result<AllowEntry> e = AllowEntry::parse(text);
        if (canonical.isEmpty()) {
            QVERIFY(!e.ok());
            QVERIFY2(e.error().message.contains(errorPart), qPrintable(e.error().message));
            QVERIFY(e.error().message.contains(text.trimmed()));
        } else {
            QVERIFY2(e.ok(), e.ok() ? "" : qPrintable(e.error().message));
            QCOMPARE(e->toString(), canonical);
            QCOMPARE(AllowEntry::parse(e->toString())->toString(), canonical);
        }
    }

    void allowMatching() {
        const AllowEntry host = allow("api.example.com");
        QVERIFY(host.matches("api.example.com", 443));
        QVERIFY(host.matches("API.EXAMPLE.COM.", 80));
        QVERIFY(!host.matches("api.example.com", 8080)); // no port: 80 and 443 only
        QVERIFY(!host.matches("example.com", 443));
        QVERIFY(!host.matches("evilapi.example.com", 443));
        const AllowEntry wild = allow("*.example.com");
        QVERIFY(wild.matches("a.example.com", 443));
        QVERIFY(wild.matches("a.b.example.com", 80));
        QVERIFY(!wild.matches("example.com", 443)); // the suffix itself is not included
        QVERIFY(!wild.matches("badexample.com", 443));
        QVERIFY(!wild.matches("example.com.evil.org", 443));
        const AllowEntry withPort = allow("example.com:8443");
        QVERIFY(withPort.matches("example.com", 8443));
        QVERIFY(!withPort.matches("example.com", 443));
        const AllowEntry v6 = allow("[::1]:8080");
        QVERIFY(v6.matches("::1", 8080));
        QVERIFY(v6.matches("[0:0::1]", 8080));
        QVERIFY(v6.namesAddress(QHostAddress("::1")));
        QVERIFY(allow("127.0.0.1").namesAddress(QHostAddress("::ffff:127.0.0.1")));
        QVERIFY(!allow("localhost").namesAddress(QHostAddress("127.0.0.1")));

        EgressPolicy p = proxyPolicy({"a.example.com", "*.b.org:8443"});
        QVERIFY(p.allowed("a.example.com", 443));
        QVERIFY(p.allowed("x.b.org", 8443));
        QVERIFY(!p.allowed("x.b.org", 443));
    }

    void modesAndRoutes() {
        QCOMPARE(*parseEgressMode("proxy"), EgressMode::Proxy);
        QCOMPARE(*parseEgressMode(" OPEN "), EgressMode::Open);
        QCOMPARE(egressModeName(EgressMode::None), QString("none"));
        QVERIFY(parseEgressMode("nat").error().message.contains("none, proxy or open"));

        QVERIFY(EgressRoute::isValidRouteName("openai"));
        QVERIFY(EgressRoute::isValidRouteName("a1_b"));
        QVERIFY(EgressRoute::isValidRouteName("a" + QString(31, 'b')));
        QVERIFY(!EgressRoute::isValidRouteName("a" + QString(32, 'b')));
        for (const char* bad : {"", "1a", "_a", "OpenAI", "a-b", "a b", "a/b"})
            QVERIFY2(!EgressRoute::isValidRouteName(bad), bad);
        QCOMPARE(EgressRoute::baseUrlEnvName("openai"), QString("OPENAI_BASE_URL"));
        QCOMPARE(EgressRoute::baseUrlEnvName("my_api2"), QString("MY_API2_BASE_URL"));
        QCOMPARE(routeBaseUrl(3128, "openai"), QString("http://127.0.0.1:3128/routes/openai"));

        EgressRoute r = apiRoute("https://api.example.com");
        QVERIFY(r.validate().ok());
        r.upstream = QUrl("ftp://x");
        QVERIFY(r.validate().error().message.contains("http:// or https://"));
        r.upstream = QUrl("https://user:pw@x.org");
        QVERIFY(r.validate().error().message.contains("user info"));
        r = apiRoute("https://api.example.com");
        r.headers << std::pair<QByteArray, QByteArray>{"Host", "x"};
        QVERIFY(r.validate().error().message.contains("Host"));
        r = apiRoute("https://api.example.com");
        r.headers << std::pair<QByteArray, QByteArray>{"X-A", "a\r\nX-B: b"};
        QVERIFY(r.validate().error().message.contains("line break"));

        EgressPolicy p;
        p.routes << apiRoute("https://api.example.com");
        QVERIFY(p.route("api"));
        QVERIFY(!p.route("API"));
        const QList<QByteArray> secrets = p.secretValues();
        QVERIFY(secrets.contains(kSecret));
        QVERIFY(secrets.contains("Bearer " + kSecret));
        QVERIFY(secrets.contains(kPlaceholderValue));
    }

    void forbiddenAddresses() {
        const QList<QHostAddress> own{QHostAddress("192.0.2.7")};
        QVERIFY(forbiddenAddressReason(QHostAddress("127.0.0.1"), own).contains("loopback"));
        QVERIFY(forbiddenAddressReason(QHostAddress("127.5.6.7"), own).contains("loopback"));
        QVERIFY(forbiddenAddressReason(QHostAddress("::1"), own).contains("loopback"));
        QVERIFY(forbiddenAddressReason(QHostAddress("::ffff:127.0.0.1"), own).contains("loopback"));
        QVERIFY(forbiddenAddressReason(QHostAddress("169.254.169.254"), own).contains("link-local"));
        QVERIFY(forbiddenAddressReason(QHostAddress("fe80::1"), own).contains("link-local"));
        QVERIFY(forbiddenAddressReason(QHostAddress("::ffff:169.254.1.1"), own).contains("link-local"));
        QVERIFY(forbiddenAddressReason(QHostAddress("0.0.0.0"), own).contains("unspecified"));
        QVERIFY(forbiddenAddressReason(QHostAddress("::"), own).contains("unspecified"));
        QVERIFY(forbiddenAddressReason(QHostAddress("224.0.0.1"), own).contains("multicast"));
        QVERIFY(forbiddenAddressReason(QHostAddress("192.0.2.7"), own).contains("own addresses"));
        QVERIFY(forbiddenAddressReason(QHostAddress("::ffff:192.0.2.7"), own).contains("own addresses"));
        QVERIFY(forbiddenAddressReason(QHostAddress("93.184.216.34"), own).isEmpty());
        QVERIFY(forbiddenAddressReason(QHostAddress("10.1.2.3"), own).isEmpty());
        QVERIFY(forbiddenAddressReason(QHostAddress("2001:db8::5"), own).isEmpty());
    }

    void redactor() {
        Redactor r({"secret-one", "sec"});
        QCOMPARE(r.redact("a secret-one b sec c"), QByteArray("a ********** b *** c"));
        // Streaming: an occurrence split across pieces is still caught, the length is kept.
        const QByteArray text = "head secret-one middle secret-one tail secre";
        for (int piece : {1, 2, 3, 7, 100}) {
            Redactor s({"secret-one"});
            QByteArray out;
            for (qsizetype i = 0; i < text.size(); i += piece)
                out += s.feed(QByteArrayView(text).sliced(i, std::min<qsizetype>(piece, text.size() - i)));
            out += s.finish();
            QCOMPARE(out, QByteArray("head ********** middle ********** tail secre"));
        }
        Redactor none;
        QVERIFY(none.isEmpty());
        QCOMPARE(none.feed("abc"), QByteArray("abc"));
    }

    void networkLog() {
        const QString path = m_dir.filePath("net/log.jsonl");
        NetworkLog log(path, 2048);
        NetworkLogEntry e;
        e.time = QDateTime::fromString("2024-06-01T10:00:00.123Z", Qt::ISODateWithMs);
        e.kind = "route";
        e.method = "POST";
        e.host = "api.openai.com";
        e.port = 443;
        e.path = "/v1/chat";
        e.status = 200;
        e.bytesUp = 10;
        e.bytesDown = 20;
        e.route = "openai";
        e.durationMs = 5;
        QCOMPARE(NetworkLogEntry::fromJson(e.toJson()), e);
        for (int i = 0; i < 40; ++i) {
            e.time = e.time.addSecs(1);
            e.status = 200 + i;
            QVERIFY(log.append(e));
        }
        QVERIFY(QFile::exists(path + ".1")); // rotated at the cap
        QVERIFY(QFileInfo(path).size() < 2048 && QFileInfo(path + ".1").size() < 2048 + 400);
        const QList<NetworkLogEntry> last = log.entries(5);
        QCOMPARE(last.size(), 5);
        QCOMPARE(last.back().status, 239);
        QCOMPARE(last.front().status, 235);
        const QList<NetworkLogEntry> older = log.entries(3, last.front().time);
        QCOMPARE(older.size(), 3);
        QCOMPARE(older.back().status, 234);
        // A corrupt line is skipped, the rest still reads.
        QFile f(path);
        QVERIFY(f.open(QIODevice::Append));
        f.write("{not json\n");
        f.close();
        NetworkLog again(path, 2048);
        e.status = 999;
        QVERIFY(again.append(e));
        QCOMPARE(again.entries(1).back().status, 999);
    }

    // ---- the proxy with real sockets -----------------------------------------------------

    void allowlistedGet() {
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        Client c(port());
        const auto reply = c.request(get(m_up->base() + "/hello?token=abc",
                                         "Proxy-Authorization: Basic eA==\r\nProxy-Connection: keep-alive\r\n"));
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->body, QByteArray("ok /hello?token=abc"));
        QCOMPARE(m_up->received.size(), 1);
        const Received& r = m_up->received[0];
        QCOMPARE(r.target, QByteArray("/hello?token=abc")); // origin-form upstream
        QCOMPARE(r.values("host"), QList<QByteArray>{m_up->hostPort().toUtf8()});
        QVERIFY(r.values("proxy-authorization").isEmpty());
        QVERIFY(r.values("proxy-connection").isEmpty());
        QTRY_COMPARE(m_logs.size(), 1);
        QCOMPARE(m_logs[0].kind, QString("http"));
        QCOMPARE(m_logs[0].method, QString("GET"));
        QCOMPARE(m_logs[0].host, QString("127.0.0.1"));
        QCOMPARE(m_logs[0].port, int(m_up->serverPort()));
        QCOMPARE(m_logs[0].path, QString("/hello")); // no query
        QCOMPARE(m_logs[0].status, 200);
        QCOMPARE(m_logs[0].bytesDown, reply->body.size());
        QVERIFY(m_logs[0].error.isEmpty());
    }

    void keepAliveSeveralRequests() {
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        Client c(port());
        for (int i = 0; i < 5; ++i) {
            const auto reply = c.request(get(m_up->base() + "/n" + QString::number(i)));
            QVERIFY(reply);
            QCOMPARE(reply->status, 200);
            QCOMPARE(reply->body, "ok /n" + QByteArray::number(i));
        }
        // Two requests written at once (pipelined) are answered in order.
        c.send(get(m_up->base() + "/p1") + get(m_up->base() + "/big?n=300000"));
        const auto p1 = c.read();
        QVERIFY(p1);
        QCOMPARE(p1->body, QByteArray("ok /p1"));
        const auto p2 = c.read();
        QVERIFY(p2);
        QCOMPARE(p2->body.size(), 300000);
        QCOMPARE(m_up->received.size(), 7);
        for (const Received& r : m_up->received) // one upstream connection carried them all
            QCOMPARE(r.connection, m_up->received[0].connection);
        QCOMPARE(c.socket()->state(), QAbstractSocket::ConnectedState);
        QTRY_COMPARE(m_logs.size(), 7);
    }

    void connectTlsThroughTheProxy() {
        m_proxy->setPolicy(proxyPolicy({m_tls->hostPort()}));
        auto* ssl = new QSslSocket;
        Client c(port(), ssl);
        c.send("CONNECT " + m_tls->hostPort().toUtf8() + " HTTP/1.1\r\nHost: " +
               m_tls->hostPort().toUtf8() + "\r\n\r\n");
        const auto established = c.read(15000, true); // a CONNECT answer has no body
        QVERIFY(established);
        QCOMPARE(established->status, 200);
        QSslConfiguration conf = ssl->sslConfiguration();
        conf.addCaCertificate(m_cert);
        ssl->setSslConfiguration(conf);
        ssl->setPeerVerifyName("127.0.0.1");
        ssl->startClientEncryption();
        QVERIFY(QTest::qWaitFor([&] { return ssl->isEncrypted(); }, 15000));
        ssl->write("GET /through-tunnel HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        QByteArray answer;
        QVERIFY(QTest::qWaitFor(
            [&] {
                answer += ssl->readAll();
                return answer.contains("ok /through-tunnel");
            },
            15000));
        QCOMPARE(m_tls->received.size(), 1);
        ssl->disconnectFromHost();
        QTRY_COMPARE(m_logs.size(), 1);
        QCOMPARE(m_logs[0].kind, QString("connect"));
        QCOMPARE(m_logs[0].status, 200);
        QVERIFY(m_logs[0].bytesUp > 100 && m_logs[0].bytesDown > 100);
    }

    void curlThroughTheProxy() {
        const QString curl = QStandardPaths::findExecutable("curl");
        if (curl.isEmpty())
            QFAIL("curl is needed for this test (apt-get install curl)");
        m_proxy->setPolicy(proxyPolicy({m_tls->hostPort(), m_up->hostPort()}));
        const auto run = [&](const QStringList& args, QByteArray* out) {
            QProcess p;
            QSignalSpy finished(&p, &QProcess::finished);
            p.start(curl, args);
            const bool done = finished.wait(30000);
            *out = p.readAllStandardOutput();
            return done && p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        };
        const QString proxyUrl = QString("http://127.0.0.1:%1").arg(port());
        QByteArray out;
        QCOMPARE(run({"-sS", "--proxy", proxyUrl, "--cacert", m_dir.filePath("cert.pem"),
                      m_tls->base() + "/via-curl"},
                     &out),
                 0);
        QCOMPARE(out, QByteArray("ok /via-curl"));
        QCOMPARE(run({"-sS", "--proxy", proxyUrl, m_up->base() + "/plain-curl"}, &out), 0);
        QCOMPARE(out, QByteArray("ok /plain-curl"));
        // Off the allowlist: curl sees the 403 and its reason.
        QCOMPARE(run({"-sS", "--proxy", proxyUrl, "http://example.org/"}, &out), 0);
        QVERIFY2(out.contains("example.org is not on this sandbox's allowlist (template web)"), out.constData());
    }

    void refusedHostsSayWhy() {
        m_proxy->setPolicy(proxyPolicy({"api.example.com"}));
        {
            Client c(port());
            const auto reply = c.request(get("http://example.org/"));
            QVERIFY(reply);
            QCOMPARE(reply->status, 403);
            QCOMPARE(reply->body, QByteArray("vivarium: example.org is not on this sandbox's allowlist "
                                             "(template web); add it with viv template edit web "
                                             "--allow example.org\n"));
            QVERIFY(c.waitClosed());
        }
        {
            Client c(port());
            c.send("CONNECT example.org:8443 HTTP/1.1\r\nHost: example.org:8443\r\n\r\n");
            const auto reply = c.read();
            QVERIFY(reply);
            QCOMPARE(reply->status, 403);
            QVERIFY(reply->body.contains("--allow example.org:8443"));
        }
        {
            Client c(port()); // allowed host, wrong port
            const auto reply = c.request(get("http://api.example.com:8080/"));
            QCOMPARE(reply->status, 403);
        }
        EgressPolicy none = proxyPolicy({});
        none.mode = EgressMode::None;
        m_proxy->setPolicy(none);
        {
            Client c(port());
            const auto reply = c.request(get("http://example.org/"));
            QCOMPARE(reply->status, 403);
            QVERIFY(reply->body.contains("egress mode 'none' lets only its routes through"));
        }
        QTRY_COMPARE(m_logs.size(), 4);
        for (const NetworkLogEntry& e : m_logs) {
            QCOMPARE(e.status, 403);
            QVERIFY(!e.error.isEmpty());
        }
    }

    void loopbackAndLinkLocalRefused() {
        // "localhost" is on the allowlist by name, but it resolves to loopback.
        const QString localhostPort = QString("localhost:%1").arg(m_up->serverPort());
        m_proxy->setPolicy(proxyPolicy({localhostPort}));
        {
            Client c(port());
            const auto reply = c.request(get("http://" + localhostPort + "/"));
            QVERIFY(reply);
            QCOMPARE(reply->status, 403);
            QVERIFY2(reply->body.contains("localhost resolves to") && reply->body.contains("a loopback address"),
                     reply->body.constData());
            QVERIFY(reply->body.contains("only when the allowlist names it"));
        }
        {
            Client c(port());
            c.send("CONNECT " + localhostPort.toUtf8() + " HTTP/1.1\r\nHost: x\r\n\r\n");
            const auto reply = c.read();
            QCOMPARE(reply->status, 403);
            QVERIFY(reply->body.contains("loopback"));
        }
        // Mode open has no allowlist, and still keeps the host's own addresses out.
        EgressPolicy open = proxyPolicy({});
        open.mode = EgressMode::Open;
        m_proxy->setPolicy(open);
        const auto refusedBecause = [&](const QByteArray& request, const QByteArray& why) {
            Client c(port());
            c.send(request);
            const auto reply = c.read();
            if (!reply || reply->status != 403 || !reply->body.contains(why)) {
                qWarning() << request << (reply ? reply->raw : QByteArray("no reply"));
                return false;
            }
            return true;
        };
        QVERIFY(refusedBecause(get(m_up->base() + "/"), "127.0.0.1 is a loopback address"));
        QVERIFY(refusedBecause(get("http://127.1:" + QString::number(m_up->serverPort()) + "/"), "loopback"));
        QVERIFY(refusedBecause(get("http://[::1]:" + QString::number(m_up->serverPort()) + "/"), "loopback"));
        QVERIFY(refusedBecause(get("http://" + localhostPort + "/"), "loopback"));
        QVERIFY(refusedBecause(get("http://169.254.169.254/latest/meta-data/"), "link-local"));
        QVERIFY(refusedBecause("CONNECT [fe80::1]:443 HTTP/1.1\r\nHost: x\r\n\r\n", "link-local"));
        QVERIFY(refusedBecause(get("http://0.0.0.0:" + QString::number(m_up->serverPort()) + "/"), "unspecified"));
        for (const QHostAddress& a : QNetworkInterface::allAddresses()) {
            if (a.isLoopback() || a.isLinkLocal() || a.protocol() != QAbstractSocket::IPv4Protocol)
                continue;
            QVERIFY(refusedBecause(get("http://" + a.toString() + ":80/"), "own addresses"));
            break;
        }
        QCOMPARE(m_up->received.size(), 0); // nothing got through
    }

    void routeInjectsTheHeader() {
        EgressPolicy p = proxyPolicy({});
        p.mode = EgressMode::None; // routes work in mode none
        p.routes << apiRoute(m_up->base());
        m_proxy->setPolicy(p);
        Client c(port());
        // No key from the guest: the host adds it.
        auto reply = c.request(routeGet("/routes/api/echo?x=1"));
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(m_up->received.size(), 1);
        QCOMPARE(m_up->received[0].target, QByteArray("/v1/echo?x=1"));
        QCOMPARE(m_up->received[0].values("authorization"), QList<QByteArray>{"Bearer " + kSecret});
        QCOMPARE(m_up->received[0].values("host"), QList<QByteArray>{m_up->hostPort().toUtf8()});
        // Guest headers of the same name, any case, cannot replace, duplicate or remove it.
        reply = c.request(routeGet("/routes/api/echo",
                                   "authorization: Bearer guest-key\r\nAUTHORIZATION: other\r\n"));
        QCOMPARE(reply->status, 200);
        QCOMPARE(m_up->received[1].values("authorization"), QList<QByteArray>{"Bearer " + kSecret});
        QVERIFY(!m_up->allBytes.contains("guest-key"));
        // Naming it as hop-by-hop does not remove it either.
        reply = c.request(routeGet("/routes/api/echo", "Connection: keep-alive, Authorization\r\n"));
        QCOMPARE(reply->status, 200);
        QCOMPARE(m_up->received[2].values("authorization"), QList<QByteArray>{"Bearer " + kSecret});
        // A placeholder in a header value becomes the real value, for this route.
        reply = c.request(routeGet("/routes/api/echo", "X-Api-Key: " + kPlaceholder + "\r\n"));
        QCOMPARE(m_up->received[3].values("x-api-key"), QList<QByteArray>{kPlaceholderValue});
        // The path: /routes/api (no slash) is the upstream's base path; unknown routes and dot
        // segments are refused.
        reply = c.request(routeGet("/routes/api"));
        QCOMPARE(m_up->received[4].target, QByteArray("/v1"));
        {
            Client d(port());
            reply = d.request(routeGet("/routes/nope/x"));
            QCOMPARE(reply->status, 403);
            QVERIFY(reply->body.contains("no route named 'nope'") && reply->body.contains("it has api"));
        }
        {
            Client d(port());
            reply = d.request(routeGet("/routes/api/../../admin"));
            QCOMPARE(reply->status, 400);
            Client e(port());
            reply = e.request(routeGet("/routes/api/%2e%2E/admin"));
            QCOMPARE(reply->status, 400);
        }
        QCOMPARE(m_up->received.size(), 5);
        QTRY_COMPARE(m_logs.size(), 8);
        QCOMPARE(m_logs[0].kind, QString("route"));
        QCOMPARE(m_logs[0].route, QString("api"));
        QCOMPARE(m_logs[0].path, QString("/routes/api/echo"));
        // No secret in any log entry.
        for (const NetworkLogEntry& e : m_logs) {
            const QByteArray json = QJsonDocument(e.toJson()).toJson();
            QVERIFY(!json.contains(kSecret) && !json.contains(kPlaceholderValue));
        }
    }

    void responsesNeverCarryTheSecret() {
        EgressPolicy p = proxyPolicy({m_up->hostPort()});
        p.routes << apiRoute(m_up->base());
        m_proxy->setPolicy(p);
        Client c(port());
        // The upstream echoes the request head in its body and the key in a header.
        auto reply = c.request(routeGet("/routes/api/echo", "X-Api-Key: " + kPlaceholder + "\r\n"));
        QVERIFY(reply);
        QVERIFY(m_up->received[0].rawHead.contains(kSecret)); // it did get the key
        QVERIFY(!reply->raw.contains(kSecret));
        QVERIFY(!reply->raw.contains(kPlaceholderValue));
        QVERIFY(reply->body.contains("Authorization: *****"));
        QCOMPARE(reply->body.size(), m_up->received[0].rawHead.size()); // same length
        QVERIFY(reply->header("x-echo-authorization").startsWith("*****"));
        // The same echo split into one-byte chunks.
        reply = c.request(routeGet("/routes/api/echo-chunked"));
        QCOMPARE(reply->status, 200);
        QVERIFY(reply->body.contains("Authorization: ****"));
        QVERIFY(!reply->raw.contains(kSecret));
        QCOMPARE(reply->body.size(), m_up->received[1].rawHead.size());
    }

    void placeholderOnlyForItsRoute() {
        EgressPolicy p = proxyPolicy({m_other->hostPort()});
        p.routes << apiRoute(m_up->base());
        m_proxy->setPolicy(p);
        Client c(port());
        const auto reply = c.request(get(m_other->base() + "/plain", "X-Api-Key: " + kPlaceholder + "\r\n"));
        QCOMPARE(reply->status, 200);
        QCOMPARE(m_other->received[0].values("x-api-key"), QList<QByteArray>{kPlaceholder});
        QVERIFY(m_other->received[0].values("authorization").isEmpty());
        QVERIFY(!m_other->allBytes.contains(kPlaceholderValue) && !m_other->allBytes.contains(kSecret));
    }

    void redirectsDoNotCarryTheSecret() {
        EgressPolicy p = proxyPolicy({m_other->hostPort()});
        p.routes << apiRoute(m_up->base());
        m_proxy->setPolicy(p);
        const QString landing = m_other->base() + "/landing";
        Client c(port());
        // To another origin: the Location passes untouched, the guest follows it without the key.
        auto reply = c.request(routeGet("/routes/api/redirect-out?to=" + QUrl::toPercentEncoding(landing)));
        QCOMPARE(reply->status, 302);
        QCOMPARE(reply->header("location"), landing.toUtf8());
        reply = c.request(get(landing));
        QCOMPARE(reply->status, 200);
        QCOMPARE(m_other->received.size(), 1);
        QVERIFY(m_other->received[0].values("authorization").isEmpty());
        QVERIFY(!m_other->allBytes.contains(kSecret));
        // Into the upstream: rewritten to the route's base URL as the guest sees it.
        reply = c.request(routeGet("/routes/api/redirect-in"));
        QCOMPARE(reply->header("location"), QByteArray("http://127.0.0.1:3128/routes/api/landing?from=in"));
        reply = c.request(routeGet("/routes/api/redirect-rel"));
        QCOMPARE(reply->header("location"), QByteArray("http://127.0.0.1:3128/routes/api/rel"));

        // curl in a guest that ignores NO_PROXY: the route call arrives in absolute form, and
        // -L follows the redirect through the proxy to the other host.
        const QString curl = QStandardPaths::findExecutable("curl");
        if (curl.isEmpty())
            QFAIL("curl is needed for this test");
        m_other->reset();
        QProcess proc;
        QSignalSpy finished(&proc, &QProcess::finished);
        proc.start(curl, {"-sS", "-L", "--proxy", QString("http://127.0.0.1:%1").arg(port()),
                          "http://127.0.0.1:3128/routes/api/redirect-out?to=" +
                              QString::fromLatin1(QUrl::toPercentEncoding(landing))});
        QVERIFY(finished.wait(30000));
        QCOMPARE(proc.readAllStandardOutput(), QByteArray("ok /landing"));
        QCOMPARE(m_other->received.size(), 1);
        QVERIFY(!m_other->allBytes.contains(kSecret));
        QVERIFY(m_up->received.last().values("authorization") == QList<QByteArray>{"Bearer " + kSecret});
    }

    void httpsRoute() {
        EgressPolicy p;
        p.routes << apiRoute(m_tls->base());
        m_proxy->setPolicy(p);
        {
            Client c(port()); // the self-signed upstream is not trusted yet
            const auto reply = c.request(routeGet("/routes/api/x"));
            QVERIFY(reply);
            QCOMPARE(reply->status, 502);
            QVERIFY2(reply->body.contains("could not reach route api's upstream"), reply->body.constData());
        }
        m_proxy->setExtraCaCertificates({m_cert});
        Client c(port());
        const auto reply = c.request(routeGet("/routes/api/secure"));
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->body, QByteArray("ok /v1/secure"));
        QCOMPARE(m_tls->received.last().values("authorization"), QList<QByteArray>{"Bearer " + kSecret});
    }

    void upgradeThroughARoute() {
        EgressPolicy p;
        p.routes << apiRoute(m_up->base());
        m_proxy->setPolicy(p);
        Client c(port());
        c.send(routeGet("/routes/api/ws", "Connection: Upgrade\r\nUpgrade: websocket\r\n"));
        const auto reply = c.read(15000, true);
        QVERIFY(reply);
        QCOMPARE(reply->status, 101);
        QCOMPARE(m_up->received[0].values("authorization"), QList<QByteArray>{"Bearer " + kSecret});
        QCOMPARE(m_up->received[0].values("upgrade"), QList<QByteArray>{"websocket"});
        c.send("frames both ways");
        QVERIFY(QTest::qWaitFor([&] { return c.buffered().endsWith("frames both ways"); }, 10000));
    }

    void smugglingAndMalformedRequests_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("why");
        QTest::newRow("CL+TE") << QByteArray("POST {URL} HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX")
                               << 400 << QByteArray("both Content-Length and Transfer-Encoding");
        QTest::newRow("two lengths") << QByteArray("POST {URL} HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
                                     << 400 << QByteArray("different Content-Length");
        QTest::newRow("TE gzip") << QByteArray("POST {URL} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
                                 << 501 << QByteArray("only 'Transfer-Encoding: chunked'");
        QTest::newRow("obs-fold") << QByteArray("GET {URL} HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n")
                                  << 400 << QByteArray("folding");
        QTest::newRow("bare LF") << QByteArray("GET {URL} HTTP/1.1\nHost: h\n\n") << 400 << QByteArray("bare LF");
        QTest::newRow("huge header") << QByteArray("GET {URL} HTTP/1.1\r\nHost: h\r\nX: " + QByteArray(70000, 'a') + "\r\n\r\n")
                                     << 431 << QByteArray("larger than 65536");
        QTest::newRow("many headers") << [] {
            QByteArray r = "GET {URL} HTTP/1.1\r\nHost: h\r\n";
            for (int i = 0; i < 101; ++i)
                r += "X-" + QByteArray::number(i) + ": 1\r\n";
            return r + "\r\n";
        }() << 431 << QByteArray("more than 100");
        QTest::newRow("long line") << QByteArray("GET {URL}" + QByteArray(9000, 'a') + " HTTP/1.1\r\n\r\n")
                                   << 414 << QByteArray("longer than 8192");
        QTest::newRow("bad chunk size") << QByteArray("POST {URL} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
                                        << 400 << QByteArray("chunk size is not a hexadecimal");
        QTest::newRow("chunk too long") << QByteArray("POST {URL} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n")
                                        << 400 << QByteArray("longer than its size");
        QTest::newRow("garbage") << QByteArray("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11) << 400 << QByteArray("is this HTTP?");
        QTest::newRow("https as plain") << QByteArray("GET https://example.org/ HTTP/1.1\r\nHost: example.org\r\n\r\n")
                                        << 400 << QByteArray("through CONNECT");
        QTest::newRow("no host") << QByteArray("GET {URL} HTTP/1.1\r\n\r\n") << 400 << QByteArray("exactly one Host");
        QTest::newRow("not a proxy request") << QByteArray("GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n")
                                             << 400 << QByteArray("neither a proxy request");
    }
    void smugglingAndMalformedRequests() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QByteArray, why);
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        request.replace("{URL}", m_up->base().toUtf8() + "/target");
        Client c(port());
        const auto reply = c.request(request);
        QVERIFY(reply);
        QCOMPARE(reply->status, status);
        QVERIFY2(reply->body.startsWith("vivarium: ") && reply->body.contains(why), reply->body.constData());
        QVERIFY(c.waitClosed());
        // Nothing reached the upstream beyond (for chunked bodies) the head and what was valid.
        for (const Received& r : m_up->received)
            QVERIFY(r.body.isEmpty());
        if (status != 400 || !why.contains("chunk"))
            QCOMPARE(m_up->received.size(), 0);
    }

    void slowClientDoesNotDisturbOthers() {
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        m_proxy->setTimeouts({500, 5000, 60000});
        Client slow(port());
        QElapsedTimer clock;
        clock.start();
        slow.send("GET " + m_up->base().toUtf8() + "/slow HTTP/1.1\r\nHo");
        // Meanwhile another connection works normally, several times.
        Client other(port());
        for (int i = 0; i < 3; ++i) {
            const auto reply = other.request(get(m_up->base() + "/fast"));
            QVERIFY(reply);
            QCOMPARE(reply->status, 200);
        }
        const auto timedOut = slow.read(10000);
        QVERIFY(timedOut);
        QCOMPARE(timedOut->status, 408);
        QVERIFY(timedOut->body.contains("did not arrive within 0.5 s"));
        QVERIFY(clock.elapsed() >= 450);
        QVERIFY(slow.waitClosed());
        QCOMPARE(other.socket()->state(), QAbstractSocket::ConnectedState);
        QCOMPARE(other.request(get(m_up->base() + "/after"))->status, 200);
        // A connection that never sends anything is closed too.
        Client silent(port());
        QVERIFY(silent.socket()->waitForConnected(5000));
        const auto silentReply = silent.read(10000);
        QVERIFY(silentReply);
        QCOMPARE(silentReply->status, 408);
    }

    void bigBodiesStreamBothWays() {
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        QByteArray body(10 * 1024 * 1024, Qt::Uninitialized);
        QRandomGenerator rng(7);
        for (qsizetype i = 0; i < body.size(); i += 4)
            *reinterpret_cast<quint32*>(body.data() + i) = rng.generate();
        const QByteArray md5 = QCryptographicHash::hash(body, QCryptographicHash::Md5);
        Client c(port());
        // Content-Length up, the same 10 MB down.
        auto reply = c.request("POST " + m_up->base().toUtf8() + "/echo-body HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                                   QByteArray::number(body.size()) + "\r\n\r\n" + body,
                               120000);
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(m_up->received[0].body.size(), body.size());
        QCOMPARE(QCryptographicHash::hash(reply->body, QCryptographicHash::Md5), md5);
        // Chunked up (uneven chunks), on the same connection.
        QByteArray chunked = "POST " + m_up->base().toUtf8() + "/echo-body HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (qsizetype at = 0; at < body.size();) {
            const qsizetype n = std::min<qsizetype>(body.size() - at, 1000 + (at % 70000));
            chunked += QByteArray::number(n, 16) + "\r\n" + body.mid(at, n) + "\r\n";
            at += n;
        }
        chunked += "0\r\n\r\n";
        reply = c.request(chunked, 120000);
        QVERIFY(reply);
        QCOMPARE(QCryptographicHash::hash(m_up->received[1].body, QCryptographicHash::Md5), md5);
        QCOMPARE(QCryptographicHash::hash(reply->body, QCryptographicHash::Md5), md5);
        QTRY_COMPARE(m_logs.size(), 2);
        QCOMPARE(m_logs[1].bytesUp, body.size());
        QCOMPARE(m_logs[1].bytesDown, body.size());
    }

    // A guest that stops reading stops the proxy reading from the upstream: most of a 64 MiB
    // response stays with the upstream (kernel socket buffers on both hops hold some MiB;
    // the proxy itself at most 1 MiB + 256 KiB), and all of it arrives once the guest reads.
    void backpressureFromASlowGuest() {
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        constexpr int kSize = 64 * 1024 * 1024;
        Client c(port());
        c.socket()->setReadBufferSize(64 * 1024); // and then read nothing
        c.send(get(m_up->base() + "/big?n=" + QString::number(kSize)));
        QVERIFY(QTest::qWaitFor([&] { return m_up->lastSocket && m_up->received.size() == 1; }, 10000));
        QSignalSpy progress(m_up.get(), &Upstream::wrote);
        while (progress.wait(500)) // until the upstream has not been able to write for 0.5 s
            progress.clear();
        const qint64 stuck = m_up->lastSocket ? m_up->lastSocket->bytesToWrite() : 0;
        QVERIFY2(stuck > 20 * 1024 * 1024, QByteArray::number(stuck).constData());
        c.socket()->setReadBufferSize(0);
        const auto reply = c.read(60000);
        QVERIFY(reply);
        QCOMPARE(reply->body.size(), kSize);
        QCOMPARE(reply->body.mid(997 * 5, 1), QByteArray("f"));
    }

    void untilCloseResponse() {
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        Client c(port());
        c.send(get(m_up->base() + "/until-close"));
        QVERIFY(c.waitClosed());
        const QByteArray all = c.buffered();
        QVERIFY(all.startsWith("HTTP/1.1 200"));
        QVERIFY(all.contains("Connection: close"));
        QVERIFY(all.endsWith("all of it until the end"));
    }

    void upstreamThatIsDown() {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const quint16 deadPort = closed.serverPort();
        closed.close();
        m_proxy->setPolicy(proxyPolicy({QString("127.0.0.1:%1").arg(deadPort)}));
        Client c(port());
        const auto reply = c.request(get(QString("http://127.0.0.1:%1/").arg(deadPort)));
        QVERIFY(reply);
        QCOMPARE(reply->status, 502);
        QVERIFY(reply->body.contains("could not connect to 127.0.0.1"));
    }

    // Upstreams that misbehave: one that never answers (idle timeout: 504), one that answers
    // garbage, one that frames its response two ways (502 each); the guest learns why.
    void brokenUpstreams() {
        QTcpServer raw;
        QVERIFY(raw.listen(QHostAddress::LocalHost, 0));
        QByteArray answer; // what the raw server says to any request; empty: nothing
        QList<QTcpSocket*> accepted;
        connect(&raw, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket* s = raw.nextPendingConnection()) {
                accepted << s;
                connect(s, &QTcpSocket::readyRead, s, [s, &answer] {
                    s->readAll();
                    if (!answer.isEmpty())
                        s->write(answer);
                });
            }
        });
        const QString base = QString("http://127.0.0.1:%1").arg(raw.serverPort());
        m_proxy->setPolicy(proxyPolicy({QString("127.0.0.1:%1").arg(raw.serverPort())}));
        m_proxy->setTimeouts({30000, 5000, 500});
        const auto expect = [&](int status, const QByteArray& why) {
            Client c(port());
            const auto reply = c.request(get(base + "/x"));
            if (!reply || reply->status != status || !reply->body.contains(why)) {
                qWarning() << (reply ? reply->raw : QByteArray("no reply"));
                return false;
            }
            return true;
        };
        QVERIFY(expect(504, "did not answer within 0.5 s"));
        answer = "garbage\r\n\r\n";
        QVERIFY(expect(502, "the upstream's response is malformed"));
        answer = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n";
        QVERIFY(expect(502, "both Content-Length and Transfer-Encoding"));
        answer = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort";
        {
            Client c(port()); // closed in the middle of the body: the guest's connection is cut
            c.send(get(base + "/x"));
            QVERIFY(QTest::qWaitFor([&] { return !accepted.isEmpty() && c.buffered().endsWith("short"); }, 10000));
            accepted.last()->close();
            QVERIFY(c.waitClosed());
            QVERIFY(!c.read(100).has_value()); // never a complete response
        }
        qDeleteAll(accepted);
    }

    void proxyGoingAwayClosesGuests() {
        m_proxy->setPolicy(proxyPolicy({m_up->hostPort()}));
        Client c(port());
        QCOMPARE(c.request(get(m_up->base() + "/x"))->status, 200);
        QTRY_COMPARE(m_proxy->connectionCount(), 1);
        m_proxy.reset();
        QVERIFY(c.waitClosed());
    }
};

QTEST_GUILESS_MAIN(EgressProxyTest)
#include "EgressProxyTest.moc"
