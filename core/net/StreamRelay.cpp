// See StreamRelay.h.
#include "StreamRelay.h"

#include "GuestSocket.h"
#include "HostSocket.h"

#include <QAbstractSocket>

namespace vivarium {

namespace {

constexpr qint64 kChunk = 64 * 1024;

// Whether the device will deliver nothing more and has nothing buffered.
bool drained(QIODevice* d, bool sawEnd) {
    return !d || (sawEnd && d->bytesAvailable() == 0);
}

// Whether the device is over as a connection (safe to delete without cutting bytes short).
bool closedDown(QIODevice* d) {
    if (!d)
        return true;
    if (auto* g = qobject_cast<GuestSocket*>(d))
        return g->isFinished();
    if (auto* h = qobject_cast<HostSocket*>(d))
        return h->isFinished();
    if (auto* s = qobject_cast<QAbstractSocket*>(d))
        return s->state() == QAbstractSocket::UnconnectedState;
    return true;
}

} // namespace

StreamRelay::StreamRelay(QIODevice* a, QIODevice* b, QObject* parent) : QObject(parent) {
    m_aToB.from = a;
    m_aToB.to = b;
    m_bToA.from = b;
    m_bToA.to = a;
    for (QIODevice* d : {a, b}) {
        Direction& out = d == a ? m_aToB : m_bToA; // d's bytes go this way
        Direction& in = d == a ? m_bToA : m_aToB;  // bytes to d go this way
        connect(d, &QIODevice::readyRead, this, [this, &out] { pump(out); });
        connect(d, &QIODevice::bytesWritten, this, [this, &in] { pump(in); });
        // The end counts once its last bytes are relayed (pump checks).
        connect(d, &QIODevice::readChannelFinished, this, [this, &out] { pump(out); });
        if (auto* g = qobject_cast<GuestSocket*>(d)) {
            connect(g, &GuestSocket::finished, this, [this, g](const QString& error) {
                if (!error.isEmpty() && !m_finished) {
                    abort(error);
                    return;
                }
                pump(g == m_aToB.from ? m_aToB : m_bToA);
                check();
            });
        } else if (auto* h = qobject_cast<HostSocket*>(d)) {
            connect(h, &HostSocket::finished, this, [this, h](const QString& error) {
                if (!error.isEmpty() && !m_finished) {
                    abort(error);
                    return;
                }
                pump(h == m_aToB.from ? m_aToB : m_bToA);
                check();
            });
        } else if (auto* s = qobject_cast<QAbstractSocket*>(d)) {
            connect(s, &QAbstractSocket::disconnected, this, [this, s] {
                pump(s == m_aToB.from ? m_aToB : m_bToA);
                check();
            });
            connect(s, &QAbstractSocket::errorOccurred, this,
                    [this, s](QAbstractSocket::SocketError e) {
                        if (e != QAbstractSocket::RemoteHostClosedError && !m_finished)
                            abort(s->errorString());
                    });
        }
    }
    // Bytes that arrived before the relay existed.
    QMetaObject::invokeMethod(this, [this] {
        pump(m_aToB);
        pump(m_bToA);
    }, Qt::QueuedConnection);
}

void StreamRelay::pump(Direction& d) {
    if (m_finished || d.ended || !d.from || !d.to)
        return;
    bool moved = false;
    while (d.from->bytesAvailable() > 0 && d.to->bytesToWrite() < kHighWater) {
        const QByteArray chunk = d.from->read(kChunk);
        if (chunk.isEmpty())
            break;
        if (d.to->write(chunk) != chunk.size()) {
            // The other side cannot take more: it is gone, and so is this direction.
            d.ended = true;
            break;
        }
        d.bytes += chunk.size();
        moved = true;
    }
    if (moved)
        emit progressed();
    // The source is done when it said so (or is gone) and nothing of it is left.
    bool sourceDone = false;
    if (auto* g = qobject_cast<GuestSocket*>(d.from.data()))
        sourceDone = g->atEnd() || g->isFinished();
    else if (auto* h = qobject_cast<HostSocket*>(d.from.data()))
        sourceDone = h->atEnd() || h->isFinished();
    else if (auto* s = qobject_cast<QAbstractSocket*>(d.from.data()))
        sourceDone = s->state() != QAbstractSocket::ConnectedState;
    else
        sourceDone = !d.from->isOpen();
    if (!d.ended && sourceDone && drained(d.from, true)) {
        d.ended = true;
        endWrite(d.to);
    } else if (d.ended) {
        endWrite(d.to);
    }
    check();
}

void StreamRelay::endWrite(QIODevice* to) {
    if (auto* g = qobject_cast<GuestSocket*>(to))
        g->shutdownWrite();
    else if (auto* h = qobject_cast<HostSocket*>(to))
        h->shutdownWrite();
    else if (auto* s = qobject_cast<QAbstractSocket*>(to))
        s->disconnectFromHost(); // after its pending bytes
    else if (to)
        to->close();
}

void StreamRelay::check() {
    if (m_finished || !m_aToB.ended || !m_bToA.ended)
        return;
    if (!closedDown(m_aToB.from) || !closedDown(m_bToA.from))
        return;
    // A guest connection that failed (refused, reset) ends the relay with its reason, even
    // when both directions look ended because of it.
    QString error;
    for (QIODevice* d : {m_aToB.from.data(), m_bToA.from.data()})
        if (auto* g = qobject_cast<GuestSocket*>(d); g && error.isEmpty())
            error = g->failureReason();
        else if (auto* h = qobject_cast<HostSocket*>(d); h && error.isEmpty())
            error = h->failureReason();
    finish(error);
}

void StreamRelay::abort(const QString& why) {
    if (m_finished)
        return;
    for (QIODevice* d : {m_aToB.from.data(), m_bToA.from.data()}) {
        if (auto* g = qobject_cast<GuestSocket*>(d))
            g->abort(why);
        else if (auto* h = qobject_cast<HostSocket*>(d))
            h->abort();
        else if (auto* s = qobject_cast<QAbstractSocket*>(d))
            s->abort();
        else if (d)
            d->close();
    }
    finish(why.isEmpty() ? QStringLiteral("aborted") : why);
}

void StreamRelay::finish(const QString& error) {
    if (m_finished)
        return;
    m_finished = true;
    emit finished(error);
}

} // namespace vivarium
