#include "RunTiming.h"

#include <QFileInfo>

#include <limits>

namespace vivarium {

namespace {

TimingMark decode(const char* p) {
    quint64 offset = 0;
    quint32 ms = 0;
    for (int i = 0; i < 8; ++i)
        offset |= quint64(quint8(p[i])) << (8 * i);
    for (int i = 0; i < 4; ++i)
        ms |= quint32(quint8(p[8 + i])) << (8 * i);
    return {qint64(std::min<quint64>(offset, quint64(std::numeric_limits<qint64>::max()))),
            qint64(ms)};
}

// Keeps the first mark of each `granularity`-long slice of time, doubling the slice
// whenever more than `max` marks are kept. Thinning at 2g keeps a subset of what 2g would
// keep from the full list, so the result does not depend on when the doubling happened.
class Thinner {
public:
    explicit Thinner(int max) : m_max(std::max(1, max)) {}

    void add(const TimingMark& m) {
        if (!m_out.isEmpty() && m_out.last().ms / m_granularity == m.ms / m_granularity)
            return;
        m_out.append(m);
        while (m_out.size() > m_max) {
            m_granularity *= 2;
            QList<TimingMark> kept;
            for (const TimingMark& k : std::as_const(m_out))
                if (kept.isEmpty() || kept.last().ms / m_granularity != k.ms / m_granularity)
                    kept.append(k);
            m_out = std::move(kept);
        }
    }
    RunTiming::Marks result() && { return {std::move(m_out), m_granularity}; }

private:
    int m_max;
    qint64 m_granularity = RunTiming::kMinGapMs;
    QList<TimingMark> m_out;
};

} // namespace

QByteArray RunTiming::encode(const TimingMark& mark) {
    QByteArray e(kEntrySize, Qt::Uninitialized);
    const quint64 offset = quint64(std::max<qint64>(0, mark.offset));
    const quint32 ms = quint32(std::clamp<qint64>(mark.ms, 0, std::numeric_limits<quint32>::max()));
    for (int i = 0; i < 8; ++i)
        e[i] = char((offset >> (8 * i)) & 0xff);
    for (int i = 0; i < 4; ++i)
        e[8 + i] = char((ms >> (8 * i)) & 0xff);
    return e;
}

Status RunTiming::open(const QString& path, bool truncate) {
    m_file.setFileName(path);
    m_count = 0;
    m_lastMs = -1;
    if (!truncate && QFile::exists(path)) {
        const qint64 size = QFileInfo(path).size();
        const qint64 whole = size - size % kEntrySize;
        if (whole != size && !QFile::resize(path, whole))
            return makeError("io_error", "Cannot repair the torn end of " + path);
        m_count = whole / kEntrySize;
        if (m_count > 0) {
            QFile f(path);
            if (f.open(QIODevice::ReadOnly) && f.seek(whole - kEntrySize)) {
                const QByteArray last = f.read(kEntrySize);
                if (last.size() == kEntrySize)
                    m_lastMs = decode(last.constData()).ms;
            }
        }
    }
    if (!m_file.open(QIODevice::WriteOnly | (truncate ? QIODevice::Truncate : QIODevice::Append)))
        return makeError("io_error", "Cannot open " + path, m_file.errorString());
    return {};
}

Status RunTiming::note(qint64 offset, qint64 ms) {
    const qint64 gap = m_count < kDenseMarks ? kMinGapMs : kSparseGapMs;
    if (m_lastMs >= 0 && ms - m_lastMs < gap)
        return {};
    if (!m_file.isOpen())
        return {};
    const QByteArray e = encode({offset, ms});
    if (m_file.write(e) != e.size() || !m_file.flush())
        return makeError("io_error", "Cannot store output timing in " + m_file.fileName() +
                                         " (is the disk full?)",
                         m_file.errorString());
    ++m_count;
    m_lastMs = ms;
    return {};
}

Result<RunTiming::Marks> RunTiming::read(const QString& path, qint64 payloadBytes, int maxMarks) {
    QFile f(path);
    if (!f.exists())
        return Marks{};
    if (!f.open(QIODevice::ReadOnly))
        return makeError("io_error", "Cannot read " + path, f.errorString());
    Thinner thinner(maxMarks);
    TimingMark last{-1, -1};
    // Whole entries only; a torn last one is ignored, as the writer would cut it.
    constexpr qint64 kBlock = 4096 * kEntrySize;
    for (;;) {
        const QByteArray block = f.read(kBlock);
        for (qsizetype i = 0; i + kEntrySize <= block.size(); i += kEntrySize) {
            const TimingMark m = decode(block.constData() + i);
            if (m.offset > payloadBytes || m.offset <= last.offset || m.ms < last.ms)
                continue; // beyond the stored output, or out of order: a damaged file
            last = m;
            thinner.add(m);
        }
        if (block.size() < kBlock)
            break;
    }
    return std::move(thinner).result();
}

RunTiming::Marks RunTiming::coarsen(const QList<TimingMark>& marks, int maxMarks) {
    Thinner thinner(maxMarks);
    for (const TimingMark& m : marks)
        thinner.add(m);
    return std::move(thinner).result();
}

} // namespace vivarium
