#include "EgressConnection.h"

#include "EgressProxy.h"

#include <QAbstractSocket>
#include <QHostInfo>
#include <QIODevice>
#include <QLoggingCategory>
#include <QNetworkInterface>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcEgress)

namespace vivarium {

namespace {

constexpr qint64 kReadChunk = 64 * 1024;
constexpr qint64 kSocketReadBuffer = 256 * 1024;
constexpr qint64 kMaxDiscard = 1024 * 1024; // read and dropped while closing, then cut
constexpr int kQuietMs = 200;               // closing: the guest sent nothing for this long
constexpr int kMaxLingerMs = 2000;          // closing: drop its bytes at most this long

using http::equalsIgnoringCase;

bool containsToken(const QList<QByteArray>& tokens, QByteArrayView token) {
    for (const QByteArray& t : tokens)
        if (equalsIgnoringCase(t, token))
            return true;
    return false;
}

// Removes the fields that describe one hop (and those the Connection field names), plus
// Proxy-*; a request also loses Host and Content-Length (the proxy writes its own).
void stripHopByHop(http::Headers& headers, bool request) {
    const QList<QByteArray> listed = http::headerTokens(headers, "connection");
    static const QList<QByteArray> always{"connection", "keep-alive",        "te",
                                          "trailer",    "transfer-encoding", "upgrade"};
    headers.removeIf([&](const http::HeaderField& f) {
        const QByteArray name = f.name.toLower();
        if (always.contains(name) || name.startsWith("proxy-"))
            return true;
        if (request && (name == "host" || name == "content-length"))
            return true;
        return containsToken(listed, name);
    });
}

QString hostForUrl(const QString& host) {
    return host.contains(':') ? "[" + host + "]" : host;
}

// host[:port] with the default port left out.
QByteArray authorityText(const QString& host, int port, int defaultPort) {
    QByteArray a;
    if (QHostAddress address; address.setAddress(host))
        a = host.contains(':') ? "[" + host.toLatin1() + "]" : host.toLatin1();
    else
        a = QUrl::toAce(host);
    if (port != defaultPort)
        a += ":" + QByteArray::number(port);
    return a;
}

// "host:port", "[v6]:port" or (with a default port) "host".
bool parseAuthority(QByteArrayView text, int defaultPort, QString& host, quint16& port) {
    QByteArrayView h = text;
    QByteArrayView p;
    if (text.startsWith('[')) {
        const qsizetype close = text.indexOf(']');
        if (close < 0)
            return false;
        h = text.sliced(1, close - 1);
        const QByteArrayView rest = text.sliced(close + 1);
        if (!rest.isEmpty()) {
            if (rest.front() != ':')
                return false;
            p = rest.sliced(1);
        }
        QHostAddress address;
        if (!address.setAddress(QString::fromLatin1(h)) ||
            address.protocol() != QAbstractSocket::IPv6Protocol)
            return false;
        host = address.toString();
    } else {
        const qsizetype colon = text.lastIndexOf(':');
        if (colon >= 0) {
            h = text.first(colon);
            p = text.sliced(colon + 1);
        }
        if (h.isEmpty() || h.size() > 253)
            return false;
        for (char c : h)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_'))
                return false;
        host = QString::fromLatin1(h).toLower();
        if (host.endsWith('.'))
            host.chop(1);
    }
    if (p.isEmpty()) {
        if (defaultPort <= 0 || text.endsWith(':'))
            return false;
        port = quint16(defaultPort);
        return !host.isEmpty();
    }
    if (p.size() > 5)
        return false;
    int n = 0;
    for (char c : p) {
        if (c < '0' || c > '9')
            return false;
        n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 65535)
        return false;
    port = quint16(n);
    return !host.isEmpty();
}

bool isDotSegment(QByteArrayView segment) {
    const QByteArray s = segment.toByteArray().toLower().replace("%2e", ".");
    return s == "." || s == "..";
}

// A value that cannot end the field early or start another one.
bool isFieldValue(QByteArrayView value) {
    return !value.contains('\r') && !value.contains('\n') && !value.contains('\0');
}

QByteArrayView pathOf(QByteArrayView target) {
    const qsizetype q = target.indexOf('?');
    return q < 0 ? target : target.first(q);
}

} // namespace

EgressConnection::EgressConnection(EgressProxy* proxy, QIODevice* guest)
    : QObject(proxy), m_proxy(proxy), m_guest(guest) {
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &EgressConnection::onTimeout);
}

EgressConnection::~EgressConnection() {
    if (m_lookupId >= 0)
        QHostInfo::abortHostLookup(m_lookupId);
    if (m_guest && m_state != State::Closed) {
        disconnect(m_guest, nullptr, this, nullptr);
        if (m_guest->isOpen())
            m_guest->close();
    }
}

void EgressConnection::start() {
    QIODevice* g = m_guest;
    connect(g, &QIODevice::readyRead, this, &EgressConnection::onGuestReadable);
    // Queued: a device may emit these from inside write() or read(), and the pumps must not
    // run inside themselves.
    connect(g, &QIODevice::bytesWritten, this, &EgressConnection::onGuestWritten,
            Qt::QueuedConnection);
    connect(g, &QIODevice::readChannelFinished, this, &EgressConnection::onGuestEof,
            Qt::QueuedConnection);
    connect(g, &QIODevice::aboutToClose, this, &EgressConnection::onGuestGone);
    connect(g, &QObject::destroyed, this, &EgressConnection::onGuestGone);
    if (auto* socket = qobject_cast<QAbstractSocket*>(g))
        socket->setReadBufferSize(kSocketReadBuffer); // so that not reading is backpressure
    m_redactor = Redactor(m_proxy->m_secrets);
    arm(Timer::Head, m_proxy->timeouts().headMs);
    QMetaObject::invokeMethod(this, &EgressConnection::readHead, Qt::QueuedConnection);
}

