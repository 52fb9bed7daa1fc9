// When a run's output arrived: a side file beside output.log (runs/<seq>/timing) of
// fixed-size marks, each "the payload byte at `offset` arrived `ms` after the run started"
// (u64 offset, u32 ms, little endian). A mark is written for a chunk of output only when
// at least kMinGapMs passed since the previous mark, so the file grows with the time a run
// spends writing, not with its bytes; a record without the file (older versions) simply
// has no timing. A torn entry at the end is cut off, like a torn output record.
// It must not hold output or decide anything about formats: exports read it (RunExport).
#pragma once

#include "Result.h"

#include <QFile>
#include <QList>

namespace vivarium {

struct TimingMark {
    qint64 offset = 0; // payload bytes (stdout and stderr in arrival order) before this chunk
    qint64 ms = 0;     // milliseconds since the run started
    bool operator==(const TimingMark&) const = default;
};

class RunTiming {
public:
    static constexpr int kEntrySize = 12;
    static constexpr qint64 kMinGapMs = 20;
    // After this many marks (about 3.6 hours of uninterrupted output) one a second is enough,
    // which bounds the file of a run that never stops talking.
    static constexpr qint64 kDenseMarks = 1 << 18;
    static constexpr qint64 kSparseGapMs = 1000;
    static constexpr int kDefaultMaxMarks = 10000;
    static constexpr int kMaxMarks = 100000; // the most one read may return

    // Opens (creating or appending). A torn entry at the end is cut off.
    Status open(const QString& path, bool truncate);
    void close() { m_file.close(); }
    QString path() const { return m_file.fileName(); }
    qint64 count() const { return m_count; }

    // A chunk of output starting at payload `offset` arrived at `ms`: writes a mark unless
    // the previous one is too recent (the chunk then counts as arriving with it).
    Status note(qint64 offset, qint64 ms);

    struct Marks {
        QList<TimingMark> marks;
        qint64 granularityMs = kMinGapMs; // marks closer than this were merged
    };
    // Reads the marks of a record whose output holds `payloadBytes`, at most `maxMarks`
    // of them: when there are more, only the first mark of each granularity-long slice of
    // time is kept, doubling the slice until they fit. Entries past `payloadBytes` or out of
    // order (a damaged file) are skipped. A missing file is no marks.
    static Result<Marks> read(const QString& path, qint64 payloadBytes,
                              int maxMarks = kDefaultMaxMarks);

    static QByteArray encode(const TimingMark& mark);
    // The same thinning as read(), for marks already in memory.
    static Marks coarsen(const QList<TimingMark>& marks, int maxMarks);

private:
    QFile m_file;
    qint64 m_count = 0;
    qint64 m_lastMs = -1;
};

} // namespace vivarium
