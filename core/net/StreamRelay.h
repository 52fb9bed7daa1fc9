// Moves bytes both ways between two open sequential devices (a HostSocket and a GuestSocket,
// for a tunnel) until both directions have ended, with back-pressure: a side is not read while
// the other has more than kHighWater bytes unwritten, and reading resumes on bytesWritten.
// When one side ends its direction, the other's write side is ended after the last byte
// (HostSocket and GuestSocket half-close; a QTcpSocket, which Qt cannot half-close, is
// disconnected once its bytes are out). It counts bytes each way and reports once, at the end.
// It owns neither device.
#pragma once

#include <QIODevice>
#include <QObject>
#include <QPointer>

namespace vivarium {

class StreamRelay : public QObject {
    Q_OBJECT
public:
    static constexpr qint64 kHighWater = 1024 * 1024;

    StreamRelay(QIODevice* a, QIODevice* b, QObject* parent = nullptr);

    qint64 bytesAtoB() const { return m_aToB.bytes; }
    qint64 bytesBtoA() const { return m_bToA.bytes; }
    bool isFinished() const { return m_finished; }
    // Ends the relay now: both devices are closed (a GuestSocket resets, a socket aborts).
    void abort(const QString& why);

signals:
    // Bytes moved (throttled by the caller if it wants; emitted per chunk).
    void progressed();
    // Both directions ended (error empty) or one side failed.
    void finished(const QString& error);

private:
    struct Direction {
        QPointer<QIODevice> from;
        QPointer<QIODevice> to;
        qint64 bytes = 0;
        bool ended = false; // `from` reached its end and `to` was told
    };
    void pump(Direction& d);
    void endWrite(QIODevice* to);
    void check();
    void finish(const QString& error);

    Direction m_aToB;
    Direction m_bToA;
    bool m_finished = false;
};

} // namespace vivarium