// ---- guest side -------------------------------------------------------------------------

void EgressConnection::onGuestReadable() {
    switch (m_state) {
    case State::ReadingHead:
        readHead();
        break;
    case State::Exchanging:
        pumpRequestBody();
        break;
    case State::Tunnel:
        pumpTunnel();
        break;
    case State::Closing:
        while (m_guest) {
            const QByteArray dropped = m_guest->read(kReadChunk);
            if (dropped.isEmpty())
                break;
            m_discarded += dropped.size();
            if (m_discarded > kMaxDiscard) {
                closeNow();
                return;
            }
        }
        closeWhenFlushed();
        break;
    case State::Connecting:
    case State::Closed:
        break; // the bytes wait in the device
    }
}

void EgressConnection::onGuestWritten() {
    switch (m_state) {
    case State::Exchanging:
        pumpResponse();
        break;
    case State::Tunnel:
        pumpTunnel();
        break;
    case State::Closing:
        closeWhenFlushed();
        break;
    default:
        break;
    }
}

void EgressConnection::onGuestEof() {
    m_guestEof = true;
    switch (m_state) {
    case State::ReadingHead:
        readHead();
        if (m_state == State::ReadingHead)
            closeNow();
        break;
    case State::Exchanging:
        pumpRequestBody();
        break;
    case State::Tunnel:
        pumpTunnel();
        break;
    case State::Closing:
        closeWhenFlushed();
        break;
    case State::Connecting:
    case State::Closed:
        break;
    }
}

void EgressConnection::onGuestGone() {
    if (m_state == State::Closed)
        return;
    if (!m_logged && !m_log.time.isNull() && m_log.error.isEmpty() && !m_responseDone &&
        m_kind != Kind::Connect)
        m_log.error = "the guest closed the connection";
    if (!m_log.time.isNull())
        emitLog();
    if (m_guest)
        disconnect(m_guest, nullptr, this, nullptr);
    m_guest = nullptr;
    closeNow();
}

void EgressConnection::readHead() {
    if (m_state != State::ReadingHead || !m_guest)
        return;
    const http::Limits limits;
    while (true) {
        const qint64 room = limits.maxHead + 1 - m_in.size();
        const QByteArray more = room > 0 ? m_guest->read(std::min(room, kReadChunk)) : QByteArray();
        m_in += more;
        if (m_in.isEmpty())
            return;
        if (m_timerPurpose == Timer::Idle)
            arm(Timer::Head, m_proxy->timeouts().headMs);
        const auto parsed = http::parseRequestHead(m_in, limits, m_scanned);
        if (parsed.state == http::ParseState::Failed) {
            m_log.time = QDateTime::currentDateTimeUtc();
            m_log.kind = "http";
            m_clock.start();
            refuse(parsed.status, parsed.error);
            return;
        }
        if (parsed.state == http::ParseState::NeedMore) {
            m_scanned = parsed.scanned;
            if (more.isEmpty())
                return;
            continue;
        }
        m_request = parsed.head;
        m_in.remove(0, parsed.size);
        m_scanned = 0;
        handleRequest();
        return;
    }
}

void EgressConnection::handleRequest() {
    m_clock.start();
    m_log = {};
    m_log.time = QDateTime::currentDateTimeUtc();
    m_log.kind = "http";
    m_log.method = QString::fromLatin1(m_request.method);
    m_logged = false;

    const Result<http::Framing> framing = http::requestFraming(m_request);
    if (!framing) {
        refuse(http::statusOf(framing.error()), framing.error().message);
        return;
    }
    m_requestFraming = *framing;
    m_framed = true;
    m_requestRemaining = framing->length;
    m_requestChunks.reset();
    if (framing->kind == http::BodyKind::Chunked)
        m_requestChunks.emplace();
    const QList<QByteArray> connection = http::headerTokens(m_request.headers, "connection");
    m_closeAfter = m_request.minorVersion == 0 ? !containsToken(connection, "keep-alive")
                                               : containsToken(connection, "close");
    m_upgrade =
        containsToken(connection, "upgrade") && http::hasHeader(m_request.headers, "upgrade");

    const QByteArray& target = m_request.target;
    if (m_request.method == "CONNECT") {
        handleConnect();
    } else if (target.startsWith('/')) {
        if (target.startsWith("/routes/")) {
            const QByteArrayView after = QByteArrayView(target).sliced(8);
            qsizetype end = 0;
            while (end < after.size() && after[end] != '/' && after[end] != '?')
                ++end;
            handleRoute(QString::fromLatin1(after.first(end)), after.sliced(end));
        } else {
            const QStringList names = [&] {
                QStringList n;
                for (const EgressRoute& r : m_proxy->policy().routes)
                    n << r.name;
                return n;
            }();
            refuse(400, QString("%1 is neither a proxy request (an absolute http:// URL or "
                                "CONNECT) nor a route (/routes/NAME/…; this sandbox has %2)")
                            .arg(QString::fromLatin1(pathOf(target)),
                                 names.isEmpty() ? "no routes" : "routes " + names.join(", ")));
        }
    } else if (target.size() > 7 &&
               equalsIgnoringCase(QByteArrayView(target).first(7), "http://")) {
        handleAbsolute();
    } else if (target.size() > 8 &&
               equalsIgnoringCase(QByteArrayView(target).first(8), "https://")) {
        refuse(400, "send https requests through CONNECT (set HTTPS_PROXY), not as plain proxy "
                    "requests");
    } else {
        refuse(400, "the request target is not a URL this proxy serves");
    }
}

