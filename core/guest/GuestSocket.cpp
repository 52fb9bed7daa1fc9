// See GuestSocket.h.
#include "GuestSocket.h"

#include "GuestChannel.h"
#include "GuestMessages.h"
#include "Log.h"

#include <QJsonDocument>

namespace vivarium {

using protocol::FrameType;

namespace {
constexpr qint64 kCreditBatch = 64 * 1024;
constexpr int kLingerMs = 10000;
} // namespace

GuestSocket::GuestSocket(GuestChannel* channel, quint32 stream, bool connected, QObject* parent)
    : QIODevice(parent), m_channel(channel), m_stream(stream), m_connected(connected) {
    QIODevice::open(QIODevice::ReadWrite | QIODevice::Unbuffered);
    m_lingerTimer.setSingleShot(true);
    connect(&m_lingerTimer, &QTimer::timeout, this,
            [this] { abort("the sandbox did not close its side of the connection"); });
}

GuestSocket::~GuestSocket() {
    if (!m_finished && m_channel) {
        m_channel->send(FrameType::Error, m_stream,
                        QByteArray::fromStdString(protocol::toJson(
                            protocol::StreamError{"closed", "the host closed the connection"})));
        m_channel->forgetStream(m_stream);
    }
}

qint64 GuestSocket::bytesAvailable() const {
    return m_in.size() - m_inOffset + QIODevice::bytesAvailable();
}

qint64 GuestSocket::bytesToWrite() const {
    return m_channel ? m_channel->queuedStreamBytes(m_stream) : 0;
}

bool GuestSocket::atEnd() const { return m_guestFin && m_in.size() == m_inOffset; }

void GuestSocket::close() {
    if (!isOpen())
        return;
    QIODevice::close();
    m_discard = true;
    m_in.clear();
    m_inOffset = 0;
    creditGuest(true);
    shutdownWrite();
    if (!m_finished && !m_guestFin)
        m_lingerTimer.start(kLingerMs);
    checkDone();
}

void GuestSocket::shutdownWrite() {
    if (m_ourFin || m_finished)
        return;
    m_ourFin = true;
    if (m_channel)
        m_channel->sendStreamData(FrameType::TcpData, m_stream, {});
    checkDone();
}

void GuestSocket::abort(const QString& why) {
    if (m_finished)
        return;
    if (m_channel) {
        m_channel->send(FrameType::Error, m_stream,
                        QByteArray::fromStdString(protocol::toJson(protocol::StreamError{
                            "closed", why.isEmpty() ? "the host reset the connection"
                                                    : why.toStdString()})));
        m_channel->forgetStream(m_stream);
    }
    finish(why.isEmpty() ? QStringLiteral("reset by the host") : why);
}

void GuestSocket::fail(const QString& why) {
    if (m_finished)
        return;
    if (m_channel)
        m_channel->forgetStream(m_stream);
    finish(why);
}

void GuestSocket::onFrame(const protocol::Frame& f) {
    if (m_finished)
        return;
    switch (f.type) {
    case FrameType::TcpConnected:
        if (!m_connected) {
            m_connected = true;
            emit connected();
        }
        return;
    case FrameType::TcpData: {
        if (m_guestFin) {
            abort("the sandbox sent data after closing its side");
            return;
        }
        if (f.payload.empty()) {
            m_guestFin = true;
            emit readChannelFinished();
            checkDone();
            return;
        }
        const qint64 n = qint64(f.payload.size());
        m_received += n;
        if (m_discard) {
            m_toCredit += n;
            creditGuest(false);
            return;
        }
        if (m_in.size() - m_inOffset + n > qint64(protocol::kStreamWindow)) {
            abort("the sandbox sent more than the stream's window");
            return;
        }
        m_in.append(reinterpret_cast<const char*>(f.payload.data()), n);
        emit readyRead();
        return;
    }
    case FrameType::Error: {
        const auto e = protocol::parseStreamError(f.payloadText());
        if (m_channel)
            m_channel->forgetStream(m_stream);
        finish(e ? QString::fromStdString(e->message) : QStringLiteral("the sandbox reset it"));
        return;
    }
    default:
        abort(QString("unexpected %1 frame on a TCP stream")
                  .arg(QString::fromLatin1(protocol::frameTypeName(f.type))));
    }
}

void GuestSocket::onCredit(qint64 bytes) {
    if (bytes > 0 && !m_finished)
        emit bytesWritten(bytes);
    checkDone();
}

qint64 GuestSocket::readData(char* data, qint64 maxSize) {
    const qint64 n = std::min<qint64>(maxSize, m_in.size() - m_inOffset);
    if (n <= 0)
        return m_guestFin || m_finished ? -1 : 0;
    memcpy(data, m_in.constData() + m_inOffset, size_t(n));
    m_inOffset += n;
    if (m_inOffset == m_in.size()) {
        m_in.clear();
        m_inOffset = 0;
    } else if (m_inOffset > qint64(protocol::kStreamWindow) / 2) {
        m_in.remove(0, m_inOffset);
        m_inOffset = 0;
    }
    m_toCredit += n;
    creditGuest(false);
    checkDone();
    return n;
}

qint64 GuestSocket::writeData(const char* data, qint64 size) {
    if (m_finished || m_ourFin || !m_channel) {
        setErrorString(m_failure.isEmpty() ? QStringLiteral("the connection is closed") : m_failure);
        return -1;
    }
    m_channel->sendStreamData(FrameType::TcpData, m_stream, QByteArray(data, size));
    m_sent += size;
    return size;
}

void GuestSocket::creditGuest(bool force) {
    if (!m_channel || m_toCredit <= 0 || m_finished)
        return;
    if (!force && m_toCredit < kCreditBatch && m_in.size() != m_inOffset)
        return;
    m_channel->send(FrameType::Window, m_stream,
                    QByteArray::fromStdString(protocol::windowJson(quint32(m_toCredit))));
    m_toCredit = 0;
}

void GuestSocket::checkDone() {
    // Orderly end: both sides sent FIN, our bytes are out, and the reader took the guest's.
    if (m_finished || !m_guestFin || !m_ourFin || bytesToWrite() > 0)
        return;
    if (!m_discard && m_in.size() != m_inOffset)
        return;
    if (m_channel)
        m_channel->forgetStream(m_stream);
    finish({});
}

void GuestSocket::finish(const QString& error) {
    if (m_finished)
        return;
    m_finished = true;
    m_failure = error;
    m_lingerTimer.stop();
    if (!error.isEmpty())
        setErrorString(error);
    if (!m_guestFin) {
        m_guestFin = true;
        emit readChannelFinished();
    }
    emit finished(error);
}

} // namespace vivarium
