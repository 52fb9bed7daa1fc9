#include "RunFollower.h"

#include "Log.h"

namespace vivarium {

namespace {
constexpr qint64 kCatchUpSlice = 256 * 1024;
}

RunFollower::RunFollower(OutputSource* run, quint32 channel, Sink sink, QObject* parent)
    : QObject(parent), m_run(run), m_channel(channel), m_sink(std::move(sink)) {
    connect(run, &OutputSource::output, this, &RunFollower::onOutput);
    connect(run, &OutputSource::exited, this, &RunFollower::pump);
    m_behind = run->outputLogSize() > 0;
}

void RunFollower::onOutput(OutputKind kind, const QByteArray& data, qint64 start, qint64 end) {
    if (start < 0) { // could not be stored: live is the only chance to deliver it
        m_sink.data(kind, data);
        return;
    }
    if (!m_behind && start == m_cursor && m_sink.hasRoom()) {
        m_sink.data(kind, data);
        m_cursor = end;
        return;
    }
    m_behind = true; // it stays in the log; pump() reads it back
    if (!m_lagReported) {
        m_lagReported = true;
        if (m_sink.lagging)
            m_sink.lagging();
    }
}

void RunFollower::pump() {
    if (!m_run || m_exitSent)
        return;
    while (m_behind && m_sink.hasRoom()) {
        const QString path = m_run->outputPath();
        auto next = OutputLog::readFrom(path, m_cursor, kCatchUpSlice,
                                        [this](OutputKind kind, const QByteArray& d) {
                                            m_sink.data(kind, d);
                                            return true;
                                        });
        if (!next) {
            qCWarning(lcApi) << next.error().text();
            m_cursor = m_run->outputLogSize(); // give up on what cannot be read
        } else {
            m_cursor = next.value();
        }
        if (m_cursor >= m_run->outputLogSize())
            m_behind = false;
    }
    if (!m_behind && (!m_caughtUpSent || m_lagReported)) {
        m_caughtUpSent = true;
        m_lagReported = false;
        if (m_sink.caughtUp)
            m_sink.caughtUp();
    }
    if (!m_behind && m_run->finished()) {
        m_exitSent = true;
        m_sink.exited();
    }
}

} // namespace vivarium
