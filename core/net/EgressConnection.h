// One guest connection of the EgressProxy: reads request heads, decides (policy, routes),
// connects upstream, relays bodies both ways with backpressure, then waits for the next
// request on the same connection (keep-alive) or becomes a byte tunnel (CONNECT, 101).
// Requests are served strictly one after another: bytes pipelined behind a request wait
// unread until its response is complete.
// Internal to core/net: only EgressProxy creates these.
#pragma once

#include "EgressPolicy.h"
#include "HttpParser.h"
#include "NetworkLog.h"
#include "Redactor.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <optional>

class QIODevice;
class QHostInfo;
class QTcpSocket;

namespace vivarium {

class EgressProxy;

class EgressConnection : public QObject {
    Q_OBJECT
public:
    EgressConnection(EgressProxy* proxy, QIODevice* guest);
    ~EgressConnection() override;
    void start();

private:
    enum class State { ReadingHead, Connecting, Exchanging, Tunnel, Closing, Closed };
    enum class Kind { Http, Connect, Route };
    enum class Timer { Head, Idle, Connect, Linger };

    // Guest side.
    void onGuestReadable();
    void onGuestWritten();
    void onGuestEof();
    void onGuestGone();
    void readHead();
    void handleRequest();
    void handleConnect();
    void handleAbsolute();
    void handleRoute(const QString& name, QByteArrayView rest);
    QString checkAllowed(const QString& host, int port, const AllowEntry** entry) const;

    // Upstream side.
    void lookUp(const QString& host, quint16 port, const AllowEntry* entry);
    void onLookedUp(const QHostInfo& info);
    void connectNextAddress();
    void connectRoute();
    QTcpSocket* newUpstream(bool tls);
    void onUpstreamReady();
    void onUpstreamReadable();
    void onUpstreamWritten();
    void onUpstreamEof();
    void onUpstreamError();
    void dropUpstream();

    // The exchange.
    void beginExchange();
    void pumpRequestBody();
    void pumpResponse();
    bool handleResponseHead(const http::ResponseHead& head);
    void writeToGuest(const QByteArray& bytes);
    void finishExchange();
    void beginTunnel();
    void pumpTunnel();
    QByteArray rewriteLocation(const QByteArray& location) const;

    // Endings.
    void refuse(int status, const QString& message);
    void fail(const QString& error); // after the response head went out: cut the connection
    void beginClose();
    void closeWhenFlushed();
    void closeNow();
    void arm(Timer purpose, int ms);
    void onTimeout();
    void emitLog();
    void resetExchange();

    EgressProxy* m_proxy;
    QPointer<QIODevice> m_guest;
    State m_state = State::ReadingHead;
    QTimer m_timer;
    Timer m_timerPurpose = Timer::Head;
    bool m_served = false; // at least one request completed (later waits are keep-alive)
    bool m_guestEof = false;
    qint64 m_discarded = 0; // while closing
    bool m_settled = false; // closing: no more request bytes are expected from the guest
    QElapsedTimer m_lingerClock;

    QByteArray m_in; // guest bytes read but not yet used
    qsizetype m_scanned = 0;

    // The current request.
    Kind m_kind = Kind::Http;
    http::RequestHead m_request;
    http::Framing m_requestFraming;
    qint64 m_requestRemaining = 0;
    std::optional<http::ChunkedDecoder> m_requestChunks;
    bool m_requestDone = false;
    bool m_framed = false; // the head was accepted and its body framing is known
    bool m_closeAfter = false;
    bool m_upgrade = false;
    QString m_host;
    quint16 m_port = 0;
    QByteArray m_originTarget; // what goes on the upstream's request line
    std::optional<EgressRoute> m_route;
    std::optional<AllowEntry> m_allowEntry; // the entry that allowed the host (a copy)
    QByteArray m_routeBasePath;             // the upstream's path without a trailing '/'
    NetworkLogEntry m_log;
    QElapsedTimer m_clock;
    bool m_logged = false;

    // Upstream.
    QTcpSocket* m_up = nullptr;
    QString m_upKey; // what the connection is to, for reuse by the next request
    bool m_upReusable = false;
    bool m_upReady = false;
    bool m_upEof = false;
    int m_lookupId = -1;
    QList<QHostAddress> m_addresses;
    int m_addressIndex = 0;
    QString m_connectError;

    // The response.
    QByteArray m_upIn;
    qsizetype m_upScanned = 0;
    bool m_responseStarted = false; // its head went to the guest
    bool m_responseDone = false;
    http::Framing m_responseFraming;
    qint64 m_responseRemaining = 0;
    std::optional<http::ChunkedDecoder> m_responseChunks;
    bool m_chunkedToGuest = false;
    Redactor m_redactor;
};

} // namespace vivarium
