// One command run in a sandbox, as kept on disk: what ran, who ran it, when, how it ended,
// and its output. Output is appended to an append-only file of records
// (u8 kind, u32 little-endian length, bytes) so it can be replayed byte-exact and survives a
// service restart; when it arrived goes to a side file of timing marks (RunTiming); meta.json
// holds the rest. Directory layout:
//   <sandbox dir>/runs/<seq>/meta.json, output.log, timing
#pragma once

#include "OutputLog.h"
#include "Result.h"
#include "RunTiming.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace vivarium {

struct RunInfo {
    quint32 seq = 0; // also the guest stream id
    QStringList argv;
    QString origin; // who asked: "viv", "api", a client's name
    bool pty = false;
    int rows = 0, cols = 0; // the terminal's size at the start, for a pty run (0: unknown)
    QDateTime started;
    std::optional<QDateTime> ended;
    std::optional<int> exitCode;
    int signal = 0;
    QString error;     // set when the run could not start or was lost: for a user
    QString errorCode; // stable: "exec_failed", "bad_user", "lost", …
    qint64 outputBytes = 0;

    bool finished() const { return ended.has_value(); }
    QJsonObject toJson() const;
    static Result<RunInfo> fromJson(const QJsonObject& o);
};

class RunRecord {
public:
    // Creates a new record directory and writes meta.json.
    static Result<std::unique_ptr<RunRecord>> create(const QString& dir, RunInfo info);
    // Opens an existing record (output appends continue at the end).
    static Result<std::unique_ptr<RunRecord>> open(const QString& dir);

    const RunInfo& info() const { return m_info; }
    QString dir() const { return m_dir; }

    Result<OutputLog::Range> appendOutput(OutputKind kind, const QByteArray& data);
    QString outputPath() const { return m_log.path(); }
    qint64 outputLogSize() const { return m_log.size(); }
    QString timingPath() const { return m_dir + "/timing"; }
    Status finish(std::optional<int> exitCode, int signal, const QString& error = {},
                  const QString& errorCode = {});
    Status saveMeta();

    // Replays the stored output in order; stops early when `sink` returns false.
    static Status replay(const QString& dir,
                         const std::function<bool(OutputKind, const QByteArray&)>& sink);

private:
    RunRecord(QString dir, RunInfo info);
    qint64 elapsedMs() const;
    QString m_dir;
    RunInfo m_info;
    OutputLog m_log;
    RunTiming m_timing;
    // Monotonic time since the run started: a clock from when this object was made, plus how
    // long after the start that was (not 0 for a record reopened after a service restart).
    QElapsedTimer m_clock;
    qint64 m_clockBaseMs = 0;
    bool m_timingWarned = false;
};

} // namespace vivarium