QString EgressConnection::checkAllowed(const QString& host, int port,
                                       const AllowEntry** entry) const {
    const EgressPolicy& policy = m_proxy->policy();
    const QString where = policy.templateName.isEmpty()
                              ? QString()
                              : QString(" (template %1)").arg(policy.templateName);
    const QString templ = policy.templateName.isEmpty() ? "TEMPLATE" : policy.templateName;
    const QString allowArg = port == 80 || port == 443
                                 ? hostForUrl(host)
                                 : hostForUrl(host) + ":" + QString::number(port);
    *entry = nullptr;
    switch (policy.mode) {
    case EgressMode::None:
        return QString(
                   "outbound access is off for this sandbox%1: its egress mode 'none' lets only "
                   "its routes through; to reach %2, use viv template edit %3 --egress proxy "
                   "--allow %4")
            .arg(where, allowArg, templ, allowArg);
    case EgressMode::Proxy:
        if (const AllowEntry* e = policy.allowed(host, port)) {
            *entry = e;
            return {};
        }
        return QString("%1 is not on this sandbox's allowlist%2; add it with viv template edit %3 "
                       "--allow %4")
            .arg(port == 80 || port == 443 ? host : allowArg, where, templ, allowArg);
    case EgressMode::Open:
        return {};
    }
    return "unknown egress mode";
}

void EgressConnection::handleConnect() {
    m_kind = Kind::Connect;
    m_log.kind = "connect";
    QString host;
    quint16 port = 0;
    if (!parseAuthority(m_request.target, 0, host, port)) {
        refuse(400, "CONNECT needs host:port");
        return;
    }
    m_host = host;
    m_port = port;
    m_log.host = host;
    m_log.port = port;
    if (m_requestFraming.kind != http::BodyKind::None) {
        refuse(400, "a CONNECT request cannot have a body");
        return;
    }
    const AllowEntry* entry = nullptr;
    const QString why = checkAllowed(host, port, &entry);
    if (!why.isEmpty()) {
        refuse(403, why);
        return;
    }
    dropUpstream();
    lookUp(host, port, entry);
}

void EgressConnection::handleAbsolute() {
    const QByteArrayView rest = QByteArrayView(m_request.target).sliced(7);
    qsizetype authEnd = 0;
    while (authEnd < rest.size() && rest[authEnd] != '/' && rest[authEnd] != '?')
        ++authEnd;
    const QByteArrayView authority = rest.first(authEnd);
    if (authority.contains('@')) {
        refuse(400, "URLs with user info (user@host) are not supported through the proxy");
        return;
    }
    QString host;
    quint16 port = 0;
    if (!parseAuthority(authority, 80, host, port)) {
        refuse(400, QString("'%1' is not a valid host[:port]").arg(QString::fromLatin1(authority)));
        return;
    }
    QByteArray origin = rest.sliced(authEnd).toByteArray();
    if (origin.isEmpty() || origin.startsWith('?'))
        origin.prepend('/');

    // A client that ignores NO_PROXY sends route calls here as absolute URLs.
    const bool toListener = (host == "127.0.0.1" || host == "localhost" || host == "::1") &&
                            port == m_proxy->guestPort();
    if (toListener && origin.startsWith("/routes/")) {
        const QByteArrayView after = QByteArrayView(origin).sliced(8);
        qsizetype end = 0;
        while (end < after.size() && after[end] != '/' && after[end] != '?')
            ++end;
        m_request.target = origin;
        handleRoute(QString::fromLatin1(after.first(end)), after.sliced(end).toByteArray());
        return;
    }

    m_kind = Kind::Http;
    m_host = host;
    m_port = port;
    m_originTarget = origin;
    m_log.host = host;
    m_log.port = port;
    m_log.path = QString::fromLatin1(pathOf(origin));
    const AllowEntry* entry = nullptr;
    const QString why = checkAllowed(host, port, &entry);
    if (!why.isEmpty()) {
        refuse(403, why);
        return;
    }
    const QString key = QString("http %1 %2").arg(host).arg(port);
    if (m_up && m_upKey == key && m_upReusable &&
        m_up->state() == QAbstractSocket::ConnectedState) {
        beginExchange();
        return;
    }
    dropUpstream();
    m_upKey = key;
    lookUp(host, port, entry);
}

void EgressConnection::handleRoute(const QString& name, QByteArrayView rest) {
    m_kind = Kind::Route;
    m_log.kind = "route";
    m_log.path = QString::fromLatin1(pathOf(m_request.target));
    const EgressPolicy& policy = m_proxy->policy();
    const EgressRoute* route = EgressRoute::isValidRouteName(name) ? policy.route(name) : nullptr;
    if (!route) {
        QStringList names;
        for (const EgressRoute& r : policy.routes)
            names << r.name;
        const QString where = policy.templateName.isEmpty()
                                  ? QString()
                                  : QString(" (template %1)").arg(policy.templateName);
        refuse(403,
               QString("this sandbox%1 has no route named '%2' (%3); add one with viv route add "
                       "and viv template edit --route")
                   .arg(where, name.left(EgressRoute::kMaxNameLength),
                        names.isEmpty() ? "it has none" : "it has " + names.join(", ")));
        return;
    }
    m_log.route = name;
    m_route = *route;
    const QByteArrayView restPath = pathOf(rest);
    const QByteArrayView query = rest.sliced(restPath.size());
    for (const QByteArray& segment : restPath.toByteArray().split('/'))
        if (isDotSegment(segment) || segment.contains('\\')) {
            refuse(400, "a route path must not contain '.' or '..' segments or backslashes");
            return;
        }
    const QUrl& upstream = m_route->upstream;
    const bool tls = upstream.scheme() == "https";
    m_routeBasePath = upstream.path(QUrl::FullyEncoded).toUtf8();
    while (m_routeBasePath.endsWith('/'))
        m_routeBasePath.chop(1);
    QByteArray path = m_routeBasePath + restPath.toByteArray();
    if (!path.startsWith('/'))
        path.prepend('/');
    m_originTarget = path + query.toByteArray();
    m_host = upstream.host();
    m_port = quint16(upstream.port(tls ? 443 : 80));
    m_log.host = m_host;
    m_log.port = m_port;

    const QString key = QString("route %1 %2").arg(name, upstream.toString());
    if (m_up && m_upKey == key && m_upReusable &&
        m_up->state() == QAbstractSocket::ConnectedState) {
        beginExchange();
        return;
    }
    dropUpstream();
    m_upKey = key;
    connectRoute();
}

