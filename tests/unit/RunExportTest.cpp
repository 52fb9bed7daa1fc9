// Exports and the timing they rest on, without a VM: the timing file (marks only every
// 20 ms, torn tails, damaged entries, thinning of many marks), the run record writing it,
// and the pure writers: known bytes and marks give exact asciinema lines whatever the
// pieces the output comes in; UTF-8 split across pieces and marks stays whole; escape
// sequences (CSI, OSC, DCS, charset selections) are stripped from plain text.
#include "RunExport.h"
#include "RunRecord.h"
#include "RunTiming.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTemporaryDir>
#include <QTest>

using namespace vivarium;

namespace {

// Runs `output` through a writer cut into pieces of `piece` bytes (0: one piece).
template <typename Writer> QByteArray runThrough(Writer& w, const QByteArray& output, int piece) {
    QByteArray out;
    const int step = piece > 0 ? piece : int(std::max<qsizetype>(1, output.size()));
    for (qsizetype i = 0; i < output.size(); i += step)
        out += w.write(output.mid(i, step));
    return out + w.finish();
}

QByteArray text(const QByteArray& output, int piece = 0) {
    TextWriter w;
    return runThrough(w, output, piece);
}

QJsonObject pipeRun() {
    return {{"run", 4},
            {"argv", QJsonArray{"sh", "-c", "echo a; sleep 0.3; echo b"}},
            {"pty", false},
            {"started", "2026-01-01T00:00:00.000Z"},
            {"ended", "2026-01-01T00:00:00.350Z"},
            {"exit_code", 0}};
}

QByteArray cast(const QJsonObject& run, const QList<TimingMark>& marks, const QByteArray& output,
                int piece = 0) {
    const CastHeader h = CastHeader::fromRun(run, marks.isEmpty() ? 0 : marks.last().ms);
    CastWriter w(h, marks,
                 run.value("pty").toBool() ? CastWriter::Newlines::AsIs : CastWriter::Newlines::LfToCrlf);
    return w.header() + runThrough(w, output, piece);
}

const QByteArray kHeader =
    "{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1767225600, "
    "\"duration\": 0.350, \"title\": \"sh -c \'echo a; sleep 0.3; echo b\'\", "
    "\"env\": {\"TERM\": \"xterm-256color\", \"SHELL\": \"/bin/sh\"}}\n";

} // namespace

class RunExportTest : public QObject {
    Q_OBJECT
private slots:
    void timingMarksAtMostEvery20Ms() {
        QTemporaryDir dir;
        const QString path = dir.filePath("timing");
        RunTiming t;
        QVERIFY(t.open(path, true));
        QVERIFY(t.note(0, 3));
        QVERIFY(t.note(10, 15));  // 12 ms after the last mark: counts with it
        QVERIFY(t.note(20, 23));  // 20 ms: a new mark
        QVERIFY(t.note(30, 500));
        QCOMPARE(t.count(), 3);
        t.close();
        QCOMPARE(QFile(path).size(), 3 * RunTiming::kEntrySize);
        auto read = RunTiming::read(path, 40);
        QVERIFY(read);
        QCOMPARE(read->marks, (QList<TimingMark>{{0, 3}, {20, 23}, {30, 500}}));
        QCOMPARE(read->granularityMs, RunTiming::kMinGapMs);
        // Offsets are little-endian u64, times u32.
        QCOMPARE(RunTiming::encode({0x0102, 0x0304}),
                 QByteArray::fromHex("020100000000000004030000"));
    }

