// The terminal, headless: VTermScreen is fed bytes and its screen read back (text, cursor,
// colours, attributes, the alternate screen, wide characters, scrollback, resize), keys are
// encoded to the bytes a pty expects; TerminalWidget reports a sane size and paints.
// No service is needed.
#include "terminal/TerminalWidget.h"
#include "terminal/VTermScreen.h"

#include <QDir>
#include <QKeyEvent>
#include <QScrollBar>
#include <QSignalSpy>
#include <QApplication>
#include <QTest>

using namespace vivarium::gui;

class TerminalTest : public QObject {
    Q_OBJECT
private slots:
    void plainText() {
        VTermScreen s(5, 20);
        s.feed("hello\r\nworld");
        QCOMPARE(s.rowText(0), QString("hello"));
        QCOMPARE(s.rowText(1), QString("world"));
        QCOMPARE(s.cursor(), QPoint(5, 1));
        QVERIFY(!s.takeDamage().isEmpty());
        QVERIFY(s.takeDamage().isEmpty());
    }

    void cursorMoves() {
        VTermScreen s(5, 20);
        s.feed("\x1b[3;5HX\x1b[1;1HY");
        QCOMPARE(s.cell(2, 4).text, QString("X"));
        QCOMPARE(s.cell(0, 0).text, QString("Y"));
        QCOMPARE(s.cursor(), QPoint(1, 0));
        s.feed("\x1b[?25l");
        QVERIFY(!s.cursorVisible());
    }

    void colorsAndAttributes() {
        VTermScreen s(3, 40);
        s.feed("\x1b[31mr\x1b[38;5;208mo\x1b[38;2;10;20;30mt\x1b[0m\x1b[1mb\x1b[0;4;7mu\x1b[0m.");
        const TerminalCell red = s.cell(0, 0);
        QVERIFY(!red.fgDefault);
        QCOMPARE(red.fgIndex, 1);
        QCOMPARE(s.cell(0, 1).fgIndex, 208);
        const TerminalCell rgb = s.cell(0, 2);
        QCOMPARE(rgb.fgIndex, -1);
        QCOMPARE(rgb.fg, qRgb(10, 20, 30));
        QVERIFY(s.cell(0, 3).bold);
        QVERIFY(!s.cell(0, 3).underline);
        QVERIFY(s.cell(0, 4).underline && s.cell(0, 4).reverse);
        const TerminalCell plain = s.cell(0, 5);
        QVERIFY(plain.fgDefault && plain.bgDefault && !plain.bold && !plain.reverse);
        s.feed("\x1b[42mg");
        QCOMPARE(s.cell(0, 6).bgIndex, 2);
        QVERIFY(!s.cell(0, 6).bgDefault);
    }

    void alternateScreen() {
        VTermScreen s(4, 20);
        s.feed("main text");
        s.feed("\x1b[?1049h\x1b[2J\x1b[Hfull screen app");
        QVERIFY(s.altScreen());
        QCOMPARE(s.rowText(0), QString("full screen app"));
        s.feed("\x1b[?1049l");
        QVERIFY(!s.altScreen());
        QCOMPARE(s.rowText(0), QString("main text"));
    }

    void wideCharacter() {
        VTermScreen s(2, 10);
        s.feed("a中b");
        QCOMPARE(s.cell(0, 1).text, QString("中"));
        QCOMPARE(s.cell(0, 1).width, 2);
        QCOMPARE(s.cell(0, 2).width, 0);
        QCOMPARE(s.cell(0, 3).text, QString("b"));
        QCOMPARE(s.rowText(0), QString("a中b"));
        QCOMPARE(s.cursor(), QPoint(4, 0));
    }

