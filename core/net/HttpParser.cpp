#include "HttpParser.h"

namespace vivarium::http {

namespace {

bool isTokenChar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// A field value byte: VCHAR, SP, HTAB or obs-text.
bool isValueChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return c == '\t' || (u >= 0x20 && u != 0x7f);
}

bool isWhitespace(char c) {
    return c == ' ' || c == '\t';
}

QByteArrayView trimmed(QByteArrayView v) {
    while (!v.isEmpty() && isWhitespace(v.front()))
        v = v.sliced(1);
    while (!v.isEmpty() && isWhitespace(v.back()))
        v.chop(1);
    return v;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Parses "name: value" (no CRLF). Returns an error message, or empty on success.
QString parseField(QByteArrayView line, HeaderField& field) {
    if (!line.isEmpty() && isWhitespace(line.front()))
        return "a header line starts with whitespace (obsolete line folding is not accepted)";
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        return "a header line has no ':'";
    const QByteArrayView name = line.first(colon);
    if (!isToken(name))
        return name.isEmpty() ? "a header line has an empty name"
                              : "a header name has characters that are not allowed (or "
                                "whitespace before ':')";
    const QByteArrayView value = trimmed(line.sliced(colon + 1));
    for (char c : value)
        if (!isValueChar(c))
            return QString("the value of header %1 has a control character")
                .arg(QString::fromLatin1(name));
    field.name = name.toByteArray();
    field.value = value.toByteArray();
    return {};
}

enum class Kind { Request, Response };

// Finds the end of the head ("\r\n\r\n") scanning from `resumeAt`, refusing NUL, bare CR and
// bare LF on the way, and control bytes in the start line. Returns the head size (> 0), 0 for
// need more (with `scanned` set), or -1 with `error` set.
qsizetype scanHead(QByteArrayView data, Kind kind, const Limits& limits, qsizetype resumeAt,
                   qsizetype& scanned, int& status, QString& error) {
    const int refuse = kind == Kind::Request ? 400 : 502;
    const qsizetype n = data.size();
    const qsizetype window = std::min(n, limits.maxStartLine + 2);
    const qsizetype firstLf = data.first(window).indexOf('\n');
    if (firstLf < 0 && n >= limits.maxStartLine + 2) {
        status = kind == Kind::Request ? 414 : 502;
        error = QString("the %1 line is longer than %2 bytes")
                    .arg(kind == Kind::Request ? "request" : "status")
                    .arg(limits.maxStartLine);
        return -1;
    }
    for (qsizetype i = std::max<qsizetype>(0, resumeAt); i < n; ++i) {
        const char c = data[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '\0') {
            status = refuse;
            error = "the message head contains a NUL byte";
            return -1;
        }
        if (c == '\r') {
            if (i + 1 < n && data[i + 1] != '\n') {
                status = refuse;
                error = "the message head contains a bare CR (lines must end with CRLF)";
                return -1;
            }
            continue;
        }
        if (c == '\n') {
            if (i == 0 || data[i - 1] != '\r') {
                status = refuse;
                error = "the message head contains a bare LF (lines must end with CRLF)";
                return -1;
            }
            if (i >= 3 && data[i - 2] == '\n' && data[i - 3] == '\r') {
                if (i + 1 > limits.maxHead) {
                    status = kind == Kind::Request ? 431 : 502;
                    error = QString("the message head is larger than %1 bytes").arg(limits.maxHead);
                    return -1;
                }
                return i + 1;
            }
            continue;
        }
        const bool inStartLine = firstLf < 0 || i < firstLf;
        if (inStartLine && (u < 0x20 || u == 0x7f || (kind == Kind::Request && u >= 0x80))) {
            status = refuse;
            error = QString("the %1 line has a byte that is not allowed (0x%2); is this HTTP?")
                        .arg(kind == Kind::Request ? "request" : "status")
                        .arg(u, 2, 16, QChar('0'));
            return -1;
        }
    }
    if (n >= limits.maxHead) {
        status = kind == Kind::Request ? 431 : 502;
        error = QString("the message head is larger than %1 bytes").arg(limits.maxHead);
        return -1;
    }
    scanned = n > 0 && data[n - 1] == '\r' ? n - 1 : n;
    return 0;
}

// Splits a complete head (CRLF-terminated lines, empty last line) into its lines.
QList<QByteArrayView> headLines(QByteArrayView head) {
    QList<QByteArrayView> lines;
    qsizetype start = 0;
    while (start < head.size()) {
        const qsizetype end = head.indexOf("\r\n", start);
        if (end < 0)
            break;
        lines << head.sliced(start, end - start);
        start = end + 2;
    }
    if (!lines.isEmpty() && lines.back().isEmpty())
        lines.removeLast();
    return lines;
}

// Parses "HTTP/1.x" into the minor version; 0 or 1, -1 when another HTTP version, -2 when not
// a version at all.
int parseVersion(QByteArrayView v) {
    if (v.size() != 8 || !v.startsWith("HTTP/") || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9')
        return -2;
    if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
        return -1;
    return v[7] - '0';
}

template <typename Head>
bool parseFields(const QList<QByteArrayView>& lines, const Limits& limits, int refuse,
                 HeadParse<Head>& result) {
    if (lines.size() - 1 > limits.maxFields) {
        result.state = ParseState::Failed;
        result.status = refuse == 400 ? 431 : 502;
        result.error = QString("the message has more than %1 header fields").arg(limits.maxFields);
        return false;
    }
    for (qsizetype i = 1; i < lines.size(); ++i) {
        HeaderField field;
        const QString problem = parseField(lines[i], field);
        if (!problem.isEmpty()) {
            result.state = ParseState::Failed;
            result.status = refuse;
            result.error = problem;
            return false;
        }
        result.head.headers << field;
    }
    return true;
}

Error framingError(int status, const QString& message) {
    return makeError(QString::number(status), message);
}

// All Content-Length values must be the same run of digits.
Result<qint64> contentLength(const Headers& headers, int refuse) {
    QByteArray first;
    for (const QByteArray& v : headerTokens(headers, "content-length")) {
        if (v.isEmpty() || v.size() > 18)
            return framingError(refuse, "Content-Length is empty or too large");
        for (char c : v)
            if (c < '0' || c > '9')
                return framingError(refuse, "Content-Length is not a number");
        if (!first.isEmpty() && v != first)
            return framingError(refuse, "the message has several different Content-Length values");
        first = v;
    }
    return first.toLongLong();
}

} // namespace

bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b) {
    return a.compare(b, Qt::CaseInsensitive) == 0;
}

bool isToken(QByteArrayView text) {
    if (text.isEmpty())
        return false;
    for (char c : text)
        if (!isTokenChar(c))
            return false;
    return true;
}

bool hasHeader(const Headers& headers, QByteArrayView name) {
    for (const HeaderField& f : headers)
        if (equalsIgnoringCase(f.name, name))
            return true;
    return false;
}

QByteArray headerValue(const Headers& headers, QByteArrayView name) {
    for (const HeaderField& f : headers)
        if (equalsIgnoringCase(f.name, name))
            return f.value;
    return {};
}

QList<QByteArray> headerTokens(const Headers& headers, QByteArrayView name) {
    QList<QByteArray> tokens;
    for (const HeaderField& f : headers)
        if (equalsIgnoringCase(f.name, name))
            for (const QByteArray& part : f.value.split(','))
                tokens << trimmed(part).toByteArray();
    return tokens;
}

void removeHeader(Headers& headers, QByteArrayView name) {
    headers.removeIf([&](const HeaderField& f) { return equalsIgnoringCase(f.name, name); });
}

HeadParse<RequestHead> parseRequestHead(QByteArrayView data, const Limits& limits,
                                        qsizetype resumeAt) {
    HeadParse<RequestHead> result;
    const qsizetype size = scanHead(data, Kind::Request, limits, resumeAt, result.scanned,
                                    result.status, result.error);
    if (size < 0) {
        result.state = ParseState::Failed;
        return result;
    }
    if (size == 0)
        return result;
    const auto fail = [&](int status, const QString& error) {
        result.state = ParseState::Failed;
        result.status = status;
        result.error = error;
        return result;
    };
    const QList<QByteArrayView> lines = headLines(data.first(size));
    if (lines.isEmpty() || lines[0].isEmpty())
        return fail(400, "the request starts with an empty line");
    const QList<QByteArrayView> parts = [&] {
        QList<QByteArrayView> p;
        qsizetype start = 0;
        for (qsizetype i = 0; i <= lines[0].size(); ++i)
            if (i == lines[0].size() || lines[0][i] == ' ') {
                p << lines[0].sliced(start, i - start);
                start = i + 1;
            }
        return p;
    }();
    if (parts.size() != 3 || parts[1].isEmpty())
        return fail(400, "the request line is not 'METHOD TARGET HTTP/1.1'");
    if (!isToken(parts[0]))
        return fail(400, "the request method is not a valid token");
    const int minor = parseVersion(parts[2]);
    if (minor == -1)
        return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
    if (minor < 0)
        return fail(400, "the request line does not end with an HTTP version");
    for (char c : parts[1])
        if (c <= 0x20 || c >= 0x7f)
            return fail(400, "the request target has a character that is not allowed");
    result.head.method = parts[0].toByteArray();
    result.head.target = parts[1].toByteArray();
    result.head.minorVersion = minor;
    if (!parseFields(lines, limits, 400, result))
        return result;
    result.state = ParseState::Complete;
    result.size = size;
    return result;
}

HeadParse<ResponseHead> parseResponseHead(QByteArrayView data, const Limits& limits,
                                          qsizetype resumeAt) {
    HeadParse<ResponseHead> result;
    const qsizetype size = scanHead(data, Kind::Response, limits, resumeAt, result.scanned,
                                    result.status, result.error);
    if (size < 0) {
        result.state = ParseState::Failed;
        return result;
    }
    if (size == 0)
        return result;
    const auto fail = [&](const QString& error) {
        result.state = ParseState::Failed;
        result.status = 502;
        result.error = error;
        return result;
    };
    const QList<QByteArrayView> lines = headLines(data.first(size));
    if (lines.isEmpty())
        return fail("the upstream's response starts with an empty line");
    const QByteArrayView line = lines[0];
    const int minor = line.size() >= 8 ? parseVersion(line.first(8)) : -2;
    if (minor < 0)
        return fail("the upstream did not answer with HTTP/1.x");
    if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' '))
        return fail("the upstream's status line is malformed");
    int status = 0;
    for (qsizetype i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9')
            return fail("the upstream's status code is not a number");
        status = status * 10 + (line[i] - '0');
    }
    if (status < 100 || status > 599)
        return fail("the upstream's status code is out of range");
    result.head.minorVersion = minor;
    result.head.status = status;
    result.head.reason = line.size() > 13 ? line.sliced(13).toByteArray() : QByteArray();
    if (!parseFields(lines, limits, 502, result))
        return result;
    result.state = ParseState::Complete;
    result.size = size;
    return result;
}

