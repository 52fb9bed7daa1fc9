// A command run in a sandbox, live or finished: its on-disk record plus the signals that
// let any number of watchers follow it (an API session, the GUI). Output is stored before
// it is emitted, so a late watcher replays the record and then follows the signals.
#pragma once

#include "OutputSource.h"
#include "RunRecord.h"

#include <memory>

namespace vivarium {

class Run : public OutputSource {
    Q_OBJECT
public:
    Run(std::unique_ptr<RunRecord> record, QObject* parent);

    const RunInfo& info() const { return m_record->info(); }
    quint32 seq() const { return info().seq; }
    QString dir() const { return m_record->dir(); }
    bool finished() const override { return info().finished(); }
    QString outputPath() const override { return m_record->outputPath(); }
    qint64 outputLogSize() const override { return m_record->outputLogSize(); }
    QString timingPath() const { return m_record->timingPath(); }
    qint64 pid() const { return m_pid; }

    void setPid(qint64 pid) { m_pid = pid; }
    void setTimedOut(qint64 afterMs) { m_timeoutMs = afterMs; }
    bool timedOut() const { return m_timeoutMs > 0; }
    qint64 timeoutMs() const { return m_timeoutMs; }
    void addOutput(OutputKind kind, const QByteArray& data);
    void finish(std::optional<int> exitCode, int signal, const QString& error = {},
                const QString& errorCode = {});

private:
    std::unique_ptr<RunRecord> m_record;
    qint64 m_pid = 0;
    qint64 m_timeoutMs = 0;
};

} // namespace vivarium
