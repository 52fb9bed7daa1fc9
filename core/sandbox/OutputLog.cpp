#include "OutputLog.h"

#include <QFileInfo>

#include <limits>

namespace vivarium {

namespace {
bool parseHeader(const QByteArray& h, OutputKind& kind, quint32& n) {
    kind = OutputKind(quint8(h[0]));
    n = 0;
    for (int i = 0; i < 4; ++i)
        n |= quint32(quint8(h[1 + i])) << (8 * i);
    return (kind == OutputKind::Stdout || kind == OutputKind::Stderr) &&
           n <= OutputLog::kMaxChunk;
}
} // namespace

Status OutputLog::open(const QString& path, bool truncate) {
    m_file.setFileName(path);
    m_size = m_payload = 0;
    if (!truncate && QFile::exists(path)) {
        // Find the end of the last whole record; anything after it is a torn write.
        const auto end = readFrom(path, 0, std::numeric_limits<qint64>::max(),
                                  [this](OutputKind, const QByteArray& d) {
                                      m_payload += d.size();
                                      return true;
                                  });
        if (!end)
            return end.error();
        m_size = end.value();
        if (QFileInfo(path).size() != m_size && !QFile::resize(path, m_size))
            return makeError("io_error", "Cannot repair the torn end of " + path);
    }
    if (!m_file.open(QIODevice::WriteOnly | (truncate ? QIODevice::Truncate : QIODevice::Append)))
        return makeError("io_error", "Cannot open " + path, m_file.errorString());
    return {};
}

Result<OutputLog::Range> OutputLog::append(OutputKind kind, const QByteArray& data) {
    char header[kHeader];
    header[0] = char(kind);
    const quint32 n = quint32(data.size());
    for (int i = 0; i < 4; ++i)
        header[1 + i] = char((n >> (8 * i)) & 0xff);
    if (m_file.write(header, kHeader) != kHeader || m_file.write(data) != data.size() ||
        !m_file.flush())
        return makeError("io_error", "Cannot store output in " + m_file.fileName() +
                                         " (is the disk full?)",
                         m_file.errorString());
    const Range r{m_size, m_size + kHeader + data.size()};
    m_size = r.end;
    m_payload += data.size();
    return r;
}

Result<qint64> OutputLog::readFrom(const QString& path, qint64 offset, qint64 maxPayload,
                                   const Sink& sink) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError("not_found", "No output stored at " + path, f.errorString());
    if (!f.seek(offset))
        return makeError("io_error", "Cannot seek in " + path, f.errorString());
    qint64 delivered = 0;
    while (delivered < maxPayload) {
        const QByteArray header = f.read(kHeader);
        if (header.size() < kHeader)
            break; // the end, or a record still being written
        OutputKind kind;
        quint32 n;
        if (!parseHeader(header, kind, n))
            return makeError("corrupt_record", "Stored output " + path + " is corrupt");
        const QByteArray data = f.read(n);
        if (data.size() < qint64(n))
            break;
        offset += kHeader + n;
        delivered += n;
        if (!sink(kind, data))
            break;
    }
    return offset;
}

} // namespace vivarium
