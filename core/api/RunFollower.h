// Follows one run for one API client: replays the run's stored output from the start, then
// forwards live output, then the exit, in that order and without gaps. It never has more in
// flight than the client's connection allows: when the client falls behind, live chunks are
// left in the run's output log and read back from there once it catches up, so memory
// stays bounded and nothing promised is lost.
#pragma once

#include "OutputSource.h"

#include <QObject>
#include <QPointer>

#include <functional>

namespace vivarium {


class RunFollower : public QObject {
    Q_OBJECT
public:
    struct Sink {
        std::function<bool()> hasRoom;
        std::function<void(OutputKind, const QByteArray&)> data;
        std::function<void()> exited;   // after the last byte
        std::function<void()> caughtUp; // everything stored so far was delivered (after a lag)
        std::function<void()> lagging;  // fell behind: now served from the stored output
    };
    RunFollower(OutputSource* source, quint32 channel, Sink sink, QObject* parent);

    quint32 channel() const { return m_channel; }

    bool done() const { return m_exitSent; }
    bool behind() const { return m_behind; }
    // Sends what the connection has room for; call when room frees up.
    void pump();

private:
    void onOutput(OutputKind kind, const QByteArray& data, qint64 start, qint64 end);

    QPointer<OutputSource> m_run;
    quint32 m_channel;
    Sink m_sink;
    qint64 m_cursor = 0; // offset in the run's output log up to which the client has it
    bool m_behind = false;
    bool m_exitSent = false;
    bool m_caughtUpSent = false;
    bool m_lagReported = false;
};

} // namespace vivarium
