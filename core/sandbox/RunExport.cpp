#include "RunExport.h"

#include <QJsonArray>

namespace vivarium {

namespace {

QByteArray seconds(qint64 ms) {
    ms = std::max<qint64>(0, ms);
    return QByteArray::number(ms / 1000) + '.' +
           QByteArray::number(ms % 1000).rightJustified(3, '0');
}

bool isPlainWord(const QString& s) {
    return !s.isEmpty() && std::all_of(s.begin(), s.end(), [](QChar c) {
        return (c.unicode() < 0x80 && c.isLetterOrNumber()) ||
               QStringLiteral("-_./=:,@%+").contains(c);
    });
}

} // namespace

QString commandLine(const QStringList& argv) {
    QStringList parts;
    for (const QString& a : argv)
        parts << (isPlainWord(a) ? a : "'" + QString(a).replace("'", "'\\''") + "'");
    return parts.join(' ');
}

QByteArray LfToCrlf::convert(const QByteArray& bytes) {
    QByteArray out;
    out.reserve(bytes.size() + bytes.size() / 16);
    for (const char c : bytes) {
        if (c == '\n' && !m_lastWasCr)
            out += '\r';
        out += c;
        m_lastWasCr = c == '\r';
    }
    return out;
}

QString Utf8Stream::decode(const QByteArray& bytes) {
    QByteArray data = m_partial.isEmpty() ? bytes : m_partial + bytes;
    m_partial.clear();
    // Hold back a lead byte (and its continuation bytes) whose character is cut off.
    const qsizetype n = data.size();
    for (qsizetype back = 1; back <= 3 && back <= n; ++back) {
        const auto c = quint8(data[n - back]);
        if ((c & 0xC0) == 0x80)
            continue;
        if (c >= 0xC0) {
            const int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (need > back) {
                m_partial = data.right(back);
                data.chop(back);
            }
        }
        break;
    }
    return QString::fromUtf8(data);
}

QString Utf8Stream::finish() {
    // What is held back is one character cut short: one replacement character.
    if (m_partial.isEmpty())
        return {};
    m_partial.clear();
    return QString(QChar::ReplacementCharacter);
}

CastHeader CastHeader::fromRun(const QJsonObject& run, qint64 lastMarkMs, const QDateTime& now) {
    CastHeader h;
    if (run.value("pty").toBool() && run.value("rows").toInt() > 0 && run.value("cols").toInt() > 0) {
        h.height = run.value("rows").toInt();
        h.width = run.value("cols").toInt();
    }
    QStringList argv;
    for (const QJsonValue& a : run.value("argv").toArray())
        argv << a.toString();
    h.title = commandLine(argv);
    const QDateTime started = QDateTime::fromString(run.value("started").toString(), Qt::ISODateWithMs);
    h.durationMs = lastMarkMs;
    if (started.isValid()) {
        h.timestamp = started.toSecsSinceEpoch();
        const QDateTime ended =
            run.contains("ended") ? QDateTime::fromString(run.value("ended").toString(), Qt::ISODateWithMs)
                                  : now;
        if (ended.isValid())
            h.durationMs = std::max(lastMarkMs, started.msecsTo(ended));
    }
    return h;
}

CastWriter::CastWriter(CastHeader header, QList<TimingMark> marks, Newlines newlines)
    : m_header(std::move(header)), m_marks(std::move(marks)), m_newlines(newlines) {}

QByteArray CastWriter::header() const {
    // Written by hand for a stable key order (asciinema's own order).
    QByteArray h = "{\"version\": 2, \"width\": " + QByteArray::number(m_header.width) +
                   ", \"height\": " + QByteArray::number(m_header.height);
    if (m_header.timestamp > 0)
        h += ", \"timestamp\": " + QByteArray::number(m_header.timestamp);
    if (m_header.durationMs >= 0)
        h += ", \"duration\": " + seconds(m_header.durationMs);
    if (!m_header.title.isEmpty())
        h += ", \"title\": " + jsonString(m_header.title);
    h += ", \"env\": {\"TERM\": " + jsonString(m_header.term) + ", \"SHELL\": " +
         jsonString(m_header.shell) + "}}\n";
    return h;
}

QByteArray CastWriter::write(const QByteArray& output) {
    QByteArray out;
    qsizetype pos = 0;
    while (pos < output.size()) {
        while (m_next < m_marks.size() && m_marks[m_next].offset <= m_offset)
            m_ms = std::max(m_ms, m_marks[m_next++].ms);
        qint64 take = output.size() - pos;
        if (m_next < m_marks.size())
            take = std::min(take, m_marks[m_next].offset - m_offset);
        QByteArray piece = output.mid(pos, take);
        pos += take;
        m_offset += take;
        if (m_newlines == Newlines::LfToCrlf)
            piece = m_crlf.convert(piece);
        append(m_utf8.decode(piece), m_ms, out);
    }
    return out;
}

QByteArray CastWriter::finish() {
    QByteArray out;
    append(m_utf8.finish(), m_ms, out);
    return out + flush();
}

void CastWriter::append(const QString& text, qint64 ms, QByteArray& out) {
    if (text.isEmpty())
        return;
    if (!m_pending.isEmpty() && ms != m_pendingMs)
        out += flush();
    if (m_pending.isEmpty())
        m_pendingMs = ms;
    m_pending += text;
    while (m_pending.size() > kMaxEventChars) {
        qsizetype cut = kMaxEventChars;
        if (m_pending[cut - 1].isHighSurrogate())
            --cut; // never split a surrogate pair
        const QString rest = m_pending.mid(cut);
        m_pending.truncate(cut);
        out += flush();
        m_pending = rest;
        m_pendingMs = ms;
    }
}

QByteArray CastWriter::flush() {
    if (m_pending.isEmpty())
        return {};
    QByteArray line = "[" + seconds(m_pendingMs) + ", \"o\", " + jsonString(m_pending) + "]\n";
    m_pending.clear();
    return line;
}

QByteArray CastWriter::jsonString(const QString& text) {
    const QByteArray utf8 = text.toUtf8();
    QByteArray s;
    s.reserve(utf8.size() + 2);
    s += '"';
    for (const char ch : utf8) {
        const auto c = quint8(ch);
        switch (c) {
        case '"': s += "\\\""; break;
        case '\\': s += "\\\\"; break;
        case '\n': s += "\\n"; break;
        case '\r': s += "\\r"; break;
        case '\t': s += "\\t"; break;
        case '\b': s += "\\b"; break;
        case '\f': s += "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f)
                s += "\\u00" + QByteArray::number(c, 16).rightJustified(2, '0');
            else
                s += ch;
        }
    }
    s += '"';
    return s;
}

QByteArray TextWriter::strip(const QByteArray& bytes) {
    QByteArray kept;
    kept.reserve(bytes.size());
    auto keepControl = [&kept](quint8 c) {
        if (c == '\n' || c == '\r' || c == '\t' || c == '\b')
            kept += char(c);
    };
    for (const char ch : bytes) {
        const auto c = quint8(ch);
        for (bool again = true; again;) {
            again = false;
            switch (m_state) {
            case State::Ground:
                if (c == 0x1b)
                    m_state = State::Escape;
                else if (c < 0x20 || c == 0x7f)
                    keepControl(c);
                else
                    kept += ch;
                break;
            case State::Escape:
                if (c == '[')
                    m_state = State::Csi;
                else if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
                    m_state = State::String;
                else if (c >= 0x20 && c <= 0x2f)
                    m_state = State::Intermediate;
                else if (c == 0x1b)
                    ; // a new escape starts
                else if (c < 0x20 || c >= 0x7f) {
                    m_state = State::Ground; // not an escape sequence after all
                    again = c != 0x18 && c != 0x1a;
                } else
                    m_state = State::Ground; // a final byte: ESC 7, ESC =, ESC c, …
                break;
            case State::Intermediate: // ESC ( B and the like
                if (c >= 0x20 && c <= 0x2f)
                    ;
                else if (c == 0x1b)
                    m_state = State::Escape;
                else if (c < 0x20 || c >= 0x7f) {
                    m_state = State::Ground;
                    again = c != 0x18 && c != 0x1a;
                } else
                    m_state = State::Ground;
                break;
            case State::Csi:
                if (c >= 0x20 && c <= 0x3f)
                    ; // parameters and intermediates
                else if (c >= 0x40 && c <= 0x7e)
                    m_state = State::Ground; // the final byte
                else if (c == 0x1b)
                    m_state = State::Escape;
                else if (c == 0x18 || c == 0x1a)
                    m_state = State::Ground; // cancelled
                else if (c < 0x20)
                    keepControl(c); // a terminal executes controls inside a sequence
                else {
                    m_state = State::Ground; // not a sequence: keep the byte as text
                    again = true;
                }
                break;
            case State::String: // OSC, DCS, SOS, PM, APC: up to BEL or ESC backslash
                if (c == 0x07 || c == 0x18 || c == 0x1a)
                    m_state = State::Ground;
                else if (c == 0x1b)
                    m_state = State::StringEscape;
                break;
            case State::StringEscape:
                m_state = State::Escape;
                if (c == '\\')
                    m_state = State::Ground; // ST
                else
                    again = true;
                break;
            }
        }
    }
    return kept;
}

void TextWriter::put(char32_t c, QByteArray& out) {
    switch (c) {
    case U'\n': endLine(out, true); return;
    case U'\r': m_col = 0; return;
    case U'\b':
        if (m_col > 0)
            --m_col;
        return;
    default: break;
    }
    if (m_col < qsizetype(m_line.size()))
        m_line[size_t(m_col)] = c;
    else
        m_line.push_back(c);
    ++m_col;
    if (qsizetype(m_line.size()) >= kMaxLine)
        endLine(out, true);
}

void TextWriter::endLine(QByteArray& out, bool newline) {
    out += QString::fromUcs4(m_line.data(), qsizetype(m_line.size())).toUtf8();
    if (newline)
        out += '\n';
    m_line.clear();
    m_col = 0;
}

QByteArray TextWriter::write(const QByteArray& output) {
    QByteArray out;
    for (const char32_t c : m_utf8.decode(strip(output)).toUcs4())
        put(c, out);
    return out;
}

QByteArray TextWriter::finish() {
    QByteArray out;
    for (const char32_t c : m_utf8.finish().toUcs4())
        put(c, out);
    if (!m_line.empty())
        endLine(out, false);
    m_state = State::Ground;
    return out;
}

} // namespace vivarium