// ---- upstream side ----------------------------------------------------------------------

void EgressConnection::lookUp(const QString& host, quint16 port, const AllowEntry* entry) {
    m_state = State::Connecting;
    m_port = port;
    m_addresses.clear();
    m_addressIndex = 0;
    m_connectError.clear();
    m_route.reset();
    // Keep the entry's own copy: the policy may change while the lookup runs.
    m_allowEntry = entry ? std::optional<AllowEntry>(*entry) : std::nullopt;
    arm(Timer::Connect, m_proxy->timeouts().connectMs);
    QHostAddress literal;
    if (literal.setAddress(host)) {
        QHostInfo info;
        info.setAddresses({literal});
        onLookedUp(info);
        return;
    }
    m_lookupId = QHostInfo::lookupHost(host, this, &EgressConnection::onLookedUp);
}

void EgressConnection::onLookedUp(const QHostInfo& info) {
    m_lookupId = -1;
    if (m_state != State::Connecting)
        return;
    if (info.error() != QHostInfo::NoError || info.addresses().isEmpty()) {
        refuse(502, QString("could not resolve %1 (%2)").arg(m_host, info.errorString()));
        return;
    }
    const QList<QHostAddress> own = QNetworkInterface::allAddresses();
    for (const QHostAddress& address : info.addresses()) {
        if (m_allowEntry && m_allowEntry->namesAddress(address))
            continue;
        const QString reason = forbiddenAddressReason(address, own);
        if (reason.isEmpty())
            continue;
        const QString text = address.toString();
        const QString what = QHostAddress(m_host) == address
                                 ? QString("%1 is %2").arg(m_host, reason)
                                 : QString("%1 resolves to %2, %3").arg(m_host, text, reason);
        refuse(403, QString("%1; the proxy reaches such an address only when the allowlist names "
                            "it (e.g. --allow %2:%3)")
                        .arg(what, hostForUrl(text))
                        .arg(m_port));
        return;
    }
    m_addresses = info.addresses();
    connectNextAddress();
}

void EgressConnection::connectNextAddress() {
    if (m_addressIndex >= m_addresses.size()) {
        refuse(502, QString("could not connect to %1:%2 (%3)")
                        .arg(hostForUrl(m_host))
                        .arg(m_port)
                        .arg(m_connectError.isEmpty() ? "no address" : m_connectError));
        return;
    }
    const QString key = m_upKey;
    dropUpstream();
    m_upKey = key;
    m_up = newUpstream(false);
    // The address that was checked, not the name: a second lookup could answer differently.
    m_up->connectToHost(m_addresses[m_addressIndex++], m_port);
}

void EgressConnection::connectRoute() {
    m_state = State::Connecting;
    arm(Timer::Connect, m_proxy->timeouts().connectMs);
    const bool tls = m_route->upstream.scheme() == "https";
    m_up = newUpstream(tls);
    if (tls)
        static_cast<QSslSocket*>(m_up)->connectToHostEncrypted(m_host, m_port);
    else
        m_up->connectToHost(m_host, m_port);
}

QTcpSocket* EgressConnection::newUpstream(bool tls) {
    QTcpSocket* socket = nullptr;
    if (tls) {
        auto* ssl = new QSslSocket(this);
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        if (!m_proxy->extraCaCertificates().isEmpty())
            conf.addCaCertificates(m_proxy->extraCaCertificates());
        ssl->setSslConfiguration(conf);
        connect(ssl, &QSslSocket::encrypted, this, &EgressConnection::onUpstreamReady);
        socket = ssl;
    } else {
        socket = new QTcpSocket(this);
        connect(socket, &QTcpSocket::connected, this, &EgressConnection::onUpstreamReady);
    }
    socket->setReadBufferSize(kSocketReadBuffer);
    connect(socket, &QTcpSocket::readyRead, this, &EgressConnection::onUpstreamReadable);
    connect(socket, &QTcpSocket::bytesWritten, this, &EgressConnection::onUpstreamWritten);
    connect(socket, &QTcpSocket::readChannelFinished, this, &EgressConnection::onUpstreamEof);
    connect(socket, &QTcpSocket::disconnected, this, &EgressConnection::onUpstreamEof);
    connect(socket, &QTcpSocket::errorOccurred, this, &EgressConnection::onUpstreamError);
    m_upReady = false;
    m_upEof = false;
    m_upReusable = false;
    m_upIn.clear();
    m_upScanned = 0;
    return socket;
}

void EgressConnection::onUpstreamReady() {
    if (m_state != State::Connecting || m_upReady)
        return;
    m_upReady = true;
    // A body or a tunnelled write that follows its head must not wait for a delayed ACK.
    m_up->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (m_kind == Kind::Connect)
        beginTunnel();
    else
        beginExchange();
}

void EgressConnection::onUpstreamReadable() {
    if (m_state == State::Exchanging)
        pumpResponse();
    else if (m_state == State::Tunnel)
        pumpTunnel();
}