    void scrollback() {
        VTermScreen s(3, 10, 5);
        for (int i = 1; i <= 10; ++i)
            s.feed(QByteArray("line") + QByteArray::number(i) + (i < 10 ? "\r\n" : ""));
        QCOMPARE(s.rowText(2), QString("line10"));
        QCOMPARE(s.scrollbackSize(), 5); // bounded: lines 3..7 kept, the oldest dropped
        QCOMPARE(VTermScreen::lineText(s.scrollbackLine(0)), QString("line3"));
        QCOMPARE(VTermScreen::lineText(s.scrollbackLine(4)), QString("line7"));
        bool scrolled = false;
        s.takeDamage(&scrolled);
        QVERIFY(scrolled);
    }

    void scrollbackKeepsNoBlanksAndReadsBack() {
        VTermScreen s(2, 40, 3);
        s.feed("short\r\n\x1b[41m  \x1b[0m red bar\r\n\r\nlast");
        // Trailing blank cells are not kept; blanks with a background are.
        QCOMPARE(s.scrollbackSize(), 2);
        QCOMPARE(int(s.scrollbackLine(0).size()), 5);
        QCOMPARE(VTermScreen::lineText(s.scrollbackLine(1)), QString("   red bar"));
        QVERIFY(!s.scrollbackLine(1).front().bgDefault);
        QCOMPARE(s.text(), QString("short\n   red bar\n\nlast"));
        // Growing taller gives the trimmed lines back, padded with blanks.
        s.resize(6, 40);
        QCOMPARE(s.rowText(0), QString("short"));
        QCOMPARE(int(s.line(0).size()), 40);
        // A lower limit drops the oldest lines at once.
        s.feed("\r\na\r\nb\r\nc\r\nd\r\ne");
        QCOMPARE(s.scrollbackSize(), 3);
        s.setScrollbackLimit(1);
        QCOMPARE(s.scrollbackLimit(), 1);
        QCOMPARE(s.scrollbackSize(), 1);
        QCOMPARE(s.text(), QString("\nlast\na\nb\nc\nd\ne")); // the newest scrollback line is the empty one
    }

    void resize() {
        VTermScreen s(3, 10);
        s.feed("one\r\ntwo\r\nthree\r\nfour");
        QCOMPARE(s.scrollbackSize(), 1);
        s.resize(6, 30);
        QCOMPARE(s.rows(), 6);
        QCOMPARE(s.cols(), 30);
        // Growing taller pulls the scrolled-off line back from our scrollback.
        QCOMPARE(s.scrollbackSize(), 0);
        QCOMPARE(s.rowText(0), QString("one"));
        QCOMPARE(s.rowText(3), QString("four"));
        s.feed("\x1b[1;25HZ");
        QCOMPARE(s.cell(0, 24).text, QString("Z"));
        s.resize(2, 5);
        QCOMPARE(s.rows(), 2);
        QCOMPARE(s.cols(), 5);
    }

    void keyboard() {
        VTermScreen s(3, 10);
        QByteArray out;
        s.setOutputHandler([&out](const QByteArray& b) { out += b; });
        s.sendKey(VTermScreen::Key::Enter);
        QCOMPARE(out, QByteArray("\r"));
        out.clear();
        s.sendChar(U'c', VTermScreen::Ctrl);
        QCOMPARE(out, QByteArray("\x03"));
        out.clear();
        s.sendKey(VTermScreen::Key::Up);
        QCOMPARE(out, QByteArray("\x1b[A"));
        out.clear();
        s.sendChar(U'é');
        QCOMPARE(out, QString("é").toUtf8());
        out.clear();
        s.feed("\x1b[?1h"); // application cursor keys
        s.sendKey(VTermScreen::Key::Up);
        QCOMPARE(out, QByteArray("\x1bOA"));
        out.clear();
        s.feed("\x1b[?2004h"); // bracketed paste
        s.sendText("ls\n");
        QCOMPARE(out, QByteArray("\x1b[200~ls\r\x1b[201~"));
    }

