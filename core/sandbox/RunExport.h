// A run's output turned into something to share: an asciinema v2 cast (a JSON header line,
// then one [seconds, "o", text] line per piece of output, timed by the run's timing marks)
// or plain text (escape sequences removed, carriage returns and backspaces applied the way a
// terminal shows them). Used by `viv export` and the desktop app alike.
//
// Everything here is pure and streaming: output goes in as it arrives, in any pieces, and
// what is complete comes out, so an export never holds a whole run in memory and the result
// does not depend on where the pieces were cut (a UTF-8 character or an escape sequence split
// across two pieces comes out whole). No I/O and no API here: RunExportJob feeds these.
#pragma once

#include "RunTiming.h"

#include <QByteArray>
#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <string>

namespace vivarium {

enum class ExportFormat { Cast, Text };

// "sh -c 'echo a'": argv as one line a POSIX shell would split back the same way.
QString commandLine(const QStringList& argv);

// Pipe output ends lines with "\n" alone; a terminal (libvterm, an asciinema player) needs
// "\r\n". Turns every "\n" not already preceded by "\r" into "\r\n", across pieces.
class LfToCrlf {
public:
    QByteArray convert(const QByteArray& bytes);

private:
    bool m_lastWasCr = false;
};

// UTF-8 bytes to text in pieces: a character split between two pieces is held back until it
// is whole; invalid bytes become U+FFFD. finish() turns a dangling partial character into
// U+FFFD, so the text is always valid.
class Utf8Stream {
public:
    QString decode(const QByteArray& bytes);
    QString finish();

private:
    QByteArray m_partial; // at most 3 bytes of a character still incomplete
};

struct CastHeader {
    int width = 80;
    int height = 24;
    qint64 timestamp = 0;  // the run's start, seconds since the epoch
    qint64 durationMs = -1; // -1: left out
    QString title;
    QString term = QStringLiteral("xterm-256color");
    QString shell = QStringLiteral("/bin/sh");

    // From a run object of the API (argv, pty, rows, cols, started, ended). A run still
    // going lasts until `now`; never less than `lastMarkMs`.
    static CastHeader fromRun(const QJsonObject& run, qint64 lastMarkMs,
                              const QDateTime& now = QDateTime::currentDateTimeUtc());
};

// asciinema v2. Each piece of output is timed by the last mark at or before its first byte
// (bytes before the first mark: 0 s); the output of one mark becomes one event, split into
// more (same time) only past kMaxEventChars.
class CastWriter {
public:
    enum class Newlines { AsIs, LfToCrlf }; // LfToCrlf for pipe runs
    static constexpr qsizetype kMaxEventChars = 64 * 1024;

    CastWriter(CastHeader header, QList<TimingMark> marks, Newlines newlines);
    QByteArray header() const; // the first line, with its "\n"
    QByteArray write(const QByteArray& output); // the event lines now complete
    QByteArray finish();                        // the rest

    static QByteArray jsonString(const QString& text); // a JSON string literal, UTF-8

private:
    QByteArray flush();
    void append(const QString& text, qint64 ms, QByteArray& out);

    CastHeader m_header;
    QList<TimingMark> m_marks;
    Newlines m_newlines;
    LfToCrlf m_crlf;
    Utf8Stream m_utf8;
    qsizetype m_next = 0; // index of the first mark not yet reached
    qint64 m_offset = 0;  // payload bytes consumed
    qint64 m_ms = 0;      // time of the output being consumed
    QString m_pending;
    qint64 m_pendingMs = 0;
};

// Plain text: CSI, OSC, DCS/SOS/PM/APC strings and other escape sequences removed; other
// control characters dropped except "\n" and "\t"; "\r" returns to the start of the line
// and "\b" moves back one, so later characters overwrite earlier ones as on a terminal
// ("10%\r20%\n" is "20%\n"; "\r\n" is "\n").
class TextWriter {
public:
    static constexpr qsizetype kMaxLine = 1024 * 1024; // a longer line is cut here

    QByteArray write(const QByteArray& output); // UTF-8 of the lines now complete
    QByteArray finish();                        // the last line, if it has no "\n"

private:
    enum class State { Ground, Escape, Intermediate, Csi, String, StringEscape };
    QByteArray strip(const QByteArray& bytes);
    void put(char32_t c, QByteArray& out);
    void endLine(QByteArray& out, bool newline);

    State m_state = State::Ground;
    Utf8Stream m_utf8;
    std::u32string m_line;
    qsizetype m_col = 0;
};

} // namespace vivarium