void EgressConnection::onUpstreamWritten() {
    if (m_state == State::Exchanging)
        pumpRequestBody();
    else if (m_state == State::Tunnel)
        pumpTunnel();
}

void EgressConnection::onUpstreamEof() {
    if (!m_up || m_upEof)
        return;
    m_upEof = true;
    m_upReusable = false;
    switch (m_state) {
    case State::Connecting:
        onUpstreamError();
        break;
    case State::Exchanging:
        pumpResponse();
        break;
    case State::Tunnel:
        pumpTunnel();
        break;
    case State::ReadingHead:
        dropUpstream(); // an idle kept-alive upstream went away
        break;
    default:
        break;
    }
}

void EgressConnection::onUpstreamError() {
    if (!m_up)
        return;
    if (m_up->error() == QAbstractSocket::RemoteHostClosedError && m_state != State::Connecting) {
        onUpstreamEof();
        return;
    }
    const QString error = m_up->errorString();
    switch (m_state) {
    case State::Connecting:
        if (m_kind == Kind::Route) {
            refuse(502, QString("could not reach route %1's upstream %2 (%3)")
                            .arg(m_route->name, m_route->upstream.toString(), error));
        } else {
            m_connectError = error;
            // Leave the failing socket's signal handler before replacing it.
            QMetaObject::invokeMethod(this, &EgressConnection::connectNextAddress,
                                      Qt::QueuedConnection);
            disconnect(m_up, nullptr, this, nullptr);
        }
        break;
    case State::Exchanging:
        if (!m_responseStarted)
            refuse(502, QString("the connection to %1 failed (%2)").arg(m_host, error));
        else
            fail(QString("the connection to %1 failed mid-response (%2)").arg(m_host, error));
        break;
    case State::Tunnel:
        onUpstreamEof();
        break;
    case State::ReadingHead:
        dropUpstream();
        break;
    default:
        break;
    }
}

void EgressConnection::dropUpstream() {
    if (!m_up)
        return;
    QTcpSocket* up = m_up;
    m_up = nullptr;
    m_upKey.clear();
    m_upReusable = false;
    disconnect(up, nullptr, this, nullptr);
    // Let a graceful close flush what was written; the proxy outlives this connection.
    up->setParent(m_proxy);
    if (up->state() == QAbstractSocket::ConnectedState) {
        connect(up, &QAbstractSocket::disconnected, up, &QObject::deleteLater);
        QTimer::singleShot(10000, up, [up] {
            up->abort();
            up->deleteLater();
        });
        up->disconnectFromHost();
        if (up->state() == QAbstractSocket::UnconnectedState)
            up->deleteLater();
    } else {
        up->abort();
        up->deleteLater();
    }
}

// ---- the exchange -----------------------------------------------------------------------

void EgressConnection::beginExchange() {
    m_state = State::Exchanging;
    arm(Timer::Idle, m_proxy->timeouts().idleMs);
    m_redactor = Redactor(m_proxy->m_secrets);
    m_upIn.clear();
    m_upScanned = 0;
    m_responseStarted = m_responseDone = false;
    m_chunkedToGuest = false;
    m_responseChunks.reset();

    http::Headers headers = m_request.headers;
    stripHopByHop(headers, true);
    QByteArray host;
    if (m_kind == Kind::Route) {
        // The route's headers win: the guest's fields of the same names go first (any case),
        // so they can neither replace nor remove the injected ones.
        for (const auto& [name, value] : m_route->headers)
            http::removeHeader(headers, name);
        for (http::HeaderField& field : headers)
            for (auto it = m_route->placeholders.cbegin(); it != m_route->placeholders.cend(); ++it)
                if (!it.key().isEmpty() && isFieldValue(it.value()))
                    field.value.replace(it.key(), it.value());
        for (const auto& [name, value] : m_route->headers)
            if (http::isToken(name) && isFieldValue(value)) // (EgressRoute::validate says so too)
                headers << http::HeaderField{name, value};
        host = authorityText(m_host, m_port, m_route->upstream.scheme() == "https" ? 443 : 80);
    } else {
        host = authorityText(m_host, m_port, 80);
    }
    QByteArray head =
        m_request.method + ' ' + m_originTarget + " HTTP/1.1\r\nHost: " + host + "\r\n";
    head += http::serializeHeaders(headers);
    switch (m_requestFraming.kind) {
    case http::BodyKind::Length:
        head += "Content-Length: " + QByteArray::number(m_requestFraming.length) + "\r\n";
        break;
    case http::BodyKind::Chunked:
        head += "Transfer-Encoding: chunked\r\n";
        break;
    default:
        if (http::hasHeader(m_request.headers, "content-length"))
            head += "Content-Length: 0\r\n";
        break;
    }
    if (m_upgrade)
        head +=
            "Connection: upgrade\r\nUpgrade: " + http::headerValue(m_request.headers, "upgrade") +
            "\r\n";
    head += "\r\n";
    m_up->write(head);
    m_requestDone = m_requestFraming.kind == http::BodyKind::None;
    pumpRequestBody();
    if (m_state == State::Exchanging)
        pumpResponse();
}

