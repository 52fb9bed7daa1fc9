#include "GuestChannel.h"

#include "Log.h"

#include <QRandomGenerator>

namespace vivarium {

using protocol::FrameType;

GuestChannel::GuestChannel(QObject* parent) : QObject(parent) {
    // Large reads keep guest→host throughput near the socket's own.
    m_socket.setReadBufferSize(0);
    connect(&m_socket, &QLocalSocket::connected, this, &GuestChannel::connected);
    connect(&m_socket, &QLocalSocket::readyRead, this, &GuestChannel::onReadyRead);
    connect(&m_socket, &QLocalSocket::disconnected, this, &GuestChannel::disconnected);
    connect(&m_socket, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError) {
        if (m_socket.state() != QLocalSocket::ConnectedState)
            emit failed(m_socket.errorString());
    });
}

void GuestChannel::connectTo(const QString& socketPath) {
    m_reader.clear();
    m_out.clear();
    m_socket.abort();
    m_socket.connectToServer(socketPath);
}

void GuestChannel::close() { m_socket.abort(); }

bool GuestChannel::isConnected() const {
    return m_socket.state() == QLocalSocket::ConnectedState;
}

void GuestChannel::sync() {
    m_nonce = QRandomGenerator::global()->generate64() | 1;
    send(FrameType::Sync, 0, QByteArray::fromStdString(protocol::nonceJson(m_nonce)));
}

quint64 GuestChannel::flush() {
    const quint64 nonce = QRandomGenerator::global()->generate64() | 1;
    send(FrameType::Flush, 0, QByteArray::fromStdString(protocol::nonceJson(nonce)));
    return nonce;
}

bool GuestChannel::send(FrameType type, quint32 stream, const QByteArray& payload) {
    std::vector<std::uint8_t> out;
    if (!protocol::encodeFrame(out, type, stream,
                               std::string_view(payload.constData(), size_t(payload.size()))))
        return false;
    return m_socket.write(reinterpret_cast<const char*>(out.data()), qint64(out.size())) ==
           qint64(out.size());
}

void GuestChannel::sendStreamData(FrameType type, quint32 stream, const QByteArray& data) {
    Outgoing& o = m_out[stream];
    o.type = type;
    if (data.isEmpty())
        o.closeAfter = true;
    else
        o.pending.append(data);
    pump(stream);
}

qint64 GuestChannel::queuedStreamBytes(quint32 stream) const {
    auto it = m_out.constFind(stream);
    return it == m_out.cend() ? 0 : it->pending.size();
}

void GuestChannel::forgetStream(quint32 stream) { m_out.remove(stream); }

void GuestChannel::pump(quint32 stream) {
    auto it = m_out.find(stream);
    if (it == m_out.end())
        return;
    Outgoing& o = *it;
    while (!o.pending.isEmpty() && o.inFlight < qint64(protocol::kStreamWindow)) {
        const qint64 n = std::min<qint64>({qint64(protocol::kDataChunk), o.pending.size(),
                                           qint64(protocol::kStreamWindow) - o.inFlight});
        send(o.type, stream, o.pending.left(n));
        o.pending.remove(0, n);
        o.inFlight += n;
    }
    if (o.pending.isEmpty() && o.closeAfter) {
        // The end of a direction: FileEnd after file data, an empty frame of the same type
        // after stdin and TCP data.
        send(o.type == FrameType::FileData ? FrameType::FileEnd : o.type, stream, {});
        o.closeAfter = false;
    }
    if (o.pending.isEmpty())
        emit streamDrained(stream);
}

void GuestChannel::onReadyRead() {
    while (m_socket.bytesAvailable() > 0) {
        const QByteArray chunk = m_socket.read(1 << 20);
        if (chunk.isEmpty())
            break;
        const auto before = m_reader.corruptCount();
        m_reader.append(std::span(reinterpret_cast<const std::uint8_t*>(chunk.constData()),
                                  size_t(chunk.size())));
        while (auto frame = m_reader.next())
            dispatch(std::move(*frame));
        if (m_reader.corruptCount() != before) {
            const QString what = QString::fromStdString(m_reader.lastError());
            qCWarning(lcGuest) << "skipped corrupt bytes from the guest:" << what;
            emit protocolError(what);
        }
    }
}

void GuestChannel::dispatch(protocol::Frame frame) {
    switch (frame.type) {
    case FrameType::Hello:
        if (auto h = protocol::parseHello(frame.payloadText()))
            emit hello(*h);
        else
            emit protocolError("malformed hello: " + QString::fromStdString(h.error));
        return;
    case FrameType::SyncAck:
        if (auto h = protocol::parseHello(frame.payloadText()); h && h->nonce == m_nonce)
            emit synced(*h);
        return; // a stale or forged ack is ignored
    case FrameType::Pong:
        if (auto nonce = protocol::parseNonce(frame.payloadText()))
            emit pong(*nonce);
        return;
    case FrameType::Log:
        return;
    case FrameType::Window:
        if (auto bytes = protocol::parseWindow(frame.payloadText())) {
            auto it = m_out.find(frame.stream);
            if (it != m_out.end()) {
                it->inFlight = std::max<qint64>(0, it->inFlight - qint64(*bytes));
                pump(frame.stream);
                emit windowCredited(frame.stream, qint64(*bytes));
            }
        }
        return;
    case FrameType::Sync: case FrameType::Shutdown: case FrameType::Ping:
    case FrameType::Exec: case FrameType::Stdin: case FrameType::Resize:
    case FrameType::Signal: case FrameType::FileWrite: case FrameType::FileRead:
    case FrameType::FileStat: case FrameType::FileList: case FrameType::FileRemove:
    case FrameType::NetConfig: case FrameType::TcpConnect: case FrameType::SetClock:
    case FrameType::Flush:
        emit protocolError(QString("guest sent a host-only frame (%1)")
                               .arg(QString::fromLatin1(protocol::frameTypeName(frame.type))));
        return;
    default:
        emit streamFrame(frame);
    }
}

} // namespace vivarium
