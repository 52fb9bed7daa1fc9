// The host end of the guest protocol: a unix socket that QEMU exposes for the agent's
// virtio-serial port. Turns bytes into frames (everything the guest sends is hostile:
// the codec bounds sizes, corrupt bytes are skipped and counted), sends frames, and keeps
// per-stream flow control for host→guest data (at most kStreamWindow unacknowledged).
// It knows nothing of runs or sandboxes.
#pragma once

#include "GuestMessages.h"
#include "GuestProtocol.h"

#include <QByteArray>
#include <QHash>
#include <QLocalSocket>
#include <QObject>

namespace vivarium {

class GuestChannel : public QObject {
    Q_OBJECT
public:
    explicit GuestChannel(QObject* parent = nullptr);

    // Connects to the channel socket; `connected` or `failed` follows.
    void connectTo(const QString& socketPath);
    void close();
    bool isConnected() const;

    // Sends a Sync with a fresh nonce; `synced` follows when the matching SyncAck arrives.
    void sync();
    bool send(protocol::FrameType type, quint32 stream, const QByteArray& payload);
    // Asks the guest to write its dirty data to disk; `pong(nonce)` follows when it has.
    quint64 flush();
    // Queues stream data (Stdin, FileData) honouring the stream's window; an empty `data`
    // with type Stdin is sent in order after the queued bytes (it closes stdin).
    void sendStreamData(protocol::FrameType type, quint32 stream, const QByteArray& data);
    qint64 queuedStreamBytes(quint32 stream) const;
    void forgetStream(quint32 stream);
    quint64 corruptFrames() const { return m_reader.corruptCount(); }

signals:
    void connected();
    void failed(const QString& reason);
    void disconnected();
    void hello(const vivarium::protocol::Hello& hello);
    void synced(const vivarium::protocol::Hello& ack);
    void pong(quint64 nonce); // the answer to a Ping or a Flush
    void streamFrame(const vivarium::protocol::Frame& frame);
    void streamDrained(quint32 stream);
    // The guest consumed `bytes` of host→guest data on `stream` (after the window moved).
    void windowCredited(quint32 stream, qint64 bytes);
    void protocolError(const QString& what);

private:
    void onReadyRead();
    void dispatch(protocol::Frame frame);
    void pump(quint32 stream);

    struct Outgoing {
        QByteArray pending;
        qint64 inFlight = 0;
        bool closeAfter = false;
        protocol::FrameType type = protocol::FrameType::Stdin;
    };

    QLocalSocket m_socket;
    protocol::FrameReader m_reader;
    QHash<quint32, Outgoing> m_out;
    quint64 m_nonce = 0;
};

} // namespace vivarium

Q_DECLARE_METATYPE(vivarium::protocol::Hello)
Q_DECLARE_METATYPE(vivarium::protocol::Frame)