void EgressConnection::pumpRequestBody() {
    if (m_state != State::Exchanging || m_requestDone || !m_up || !m_guest)
        return;
    while (m_up->bytesToWrite() < EgressProxy::kHighWater) {
        if (m_in.isEmpty()) {
            m_in = m_guest->read(kReadChunk);
            if (m_in.isEmpty())
                break;
        }
        arm(Timer::Idle, m_proxy->timeouts().idleMs);
        if (m_requestFraming.kind == http::BodyKind::Length) {
            const qint64 take = std::min<qint64>(m_requestRemaining, m_in.size());
            m_up->write(m_in.constData(), take);
            m_in.remove(0, take);
            m_requestRemaining -= take;
            m_log.bytesUp += take;
            m_requestDone = m_requestRemaining == 0;
        } else {
            QByteArray out;
            const http::ChunkedDecoder::Step step = m_requestChunks->feed(m_in, out);
            m_in.remove(0, step.consumed);
            if (!out.isEmpty()) {
                m_up->write(http::encodeChunk(out));
                m_log.bytesUp += out.size();
            }
            if (step.state == http::ParseState::Failed) {
                refuse(400, "the request body's chunked encoding is malformed: " + step.error);
                return;
            }
            if (step.state == http::ParseState::Complete) {
                m_up->write(http::lastChunk());
                m_requestDone = true;
            }
        }
        if (m_requestDone) {
            if (m_responseDone)
                finishExchange();
            return;
        }
    }
    if (m_guestEof && m_in.isEmpty() && m_guest->bytesAvailable() <= 0) {
        if (m_responseStarted)
            fail("the guest closed the connection in the middle of a request body");
        else
            refuse(400, "the connection ended in the middle of the request body");
    }
}

void EgressConnection::pumpResponse() {
    if (m_state != State::Exchanging || !m_up || m_responseDone)
        return;
    while (!m_responseDone && m_guest && m_guest->bytesToWrite() < EgressProxy::kHighWater) {
        if (!m_responseStarted) {
            const QByteArray more = m_up->read(kReadChunk);
            m_upIn += more;
            if (m_upIn.isEmpty())
                break;
            const auto parsed = http::parseResponseHead(m_upIn, {}, m_upScanned);
            if (parsed.state == http::ParseState::Failed) {
                refuse(502, "the upstream's response is malformed: " + parsed.error);
                return;
            }
            if (parsed.state == http::ParseState::NeedMore) {
                m_upScanned = parsed.scanned;
                if (more.isEmpty())
                    break;
                continue;
            }
            m_upIn.remove(0, parsed.size);
            m_upScanned = 0;
            arm(Timer::Idle, m_proxy->timeouts().idleMs);
            if (!handleResponseHead(parsed.head))
                return;
            continue;
        }
        QByteArray data = m_upIn.isEmpty() ? m_up->read(kReadChunk) : std::exchange(m_upIn, {});
        if (data.isEmpty())
            break;
        arm(Timer::Idle, m_proxy->timeouts().idleMs);
        QByteArray out;
        bool complete = false;
        switch (m_responseFraming.kind) {
        case http::BodyKind::Length: {
            const qint64 take = std::min<qint64>(m_responseRemaining, data.size());
            out = data.first(take);
            m_responseRemaining -= take;
            if (take < data.size())
                m_upReusable = false; // bytes past the body: do not trust this connection again
            complete = m_responseRemaining == 0;
            break;
        }
        case http::BodyKind::Chunked: {
            const http::ChunkedDecoder::Step step = m_responseChunks->feed(data, out);
            if (step.state == http::ParseState::Failed) {
                fail("the upstream's chunked body is malformed: " + step.error);
                return;
            }
            complete = step.state == http::ParseState::Complete;
            if (complete && step.consumed < data.size())
                m_upReusable = false;
            break;
        }
        default:
            out = std::move(data);
            break;
        }
        m_log.bytesDown += out.size();
        QByteArray safe = m_redactor.feed(out);
        if (complete)
            safe += m_redactor.finish();
        writeToGuest(m_chunkedToGuest ? http::encodeChunk(safe) : safe);
        if (complete) {
            if (m_chunkedToGuest)
                writeToGuest(http::lastChunk());
            m_responseDone = true;
        }
    }
    if (m_state != State::Exchanging)
        return;
    if (!m_responseDone && m_upEof && m_upIn.isEmpty() && m_up->bytesAvailable() <= 0) {
        if (!m_responseStarted) {
            refuse(502, QString("%1 closed the connection without answering").arg(m_host));
            return;
        }
        if (m_responseFraming.kind != http::BodyKind::UntilClose) {
            fail(QString("%1 closed the connection in the middle of the response").arg(m_host));
            return;
        }
        writeToGuest(m_redactor.finish());
        m_responseDone = true;
    }
    if (m_responseDone) {
        if (!m_requestDone) {
            // The upstream answered before taking the whole body: this connection cannot
            // carry another request in step.
            m_closeAfter = true;
            m_upReusable = false;
            m_requestDone = true;
        }
        finishExchange();
    }
}

