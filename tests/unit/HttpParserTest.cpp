// The egress proxy's HTTP/1.1 head parser and body framing as pure functions of bytes: whole
// heads, the same fed one byte at a time, several messages in one buffer, every strictness rule
// (bare CR/LF, NUL, obs-fold, tokens, sizes, field count, versions), request smuggling shapes
// (CL+TE, differing CLs, codings other than chunked), chunked bodies whole and byte by byte,
// malformed chunk sizes, and seeded random garbage.
#include "HttpParser.h"

#include <QRandomGenerator>
#include <QTest>

using namespace vivarium;
using namespace vivarium::http;

namespace {

HeadParse<RequestHead> feedByteByByte(const QByteArray& data, qsizetype* parsedAt = nullptr) {
    qsizetype scanned = 0;
    for (qsizetype n = 1; n <= data.size(); ++n) {
        auto r = parseRequestHead(QByteArrayView(data).first(n), {}, scanned);
        if (r.state != ParseState::NeedMore) {
            if (parsedAt)
                *parsedAt = n;
            return r;
        }
        scanned = r.scanned;
    }
    return parseRequestHead(data, {}, scanned);
}

RequestHead request(const QByteArray& headFields, const QByteArray& line = "POST / HTTP/1.1") {
    const QByteArray data = line + "\r\nHost: a\r\n" + headFields + "\r\n";
    auto r = parseRequestHead(data);
    if (r.state != ParseState::Complete)
        qWarning() << "did not parse:" << data << r.error;
    return r.head;
}

QByteArray decodeAll(const QByteArray& body, ParseState* state, qsizetype* consumed,
                     bool byteByByte = false, QString* error = nullptr) {
    ChunkedDecoder decoder;
    QByteArray out;
    qsizetype used = 0;
    ChunkedDecoder::Step step;
    if (byteByByte) {
        for (qsizetype i = 0; i < body.size(); ++i) {
            step = decoder.feed(QByteArrayView(body).sliced(i, 1), out);
            used += step.consumed;
            if (step.state != ParseState::NeedMore)
                break;
        }
    } else {
        step = decoder.feed(body, out);
        used = step.consumed;
    }
    *state = step.state;
    *consumed = used;
    if (error)
        *error = step.error;
    return out;
}

} // namespace

class HttpParserTest : public QObject {
    Q_OBJECT

private slots:
    void parsesARequest() {
        const QByteArray data = "GET http://example.org/a?b=1 HTTP/1.1\r\nHost: example.org\r\n"
                                "Accept:  */*  \r\nX-Empty:\r\n\r\nBODY";
        auto r = parseRequestHead(data);
        QCOMPARE(r.state, ParseState::Complete);
        QCOMPARE(r.size, data.size() - 4);
        QCOMPARE(r.head.method, QByteArray("GET"));
        QCOMPARE(r.head.target, QByteArray("http://example.org/a?b=1"));
        QCOMPARE(r.head.minorVersion, 1);
        QCOMPARE(r.head.headers.size(), 3);
        QCOMPARE(headerValue(r.head.headers, "accept"), QByteArray("*/*"));
        QCOMPARE(headerValue(r.head.headers, "X-EMPTY"), QByteArray());
        QVERIFY(hasHeader(r.head.headers, "x-empty"));
    }

    void byteByByteGivesTheSameHead() {
        const QByteArray data = "POST /routes/openai/v1/chat HTTP/1.1\r\nHost: 127.0.0.1:3128\r\n"
                                "Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello";
        qsizetype at = 0;
        auto r = feedByteByByte(data, &at);
        QCOMPARE(r.state, ParseState::Complete);
        QCOMPARE(at, data.size() - 5); // complete exactly at the empty line, not before
        QCOMPARE(r.size, data.size() - 5);
        const auto whole = parseRequestHead(data);
        QCOMPARE(r.head.target, whole.head.target);
        QCOMPARE(r.head.headers.size(), whole.head.headers.size());
        for (qsizetype i = 0; i < r.head.headers.size(); ++i) {
            QCOMPARE(r.head.headers[i].name, whole.head.headers[i].name);
            QCOMPARE(r.head.headers[i].value, whole.head.headers[i].value);
        }
    }

