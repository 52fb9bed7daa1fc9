// A sandbox's network log: one entry per proxied request, CONNECT tunnel, route call or host
// tunnel connection, kept as an append-only JSON-lines file with a size cap (on reaching it the
// file moves to `<path>.1`, replacing the older one, and a new file starts).
// Entries carry what a user needs to see what a sandbox reached (time, kind, method, host,
// port, path without its query, status, bytes, route name, error) and never any header value,
// query string or secret: the proxy fills them, and this file may be shown to any client that
// may see the sandbox.
#pragma once

#include <QDateTime>
#include <QFile>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>

namespace vivarium {

struct NetworkLogEntry {
    QDateTime time;       // when the request or connection started (UTC)
    QString kind;         // "http" | "connect" | "route" | "tunnel"
    QString method;       // "GET", "CONNECT", …; empty for tunnels
    QString host;         // the host asked for (a route: its upstream's host)
    int port = 0;         // the port asked for (a tunnel: the guest port)
    QString path;         // the URL path, no query; empty for CONNECT and tunnels
    int status = 0;       // the HTTP status sent to the guest (0: none, e.g. a tunnel)
    qint64 bytesUp = 0;   // guest → outside
    qint64 bytesDown = 0; // outside → guest
    QString route;        // the route's name, for kind "route"
    QString error;        // why it was refused or failed; empty when it went through
    qint64 durationMs = 0;

    QJsonObject toJson() const;
    static NetworkLogEntry fromJson(const QJsonObject& o);
    bool operator==(const NetworkLogEntry&) const = default;
};

class NetworkLog {
public:
    static constexpr qint64 kDefaultMaxBytes = 4 * 1024 * 1024;

    explicit NetworkLog(QString path, qint64 maxBytes = kDefaultMaxBytes);

    // Appends one line (and rotates when the file has reached the cap). False when the file
    // cannot be written; the entry is then lost, and the reason logged.
    bool append(const NetworkLogEntry& entry);
    // The newest `limit` entries older than `before` (all when `before` is invalid), oldest
    // first, from the rotated file and the current one. Lines that do not parse are skipped.
    QList<NetworkLogEntry> entries(int limit = 1000, const QDateTime& before = {}) const;
    QString path() const { return m_path; }

private:
    QString m_path;
    qint64 m_maxBytes;
    QFile m_file;
};

} // namespace vivarium

Q_DECLARE_METATYPE(vivarium::NetworkLogEntry)