    void timingTornTailAndDamage() {
        QTemporaryDir dir;
        const QString path = dir.filePath("timing");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(RunTiming::encode({0, 0}));
        f.write(RunTiming::encode({100, 50}));
        f.write(RunTiming::encode({50, 80}));   // offset went back: damaged, skipped
        f.write(RunTiming::encode({150, 40}));  // time went back: skipped
        f.write(RunTiming::encode({900, 90}));  // past the stored output: skipped
        f.write(RunTiming::encode({200, 100}));
        f.write(QByteArray("\x01\x02\x03\x04\x05", 5)); // torn by a crash
        f.close();
        auto read = RunTiming::read(path, 500);
        QVERIFY(read);
        QCOMPARE(read->marks, (QList<TimingMark>{{0, 0}, {100, 50}, {200, 100}}));

        // Opening for appends cuts the torn entry and goes on after the last mark's time.
        RunTiming t;
        QVERIFY(t.open(path, false));
        QCOMPARE(QFile(path).size(), 6 * RunTiming::kEntrySize);
        QCOMPARE(t.count(), 6);
        QVERIFY(t.note(300, 110)); // 10 ms after the last entry (100 ms): no mark
        QCOMPARE(t.count(), 6);
        QVERIFY(t.note(300, 130));
        QCOMPARE(t.count(), 7);

        auto missing = RunTiming::read(dir.filePath("none"), 10);
        QVERIFY(missing);
        QVERIFY(missing->marks.isEmpty());
    }

    void manyMarksAreThinned() {
        QTemporaryDir dir;
        const QString path = dir.filePath("timing");
        RunTiming t;
        QVERIFY(t.open(path, true));
        // 100 000 marks 20 ms apart (33 minutes of steady output), 10 bytes each.
        for (qint64 i = 0; i < 100000; ++i)
            QVERIFY(t.note(i * 10, i * 20));
        t.close();
        QCOMPARE(QFile(path).size(), 100000 * RunTiming::kEntrySize);
        auto all = RunTiming::read(path, 1000000, RunTiming::kMaxMarks);
        QVERIFY(all);
        QCOMPARE(all->marks.size(), 100000);
        QCOMPARE(all->granularityMs, 20);

        auto thin = RunTiming::read(path, 1000000, 1000);
        QVERIFY(thin);
        QVERIFY(thin->marks.size() <= 1000);
        QVERIFY(thin->marks.size() > 500); // halving at most once too far
        QCOMPARE(thin->granularityMs, 20 * 128); // 2 000 000 ms / 2560 ms = 782 slices
        QCOMPARE(thin->marks.first(), (TimingMark{0, 0}));
        for (qsizetype i = 1; i < thin->marks.size(); ++i) {
            QVERIFY(thin->marks[i].ms / thin->granularityMs > thin->marks[i - 1].ms / thin->granularityMs);
            QVERIFY(thin->marks[i].offset > thin->marks[i - 1].offset);
        }
        // Thinning what is in memory gives the same as thinning while reading.
        const auto again = RunTiming::coarsen(all->marks, 1000);
        QCOMPARE(again.marks, thin->marks);
        QCOMPARE(again.granularityMs, thin->granularityMs);
        // A pause is never thinned away: the first mark after it starts a new slice.
        const auto paused = RunTiming::coarsen({{0, 0}, {5, 20}, {9, 40}, {12, 60000}}, 2);
        QCOMPARE(paused.marks, (QList<TimingMark>{{0, 0}, {12, 60000}}));
    }

    void runRecordWritesTiming() {
        QTemporaryDir dir;
        RunInfo info;
        info.seq = 3;
        info.argv = {"sh"};
        info.pty = true;
        info.rows = 30;
        info.cols = 100;
        // Started 5 s ago (as after a service restart): times count from the start.
        info.started = QDateTime::currentDateTimeUtc().addSecs(-5);
        auto r = RunRecord::create(dir.filePath("runs/3"), info);
        QVERIFY(r);
        QVERIFY(r.value()->appendOutput(OutputKind::Stdout, "hello"));
        QVERIFY(r.value()->appendOutput(OutputKind::Stderr, "")); // nothing: no mark
        const QString timing = r.value()->timingPath();
        QCOMPARE(timing, dir.filePath("runs/3/timing"));
        auto read = RunTiming::read(timing, 5);
        QVERIFY(read);
        QCOMPARE(read->marks.size(), 1);
        QCOMPARE(read->marks.first().offset, 0);
        QVERIFY2(read->marks.first().ms >= 5000 && read->marks.first().ms < 60000,
                 qPrintable(QString::number(read->marks.first().ms)));
        // The terminal's size is kept for pty runs.
        QCOMPARE(r.value()->info().toJson().value("cols").toInt(), 100);
        QCOMPARE(r.value()->info().toJson().value("rows").toInt(), 30);
        r.value().reset();
        QFile torn(timing);
        QVERIFY(torn.open(QIODevice::Append));
        torn.write("xyz");
        torn.close();
        auto reopened = RunRecord::open(dir.filePath("runs/3"));
        QVERIFY(reopened);
        QCOMPARE(QFile(timing).size(), RunTiming::kEntrySize);
        QCOMPARE(reopened.value()->info().rows, 30);
    }

