// The Runs tab's output pane, offscreen and without a service: a sandbox view fed recorded
// subscribe traffic shows the selected run on the terminal widget (pipe output with its
// lines starting at the left edge), resets when another run is selected, keeps streaming a
// live run, sends nothing anywhere when typed into, copies a selection, and takes a flood of
// output in slices with coalesced painting.
#include "RunExportActions.h"
#include "RunOutputView.h"
#include "RunsModel.h"
#include "SandboxView.h"
#include "terminal/TerminalWidget.h"
#include "terminal/VTermScreen.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;

namespace {

// Feeds a recorded subscribe stream (JSON lines; data frames as {"type":"data",…}).
void replay(RunsModel& model, const QString& name) {
    QFile f(QStringLiteral(VIVARIUM_GUI_TEST_DATA) + "/" + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(f.fileName()));
    for (const QByteArray& line : f.readAll().split('\n')) {
        const QJsonObject m = QJsonDocument::fromJson(line).object();
        const QString type = m.value("type").toString();
        if (type == "data")
            model.applyData(api::DataKind(m.value("kind").toInt()), quint32(m.value("channel").toInt()),
                            m.value("text").toString().toUtf8());
        else if (type == "exit")
            model.applyExit(m);
        else if (type.startsWith("run."))
            model.applyRunMessage(m);
    }
}

QStringList lines(RunOutputView* v) { return v->text().split('\n'); }

class PaintCounter : public QObject {
public:
    int paints = 0;
    bool eventFilter(QObject*, QEvent* e) override {
        if (e->type() == QEvent::Paint)
            ++paints;
        return false;
    }
};

} // namespace

class RunViewTest : public QObject {
    Q_OBJECT
private slots:
    void recordedRunsOnTheTerminal() {
        SandboxView view;
        view.resize(900, 700);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        RunOutputView* out = view.outputView();
        QVERIFY(!out->exporter()->castAction()->isEnabled()); // no sandbox, no run
        // No service at this endpoint: the view's own subscription fails, and the recorded
        // traffic stands in for it.
        view.setEndpoint({});
        view.showSandbox({{"id", "5ef2eced"}, {"name", "transcript"}, {"state", "ready"}});
        replay(*view.runsModel(), "subscribe-stream.jsonl");
        QVERIFY(out->terminal()->isReadOnly());
        QVERIFY(out->terminal()->isVisible());
        // Nothing was selected, so the live run (3) was followed as it appeared.
        QTRY_COMPARE(lines(out), (QStringList{"live", "done"}));
        QVERIFY(out->exporter()->castAction()->isEnabled());

        // Run 1 (pipes): each line at the left edge, so "\n" was fed as "\r\n".
        QVERIFY(view.selectRun(1));
        QTRY_COMPARE(lines(out), (QStringList{"got hello", "oops"}));
        QCOMPARE(out->terminal()->screen().rowText(1), QString("oops"));
        QVERIFY(out->exporter()->castAction()->isEnabled());
        QVERIFY(view.runsTable()->actions().contains(out->exporter()->textAction())); // context menu

        // An export that cannot reach the service says so and leaves no file behind.
        QTemporaryDir dir;
        out->exporter()->setPathChooser([&dir](ExportFormat f, const QString& suggested) {
            if (f != ExportFormat::Text || suggested != "transcript-run1.txt")
                return QString(); // as if cancelled
            return dir.filePath(suggested);
        });
        QSignalSpy exported(out->exporter(), &RunExportActions::finished);
        out->exporter()->castAction()->trigger(); // cancelled in the chooser: nothing happens
        out->exporter()->textAction()->trigger();
        QTRY_COMPARE(exported.count(), 1);
        QCOMPARE(exported.at(0).at(0).toBool(), false);
        QCOMPARE(exported.at(0).at(1).toString(), dir.filePath("transcript-run1.txt"));
        QVERIFY2(exported.at(0).at(2).toString().startsWith("Cannot export run 1: "),
                 qPrintable(exported.at(0).at(2).toString()));
        QVERIFY(QDir(dir.path()).isEmpty());

        // Run 3 is live: its output so far, then what arrives while it is shown.
        QVERIFY(view.selectRun(3));
        QTRY_COMPARE(lines(out), (QStringList{"live", "done"}));
        view.runsModel()->applyData(api::DataKind::Stderr, 3, "more\x1b[1;31m red\x1b[0m\n");
        QTRY_COMPARE(lines(out), (QStringList{"live", "done", "more red"}));
        QVERIFY(!out->terminal()->screen().cell(2, 6).fgDefault); // coloured, not printed

        // Back to run 1: a fresh screen with only its output.
        QVERIFY(view.selectRun(1));
        QTRY_COMPARE(lines(out), (QStringList{"got hello", "oops"}));
        // Output of a run that is not shown goes nowhere near the screen.
        view.runsModel()->applyData(api::DataKind::Stdout, 3, "elsewhere\n");
        QVERIFY(!out->feeding()); // nothing was queued for the screen
        QCOMPARE(lines(out), (QStringList{"got hello", "oops"}));
    }

