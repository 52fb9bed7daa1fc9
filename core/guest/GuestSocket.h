// One TCP connection inside a guest, seen from the host as a sequential QIODevice: a
// tunnel's connection to a guest port (the host opened it with TcpConnect) or a connection a
// guest process made to the agent's egress listener (TcpAccepted). Bytes go out as TcpData
// within the stream's window (GuestChannel keeps it); bytes in are buffered (at most the
// window: a guest that sends more is cut off) and credited back with Window frames as the
// reader takes them, so a slow reader on the host slows the guest's writer instead of
// growing memory.
//
// Ends: readChannelFinished() when the guest ends its direction; shutdownWrite() ends ours;
// close() ends ours and discards what still arrives; abort() resets both. finished() comes
// once when the stream is over either way (then the owner may delete it). It knows nothing
// of tunnels or proxies, and trusts nothing the guest sends.
#pragma once

#include "GuestProtocol.h"

#include <QByteArray>
#include <QIODevice>
#include <QPointer>
#include <QTimer>

namespace vivarium {

class GuestChannel;

class GuestSocket : public QIODevice {
    Q_OBJECT
public:
    // `connected`: an accepted guest connection (no TcpConnected will come).
    GuestSocket(GuestChannel* channel, quint32 stream, bool connected, QObject* parent = nullptr);
    ~GuestSocket() override;

    quint32 stream() const { return m_stream; }
    bool isConnected() const { return m_connected; }
    bool isFinished() const { return m_finished; }
    QString failureReason() const { return m_failure; }
    qint64 bytesReceived() const { return m_received; }
    qint64 bytesSent() const { return m_sent; }

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override;
    bool atEnd() const override;
    void close() override;

    // Ends the host's direction once queued bytes are out (the guest reads EOF).
    void shutdownWrite();
    // Resets the connection now (the guest sees it reset); `why` is what finished() reports.
    void abort(const QString& why = {});

    // Called by the sandbox for this stream's frames, and when the channel or guest is gone.
    void onFrame(const protocol::Frame& frame);
    void onCredit(qint64 bytes);
    void fail(const QString& why);

signals:
    void connected();
    // The stream is over. `error` is empty after an orderly end in both directions.
    void finished(const QString& error);

protected:
    qint64 readData(char* data, qint64 maxSize) override;
    qint64 writeData(const char* data, qint64 size) override;

private:
    void finish(const QString& error);
    void creditGuest(bool force);
    void checkDone();

    QPointer<GuestChannel> m_channel;
    quint32 m_stream;
    bool m_connected;
    QByteArray m_in;
    qint64 m_inOffset = 0;
    qint64 m_toCredit = 0;
    qint64 m_received = 0;
    qint64 m_sent = 0;
    bool m_guestFin = false; // the guest ended its direction
    bool m_ourFin = false;   // we ended ours
    bool m_discard = false;  // closed: what still arrives is credited and dropped
    bool m_finished = false;
    QString m_failure;
    QTimer m_lingerTimer; // after close(): a guest that never ends its side is reset
};

} // namespace vivarium