    void commandLines() {
        QCOMPARE(commandLine({"echo", "hi"}), QString("echo hi"));
        QCOMPARE(commandLine({"sh", "-c", "echo 'a' b"}), QString("sh -c 'echo '\\''a'\\'' b'"));
        QCOMPARE(commandLine({"printf", ""}), QString("printf ''"));
        QCOMPARE(commandLine({"ls", "é"}), QString("ls 'é'"));
    }

    void lfToCrlfAcrossPieces() {
        LfToCrlf c;
        QCOMPARE(c.convert("a\nb\r"), QByteArray("a\r\nb\r"));
        QCOMPARE(c.convert("\nc\r\n"), QByteArray("\nc\r\n")); // already "\r\n", split or not
        QCOMPARE(c.convert("\n\n"), QByteArray("\r\n\r\n"));
    }

    void utf8SplitAnywhere() {
        const QByteArray all = QString("aé€😀z").toUtf8(); // 1, 2, 3 and 4 bytes
        for (int cut = 0; cut <= all.size(); ++cut) {
            Utf8Stream s;
            QString got = s.decode(all.left(cut));
            got += s.decode(all.mid(cut));
            got += s.finish();
            QCOMPARE(got, QString("aé€😀z"));
        }
        Utf8Stream s;
        QCOMPARE(s.decode(QByteArray("ok\xff") + "!"), QString("ok\uFFFD!")); // invalid byte
        QCOMPARE(s.decode("\xe2\x82"), QString());                           // held back
        QCOMPARE(s.finish(), QString("\uFFFD"));                               // never completed
        QCOMPARE(s.decode("x"), QString("x"));
    }

    void castKnownLines() {
        const QByteArray expected = kHeader + "[0.005, \"o\", \"a\\r\\n\"]\n"
                                              "[0.310, \"o\", \"b\\r\\n\"]\n";
        const QList<TimingMark> marks{{0, 5}, {2, 310}};
        QCOMPARE(cast(pipeRun(), marks, "a\nb\n"), expected);
        for (int piece = 1; piece <= 4; ++piece)
            QCOMPARE(cast(pipeRun(), marks, "a\nb\n", piece), expected);
        // stderr is output too; arrival order is what counts. Escapes and quotes in JSON.
        QCOMPARE(cast(pipeRun(), {{0, 0}}, "\x1b[31mred\x1b[0m \"q\" \\ \t\x01"),
                 kHeader + "[0.000, \"o\", \"\\u001b[31mred\\u001b[0m \\\"q\\\" \\\\ \\t\\u0001\"]\n");
    }

    void castWithoutMarksOrOutput() {
        // No output: the header alone. No marks (a record from before timing): all at 0.
        QCOMPARE(cast(pipeRun(), {}, {}), kHeader);
        QCOMPARE(cast(pipeRun(), {}, "x\ny\n"), kHeader + "[0.000, \"o\", \"x\\r\\ny\\r\\n\"]\n");
        // Bytes before the first mark count from the start.
        QCOMPARE(cast(pipeRun(), {{2, 100}}, "x\ny\n"),
                 kHeader + "[0.000, \"o\", \"x\\r\\n\"]\n[0.100, \"o\", \"y\\r\\n\"]\n");
    }

    void castUtf8SplitAcrossMarks() {
        // "é" is C3 A9; a mark falls between its two bytes. The character goes whole into the
        // next event, and every event is valid UTF-8 JSON.
        const QByteArray output = "x" + QString("é€").toUtf8() + "\n";
        const QList<TimingMark> marks{{0, 0}, {2, 100}, {4, 200}};
        const QByteArray expected = kHeader + "[0.000, \"o\", \"x\"]\n" +
                                    QString("[0.100, \"o\", \"é\"]\n[0.200, \"o\", \"€\\r\\n\"]\n").toUtf8();
        for (int piece = 0; piece <= 3; ++piece)
            QCOMPARE(cast(pipeRun(), marks, output, piece), expected);
        const QByteArray all = cast(pipeRun(), marks, output, 1);
        for (const QByteArray& line : all.split('\n'))
            if (!line.isEmpty())
                QVERIFY2(!QJsonDocument::fromJson(line).isNull(), line.constData());
        // A character cut off at the very end becomes U+FFFD, not a broken string.
        QCOMPARE(cast(pipeRun(), {{0, 0}}, "ab\xe2\x82"),
                 kHeader + QString("[0.000, \"o\", \"ab\uFFFD\"]\n").toUtf8());
    }