bool EgressConnection::handleResponseHead(const http::ResponseHead& head) {
    http::Headers headers = head.headers;
    stripHopByHop(headers, false);
    for (http::HeaderField& field : headers) {
        if (m_kind == Kind::Route && equalsIgnoringCase(field.name, "location"))
            field.value = rewriteLocation(field.value);
        field.value = m_redactor.redact(field.value);
    }
    const QByteArray statusLine = "HTTP/1.1 " + QByteArray::number(head.status) + ' ' +
                                  m_redactor.redact(head.reason) + "\r\n";
    if (head.status == 101) {
        if (!m_upgrade) {
            refuse(502, "the upstream switched protocols without being asked to");
            return false;
        }
        m_log.status = 101;
        m_responseStarted = true;
        writeToGuest(statusLine + http::serializeHeaders(headers) +
                     "Connection: upgrade\r\nUpgrade: " +
                     http::headerValue(head.headers, "upgrade") + "\r\n\r\n");
        beginTunnel();
        return false;
    }
    if (head.status < 200) {
        if (m_request.minorVersion == 1) // HTTP/1.0 clients do not expect interim responses
            writeToGuest(statusLine + http::serializeHeaders(headers) + "\r\n");
        return true;
    }
    const Result<http::Framing> framing = http::responseFraming(head, m_request.method);
    if (!framing) {
        refuse(502, framing.error().message);
        return false;
    }
    m_responseFraming = *framing;
    m_responseRemaining = framing->length;
    if (framing->kind == http::BodyKind::Chunked)
        m_responseChunks.emplace();
    const QList<QByteArray> connection = http::headerTokens(head.headers, "connection");
    m_upReusable = head.minorVersion == 1 && !containsToken(connection, "close") &&
                   framing->kind != http::BodyKind::UntilClose;
    QByteArray framingHeader;
    if (framing->kind == http::BodyKind::Chunked) {
        if (m_request.minorVersion == 1) {
            m_chunkedToGuest = true;
            framingHeader = "Transfer-Encoding: chunked\r\n";
        } else {
            m_closeAfter = true; // an HTTP/1.0 client reads to the end of the connection
        }
    } else if (framing->kind == http::BodyKind::UntilClose) {
        m_closeAfter = true;
    }
    if (m_guestEof)
        m_closeAfter = true;
    QByteArray connectionHeader;
    if (m_closeAfter)
        connectionHeader = "Connection: close\r\n";
    else if (m_request.minorVersion == 0)
        connectionHeader = "Connection: keep-alive\r\n";
    m_log.status = head.status;
    m_responseStarted = true;
    writeToGuest(statusLine + http::serializeHeaders(headers) + framingHeader + connectionHeader +
                 "\r\n");
    if (framing->kind == http::BodyKind::None)
        m_responseDone = true;
    return m_state == State::Exchanging;
}

QByteArray EgressConnection::rewriteLocation(const QByteArray& location) const {
    const QUrl target = QUrl::fromEncoded(location, QUrl::TolerantMode);
    if (!target.isValid())
        return location;
    const QUrl& upstream = m_route->upstream;
    const int defaultPort = upstream.scheme() == "https" ? 443 : 80;
    const QUrl requestUrl = QUrl::fromEncoded(upstream.scheme().toLatin1() + "://" +
                                              authorityText(m_host, m_port, defaultPort) +
                                              pathOf(m_originTarget).toByteArray());
    const QUrl resolved = requestUrl.resolved(target);
    const bool sameOrigin =
        resolved.scheme() == upstream.scheme() &&
        resolved.host().compare(upstream.host(), Qt::CaseInsensitive) == 0 &&
        resolved.port(resolved.scheme() == "https" ? 443 : 80) == upstream.port(defaultPort);
    const QByteArray path = resolved.path(QUrl::FullyEncoded).toUtf8();
    const bool inside = sameOrigin && (m_routeBasePath.isEmpty() || path == m_routeBasePath ||
                                       path.startsWith(m_routeBasePath + '/'));
    if (inside) {
        QByteArray out = routeBaseUrl(m_proxy->guestPort(), m_route->name).toUtf8() +
                         path.mid(m_routeBasePath.size());
        if (resolved.hasQuery())
            out += '?' + resolved.query(QUrl::FullyEncoded).toUtf8();
        if (resolved.hasFragment())
            out += '#' + resolved.fragment(QUrl::FullyEncoded).toUtf8();
        return out;
    }
    // Elsewhere: the guest follows it as an ordinary request, without the route's headers.
    // A relative one is made absolute, since relative to the route it would mean the proxy.
    return target.isRelative() ? resolved.toEncoded() : location;
}

void EgressConnection::writeToGuest(const QByteArray& bytes) {
    if (bytes.isEmpty() || !m_guest)
        return;
    if (m_guest->write(bytes) < 0)
        qCDebug(lcEgress) << "writing to the guest failed:" << m_guest->errorString();
}

void EgressConnection::finishExchange() {
    m_state = State::ReadingHead; // not Exchanging: stray signals do nothing now
    emitLog();
    m_served = true;
    if (!m_upReusable || !m_upIn.isEmpty() || (m_up && m_up->bytesAvailable() > 0))
        dropUpstream();
    if (m_closeAfter || m_guestEof) {
        beginClose();
        return;
    }
    resetExchange();
    arm(m_in.isEmpty() ? Timer::Idle : Timer::Head,
        m_in.isEmpty() ? m_proxy->timeouts().idleMs : m_proxy->timeouts().headMs);
    QMetaObject::invokeMethod(this, &EgressConnection::readHead, Qt::QueuedConnection);
}

void EgressConnection::resetExchange() {
    m_request = {};
    m_requestFraming = {};
    m_requestRemaining = 0;
    m_requestChunks.reset();
    m_requestDone = false;
    m_framed = false;
    m_closeAfter = false;
    m_upgrade = false;
    m_originTarget.clear();
    m_route.reset();
    m_allowEntry.reset();
    m_routeBasePath.clear();
    m_responseStarted = m_responseDone = false;
    m_responseFraming = {};
    m_responseRemaining = 0;
    m_responseChunks.reset();
    m_chunkedToGuest = false;
    m_log = {};
    m_logged = false;
}

void EgressConnection::beginTunnel() {
    if (m_kind == Kind::Connect) {
        m_log.status = 200;
        m_responseStarted = true;
        writeToGuest("HTTP/1.1 200 Connection established\r\n\r\n");
    }
    m_state = State::Tunnel;
    arm(Timer::Idle, m_proxy->timeouts().idleMs);
    pumpTunnel();
}

