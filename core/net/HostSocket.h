// A host TCP connection (a tunnel's accepted client) as a sequential QIODevice that, unlike
// QTcpSocket, keeps the two directions apart: the peer ending its side (FIN) is
// readChannelFinished() only, and the socket can still send; shutdownWrite() ends our side
// after the last queued byte (::shutdown(SHUT_WR)). Clients that send a request and then
// half-close (nc -N, "read to the end" protocols) thus still get their answer through a
// tunnel. Reading stops while kReadBuffer bytes wait unread (back-pressure reaches the peer
// through TCP). It owns the descriptor.
#pragma once

#include <QByteArray>
#include <QIODevice>
#include <QSocketNotifier>

#include <memory>

namespace vivarium {

class HostSocket : public QIODevice {
    Q_OBJECT
public:
    static constexpr qint64 kReadBuffer = 1024 * 1024;

    // Takes `fd` (a connected stream socket); makes it non-blocking.
    explicit HostSocket(qintptr fd, QObject* parent = nullptr);
    ~HostSocket() override;

    bool isSequential() const override { return true; }
    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override { return m_out.size(); }
    bool atEnd() const override { return m_eof && m_in.isEmpty(); }
    void close() override;

    void shutdownWrite();
    void abort();
    // Both directions are over (or the connection failed): safe to delete.
    bool isFinished() const { return m_fd < 0 || (m_eof && m_writeShut); }
    QString failureReason() const { return m_failure; }

signals:
    void finished(const QString& error); // error empty after an orderly end

protected:
    qint64 readData(char* data, qint64 maxSize) override;
    qint64 writeData(const char* data, qint64 size) override;

private:
    void onReadable();
    void flush();
    void fail(int err);
    void checkFinished();
    void closeFd();

    int m_fd;
    std::unique_ptr<QSocketNotifier> m_readNotifier;
    std::unique_ptr<QSocketNotifier> m_writeNotifier;
    QByteArray m_in;
    QByteArray m_out;
    bool m_eof = false;        // the peer ended its direction
    bool m_wantShut = false;   // shutdownWrite() asked
    bool m_writeShut = false;  // our direction ended
    bool m_finishedSent = false;
    QString m_failure;
};

} // namespace vivarium