    void widgetSizeKeysAndPaint() {
        TerminalWidget w;
        QSignalSpy resized(&w, &TerminalWidget::resized);
        QByteArray out;
        connect(&w, &TerminalWidget::input, this, [&out](const QByteArray& b) { out += b; });
        w.resize(640, 400);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(!resized.isEmpty());
        const int rows = resized.last().at(0).toInt(), cols = resized.last().at(1).toInt();
        QCOMPARE(rows, w.rows());
        QCOMPARE(cols, w.cols());
        QVERIFY2(rows >= 10 && rows <= 60 && cols >= 40 && cols <= 200,
                 qPrintable(QString("%1x%2").arg(rows).arg(cols)));
        QCOMPARE(rows, w.viewport()->height() / w.cellSize().height());

        QTest::keyClick(&w, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(out, QByteArray("\x03"));
        out.clear();
        QTest::keyClick(&w, Qt::Key_Return);
        QTest::keyClick(&w, Qt::Key_Up);
        QTest::keyClicks(&w, "ls");
        QCOMPARE(out, QByteArray("\r\x1b[Als"));

        // Zooming changes the cell size and so the grid.
        resized.clear();
        QTest::keyClick(&w, Qt::Key_Equal, Qt::ControlModifier);
        QTest::keyClick(&w, Qt::Key_Equal, Qt::ControlModifier);
        QVERIFY(!resized.isEmpty());
        QVERIFY(w.rows() < rows);
        w.zoom(0);
        QCOMPARE(w.rows(), rows);

        w.feed("\x1b[1;32muser@sandbox\x1b[0m:\x1b[1;34m~\x1b[0m$ ls --color\r\n"
               "\x1b[34mbin\x1b[0m  \x1b[38;5;208mdata\x1b[0m  \x1b[38;2;200;100;50mrgb\x1b[0m  中文  "
               "\x1b[7mreverse\x1b[0m \x1b[4munderline\x1b[0m\r\n$ ");
        for (int i = 0; i < 60; ++i)
            w.feed("scroll " + QByteArray::number(i) + "\r\n");
        QTRY_VERIFY(w.verticalScrollBar()->maximum() > 0);
        QCOMPARE(w.verticalScrollBar()->value(), w.verticalScrollBar()->maximum());
        w.verticalScrollBar()->setValue(0); // scrolled back to the top of the scrollback
        const QImage image = w.grab().toImage();
        QVERIFY(!image.isNull());
        QCOMPARE(image.size(), w.size() * image.devicePixelRatio());
    }

    void screenshot() {
        TerminalWidget w;
        w.resize(720, 300);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.feed("\x1b[1;32mroot@sandbox\x1b[0m:\x1b[1;34m~\x1b[0m# ls --color /\r\n"
               "\x1b[1;34mbin\x1b[0m  \x1b[1;34metc\x1b[0m  \x1b[1;34mhome\x1b[0m  \x1b[1;36mlib\x1b[0m  "
               "\x1b[1;34mtmp\x1b[0m  \x1b[1;34musr\x1b[0m\r\n"
               "# printf '\\e[38;5;208m256 \\e[38;2;80;160;255mtruecolor \\e[7mreverse\\e[0m 中文\\n'\r\n"
               "\x1b[38;5;208m256 \x1b[38;2;80;160;255mtruecolor \x1b[7mreverse\x1b[0m 中文\r\n"
               "\x1b[1;32mroot@sandbox\x1b[0m:\x1b[1;34m~\x1b[0m# ");
        // Focused, so the cursor is drawn solid; paintEvent reads the emulator directly, so
        // grab() needs no wait for the repaint timer.
        QApplication::setActiveWindow(&w);
        w.setFocus();
        QTRY_VERIFY(w.hasFocus());
        const QString dir = qEnvironmentVariable("VIVARIUM_SCREENSHOT_DIR");
        if (!dir.isEmpty())
            QVERIFY(w.grab().save(QDir(dir).filePath("terminal.png")));
    }
};

QTEST_MAIN(TerminalTest)
#include "TerminalTest.moc"