int statusOf(const Error& error) {
    bool ok = false;
    const int status = error.code.toInt(&ok);
    return ok ? status : 400;
}

Result<Framing> requestFraming(const RequestHead& head) {
    int hosts = 0;
    for (const HeaderField& f : head.headers)
        hosts += equalsIgnoringCase(f.name, "host") ? 1 : 0;
    if (hosts > 1 || (head.minorVersion == 1 && hosts == 0))
        return framingError(400, "an HTTP/1.1 request needs exactly one Host header");
    const bool te = hasHeader(head.headers, "transfer-encoding");
    const bool cl = hasHeader(head.headers, "content-length");
    if (te) {
        if (cl)
            return framingError(400, "the request has both Content-Length and Transfer-Encoding "
                                     "(refused: the two could frame it differently)");
        if (head.minorVersion == 0)
            return framingError(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
        const QList<QByteArray> codings = headerTokens(head.headers, "transfer-encoding");
        if (codings.size() != 1 || !equalsIgnoringCase(codings[0], "chunked"))
            return framingError(501, "only 'Transfer-Encoding: chunked' is supported");
        return Framing{BodyKind::Chunked, 0};
    }
    if (cl) {
        const Result<qint64> length = contentLength(head.headers, 400);
        if (!length)
            return length.error();
        return Framing{*length > 0 ? BodyKind::Length : BodyKind::None, *length};
    }
    return Framing{};
}

Result<Framing> responseFraming(const ResponseHead& head, QByteArrayView requestMethod) {
    if (head.status < 200 || head.status == 204 || head.status == 304 ||
        equalsIgnoringCase(requestMethod, "HEAD"))
        return Framing{};
    const bool te = hasHeader(head.headers, "transfer-encoding");
    if (te) {
        if (hasHeader(head.headers, "content-length"))
            return framingError(502, "the upstream's response has both Content-Length and "
                                     "Transfer-Encoding");
        const QList<QByteArray> codings = headerTokens(head.headers, "transfer-encoding");
        if (codings.size() != 1 || !equalsIgnoringCase(codings[0], "chunked"))
            return framingError(502, "the upstream used a transfer coding other than chunked");
        return Framing{BodyKind::Chunked, 0};
    }
    if (hasHeader(head.headers, "content-length")) {
        const Result<qint64> length = contentLength(head.headers, 502);
        if (!length)
            return length.error();
        return Framing{*length > 0 ? BodyKind::Length : BodyKind::None, *length};
    }
    return Framing{BodyKind::UntilClose, 0};
}

ChunkedDecoder::Step ChunkedDecoder::feed(QByteArrayView data, QByteArray& out) {
    Step step;
    const auto fail = [&](qsizetype at, const QString& error) {
        m_phase = Phase::Failed;
        step.state = ParseState::Failed;
        step.consumed = at;
        step.error = error;
        return step;
    };
    if (m_phase == Phase::Failed)
        return fail(0, "the chunked body is already malformed");
    if (m_phase == Phase::Done) {
        step.state = ParseState::Complete;
        return step;
    }
    const qsizetype n = data.size();
    qsizetype i = 0;
    while (i < n) {
        const char c = data[i];
        switch (m_phase) {
        case Phase::Size: {
            const int v = hexValue(c);
            if (v >= 0 && !m_inWhitespace) {
                if (++m_digits > 15)
                    return fail(i, "a chunk size is too large");
                m_remaining = m_remaining * 16 + v;
            } else if (m_digits == 0) {
                return fail(i, "a chunk size is not a hexadecimal number");
            } else if (isWhitespace(c)) {
                m_inWhitespace = true;
            } else if (c == ';') {
                m_phase = Phase::Extension;
            } else if (c == '\r') {
                m_phase = Phase::SizeLf;
            } else {
                return fail(i, "a chunk size line has unexpected characters");
            }
            if (++m_lineBytes > 4096)
                return fail(i, "a chunk size line is too long");
            ++i;
            break;
        }
        case Phase::Extension:
            if (c == '\r') {
                m_phase = Phase::SizeLf;
            } else if (!isValueChar(c)) {
                return fail(i, "a chunk extension has a control character");
            }
            if (++m_lineBytes > 4096)
                return fail(i, "a chunk size line is too long");
            ++i;
            break;
        case Phase::SizeLf:
            if (c != '\n')
                return fail(i, "a chunk size line has a bare CR");
            ++i;
            m_lineBytes = 0;
            m_phase = m_remaining == 0 ? Phase::TrailerLine : Phase::Data;
            break;
        case Phase::Data: {
            const qsizetype take = std::min<qint64>(m_remaining, n - i);
            out.append(data.sliced(i, take));
            i += take;
            m_remaining -= take;
            if (m_remaining == 0)
                m_phase = Phase::DataCr;
            break;
        }
        case Phase::DataCr:
            if (c != '\r')
                return fail(i, "a chunk is longer than its size says");
            m_phase = Phase::DataLf;
            ++i;
            break;
        case Phase::DataLf:
            if (c != '\n')
                return fail(i, "a chunk does not end with CRLF");
            m_phase = Phase::Size;
            m_digits = 0;
            m_inWhitespace = false;
            m_remaining = 0;
            ++i;
            break;
        case Phase::TrailerLine: {
            if (c == '\0')
                return fail(i, "a trailer contains a NUL byte");
            if (++m_trailerBytes > m_limits.maxHead)
                return fail(i, "the trailer section is too large");
            if (c != '\n') {
                if (!m_trailerLine.isEmpty() && m_trailerLine.back() == '\r')
                    return fail(i, "a trailer contains a bare CR");
                m_trailerLine.append(c);
                ++i;
                break;
            }
            if (m_trailerLine.isEmpty() || m_trailerLine.back() != '\r')
                return fail(i, "a trailer contains a bare LF");
            m_trailerLine.chop(1);
            ++i;
            if (m_trailerLine.isEmpty()) {
                m_phase = Phase::Done;
                step.state = ParseState::Complete;
                step.consumed = i;
                return step;
            }
            HeaderField field;
            const QString problem = parseField(m_trailerLine, field);
            if (!problem.isEmpty())
                return fail(i, "a trailer is malformed: " + problem);
            m_trailerLine.clear();
            break;
        }
        case Phase::Done:
        case Phase::Failed:
            break;
        }
    }
    step.consumed = i;
    return step;
}

QByteArray encodeChunk(QByteArrayView data) {
    if (data.isEmpty())
        return {};
    QByteArray out = QByteArray::number(data.size(), 16);
    out.reserve(out.size() + data.size() + 4);
    out += "\r\n";
    out += data;
    out += "\r\n";
    return out;
}

QByteArray lastChunk() {
    return "0\r\n\r\n";
}

QByteArray serializeHeaders(const Headers& headers) {
    QByteArray out;
    for (const HeaderField& f : headers)
        out += f.name + ": " + f.value + "\r\n";
    return out;
}

QByteArray reasonPhrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Error";
    }
}

} // namespace vivarium::http
