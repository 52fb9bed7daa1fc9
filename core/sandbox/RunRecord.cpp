#include "RunRecord.h"

#include "Log.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include <cstdio>
#include <limits>

namespace vivarium {

namespace {

// Write-and-rename: a reader or a crash sees the old or the new file, never half of one.
// No fsync: this is on every exec's path, and the output log is the truth after a crash.
Status writeJsonAtomically(const QString& path, const QJsonObject& o) {
    QFile f(path + ".tmp");
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        f.write(QJsonDocument(o).toJson()) < 0 || !f.flush())
        return makeError("io_error", "Cannot write " + path + " (is the disk full?)", f.errorString());
    f.close();
    if (::rename(QFile::encodeName(f.fileName()).constData(), QFile::encodeName(path).constData()) != 0)
        return makeError("io_error", "Cannot write " + path, qt_error_string(errno));
    return {};
}
} // namespace

QJsonObject RunInfo::toJson() const {
    QJsonObject o{{"seq", qint64(seq)},
                  {"argv", QJsonArray::fromStringList(argv)},
                  {"origin", origin},
                  {"pty", pty},
                  {"started", started.toString(Qt::ISODateWithMs)},
                  {"output_bytes", outputBytes}};
    if (pty && rows > 0 && cols > 0) {
        o["rows"] = rows;
        o["cols"] = cols;
    }
    if (ended)
        o["ended"] = ended->toString(Qt::ISODateWithMs);
    if (exitCode)
        o["exit_code"] = *exitCode;
    if (signal)
        o["signal"] = signal;
    if (!error.isEmpty())
        o["error"] = error;
    if (!errorCode.isEmpty())
        o["error_code"] = errorCode;
    return o;
}

Result<RunInfo> RunInfo::fromJson(const QJsonObject& o) {
    RunInfo r;
    if (!o.value("seq").isDouble() || !o.value("argv").isArray())
        return makeError("corrupt_record", "Run record is missing 'seq' or 'argv'");
    r.seq = quint32(o.value("seq").toInteger());
    for (const auto& a : o.value("argv").toArray())
        r.argv << a.toString();
    r.origin = o.value("origin").toString();
    r.pty = o.value("pty").toBool();
    r.rows = o.value("rows").toInt();
    r.cols = o.value("cols").toInt();
    r.started = QDateTime::fromString(o.value("started").toString(), Qt::ISODateWithMs);
    if (o.contains("ended"))
        r.ended = QDateTime::fromString(o.value("ended").toString(), Qt::ISODateWithMs);
    if (o.contains("exit_code"))
        r.exitCode = o.value("exit_code").toInt();
    r.signal = o.value("signal").toInt();
    r.error = o.value("error").toString();
    r.errorCode = o.value("error_code").toString();
    r.outputBytes = o.value("output_bytes").toInteger();
    return r;
}

RunRecord::RunRecord(QString dir, RunInfo info) : m_dir(std::move(dir)), m_info(std::move(info)) {
    m_clock.start();
    if (m_info.started.isValid())
        m_clockBaseMs = std::max<qint64>(0, m_info.started.msecsTo(QDateTime::currentDateTimeUtc()));
}

qint64 RunRecord::elapsedMs() const { return m_clockBaseMs + m_clock.elapsed(); }

Result<std::unique_ptr<RunRecord>> RunRecord::create(const QString& dir, RunInfo info) {
    if (!QDir().mkpath(dir))
        return makeError("io_error", "Cannot create the run record directory " + dir);
    std::unique_ptr<RunRecord> r(new RunRecord(dir, std::move(info)));
    if (auto s = r->m_log.open(dir + "/output.log", /*truncate=*/true); !s)
        return s.error();
    if (auto s = r->m_timing.open(r->timingPath(), /*truncate=*/true); !s)
        return s.error();
    if (auto s = r->saveMeta(); !s)
        return s.error();
    return r;
}

Result<std::unique_ptr<RunRecord>> RunRecord::open(const QString& dir) {
    QFile meta(dir + "/meta.json");
    if (!meta.open(QIODevice::ReadOnly))
        return makeError("not_found", "No run record at " + dir, meta.errorString());
    QJsonParseError pe;
    const auto doc = QJsonDocument::fromJson(meta.readAll(), &pe);
    if (!doc.isObject())
        return makeError("corrupt_record", "Run record " + dir + "/meta.json is not valid JSON",
                         pe.errorString());
    auto info = RunInfo::fromJson(doc.object());
    if (!info)
        return info.error().wrap(dir);
    std::unique_ptr<RunRecord> r(new RunRecord(dir, std::move(info.value())));
    if (auto s = r->m_log.open(dir + "/output.log", /*truncate=*/false); !s)
        return s.error();
    // Timing is an extra: a record whose timing file cannot be opened still replays.
    if (auto s = r->m_timing.open(r->timingPath(), /*truncate=*/false); !s)
        qCWarning(lcSandbox) << s.error().text();
    // The output file is the truth for byte counts (meta.json may lag after a crash).
    r->m_info.outputBytes = r->m_log.payloadBytes();
    return r;
}

Result<OutputLog::Range> RunRecord::appendOutput(OutputKind kind, const QByteArray& data) {
    const qint64 before = m_log.payloadBytes();
    auto range = m_log.append(kind, data);
    if (!range)
        return range;
    m_info.outputBytes += data.size();
    // After the output, so a mark never points past what is stored. A timing failure costs
    // only the timing: the output is kept and the run goes on.
    if (!data.isEmpty())
        if (auto s = m_timing.note(before, elapsedMs()); !s && !std::exchange(m_timingWarned, true))
            qCWarning(lcSandbox) << s.error().text();
    return range;
}

Status RunRecord::finish(std::optional<int> exitCode, int signal, const QString& error,
                         const QString& errorCode) {
    m_info.ended = QDateTime::currentDateTimeUtc();
    m_info.exitCode = exitCode;
    m_info.signal = signal;
    m_info.error = error;
    m_info.errorCode = errorCode.isEmpty() && !error.isEmpty() ? "lost" : errorCode;
    return saveMeta();
}

Status RunRecord::saveMeta() { return writeJsonAtomically(m_dir + "/meta.json", m_info.toJson()); }

Status RunRecord::replay(const QString& dir,
                         const std::function<bool(OutputKind, const QByteArray&)>& sink) {
    auto end = OutputLog::readFrom(dir + "/output.log", 0, std::numeric_limits<qint64>::max(), sink);
    if (!end)
        return end.error();
    return {};
}

} // namespace vivarium