    void castPtyRunAndLongEvents() {
        QJsonObject run = pipeRun();
        run["pty"] = true;
        run["rows"] = 40;
        run["cols"] = 120;
        run["argv"] = QJsonArray{"top"};
        run.remove("ended"); // still running: it lasts until now, at least until the last mark
        const QDateTime now = QDateTime::fromString("2026-01-01T00:00:02.000Z", Qt::ISODateWithMs);
        const CastHeader h = CastHeader::fromRun(run, 1500, now);
        QCOMPARE(h.width, 120);
        QCOMPARE(h.height, 40);
        QCOMPARE(h.durationMs, 2000);
        QCOMPARE(CastHeader::fromRun(run, 9000, now).durationMs, 9000);
        CastWriter w(h, {{0, 0}}, CastWriter::Newlines::AsIs);
        QVERIFY(w.header().startsWith("{\"version\": 2, \"width\": 120, \"height\": 40, "));
        QVERIFY(w.header().contains("\"title\": \"top\""));
        // A pty's own "\r\n" is left alone, and a huge burst is cut into events of the same time.
        const QByteArray burst = QByteArray(CastWriter::kMaxEventChars + 10, 'y') + "\n";
        QByteArray events = w.write(burst);
        events += w.finish();
        const QList<QByteArray> lines = events.trimmed().split('\n');
        QCOMPARE(lines.size(), 2);
        QVERIFY(lines[0].startsWith("[0.000, \"o\", \"yyy"));
        QCOMPARE(lines[1], QByteArray("[0.000, \"o\", \"yyyyyyyyyy\\n\"]"));
    }

    void plainTextStripsEscapes() {
        // Colours (CSI), a window title ended by BEL and by ST (OSC), a DCS string, a charset
        // selection (ESC ( B), keypad mode (ESC =), cursor moves and erases.
        static const char raw[] = "\x1b]0;my title\x07\x1b[1;31mred\x1b[0m plain\n"
                                  "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\\n"
                                  "\x1bP1$r0m\x1b\\\x1b(B\x1b=\x1b[2K\x1b[1Acursor\x1b[?25l\n"
                                  "bell\x07 and nul\x00 gone\n";
        const QByteArray output(raw, sizeof raw - 1);
        const QByteArray expected = "red plain\nlink\ncursor\nbell and nul gone\n";
        QCOMPARE(text(output), expected);
        for (int piece = 1; piece <= 3; ++piece)
            QCOMPARE(text(output, piece), expected);
        // A lone ESC before a newline does not eat the line.
        QCOMPARE(text("a\x1b\nb\n"), QByteArray("a\nb\n"));
        // UTF-8 and 8-bit text stay; tabs stay.
        QCOMPARE(text(QString("é\t€\n").toUtf8(), 1), QString("é\t€\n").toUtf8());
    }

    void plainTextCarriageReturns() {
        QCOMPARE(text("10%\r20%\r100%\ndone\n"), QByteArray("100%\ndone\n")); // progress bar
        QCOMPARE(text("a\r\nb\r\n"), QByteArray("a\nb\n"));
        QCOMPARE(text("abcdef\rXY\n"), QByteArray("XYcdef\n")); // overwritten as on a screen
        QCOMPARE(text("abc\b\bZ\n"), QByteArray("aZc\n"));
        QCOMPARE(text("no newline at the end"), QByteArray("no newline at the end"));
        QCOMPARE(text(""), QByteArray());
        QCOMPARE(text("\x1b[32m\x1b[0m"), QByteArray());
    }
};

QTEST_GUILESS_MAIN(RunExportTest)
#include "RunExportTest.moc"