    void readOnlyButSelectable() {
        RunOutputView out;
        out.resize(600, 300);
        out.show();
        QVERIFY(QTest::qWaitForWindowExposed(&out));
        TerminalWidget* t = out.terminal();
        QSignalSpy input(t, &TerminalWidget::input);
        out.showRun({{"run", 1}, {"pty", true}});
        // A program asking for the cursor position gets no reply from a recording.
        out.appendOutput("first line\r\nsecond\x1b[6n\r\n");
        QTRY_COMPARE(t->screen().rowText(1), QString("second"));
        t->setFocus();
        QTest::keyClicks(t, "ls");
        QTest::keyClick(t, Qt::Key_Return);
        QTest::keyClick(t, Qt::Key_C, Qt::ControlModifier);
        QTest::keyClick(t, Qt::Key_Up);
        t->paste();
        QCOMPARE(input.count(), 0);

        // Dragging over "first" and copying puts it on the clipboard.
        const QSize cell = t->cellSize();
        const QPoint from(cell.width() / 2, cell.height() / 2);
        const QPoint to(cell.width() * 4 + cell.width() / 2, cell.height() / 2);
        QTest::mousePress(t->viewport(), Qt::LeftButton, {}, from);
        QMouseEvent move(QEvent::MouseMove, to, t->viewport()->mapToGlobal(to), Qt::NoButton,
                         Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(t->viewport(), &move);
        QTest::mouseRelease(t->viewport(), Qt::LeftButton, {}, to);
        QCOMPARE(t->selectedText(), QString("first"));
        QApplication::clipboard()->clear();
        QTest::keyClick(t, Qt::Key_C, Qt::ControlModifier);
        QCOMPARE(QApplication::clipboard()->text(), QString("first"));
        QCOMPARE(input.count(), 0);
    }

    void floodIsSlicedAndPaintedOnATimer() {
        RunOutputView out;
        out.resize(700, 400);
        out.show();
        QVERIFY(QTest::qWaitForWindowExposed(&out));
        PaintCounter counter;
        out.terminal()->viewport()->installEventFilter(&counter);
        out.showRun({{"run", 7}, {"pty", false}});
        // 2 MiB in 40 000 small chunks, all handed over within one turn of the event loop.
        const int chunks = 40000;
        for (int i = 0; i < chunks; ++i)
            out.appendOutput(QByteArray("line ") + QByteArray::number(i).rightJustified(6, '0') +
                             QByteArray(40, '.') + "\n");
        QVERIFY(out.feeding()); // nothing fed yet: the emulator gets it on the event loop
        QTRY_VERIFY_WITH_TIMEOUT(!out.feeding(), 30000);
        const QStringList shown = lines(&out);
        QCOMPARE(shown.last(), "line 039999" + QString(40, '.'));
        // Scrollback large enough for a class's worth of output, and bounded.
        QCOMPARE(shown.size(), RunOutputView::kScrollbackLines + out.terminal()->rows() - 1);
        // Painting followed the repaint timer, not the 40 000 chunks (nor the slices).
        QTRY_VERIFY(counter.paints > 0);
        QVERIFY2(counter.paints < 100,
                 qPrintable(QString("%1 paints for %2 chunks").arg(counter.paints).arg(chunks)));
    }

    void backlogOverTheLimitIsSkippedToTheEnd() {
        RunOutputView out;
        out.resize(700, 400);
        out.show();
        QVERIFY(QTest::qWaitForWindowExposed(&out));
        out.showRun({{"run", 8}, {"pty", false}});
        // More than the backlog limit arrives before the emulator could take any of it in.
        const QByteArray line = QByteArray(58, '=') + "\n";
        const int lines = int(RunOutputView::kMaxBacklog / line.size()) + 100;
        for (int i = 0; i < lines; ++i)
            out.appendOutput(i == lines - 1 ? QByteArray("the-last-line\n") : line);
        QTRY_VERIFY_WITH_TIMEOUT(!out.feeding(), 30000);
        const QString text = out.text();
        QVERIFY(text.contains("skipped to keep up"));
        QVERIFY(text.trimmed().endsWith("the-last-line"));
        // Once the backlog passed the limit, all but its last kKeepOnSkip bytes were skipped.
        const qint64 expected = RunOutputView::kMaxBacklog - RunOutputView::kKeepOnSkip;
        QVERIFY2(qAbs(out.skippedBytes() - expected) < 8192,
                 qPrintable(QString::number(out.skippedBytes())));
        out.showRun({{"run", 9}});
        QCOMPARE(out.skippedBytes(), 0);
    }
};

QTEST_MAIN(RunViewTest)
#include "RunViewTest.moc"
