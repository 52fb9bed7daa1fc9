// A sandbox's egress policy as data: the mode (none / proxy / open), the allowlist of hosts
// guest code may reach through the host's proxy, and the credential routes the user set up.
// Parsing and matching only: pure values, no sockets, no lookups (EgressProxy acts on them),
// no secret storage (routes arrive here already resolved, with real secret values in them, so
// an EgressPolicy must never be written to disk, logged, or sent to a client).
#pragma once

#include "Result.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QString>
#include <QUrl>

#include <utility>

namespace vivarium {

// none: no route out at all (the default); proxy: allowlisted hosts through the host's
// proxy; open: a user-mode network interface in the guest.
enum class EgressMode { None, Proxy, Open };

Result<EgressMode> parseEgressMode(const QString& text); // "none" | "proxy" | "open"
QString egressModeName(EgressMode mode);

// One allowlist entry: `host`, `host:port`, `*.example.com[:port]` (any subdomain of
// example.com, not example.com itself), an IPv4 address, or `[IPv6]` / `[IPv6]:port`.
struct AllowEntry {
    QString host;          // lower case, no trailing dot; "*.example.com" for a wildcard
    int port = 0;          // 0: ports 80 and 443
    bool wildcard = false; // host is "*.suffix"
    bool literal = false;  // host is an IP address (canonical text, no brackets)

    static Result<AllowEntry> parse(const QString& text);
    QString toString() const; // parse(toString()) gives the same entry

    // Whether a request for host:port is allowed by this entry. `host` as the client wrote it
    // (case and a trailing dot do not matter; IPv6 without brackets).
    bool matches(const QString& host, int port) const;
    // Whether this entry names `address` literally: the only way the allowlist reaches the
    // host's loopback, link-local or own addresses.
    bool namesAddress(const QHostAddress& address) const;

    bool operator==(const AllowEntry&) const = default;
};

// A credential route: requests to the route's base URL in the guest go to `upstream` with
// `headers` added. Everything here is resolved: `headers` and `placeholders` hold real secret
// values.
struct EgressRoute {
    static constexpr int kMaxNameLength = 32;

    QString name;
    QUrl upstream; // http or https, with a host; its path is the prefix of every request
    QList<std::pair<QByteArray, QByteArray>> headers;
    // placeholder → real value, swapped in this route's request header values only (for SDKs
    // that insist on seeing a key in the guest).
    QMap<QByteArray, QByteArray> placeholders;
    // The bare secret values inside `headers` (e.g. the key without "Bearer "): the proxy
    // redacts these, the header values and the placeholders' values from responses it relays.
    QList<QByteArray> secrets;

    static bool isValidRouteName(const QString& name);  // [a-z][a-z0-9_]{0,31}
    static QString baseUrlEnvName(const QString& name); // openai → OPENAI_BASE_URL
    // The route as a whole is usable: a valid name, an http(s) upstream with a host and no
    // user info, query or fragment, header names that are tokens and values without CR/LF/NUL.
    Status validate() const;
};

// The route's base URL as the guest sees it: http://127.0.0.1:<port>/routes/<name>
QString routeBaseUrl(quint16 port, const QString& name);

struct EgressPolicy {
    EgressMode mode = EgressMode::None;
    QList<AllowEntry> allow;
    QList<EgressRoute> routes;
    QString templateName; // for messages to the guest ("… (template web); add it with …")

    const EgressRoute* route(const QString& name) const;
    // The first allowlist entry that matches host:port, or nullptr.
    const AllowEntry* allowed(const QString& host, int port) const;
    // Every secret value in the routes (header values, placeholder values, `secrets`), for
    // redaction. Values shorter than 4 bytes are left out: redacting them would mangle
    // ordinary text.
    QList<QByteArray> secretValues() const;
};

// Why the allowlist must not reach `address` without naming it ("a loopback address of this
// computer", "a link-local address", …), or an empty string when it may: loopback, link-local,
// unspecified, multicast/broadcast, and the host's own addresses (`ownAddresses`, e.g. from
// QNetworkInterface::allAddresses()). IPv4-mapped IPv6 addresses count as their IPv4 address.
QString forbiddenAddressReason(const QHostAddress& address,
                               const QList<QHostAddress>& ownAddresses);

} // namespace vivarium
