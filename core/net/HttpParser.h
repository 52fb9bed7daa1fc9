// HTTP/1.1 message heads and body framing for the egress proxy, as pure functions of bytes:
// a head is complete / needs more / is refused (with the status to answer and a one-line
// reason), and a chunked body is decoded incrementally. Strict on purpose, because the bytes
// come from a guest: bounded request line, head and field count; CRLF only (no bare CR or LF,
// no obs-fold, no NUL); tokens checked; Content-Length and Transfer-Encoding together, several
// differing Content-Lengths, and any transfer coding but a lone `chunked` are refused, so a
// request can only be framed one way (no smuggling through this proxy).
// No sockets and no policy here: EgressProxy decides what a request may do.
#pragma once

#include "Result.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace vivarium::http {

struct Limits {
    qsizetype maxStartLine = 8 * 1024; // request line or status line, without CRLF
    qsizetype maxHead = 64 * 1024;     // start line, fields and the empty line
    int maxFields = 100;
};

struct HeaderField {
    QByteArray name;  // as sent (case kept); compare case-insensitively
    QByteArray value; // without surrounding whitespace
};
using Headers = QList<HeaderField>;

// Header helpers (names compared case-insensitively).
bool hasHeader(const Headers& headers, QByteArrayView name);
QByteArray headerValue(const Headers& headers, QByteArrayView name); // first, or empty
// Every value of `name`, each split at commas and trimmed (for list fields: Connection, TE).
QList<QByteArray> headerTokens(const Headers& headers, QByteArrayView name);
void removeHeader(Headers& headers, QByteArrayView name);
bool equalsIgnoringCase(QByteArrayView a, QByteArrayView b);
bool isToken(QByteArrayView text);

struct RequestHead {
    QByteArray method;
    QByteArray target; // as sent: origin-form, absolute-form or authority-form
    int minorVersion = 1;
    Headers headers;
};

struct ResponseHead {
    int minorVersion = 1;
    int status = 0;
    QByteArray reason;
    Headers headers;
};

enum class ParseState { NeedMore, Complete, Failed };

// The outcome of parsing a head from the start of a buffer.
template <typename Head> struct HeadParse {
    ParseState state = ParseState::NeedMore;
    Head head;
    qsizetype size = 0;    // Complete: bytes of the head, final CRLF included
    qsizetype scanned = 0; // NeedMore: pass back as `resumeAt` with the grown buffer
    int status = 0;        // Failed: 400, 414, 431 or 505 (a response head: 502)
    QString error;         // Failed: one line for the client
};

// Parses a message head at the start of `data`. `resumeAt` (the last call's `scanned`) makes
// feeding a growing buffer linear instead of quadratic.
HeadParse<RequestHead> parseRequestHead(QByteArrayView data, const Limits& limits = {},
                                        qsizetype resumeAt = 0);
HeadParse<ResponseHead> parseResponseHead(QByteArrayView data, const Limits& limits = {},
                                          qsizetype resumeAt = 0);

// How a message body ends.
enum class BodyKind { None, Length, Chunked, UntilClose };
struct Framing {
    BodyKind kind = BodyKind::None;
    qint64 length = 0; // BodyKind::Length
};

// Errors from these carry the HTTP status to answer as their code ("400", "501", "502").
int statusOf(const Error& error);

// A request's body framing. Refuses Transfer-Encoding with Content-Length, any coding but a
// lone chunked (501), Transfer-Encoding on HTTP/1.0, differing or malformed Content-Lengths.
// Also checks the request as a whole: exactly one Host on HTTP/1.1.
Result<Framing> requestFraming(const RequestHead& head);
// A response's body framing, given the request's method (HEAD, 1xx, 204 and 304 have none).
// Problems are the upstream's, so they carry 502.
Result<Framing> responseFraming(const ResponseHead& head, QByteArrayView requestMethod);

// Decodes a chunked body incrementally: give it bytes, it appends the payload to `out` and
// says how many input bytes it used. Chunk extensions are skipped (bounded); trailer fields
// are checked and dropped.
class ChunkedDecoder {
public:
    explicit ChunkedDecoder(const Limits& limits = {}) : m_limits(limits) {}

    struct Step {
        ParseState state = ParseState::NeedMore; // Complete: the last chunk and trailers ended
        qsizetype consumed = 0;
        QString error;
    };
    Step feed(QByteArrayView data, QByteArray& out);
    bool done() const { return m_phase == Phase::Done; }

private:
    enum class Phase { Size, Extension, SizeLf, Data, DataCr, DataLf, TrailerLine, Done, Failed };
    Limits m_limits;
    Phase m_phase = Phase::Size;
    qint64 m_remaining = 0; // of the current chunk's data
    int m_digits = 0;
    qsizetype m_lineBytes = 0;    // of the current size line or trailer line
    qsizetype m_trailerBytes = 0; // of the whole trailer section
    QByteArray m_trailerLine;
    bool m_inWhitespace = false;
};

// One chunk of `data` in chunked encoding (empty data gives nothing: the end is lastChunk()).
QByteArray encodeChunk(QByteArrayView data);
QByteArray lastChunk(); // "0\r\n\r\n"

// Serialization (field values are written as they are; callers keep them CR/LF free).
QByteArray serializeHeaders(const Headers& headers);
QByteArray reasonPhrase(int status);

} // namespace vivarium::http
