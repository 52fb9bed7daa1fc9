#include "EgressPolicy.h"

#include <QRegularExpression>

namespace vivarium {

namespace {

Error policyError(const QString& message) {
    return makeError("invalid_argument", message);
}

// Lower case, no surrounding brackets, no trailing dot; IP addresses in canonical text.
QString normalizeHost(QString host) {
    host = host.trimmed().toLower();
    if (host.startsWith('[') && host.endsWith(']'))
        host = host.mid(1, host.size() - 2);
    if (host.endsWith('.'))
        host.chop(1);
    QHostAddress address;
    if (!host.isEmpty() && (host.contains(':') || host.front().isDigit()) &&
        address.setAddress(host))
        return address.toString();
    return host;
}

bool isDottedQuad(const QString& host) {
    const QStringList parts = host.split('.');
    if (parts.size() != 4)
        return false;
    for (const QString& p : parts) {
        bool ok = false;
        const int n = p.toInt(&ok);
        if (!ok || p.isEmpty() || p.size() > 3 || n < 0 || n > 255 || !p.front().isDigit())
            return false;
    }
    return true;
}

bool isHostLabel(QStringView label) {
    if (label.isEmpty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
        return false;
    for (QChar c : label)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

// Why `host` (lower case, ASCII) is not a host name, or empty when it is.
QString hostNameProblem(const QString& host) {
    if (host.size() > 253)
        return "is longer than 253 characters";
    const QStringList labels = host.split('.');
    for (const QString& label : labels)
        if (!isHostLabel(label))
            return "is not a valid host name (letters, digits and '-' between dots)";
    bool numeric = true;
    for (QChar c : labels.last())
        numeric = numeric && c.isDigit();
    if (numeric)
        return "is neither a host name nor an IPv4 address (a.b.c.d)";
    return {};
}

bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

QHostAddress unmapped(const QHostAddress& address) {
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        bool ok = false;
        const quint32 v4 = address.toIPv4Address(&ok);
        if (ok)
            return QHostAddress(v4);
    }
    QHostAddress plain = address;
    plain.setScopeId({});
    return plain;
}

} // namespace

Result<EgressMode> parseEgressMode(const QString& text) {
    const QString t = text.trimmed().toLower();
    if (t == "none")
        return EgressMode::None;
    if (t == "proxy")
        return EgressMode::Proxy;
    if (t == "open")
        return EgressMode::Open;
    return policyError(QString("'%1' is not an egress mode; use none, proxy or open").arg(text));
}

QString egressModeName(EgressMode mode) {
    switch (mode) {
    case EgressMode::None:
        return "none";
    case EgressMode::Proxy:
        return "proxy";
    case EgressMode::Open:
        return "open";
    }
    return "none";
}

Result<AllowEntry> AllowEntry::parse(const QString& text) {
    const QString t = text.trimmed().toLower();
    const auto fail = [&](const QString& why) {
        return policyError(QString("allowlist entry '%1' %2").arg(text, why));
    };
    if (t.isEmpty())
        return policyError("an allowlist entry is empty; write a host such as api.example.com or "
                           "api.example.com:8443");
    if (t.contains("://") || t.contains('/'))
        return fail("is a URL; write just the host, e.g. example.com or example.com:8443");
    for (QChar c : t)
        if (c.isSpace() || c == '@' || c == '?' || c == '#' || c == '%')
            return fail(QString("contains '%1'; write a host or host:port").arg(c));

    AllowEntry entry;
    QString host = t;
    QString port;
    if (t.startsWith('[')) {
        const int close = t.indexOf(']');
        if (close < 0)
            return fail("opens '[' without closing it; write IPv6 addresses as [2001:db8::1]:443");
        host = t.mid(1, close - 1);
        const QString rest = t.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(':'))
                return fail("has text after ']'; write [IPv6] or [IPv6]:port");
            port = rest.mid(1);
            if (port.isEmpty())
                return fail("ends with ':' but no port");
        }
        QHostAddress address;
        if (!address.setAddress(host) || address.protocol() != QAbstractSocket::IPv6Protocol)
            return fail("has brackets around something that is not an IPv6 address");
        entry.host = address.toString();
        entry.literal = true;
    } else {
        const int colons = t.count(':');
        if (colons > 1)
            return fail("looks like an IPv6 address; put it in brackets: [2001:db8::1] or "
                        "[2001:db8::1]:443");
        if (colons == 1) {
            host = t.section(':', 0, 0);
            port = t.section(':', 1);
            if (port.isEmpty())
                return fail("ends with ':' but no port");
        }
        if (host.endsWith('.'))
            host.chop(1);
        if (host.isEmpty())
            return fail("has no host");
        if (host == "*")
            return fail("would allow every host; use the egress mode 'open' for that");
        if (host.startsWith("*.")) {
            const QString suffix = QString::fromLatin1(QUrl::toAce(host.mid(2)));
            if (suffix.isEmpty() || suffix.contains('*'))
                return fail("is not a valid wildcard; write *.example.com");
            if (!suffix.contains('.'))
                return fail("is too broad; a wildcard needs a domain such as *.example.com");
            if (const QString p = hostNameProblem(suffix); !p.isEmpty())
                return fail(p);
            entry.host = "*." + suffix;
            entry.wildcard = true;
        } else if (host.contains('*')) {
            return fail("has '*' somewhere other than the start; write *.example.com");
        } else if (isDottedQuad(host)) {
            entry.host = QHostAddress(host).toString();
            entry.literal = true;
        } else {
            const QByteArray ace = QUrl::toAce(host);
            if (ace.isEmpty())
                return fail("is not a valid host name");
            if (const QString p = hostNameProblem(QString::fromLatin1(ace)); !p.isEmpty())
                return fail(p);
            entry.host = QString::fromLatin1(ace);
        }
    }
    if (!port.isEmpty()) {
        bool ok = false;
        const int n = port.toInt(&ok);
        bool digits = port.size() <= 5;
        for (QChar c : port)
            digits = digits && c.isDigit();
        if (!ok || !digits || n < 1 || n > 65535)
            return fail(QString("has an invalid port '%1' (1-65535)").arg(port));
        entry.port = n;
    }
    return entry;
}