void EgressConnection::pumpTunnel() {
    if (m_state != State::Tunnel || !m_up || !m_guest)
        return;
    while (m_up->state() == QAbstractSocket::ConnectedState &&
           m_up->bytesToWrite() < EgressProxy::kHighWater) {
        const QByteArray data =
            m_in.isEmpty() ? m_guest->read(kReadChunk) : std::exchange(m_in, {});
        if (data.isEmpty())
            break;
        m_up->write(data);
        m_log.bytesUp += data.size();
        arm(Timer::Idle, m_proxy->timeouts().idleMs);
    }
    while (m_guest && m_guest->bytesToWrite() < EgressProxy::kHighWater) {
        const QByteArray data =
            m_upIn.isEmpty() ? m_up->read(kReadChunk) : std::exchange(m_upIn, {});
        if (data.isEmpty())
            break;
        writeToGuest(data);
        m_log.bytesDown += data.size();
        arm(Timer::Idle, m_proxy->timeouts().idleMs);
    }
    if (m_upEof && m_upIn.isEmpty() && m_up->bytesAvailable() <= 0) {
        emitLog();
        beginClose();
    } else if (m_guestEof && m_in.isEmpty() && m_guest->bytesAvailable() <= 0) {
        emitLog();
        dropUpstream(); // flushes what the guest sent, then closes
        beginClose();
    }
}

// ---- endings ----------------------------------------------------------------------------

void EgressConnection::refuse(int status, const QString& message) {
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    if (m_responseStarted) {
        fail(message);
        return;
    }
    qCDebug(lcEgress) << "refused with" << status << message;
    const QByteArray body = "vivarium: " + message.toUtf8() + "\n";
    writeToGuest("HTTP/1.1 " + QByteArray::number(status) + ' ' + http::reasonPhrase(status) +
                 "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                 QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    m_log.status = status;
    m_log.error = message;
    emitLog();
    beginClose();
}

void EgressConnection::fail(const QString& error) {
    if (m_state == State::Closed)
        return;
    qCDebug(lcEgress) << "connection cut:" << error;
    if (m_log.error.isEmpty())
        m_log.error = error;
    emitLog();
    if (m_up) {
        m_up->abort();
        dropUpstream();
    }
    closeNow();
}

void EgressConnection::beginClose() {
    if (m_state == State::Closing || m_state == State::Closed)
        return;
    m_state = State::Closing;
    if (m_lookupId >= 0) {
        QHostInfo::abortHostLookup(m_lookupId);
        m_lookupId = -1;
    }
    dropUpstream();
    // Whether the guest may still be sending the refused request's body: closing with bytes
    // unread makes the kernel reset the connection, and the guest might lose the answer.
    m_settled = m_framed && (m_requestDone || m_requestFraming.kind == http::BodyKind::None);
    if (!m_guest || !m_guest->isOpen()) {
        closeNow();
        return;
    }
    arm(Timer::Linger, m_proxy->timeouts().idleMs); // a guard while the answer drains
    closeWhenFlushed();
}

// Closing: once the answer is out, close at once when the guest has nothing more to send;
// otherwise read and drop its bytes until it has been quiet for a moment (at most a while).
void EgressConnection::closeWhenFlushed() {
    if (m_state != State::Closing)
        return;
    if (!m_guest) {
        closeNow();
        return;
    }
    if (m_guest->bytesToWrite() > 0)
        return;
    if (m_guestEof ||
        (m_settled && m_in.isEmpty() && m_guest->bytesAvailable() <= 0 && m_discarded == 0)) {
        closeNow();
        return;
    }
    if (!m_lingerClock.isValid())
        m_lingerClock.start();
    if (m_lingerClock.elapsed() >= kMaxLingerMs) {
        closeNow();
        return;
    }
    arm(Timer::Linger, kQuietMs);
}

void EgressConnection::closeNow() {
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_timer.stop();
    if (m_lookupId >= 0) {
        QHostInfo::abortHostLookup(m_lookupId);
        m_lookupId = -1;
    }
    if (m_up) {
        m_up->abort();
        dropUpstream();
    }
    if (m_guest) {
        disconnect(m_guest, nullptr, this, nullptr);
        if (m_guest->isOpen())
            m_guest->close();
    }
    m_proxy->forget(this);
    deleteLater();
}

void EgressConnection::arm(Timer purpose, int ms) {
    m_timerPurpose = purpose;
    m_timer.start(ms);
}

void EgressConnection::onTimeout() {
    const auto seconds = [](int ms) { return QString::number(ms / 1000.0, 'g', 3); };
    const EgressProxy::Timeouts& t = m_proxy->timeouts();
    switch (m_timerPurpose) {
    case Timer::Head:
        if (m_state == State::ReadingHead) {
            m_log.time = QDateTime::currentDateTimeUtc();
            m_log.kind = "http";
            m_clock.start();
            refuse(408,
                   QString("the request head did not arrive within %1 s").arg(seconds(t.headMs)));
        }
        break;
    case Timer::Idle:
        if (m_state == State::ReadingHead && m_in.isEmpty())
            closeNow(); // a kept-alive connection nobody uses
        else if (m_state == State::Exchanging && !m_responseStarted)
            refuse(504, QString("%1 did not answer within %2 s").arg(m_host, seconds(t.idleMs)));
        else
            fail(QString("nothing moved for %1 s").arg(seconds(t.idleMs)));
        break;
    case Timer::Connect:
        refuse(504, QString("could not connect to %1:%2 within %3 s")
                        .arg(hostForUrl(m_host))
                        .arg(m_port)
                        .arg(seconds(t.connectMs)));
        break;
    case Timer::Linger:
        closeNow();
        break;
    }
}

void EgressConnection::emitLog() {
    if (m_logged || m_log.time.isNull())
        return;
    m_logged = true;
    m_log.durationMs = m_clock.isValid() ? m_clock.elapsed() : 0;
    emit m_proxy->logged(m_log);
}

} // namespace vivarium