    void severalRequestsInOneBuffer() {
        const QByteArray one = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
        const QByteArray two = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
        const QByteArray both = one + two;
        auto r1 = parseRequestHead(both);
        QCOMPARE(r1.state, ParseState::Complete);
        QCOMPARE(r1.size, one.size());
        auto r2 = parseRequestHead(QByteArrayView(both).sliced(r1.size));
        QCOMPARE(r2.state, ParseState::Complete);
        QCOMPARE(r2.head.target, QByteArray("/b"));
    }

    void refusesMalformedHeads_data() {
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("why");
        const QByteArray host = "Host: x\r\n";
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\n" + host + "\r\n") << 400 << "bare LF";
        QTest::newRow("bare LF end") << QByteArray("GET / HTTP/1.1\r\n" + host + "\n") << 400 << "bare LF";
        QTest::newRow("bare CR") << QByteArray("GET / HTTP/1.1\r\nA: b\rc\r\n" + host + "\r\n") << 400 << "bare CR";
        QTest::newRow("NUL in value") << QByteArray("GET / HTTP/1.1\r\nA: b\0c\r\n\r\n", 26) << 400 << "NUL";
        QTest::newRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\n" + host + "A: b\r\n c\r\n\r\n") << 400 << "folding";
        QTest::newRow("space before colon") << QByteArray("GET / HTTP/1.1\r\n" + host + "A : b\r\n\r\n") << 400 << "whitespace before ':'";
        QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\n" + host + "Abc\r\n\r\n") << 400 << "no ':'";
        QTest::newRow("empty name") << QByteArray("GET / HTTP/1.1\r\n" + host + ": b\r\n\r\n") << 400 << "empty name";
        QTest::newRow("control in value") << QByteArray("GET / HTTP/1.1\r\n" + host + "A: b\x01\r\n\r\n") << 400 << "control character";
        QTest::newRow("DEL in value") << QByteArray("GET / HTTP/1.1\r\n" + host + "A: b\x7f\r\n\r\n") << 400 << "control character";
        QTest::newRow("bad method") << QByteArray("G(T / HTTP/1.1\r\n" + host + "\r\n") << 400 << "method";
        QTest::newRow("two spaces") << QByteArray("GET  / HTTP/1.1\r\n" + host + "\r\n") << 400 << "METHOD TARGET";
        QTest::newRow("no version") << QByteArray("GET /\r\n" + host + "\r\n") << 400 << "METHOD TARGET";
        QTest::newRow("not http") << QByteArray("GET / FTP/1.1\r\n" + host + "\r\n") << 400 << "HTTP version";
        QTest::newRow("http/2") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505 << "HTTP/1.0 and HTTP/1.1";
        QTest::newRow("http/1.2") << QByteArray("GET / HTTP/1.2\r\n" + host + "\r\n") << 505 << "HTTP/1.0 and HTTP/1.1";
        QTest::newRow("empty first line") << QByteArray("\r\nGET / HTTP/1.1\r\n" + host + "\r\n") << 400 << "empty line";
        QTest::newRow("tls hello") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) << 400 << "is this HTTP?";
        QTest::newRow("utf-8 target") << QByteArray("GET /\xc3\xa9 HTTP/1.1\r\n" + host + "\r\n") << 400 << "not allowed";
        QTest::newRow("too many fields") << [&] {
            QByteArray d = "GET / HTTP/1.1\r\n" + host;
            for (int i = 0; i < 100; ++i)
                d += "X-" + QByteArray::number(i) + ": v\r\n";
            return d + "\r\n";
        }() << 431 << "more than 100 header fields";
        QTest::newRow("head too large") << QByteArray("GET / HTTP/1.1\r\n" + host + "X: " + QByteArray(70000, 'a') + "\r\n\r\n") << 431 << "larger than 65536";
        QTest::newRow("request line too long") << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n\r\n") << 414 << "longer than 8192";
    }
    void refusesMalformedHeads() {
        QFETCH(QByteArray, data);
        QFETCH(int, status);
        QFETCH(QString, why);
        const auto whole = parseRequestHead(data);
        QCOMPARE(whole.state, ParseState::Failed);
        QCOMPARE(whole.status, status);
        QVERIFY2(whole.error.contains(why), qPrintable(whole.error));
        // The same verdict when the bytes trickle in.
        const auto trickled = feedByteByByte(data);
        QCOMPARE(trickled.state, ParseState::Failed);
        QCOMPARE(trickled.status, status);
    }

    void refusesEarly() {
        // A request line that is already too long fails without waiting for its end.
        auto r = parseRequestHead(QByteArray(8 * 1024 + 2, 'a'));
        QCOMPARE(r.state, ParseState::Failed);
        QCOMPARE(r.status, 414);
        // A head that is already too large fails without waiting for the empty line.
        QByteArray big = "GET / HTTP/1.1\r\n";
        while (big.size() < 64 * 1024)
            big += "X-Filler: " + QByteArray(100, 'b') + "\r\n";
        r = parseRequestHead(big);
        QCOMPARE(r.state, ParseState::Failed);
        QCOMPARE(r.status, 431);
        // Just below the limits is fine.
        r = parseRequestHead("GET /" + QByteArray(8 * 1024 - 15, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(r.state, ParseState::Complete);
        // Binary garbage fails at its first byte.
        r = parseRequestHead(QByteArray("\x16", 1));
        QCOMPARE(r.state, ParseState::Failed);
    }

    void needsMoreUntilTheEmptyLine() {
        const QByteArray data = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        for (qsizetype n = 0; n < data.size(); ++n)
            QCOMPARE(parseRequestHead(QByteArrayView(data).first(n)).state, ParseState::NeedMore);
    }

    void responseHeads() {
        auto r = parseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        QCOMPARE(r.state, ParseState::Complete);
        QCOMPARE(r.head.status, 200);
        QCOMPARE(r.head.reason, QByteArray("OK"));
        r = parseResponseHead("HTTP/1.1 204\r\n\r\n");
        QCOMPARE(r.state, ParseState::Complete);
        QCOMPARE(r.head.status, 204);
        r = parseResponseHead("HTTP/1.0 404 Not Found Here\r\n\r\n");
        QCOMPARE(r.head.reason, QByteArray("Not Found Here"));
        QCOMPARE(r.head.minorVersion, 0);
        for (const QByteArray& bad : {QByteArray("HTTP/1.1 2000 OK\r\n\r\n"), QByteArray("HTTP/1.1 20x OK\r\n\r\n"),
                                     QByteArray("HTTP/1.1 099 X\r\n\r\n"), QByteArray("ICY 200 OK\r\n\r\n"),
                                     QByteArray("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n")}) {
            r = parseResponseHead(bad);
            QCOMPARE(r.state, ParseState::Failed);
            QCOMPARE(r.status, 502);
        }
    }

    void requestFramingRules_data() {
        QTest::addColumn<QByteArray>("fields");
        QTest::addColumn<QByteArray>("line");
        QTest::addColumn<int>("kind"); // -1: refused
        QTest::addColumn<qint64>("length");
        QTest::addColumn<int>("status");
        const QByteArray v11 = "POST / HTTP/1.1";
        QTest::newRow("none") << QByteArray() << v11 << int(BodyKind::None) << qint64(0) << 0;
        QTest::newRow("length") << QByteArray("Content-Length: 12\r\n") << v11 << int(BodyKind::Length) << qint64(12) << 0;
        QTest::newRow("length 0") << QByteArray("Content-Length: 0\r\n") << v11 << int(BodyKind::None) << qint64(0) << 0;
        QTest::newRow("same lengths") << QByteArray("Content-Length: 7\r\nContent-Length: 7\r\n") << v11 << int(BodyKind::Length) << qint64(7) << 0;
        QTest::newRow("same list") << QByteArray("Content-Length: 7, 7\r\n") << v11 << int(BodyKind::Length) << qint64(7) << 0;
        QTest::newRow("chunked") << QByteArray("Transfer-Encoding: chunked\r\n") << v11 << int(BodyKind::Chunked) << qint64(0) << 0;
        QTest::newRow("Chunked case") << QByteArray("Transfer-Encoding: CHUNKED\r\n") << v11 << int(BodyKind::Chunked) << qint64(0) << 0;
        QTest::newRow("CL and TE") << QByteArray("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("TE and CL") << QByteArray("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("differing lengths") << QByteArray("Content-Length: 5\r\nContent-Length: 6\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("differing list") << QByteArray("Content-Length: 5, 6\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("plus sign") << QByteArray("Content-Length: +5\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("negative") << QByteArray("Content-Length: -1\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("hex length") << QByteArray("Content-Length: 0x10\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("empty length") << QByteArray("Content-Length:\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("huge length") << QByteArray("Content-Length: 99999999999999999999\r\n") << v11 << -1 << qint64(0) << 400;
        QTest::newRow("gzip") << QByteArray("Transfer-Encoding: gzip\r\n") << v11 << -1 << qint64(0) << 501;
        QTest::newRow("gzip, chunked") << QByteArray("Transfer-Encoding: gzip, chunked\r\n") << v11 << -1 << qint64(0) << 501;
        QTest::newRow("chunked, chunked") << QByteArray("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n") << v11 << -1 << qint64(0) << 501;
        QTest::newRow("chunked then identity") << QByteArray("Transfer-Encoding: chunked, identity\r\n") << v11 << -1 << qint64(0) << 501;
        QTest::newRow("TE on 1.0") << QByteArray("Transfer-Encoding: chunked\r\n") << QByteArray("POST / HTTP/1.0") << -1 << qint64(0) << 400;
        QTest::newRow("two hosts") << QByteArray("Host: b\r\n") << v11 << -1 << qint64(0) << 400;
    }
    void requestFramingRules() {
        QFETCH(QByteArray, fields);
        QFETCH(QByteArray, line);
        QFETCH(int, kind);
        QFETCH(qint64, length);
        QFETCH(int, status);
        const Result<Framing> f = requestFraming(request(fields, line));
        if (kind < 0) {
            QVERIFY(!f.ok());
            QCOMPARE(statusOf(f.error()), status);
            QVERIFY(!f.error().message.isEmpty());
        } else {
            QVERIFY2(f.ok(), f.ok() ? "" : qPrintable(f.error().message));
            QCOMPARE(int(f->kind), kind);
            QCOMPARE(f->length, length);
        }
    }

    void missingHostOnHttp11() {
        auto r = parseRequestHead("GET / HTTP/1.1\r\n\r\n");
        QCOMPARE(r.state, ParseState::Complete);
        QVERIFY(!requestFraming(r.head).ok());
        r = parseRequestHead("GET / HTTP/1.0\r\n\r\n");
        QVERIFY(requestFraming(r.head).ok());
    }

    void responseFramingRules() {
        const auto head = [](const QByteArray& text) { return parseResponseHead(text).head; };
        QCOMPARE(responseFraming(head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), "HEAD")->kind, BodyKind::None);
        QCOMPARE(responseFraming(head("HTTP/1.1 204 No\r\n\r\n"), "GET")->kind, BodyKind::None);
        QCOMPARE(responseFraming(head("HTTP/1.1 304 Same\r\nContent-Length: 9\r\n\r\n"), "GET")->kind, BodyKind::None);
        QCOMPARE(responseFraming(head("HTTP/1.1 100 Continue\r\n\r\n"), "POST")->kind, BodyKind::None);
        QCOMPARE(responseFraming(head("HTTP/1.1 200 OK\r\n\r\n"), "GET")->kind, BodyKind::UntilClose);
        QCOMPARE(responseFraming(head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "GET")->kind, BodyKind::Chunked);
        const auto len = responseFraming(head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), "GET");
        QCOMPARE(len->kind, BodyKind::Length);
        QCOMPARE(len->length, 9);
        auto bad = responseFraming(head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n"), "GET");
        QVERIFY(!bad.ok());
        QCOMPARE(statusOf(bad.error()), 502);
        bad = responseFraming(head("HTTP/1.1 200 OK\r\nContent-Length: 9\r\nContent-Length: 8\r\n\r\n"), "GET");
        QCOMPARE(statusOf(bad.error()), 502);
    }

    void chunkedBodies_data() {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<QByteArray>("payload"); // expected; "!" for refused
        QTest::newRow("one chunk") << QByteArray("5\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
        QTest::newRow("two chunks, hex") << QByteArray("3\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n") << QByteArray("abc0123456789");
        QTest::newRow("upper hex") << QByteArray("a\r\n0123456789\r\n0\r\n\r\n") << QByteArray("0123456789");
        QTest::newRow("extension") << QByteArray("5;name=value\r\nhello\r\n0;x\r\n\r\n") << QByteArray("hello");
        QTest::newRow("bws extension") << QByteArray("5 ;a\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
        QTest::newRow("trailers") << QByteArray("2\r\nhi\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n") << QByteArray("hi");
        QTest::newRow("empty body") << QByteArray("0\r\n\r\n") << QByteArray();
        QTest::newRow("leading zeros") << QByteArray("0005\r\nhello\r\n0\r\n\r\n") << QByteArray("hello");
        QTest::newRow("not hex") << QByteArray("zz\r\nhello\r\n0\r\n\r\n") << QByteArray("!");
        QTest::newRow("empty size") << QByteArray("\r\nhello\r\n") << QByteArray("!");
        QTest::newRow("negative") << QByteArray("-5\r\nhello\r\n") << QByteArray("!");
        QTest::newRow("0x prefix") << QByteArray("0x5\r\nhello\r\n") << QByteArray("!");
        QTest::newRow("too many digits") << QByteArray("1000000000000000\r\n") << QByteArray("!");
        QTest::newRow("junk after size") << QByteArray("5 junk\r\nhello\r\n") << QByteArray("!");
        QTest::newRow("digit after space") << QByteArray("5 5\r\nhello\r\n") << QByteArray("!");
        QTest::newRow("data too long") << QByteArray("3\r\nhello\r\n0\r\n\r\n") << QByteArray("!");
        QTest::newRow("bare LF after size") << QByteArray("5\nhello\r\n0\r\n\r\n") << QByteArray("!");
        QTest::newRow("bare CR after size") << QByteArray("5\rhello\r\n") << QByteArray("!");
        QTest::newRow("LF after data") << QByteArray("5\r\nhello\n0\r\n\r\n") << QByteArray("!");
        QTest::newRow("control in extension") << QByteArray("5;\x01\r\nhello\r\n") << QByteArray("!");
        QTest::newRow("bad trailer") << QByteArray("0\r\nno colon\r\n\r\n") << QByteArray("!");
        QTest::newRow("trailer bare LF") << QByteArray("0\r\nA: b\n\r\n") << QByteArray("!");
        QTest::newRow("long extension") << QByteArray("5;" + QByteArray(5000, 'x') + "\r\nhello\r\n") << QByteArray("!");
        QTest::newRow("huge trailers") << QByteArray("0\r\n" + QByteArray(70000 / 20, 'x').replace("x", "X-A: 1234567890abc\r\n") + "\r\n") << QByteArray("!");
    }
    void chunkedBodies() {
        QFETCH(QByteArray, body);
        QFETCH(QByteArray, payload);
        const QByteArray next = "GET /next HTTP/1.1\r\n";
        for (bool byteByByte : {false, true}) {
            ParseState state;
            qsizetype consumed = 0;
            QString error;
            const QByteArray out = decodeAll(body + next, &state, &consumed, byteByByte, &error);
            if (payload == "!") {
                QCOMPARE(state, ParseState::Failed);
                QVERIFY(!error.isEmpty());
            } else {
                QCOMPARE(state, ParseState::Complete);
                QCOMPARE(out, payload);
                QCOMPARE(consumed, body.size()); // the next message is left alone
            }
        }
    }

    void chunkedNeedsMoreAndStaysDone() {
        ChunkedDecoder d;
        QByteArray out;
        auto step = d.feed("5\r\nhel", out);
        QCOMPARE(step.state, ParseState::NeedMore);
        QCOMPARE(step.consumed, 6);
        QCOMPARE(out, QByteArray("hel"));
        step = d.feed("lo\r\n0\r\n\r\nrest", out);
        QCOMPARE(step.state, ParseState::Complete);
        QCOMPARE(step.consumed, 9);
        QVERIFY(d.done());
        step = d.feed("more", out);
        QCOMPARE(step.state, ParseState::Complete);
        QCOMPARE(step.consumed, 0);
        QCOMPARE(out, QByteArray("hello"));
    }

    void encodeAndDecodeRoundTrip() {
        QByteArray wire;
        QByteArray expected;
        for (int size : {1, 15, 16, 255, 4096, 70000}) {
            const QByteArray piece(size, char('a' + size % 26));
            wire += encodeChunk(piece);
            expected += piece;
        }
        QVERIFY(encodeChunk({}).isEmpty());
        wire += lastChunk();
        ParseState state;
        qsizetype consumed = 0;
        QCOMPARE(decodeAll(wire, &state, &consumed), expected);
        QCOMPARE(state, ParseState::Complete);
        QCOMPARE(consumed, wire.size());
    }

    // Seeded random bytes, random printable lines and mutated valid requests: the parser and
    // the decoder always answer (never crash, never read past the buffer: run under ASan), and
    // a Complete head never claims more bytes than it was given.
    void garbage() {
        QRandomGenerator rng(20240611);
        const QByteArray valid = "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "4\r\nwiki\r\n0\r\n\r\n";
        int complete = 0;
        int failed = 0;
        for (int i = 0; i < 5000; ++i) {
            QByteArray data;
            switch (i % 3) {
            case 0:
                data.resize(rng.bounded(1, 400));
                for (char& c : data)
                    c = char(rng.bounded(256));
                break;
            case 1:
                for (int n = rng.bounded(1, 200); n > 0; --n)
                    data += "\r\n: \tGETHOST/1.0x"[rng.bounded(16)];
                break;
            default:
                data = valid;
                for (int n = rng.bounded(1, 4); n > 0; --n)
                    data[rng.bounded(int(data.size()))] = char(rng.bounded(256));
                break;
            }
            const auto r = parseRequestHead(data);
            QVERIFY(r.size <= data.size());
            if (r.state == ParseState::Complete) {
                ++complete;
                (void)requestFraming(r.head);
                ChunkedDecoder d;
                QByteArray out;
                const auto step = d.feed(QByteArrayView(data).sliced(r.size), out);
                QVERIFY(step.consumed <= data.size() - r.size);
            } else if (r.state == ParseState::Failed) {
                ++failed;
                QVERIFY(r.status >= 400);
                QVERIFY(!r.error.isEmpty());
            }
            (void)parseResponseHead(data);
        }
        QVERIFY(failed > 1000);
        QVERIFY(complete > 0); // some mutations leave a valid head
    }
};

QTEST_GUILESS_MAIN(HttpParserTest)
#include "HttpParserTest.moc"