QString AllowEntry::toString() const {
    const QString h = literal && host.contains(':') ? "[" + host + "]" : host;
    return port ? h + ":" + QString::number(port) : h;
}

bool AllowEntry::matches(const QString& requestHost, int requestPort) const {
    if (port ? requestPort != port : (requestPort != 80 && requestPort != 443))
        return false;
    const QString h = normalizeHost(requestHost);
    if (h.isEmpty())
        return false;
    if (wildcard) {
        const QString suffix = host.mid(1); // ".example.com"
        return h.size() > suffix.size() && h.endsWith(suffix);
    }
    return h == host;
}

bool AllowEntry::namesAddress(const QHostAddress& address) const {
    if (!literal)
        return false;
    return unmapped(QHostAddress(host)) == unmapped(address);
}

bool EgressRoute::isValidRouteName(const QString& name) {
    static const QRegularExpression re("^[a-z][a-z0-9_]{0,31}$");
    return re.match(name).hasMatch();
}

QString EgressRoute::baseUrlEnvName(const QString& name) {
    return name.toUpper() + "_BASE_URL";
}

Status EgressRoute::validate() const {
    if (!isValidRouteName(name))
        return policyError(
            QString("'%1' is not a valid route name; use a lower-case letter, then up "
                    "to 31 lower-case letters, digits or '_'")
                .arg(name));
    const QString scheme = upstream.scheme();
    if (!upstream.isValid() || (scheme != "http" && scheme != "https") || upstream.host().isEmpty())
        return policyError(
            QString("route %1: upstream '%2' must be an http:// or https:// URL with "
                    "a host, e.g. https://api.openai.com/v1")
                .arg(name, upstream.toString()));
    if (!upstream.userInfo().isEmpty() || upstream.hasQuery() || upstream.hasFragment())
        return policyError(QString("route %1: the upstream URL must not have user info, a query or "
                                   "a fragment; put credentials in a header")
                               .arg(name));
    static const QList<QByteArray> reserved{
        "host",    "connection", "content-length", "transfer-encoding",
        "upgrade", "te",         "trailer",        "keep-alive"};
    for (const auto& [headerName, value] : headers) {
        bool token = !headerName.isEmpty();
        for (char c : headerName)
            token = token && isTokenChar(c);
        if (!token)
            return policyError(QString("route %1: '%2' is not a valid header name")
                                   .arg(name, QString::fromLatin1(headerName)));
        if (reserved.contains(headerName.toLower()) || headerName.toLower().startsWith("proxy-"))
            return policyError(QString("route %1: the proxy sets the %2 header itself; a route "
                                       "cannot set it")
                                   .arg(name, QString::fromLatin1(headerName)));
        if (value.contains('\r') || value.contains('\n') || value.contains('\0'))
            return policyError(QString("route %1: the value of header %2 contains a line break "
                                       "or NUL")
                                   .arg(name, QString::fromLatin1(headerName)));
    }
    for (auto it = placeholders.begin(); it != placeholders.end(); ++it)
        if (it.key().isEmpty() || it.value().contains('\r') || it.value().contains('\n') ||
            it.value().contains('\0'))
            return policyError(QString("route %1: a placeholder is empty or its value contains a "
                                       "line break or NUL")
                                   .arg(name));
    return {};
}

QString routeBaseUrl(quint16 port, const QString& name) {
    return QString("http://127.0.0.1:%1/routes/%2").arg(port).arg(name);
}

const EgressRoute* EgressPolicy::route(const QString& name) const {
    for (const EgressRoute& r : routes)
        if (r.name == name)
            return &r;
    return nullptr;
}

const AllowEntry* EgressPolicy::allowed(const QString& host, int port) const {
    for (const AllowEntry& e : allow)
        if (e.matches(host, port))
            return &e;
    return nullptr;
}

QList<QByteArray> EgressPolicy::secretValues() const {
    QList<QByteArray> values;
    const auto add = [&](const QByteArray& v) {
        if (v.size() >= 4 && !values.contains(v))
            values << v;
    };
    for (const EgressRoute& r : routes) {
        for (const auto& header : r.headers)
            add(header.second);
        for (const QByteArray& v : r.placeholders)
            add(v);
        for (const QByteArray& v : r.secrets)
            add(v);
    }
    return values;
}

QString forbiddenAddressReason(const QHostAddress& address, const QList<QHostAddress>& own) {
    const QHostAddress a = unmapped(address);
    if (a.isNull())
        return "not an address";
    if (a.isLoopback())
        return "a loopback address of this computer";
    if (a.isLinkLocal())
        return "a link-local address";
    if ((a.protocol() == QAbstractSocket::IPv4Protocol && (a.toIPv4Address() >> 24) == 0) ||
        a == QHostAddress(QHostAddress::AnyIPv6))
        return "an unspecified address";
    if (a.isMulticast() || a.isBroadcast())
        return "a multicast or broadcast address";
    for (const QHostAddress& o : own)
        if (unmapped(o) == a)
            return "one of this computer's own addresses";
    return {};
}

} // namespace vivarium
