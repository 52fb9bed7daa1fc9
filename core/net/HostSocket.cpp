// See HostSocket.h.
#include "HostSocket.h"

#include <QMetaObject>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vivarium {

HostSocket::HostSocket(qintptr fd, QObject* parent) : QIODevice(parent), m_fd(int(fd)) {
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
    // Answers written in pieces go out at once (no 40 ms wait for a delayed ACK).
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    QIODevice::open(QIODevice::ReadWrite | QIODevice::Unbuffered);
    m_readNotifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
    connect(m_readNotifier.get(), &QSocketNotifier::activated, this, &HostSocket::onReadable);
    m_writeNotifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Write);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier.get(), &QSocketNotifier::activated, this, &HostSocket::flush);
}

HostSocket::~HostSocket() { closeFd(); }

qint64 HostSocket::bytesAvailable() const { return m_in.size() + QIODevice::bytesAvailable(); }

void HostSocket::onReadable() {
    if (m_fd < 0 || m_eof)
        return;
    qint64 got = 0;
    while (m_in.size() < kReadBuffer) {
        char buffer[64 * 1024];
        const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
        if (n > 0) {
            m_in.append(buffer, n);
            got += n;
            continue;
        }
        if (n == 0) {
            m_eof = true;
            m_readNotifier->setEnabled(false);
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            fail(errno);
            return;
        }
        break;
    }
    if (m_in.size() >= kReadBuffer)
        m_readNotifier->setEnabled(false);
    if (got > 0)
        emit readyRead();
    if (m_eof) {
        emit readChannelFinished();
        checkFinished();
    }
}

qint64 HostSocket::readData(char* data, qint64 maxSize) {
    const qint64 n = std::min<qint64>(maxSize, m_in.size());
    if (n <= 0)
        return m_eof || m_fd < 0 ? -1 : 0;
    memcpy(data, m_in.constData(), size_t(n));
    m_in.remove(0, n);
    if (!m_eof && m_fd >= 0 && m_in.size() < kReadBuffer)
        m_readNotifier->setEnabled(true);
    return n;
}

qint64 HostSocket::writeData(const char* data, qint64 size) {
    if (m_fd < 0 || m_wantShut) {
        setErrorString(QStringLiteral("the connection is closed"));
        return -1;
    }
    m_out.append(data, size);
    // Sent from the event loop, so bytesWritten never fires inside write().
    if (!m_writeNotifier->isEnabled())
        m_writeNotifier->setEnabled(true);
    return size;
}

void HostSocket::flush() {
    if (m_fd < 0)
        return;
    qint64 sent = 0;
    while (!m_out.isEmpty()) {
        const ssize_t n = ::send(m_fd, m_out.constData(), size_t(m_out.size()), MSG_NOSIGNAL);
        if (n > 0) {
            m_out.remove(0, n);
            sent += n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        fail(errno);
        return;
    }
    m_writeNotifier->setEnabled(!m_out.isEmpty());
    if (m_out.isEmpty() && m_wantShut && !m_writeShut) {
        ::shutdown(m_fd, SHUT_WR);
        m_writeShut = true;
    }
    if (sent > 0)
        emit bytesWritten(sent);
    checkFinished();
}

void HostSocket::shutdownWrite() {
    if (m_wantShut || m_fd < 0)
        return;
    m_wantShut = true;
    m_writeNotifier->setEnabled(true); // flush() shuts the direction once the queue is empty
}

void HostSocket::close() {
    if (!isOpen())
        return;
    QIODevice::close();
    abort();
}

void HostSocket::abort() {
    if (m_fd < 0)
        return;
    // A reset, not a FIN: the peer must not take a cut-off answer for a whole one.
    const linger l{1, 0};
    ::setsockopt(m_fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    closeFd();
    if (m_failure.isEmpty())
        m_failure = QStringLiteral("reset by the host");
    checkFinished();
}

void HostSocket::fail(int err) {
    m_failure = QString::fromLocal8Bit(std::strerror(err));
    setErrorString(m_failure);
    closeFd();
    if (!m_eof) {
        m_eof = true;
        emit readChannelFinished();
    }
    checkFinished();
}

void HostSocket::closeFd() {
    if (m_fd < 0)
        return;
    m_readNotifier.reset();
    m_writeNotifier.reset();
    ::close(m_fd);
    m_fd = -1;
}

void HostSocket::checkFinished() {
    if (m_finishedSent || !isFinished())
        return;
    m_finishedSent = true;
    // Delivered from the event loop: the receiver may delete this socket.
    QMetaObject::invokeMethod(this, [this] { emit finished(m_failure); }, Qt::QueuedConnection);
}

} // namespace vivarium
