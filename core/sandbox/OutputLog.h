// An append-only file of output records (u8 kind, u32 little-endian length, bytes): how a
// run's output is kept, and how a download is spooled. Appends report the record's byte
// range so a reader can follow the log by offset: replay from any record boundary, then
// continue live, without ever holding the whole output in memory.
#pragma once

#include "Result.h"

#include <QByteArray>
#include <QFile>

#include <functional>

namespace vivarium {

enum class OutputKind : quint8 { Stdout = 1, Stderr = 2 };

class OutputLog {
public:
    static constexpr int kHeader = 5;
    static constexpr qint64 kMaxChunk = 16 * 1024 * 1024;

    // Opens (creating or appending). A record torn by a crash at the end is cut off.
    Status open(const QString& path, bool truncate);
    void close() { m_file.close(); }
    QString path() const { return m_file.fileName(); }
    qint64 size() const { return m_size; }
    qint64 payloadBytes() const { return m_payload; }

    struct Range {
        qint64 start = 0;
        qint64 end = 0;
    };
    Result<Range> append(OutputKind kind, const QByteArray& data);

    using Sink = std::function<bool(OutputKind, const QByteArray&)>;
    // Reads whole records from `offset` (a record boundary) until `maxPayload` bytes were
    // delivered, the end, or `sink` returns false. Returns the offset after the last record
    // delivered.
    static Result<qint64> readFrom(const QString& path, qint64 offset, qint64 maxPayload,
                                   const Sink& sink);

private:
    QFile m_file;
    qint64 m_size = 0;
    qint64 m_payload = 0;
};

} // namespace vivarium
