// The GUI's models against recorded API traffic, with no service: the sandbox table
// (sandbox.list, then added/state/removed and run events), its filter, its CPU and memory
// columns fed by sandbox.stats (and the sparkline that paints them), and the runs table
// of a sandbox.subscribe stream. QAbstractItemModelTester checks every change signal.
//
// The recordings in data/ are JSON lines as the server sends them; a binary data frame is
// written as {"type":"data","kind":K,"channel":C,"text":"..."}.
#include "FilesModel.h"
#include "FilesTab.h"
#include "RunsModel.h"
#include "SandboxModel.h"
#include "SparklineDelegate.h"
#include "StateBadgeDelegate.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QIcon>
#include <QImage>
#include <QPainter>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;

namespace {

QList<QJsonObject> recording(const QString& name) {
    QFile f(QStringLiteral(VIVARIUM_GUI_TEST_DATA) + "/" + name);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(f.fileName()));
    QList<QJsonObject> messages;
    for (const QByteArray& line : f.readAll().split('\n'))
        if (!line.trimmed().isEmpty())
            messages << QJsonDocument::fromJson(line).object();
    return messages;
}

QString cell(const QAbstractItemModel& m, int row, int column, int role = Qt::DisplayRole) {
    return m.data(m.index(row, column), role).toString();
}

// Feeds a recorded subscribe stream to a runs model, as ApiClient would deliver it.
void feed(RunsModel& model, const QJsonObject& m) {
    const QString type = m.value("type").toString();
    if (type == "data")
        model.applyData(api::DataKind(m.value("kind").toInt()), quint32(m.value("channel").toInt()),
                        m.value("text").toString().toUtf8());
    else if (type == "exit")
        model.applyExit(m);
    else if (type.startsWith("run."))
        model.applyRunMessage(m);
}

// A sandbox.stats entry as the service sends it (cpu < 0: none yet; memory < 0: not running).
QJsonObject stats(const QString& id, double cpu, qint64 memory, qint64 disk = 5 << 20) {
    QJsonObject o{{"id", id}, {"running", memory >= 0}, {"vcpus", 1},
                  {"guest_memory_bytes", 256 << 20}, {"disk_bytes", disk},
                  {"sampled_at", "2026-11-27T00:52:45.801Z"}};
    if (cpu >= 0)
        o["cpu_percent"] = cpu;
    if (memory >= 0)
        o["memory_bytes"] = memory;
    return o;
}

QJsonObject statsEvent(const QJsonArray& entries) {
    return {{"type", "event"}, {"event", "sandbox.stats"}, {"stats", entries}, {"interval_ms", 2000}};
}

QList<double> history(const QAbstractItemModel& m, int row, int column) {
    return m.data(m.index(row, column), SandboxModel::HistoryRole).value<QList<double>>();
}

QStringList names(const FilesModel& m) {
    QStringList out;
    for (int r = 0; r < m.rowCount(); ++r)
        out << m.data(m.index(r, FilesModel::Name)).toString();
    return out;
}

} // namespace

class GuiModelTest : public QObject {
    Q_OBJECT
private slots:
    void sandboxListAndEvents() {
        SandboxModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setClock([] { return QDateTime::fromString("2026-11-27T00:52:45.801Z", Qt::ISODateWithMs); });
        const QList<QJsonObject> rec = recording("sandbox-events.jsonl");

        model.setSandboxes(rec[0].value("sandboxes").toArray());
        QCOMPARE(model.rowCount(), 2);
        const int transcript = model.rowOf("5ef2eced");
        QCOMPARE(cell(model, transcript, SandboxModel::Name), QString("transcript"));
        QCOMPARE(cell(model, transcript, SandboxModel::Template), QString("tiny"));
        QCOMPARE(cell(model, transcript, SandboxModel::State, SandboxModel::StateRole), QString("ready"));
        QCOMPARE(model.data(model.index(transcript, SandboxModel::Uptime), SandboxModel::SortRole).toLongLong(), 120);
        QCOMPARE(cell(model, transcript, SandboxModel::Uptime), QString("2 min 0 s"));
        QCOMPARE(cell(model, model.rowOf("a19c0b77"), SandboxModel::Uptime), QString()); // stopped

        QSignalSpy changed(&model, &SandboxModel::sandboxChanged);
        for (int i = 1; i <= 4; ++i) // added, booting, ready, run 1 started
            QVERIFY(model.applyEvent(rec[i]));
        QCOMPARE(model.rowCount(), 3);
        const int agent = model.rowOf("c0ffee12");
        QCOMPARE(agent, 2);
        QCOMPARE(cell(model, agent, SandboxModel::State, SandboxModel::StateRole), QString("running")); // ready, with a run going
        QCOMPARE(model.sandbox("c0ffee12").value("state").toString(), QString("ready"));
        QCOMPARE(cell(model, agent, SandboxModel::Runs), QString("1 (1 running)"));

        QVERIFY(model.applyEvent(rec[5])); // run 2 started
        QCOMPARE(cell(model, agent, SandboxModel::Runs), QString("2 (2 running)"));
        QVERIFY(model.applyEvent(rec[6])); // run 1 exited
        QCOMPARE(cell(model, agent, SandboxModel::Runs), QString("2 (1 running)"));
        QCOMPARE(model.data(model.index(agent, SandboxModel::Runs), SandboxModel::SortRole).toLongLong(), 2);
        QCOMPARE(model.liveRuns("c0ffee12"), 1);
        QVERIFY(!model.applyEvent(rec[7])); // file.written: not about the table
        QCOMPARE(changed.count(), 5); // state changes and run events; the insertion is rowsInserted

        QVERIFY(model.applyEvent(rec[8])); // stopping
        QCOMPARE(cell(model, transcript, SandboxModel::State), QString("stopping"));
        QVERIFY(model.applyEvent(rec[9])); // stopped: no uptime any more
        QCOMPARE(cell(model, transcript, SandboxModel::Uptime), QString());
        QCOMPARE(model.data(model.index(transcript, SandboxModel::Uptime), SandboxModel::SortRole).toLongLong(), -1);

        QVERIFY(model.applyEvent(rec[10])); // removed
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf("a19c0b77"), -1);
        QVERIFY(!model.applyEvent(rec[11])); // service.accelerator is the window's

        // Unknown ids and repeated events change nothing.
        model.applyEvent(QJsonObject{{"event", "sandbox.removed"}, {"id", "nope"}});
        model.applyEvent(rec[1]); // "added" again: an update, not a second row
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(cell(model, model.rowOf("c0ffee12"), SandboxModel::Runs, SandboxModel::SortRole), QString("2"));
    }

    void uptimeTicks() {
        SandboxModel model;
        QDateTime now = QDateTime::fromString("2026-11-27T00:50:46.801Z", Qt::ISODateWithMs);
        model.setClock([&now] { return now; });
        model.setSandboxes(recording("sandbox-events.jsonl")[0].value("sandboxes").toArray());
        const int row = model.rowOf("5ef2eced");
        QCOMPARE(cell(model, row, SandboxModel::Uptime), QString("1 s"));
        QSignalSpy spy(&model, &QAbstractItemModel::dataChanged);
        now = now.addSecs(3600 + 61);
        QVERIFY(spy.wait(3000)); // the 1 s timer announces the new uptime
        QCOMPARE(spy.first().at(0).toModelIndex().column(), int(SandboxModel::Uptime));
        QCOMPARE(cell(model, row, SandboxModel::Uptime), QString("1 h 1 min"));
    }

    void filterAndSort() {
        SandboxModel model;
        const QList<QJsonObject> rec = recording("sandbox-events.jsonl");
        model.setSandboxes(rec[0].value("sandboxes").toArray());
        model.applyEvent(rec[1]);
        QSortFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.setSortRole(SandboxModel::SortRole);
        proxy.setFilterKeyColumn(-1);
        proxy.setFilterCaseSensitivity(Qt::CaseInsensitive);
        proxy.setDynamicSortFilter(true);
        proxy.sort(SandboxModel::Runs, Qt::DescendingOrder);
        QCOMPARE(cell(proxy, 0, SandboxModel::Name), QString("old-box")); // 7 runs
        QCOMPARE(cell(proxy, 2, SandboxModel::Name), QString("agent-7"));  // 0 runs

        proxy.setFilterFixedString("TINY"); // matches the template column
        QCOMPARE(proxy.rowCount(), 2);
        proxy.setFilterFixedString("agent");
        QCOMPARE(proxy.rowCount(), 1);
        // A sandbox added while filtered shows up only if it matches.
        QJsonObject other = rec[1].value("sandbox").toObject();
        other["id"] = "0000beef";
        other["name"] = "agent-8";
        model.applyEvent({{"event", "sandbox.added"}, {"sandbox", other}});
        other["id"] = "0000cafe";
        other["name"] = "human";
        model.applyEvent({{"event", "sandbox.added"}, {"sandbox", other}});
        QCOMPARE(proxy.rowCount(), 2);
        model.applyEvent({{"event", "sandbox.removed"}, {"id", "c0ffee12"}});
        QCOMPARE(proxy.rowCount(), 1);
        QCOMPARE(cell(proxy, 0, SandboxModel::Name), QString("agent-8"));
        proxy.setFilterFixedString({});
        QCOMPARE(proxy.rowCount(), 4);
    }

    void statsFeedCpuAndMemory() {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        SandboxModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QList<QJsonObject> rec = recording("sandbox-events.jsonl");
        model.setSandboxes(rec[0].value("sandboxes").toArray());
        const int ready = model.rowOf("5ef2eced"), stopped = model.rowOf("a19c0b77");
        QCOMPARE(model.headerData(SandboxModel::Cpu, Qt::Horizontal, Qt::DisplayRole).toString(), QString("CPU"));
        QCOMPARE(cell(model, ready, SandboxModel::Cpu), QString()); // nothing sampled yet

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy sandboxChanged(&model, &SandboxModel::sandboxChanged);
        // The first sample of a boot has memory but no CPU figure; unknown ids are ignored.
        QVERIFY(model.applyEvent(statsEvent({stats("5ef2eced", -1, 231 << 20),
                                             stats("a19c0b77", -1, -1, 7 << 20),
                                             stats("deadbeef", 50, 1 << 20)})));
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf("deadbeef"), -1);
        QCOMPARE(cell(model, ready, SandboxModel::Cpu), QString());
        QCOMPARE(cell(model, ready, SandboxModel::Memory), QString("231 MiB"));
        QCOMPARE(history(model, ready, SandboxModel::Memory), QList<double>{231 << 20});
        QCOMPARE(history(model, ready, SandboxModel::Cpu), QList<double>{});
        QCOMPARE(cell(model, stopped, SandboxModel::Memory), QString()); // stopped: disk only
        // Only the two stats columns changed, and the details learnt each sandbox's disk use.
        QCOMPARE(changed.count(), 2);
        for (const QList<QVariant>& args : changed) {
            QCOMPARE(args.at(0).toModelIndex().column(), int(SandboxModel::Cpu));
            QCOMPARE(args.at(1).toModelIndex().column(), int(SandboxModel::Memory));
        }
        QCOMPARE(sandboxChanged.count(), 2);
        QCOMPARE(model.sandbox("5ef2eced").value("disk_bytes").toInteger(), 5 << 20);
        QCOMPARE(model.sandbox("a19c0b77").value("disk_bytes").toInteger(), 7 << 20);

        // The history keeps the last kHistoryLength samples, oldest first.
        sandboxChanged.clear();
        const int n = SandboxModel::kHistoryLength + 10;
        for (int i = 0; i < n; ++i)
            model.applyEvent(statsEvent({stats("5ef2eced", i, (200 + i) << 20)}));
        QCOMPARE(sandboxChanged.count(), 0); // the disk did not change
        const QList<double> cpu = history(model, ready, SandboxModel::Cpu);
        QCOMPARE(cpu.size(), SandboxModel::kHistoryLength);
        QCOMPARE(cpu.first(), double(n - SandboxModel::kHistoryLength));
        QCOMPARE(cpu.last(), double(n - 1));
        QCOMPARE(history(model, ready, SandboxModel::Memory).size(), SandboxModel::kHistoryLength);
        QCOMPARE(cell(model, ready, SandboxModel::Cpu), QString("69 %"));
        QCOMPARE(cell(model, ready, SandboxModel::Memory), QString("269 MiB"));
        QCOMPARE(model.data(model.index(ready, SandboxModel::Cpu), SandboxModel::SortRole).toDouble(), 69.0);
        // The graph's top: one vCPU is 100 %, the guest's memory, or more when it was used.
        QCOMPARE(model.data(model.index(ready, SandboxModel::Cpu), SandboxModel::ScaleRole).toDouble(), 100.0);
        QCOMPARE(model.data(model.index(ready, SandboxModel::Memory), SandboxModel::ScaleRole).toDouble(),
                 double(269 << 20));
        model.applyEvent(statsEvent({stats("5ef2eced", 0.34, 100 << 20)}));
        QCOMPARE(cell(model, ready, SandboxModel::Cpu), QString("0.3 %"));
        QCOMPARE(model.data(model.index(ready, SandboxModel::Memory), SandboxModel::ScaleRole).toDouble(),
                 double(269 << 20)); // still in the history

        // Stopped: the line ends.
        model.applyEvent(statsEvent({stats("5ef2eced", -1, -1)}));
        QCOMPARE(history(model, ready, SandboxModel::Cpu), QList<double>{});
        QCOMPARE(cell(model, ready, SandboxModel::Cpu), QString());
        QCOMPARE(model.data(model.index(ready, SandboxModel::Cpu), SandboxModel::SortRole).toDouble(), -1.0);

        // A removed sandbox takes its history with it, even if the id comes back.
        model.applyEvent(statsEvent({stats("5ef2eced", 10, 100 << 20)}));
        model.applyEvent(statsEvent({stats("5ef2eced", 11, 100 << 20)}));
        QCOMPARE(history(model, ready, SandboxModel::Cpu).size(), 2);
        const QJsonObject object = model.sandbox("5ef2eced");
        model.applyEvent({{"event", "sandbox.removed"}, {"id", "5ef2eced"}});
        model.applyEvent({{"event", "sandbox.added"}, {"sandbox", object}});
        QCOMPARE(history(model, model.rowOf("5ef2eced"), SandboxModel::Cpu), QList<double>{});
        QLocale::setDefault(QLocale::system());
    }

    void statsFromTheListBeforeAnyEvent() {
        // sandbox.list carries each sandbox's latest sample: values show before the first event.
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        QJsonObject s = recording("sandbox-events.jsonl")[0].value("sandboxes").toArray().first().toObject();
        QJsonObject latest = stats("5ef2eced", 12.6, 300 << 20);
        latest.remove("id");
        s["stats"] = latest;
        SandboxModel model;
        model.setSandboxes({s});
        QCOMPARE(cell(model, 0, SandboxModel::Cpu), QString("13 %"));
        QCOMPARE(cell(model, 0, SandboxModel::Memory), QString("300 MiB"));
        QCOMPARE(history(model, 0, SandboxModel::Cpu), QList<double>{});
        QLocale::setDefault(QLocale::system());
    }

    void sortByCpuAndMemory() {
        SandboxModel model;
        const QList<QJsonObject> rec = recording("sandbox-events.jsonl");
        model.setSandboxes(rec[0].value("sandboxes").toArray());
        for (int i = 1; i <= 3; ++i) // agent-7: added, booting, ready
            model.applyEvent(rec[i]);
        QSortFilterProxyModel proxy;
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setSourceModel(&model);
        proxy.setSortRole(SandboxModel::SortRole);
        proxy.setDynamicSortFilter(true);
        proxy.sort(SandboxModel::Cpu, Qt::DescendingOrder);
        model.applyEvent(statsEvent({stats("5ef2eced", 5, 300 << 20), stats("c0ffee12", 40, 200 << 20),
                                     stats("a19c0b77", -1, -1)}));
        QCOMPARE(cell(proxy, 0, SandboxModel::Name), QString("agent-7"));
        QCOMPARE(cell(proxy, 1, SandboxModel::Name), QString("transcript"));
        QCOMPARE(cell(proxy, 2, SandboxModel::Name), QString("old-box")); // stopped: last
        // The order follows new samples by itself.
        model.applyEvent(statsEvent({stats("5ef2eced", 90, 300 << 20), stats("c0ffee12", 1, 200 << 20)}));
        QCOMPARE(cell(proxy, 0, SandboxModel::Name), QString("transcript"));
        proxy.sort(SandboxModel::Memory, Qt::AscendingOrder);
        QCOMPARE(cell(proxy, 0, SandboxModel::Name), QString("old-box"));
        QCOMPARE(cell(proxy, 1, SandboxModel::Name), QString("agent-7"));
        QCOMPARE(cell(proxy, 2, SandboxModel::Name), QString("transcript"));
    }

    void sparklinePointsAndColours() {
        // Three samples of a 60-slot history sit at the right edge, the newest last.
        const QPolygonF p = SparklineDelegate::linePoints({0, 50, 100}, 100, QRectF(0, 0, 59, 10), 60);
        QCOMPARE(p.size(), 3);
        QCOMPARE(p[2], QPointF(59, 10 - 10));
        QCOMPARE(p[1], QPointF(58, 10 - 5));
        QCOMPARE(p[0], QPointF(57, 10));
        QVERIFY(SparklineDelegate::linePoints({42}, 100, QRectF(0, 0, 59, 10), 60).isEmpty());
        // Values above the top are clipped to the cell.
        QCOMPARE(SparklineDelegate::linePoints({0, 500}, 100, QRectF(0, 0, 10, 10), 2)[1].y(), 0.0);

        // Painted in the palette's colours: the accent for the line, the selection's text
        // colour on a selected row; light and dark palettes alike.
        SandboxModel model;
        model.setSandboxes(recording("sandbox-events.jsonl")[0].value("sandboxes").toArray());
        const int row = model.rowOf("5ef2eced");
        for (int i = 0; i < 20; ++i)
            model.applyEvent(statsEvent({stats("5ef2eced", i % 2 ? 90 : 10, 200 << 20)}));
        QTableView view; // for the style; never shown
        view.setModel(&model);
        SparklineDelegate delegate;
        auto render = [&](const QPalette& palette, bool selected) {
            QImage image(200, 24, QImage::Format_ARGB32);
            image.fill(Qt::magenta); // neither palette's colour: only what was painted matches
            QPainter painter(&image);
            QStyleOptionViewItem option;
            option.initFrom(&view);
            option.palette = palette;
            option.rect = image.rect();
            option.state = QStyle::State_Enabled | QStyle::State_Active;
            if (selected)
                option.state |= QStyle::State_Selected;
            option.widget = &view;
            delegate.paint(&painter, option, model.index(row, SandboxModel::Cpu));
            painter.end();
            return image;
        };
        auto hasColour = [](const QImage& image, const QColor& colour) {
            for (int y = 0; y < image.height(); ++y)
                for (int x = 0; x < image.width() / 2; ++x) { // the graph's half, not the text
                    const QColor c = image.pixelColor(x, y);
                    if (qAbs(c.red() - colour.red()) + qAbs(c.green() - colour.green()) +
                            qAbs(c.blue() - colour.blue()) < 12)
                        return true;
                }
            return false;
        };
        for (const bool dark : {false, true}) {
            QPalette palette;
            palette.setColor(QPalette::Base, dark ? QColor(30, 30, 30) : QColor(255, 255, 255));
            palette.setColor(QPalette::Text, dark ? QColor(230, 230, 230) : QColor(20, 20, 20));
            palette.setColor(QPalette::Highlight, dark ? QColor(255, 128, 0) : QColor(0, 90, 200));
            palette.setColor(QPalette::HighlightedText, dark ? QColor(0, 0, 0) : QColor(255, 255, 255));
            QVERIFY2(hasColour(render(palette, false), palette.color(QPalette::Highlight)),
                     dark ? "dark" : "light");
            QVERIFY2(hasColour(render(palette, true), palette.color(QPalette::HighlightedText)),
                     dark ? "dark, selected" : "light, selected");
        }
    }

    void runsFromSubscription() {
        RunsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setClock([] { return QDateTime::fromString("2026-11-27T00:51:21.500Z", Qt::ISODateWithMs); });
        QSignalSpy appended(&model, &RunsModel::outputAppended);
        QSignalSpy finished(&model, &RunsModel::runFinished);
        for (const QJsonObject& m : recording("subscribe-stream.jsonl"))
            feed(model, m);

        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(cell(model, 0, RunsModel::Number), QString("1"));
        QCOMPARE(cell(model, 0, RunsModel::Command), QString("sh -c 'read x; echo got $x; echo oops >&2; exit 4'"));
        QCOMPARE(cell(model, 0, RunsModel::Origin), QString("api"));
        QCOMPARE(cell(model, 0, RunsModel::Status), QString("exit 4"));
        QCOMPARE(model.data(model.index(0, RunsModel::Duration), RunsModel::SortRole).toLongLong(), 93);
        QCOMPARE(model.output(0), QByteArray("got hello\noops\n"));
        QVERIFY(model.data(model.index(0, RunsModel::Status), Qt::ForegroundRole).isValid());

        QCOMPARE(cell(model, 1, RunsModel::Status), QString("timed out"));
        QCOMPARE(model.output(1), QByteArray());

        // Run 3 is live: its data came partly before its run.attached and is kept in order.
        QVERIFY(model.isLive(2));
        QCOMPARE(cell(model, 2, RunsModel::Status), QString("running"));
        QCOMPARE(cell(model, 2, RunsModel::Origin), QString("token tok-fb40e2a8"));
        QCOMPARE(model.data(model.index(2, RunsModel::Duration), RunsModel::SortRole).toLongLong(), 1500);
        QCOMPARE(model.output(2), QByteArray("live\ndone\n"));
        QVERIFY(!model.data(model.index(2, RunsModel::Status), Qt::ForegroundRole).isValid());
        QCOMPARE(finished.count(), 2);
        QCOMPARE(appended.last().at(0).toInt(), 2);

        QJsonObject exit = model.run(2);
        exit["type"] = "exit";
        exit["channel"] = 3;
        exit["ended"] = "2026-11-27T00:51:20.250Z";
        exit["exit_code"] = 0;
        model.applyExit(exit);
        QVERIFY(!model.isLive(2));
        QCOMPARE(cell(model, 2, RunsModel::Status), QString("exit 0"));
        QCOMPARE(model.data(model.index(2, RunsModel::Duration), RunsModel::SortRole).toLongLong(), 250);
        QCOMPARE(finished.count(), 3);

        // Out-of-order attachment still sorts by run number; unknown channels are ignored.
        model.applyExit(QJsonObject{{"type", "exit"}, {"channel", 99}});
        QJsonObject late{{"type", "run.attached"}, {"channel", 5}, {"run", 0}, {"argv", QJsonArray{"true"}}};
        model.applyRunMessage(late);
        QCOMPARE(model.runAt(0), 0);
    }

    void readySandboxWithALiveRunShowsAsRunning() {
        SandboxModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSandboxes({QJsonObject{{"id", "s1"}, {"name", "one"}, {"state", "ready"}, {"runs", 0}}});
        const QModelIndex state = model.index(0, SandboxModel::State);
        QCOMPARE(state.data(SandboxModel::StateRole).toString(), QString("ready"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.applyEvent({{"type", "event"}, {"event", "run.started"}, {"sandbox", "s1"},
                          {"run", QJsonObject{{"sandbox", "s1"}, {"run", 1}}}});
        QCOMPARE(state.data(SandboxModel::StateRole).toString(), QString("running"));
        QCOMPARE(state.data().toString(), QString("running"));
        QVERIFY(changed.count() > 0);
        model.applyEvent({{"type", "event"}, {"event", "run.exited"}, {"sandbox", "s1"},
                          {"run", QJsonObject{{"sandbox", "s1"}, {"run", 1}, {"exit_code", 0}}}});
        QCOMPARE(state.data(SandboxModel::StateRole).toString(), QString("ready"));
        // Stopping wins over a run the stop will end.
        model.applyEvent({{"type", "event"}, {"event", "run.started"}, {"sandbox", "s1"},
                          {"run", QJsonObject{{"sandbox", "s1"}, {"run", 2}}}});
        model.applyEvent({{"type", "event"}, {"event", "sandbox.state"},
                          {"sandbox", QJsonObject{{"id", "s1"}, {"name", "one"}, {"state", "stopping"}}}});
        QCOMPARE(state.data(SandboxModel::StateRole).toString(), QString("stopping"));
        QVERIFY(StateBadgeDelegate::badgeColor("running") != StateBadgeDelegate::badgeColor("ready"));
    }

    void outputKeepsTheTail() {
        RunsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setOutputCap(10);
        model.applyRunMessage({{"type", "run.attached"}, {"channel", 1}, {"run", 1},
                               {"argv", QJsonArray{"yes"}}, {"started", "2026-11-27T00:51:20.000Z"}});
        QSignalSpy appended(&model, &RunsModel::outputAppended);
        model.applyData(api::DataKind::Stdout, 1, "0123456");
        model.applyData(api::DataKind::Stderr, 1, "789abc");
        QCOMPARE(model.output(0), QByteArray("0123456789abc")); // under 1.5 x the cap: all kept
        QCOMPARE(model.droppedBytes(0), 0);
        model.applyData(api::DataKind::Stdout, 1, "defgh");
        // Over 1.5 x the cap: the last 10 bytes stay, the end is what a watcher looks at.
        QCOMPARE(model.output(0), QByteArray("89abcdefgh"));
        QCOMPARE(model.droppedBytes(0), 8);
        QCOMPARE(model.output(0).size() + model.droppedBytes(0), 18);
        // Every byte is passed on live, whatever is kept for replays.
        QCOMPARE(appended.count(), 3);
        QCOMPARE(appended.at(2).at(1).toByteArray(), QByteArray("defgh"));

        // The kept part starts at a line when one starts close by.
        model.setOutputCap(8);
        model.applyData(api::DataKind::Stdout, 1, "ijklmn\nopqrs");
        QCOMPARE(model.output(0), QByteArray("opqrs"));
        QCOMPARE(model.output(0).size() + model.droppedBytes(0), 30);
    }

    // The Files tab's model, fed recorded file.list results.
    void filesListing() {
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        FilesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QList<QJsonObject> rec = recording("file-list.jsonl");
        model.setListing("/root", rec[0].value("entries").toArray());
        QCOMPARE(model.path(), QString("/root"));
        // "a/b", ".." and "" are not single names: a guest cannot smuggle a path in.
        QCOMPARE(names(model), (QStringList{"bin", "Docs", ".profile", "file2.txt", "file10.txt",
                                            "hostname", "queue"}));
        const int docs = model.rowOf("Docs"), file = model.rowOf("file10.txt");
        QVERIFY(model.isDirectory(docs));
        QVERIFY(!model.isDirectory(file));
        QCOMPARE(model.pathOf(file), QString("/root/file10.txt"));
        QCOMPARE(cell(model, file, FilesModel::Name, FilesModel::PathRole), QString("/root/file10.txt"));
        QCOMPARE(cell(model, file, FilesModel::Size), QLocale().formattedDataSize(2048));
        QCOMPARE(cell(model, docs, FilesModel::Size), QString()); // a folder's size says nothing
        QCOMPARE(cell(model, file, FilesModel::Type), QString("File"));
        QCOMPARE(cell(model, docs, FilesModel::Type), QString("Folder"));
        QCOMPARE(cell(model, model.rowOf("hostname"), FilesModel::Type), QString("Link to /etc/hostname"));
        QCOMPARE(cell(model, model.rowOf("queue"), FilesModel::Type), QString("Other"));
        QCOMPARE(cell(model, file, FilesModel::Mode), QString("rw-r--r--"));
        QCOMPARE(cell(model, model.rowOf("bin"), FilesModel::Mode), QString("rwx------"));
        QCOMPARE(cell(model, file, FilesModel::Modified),
                 QLocale().toString(QDateTime::fromSecsSinceEpoch(1795740600), QLocale::ShortFormat));
        QCOMPARE(model.data(model.index(file, FilesModel::Size), FilesModel::SortRole).toLongLong(), 2048);
        QCOMPARE(model.data(model.index(file, FilesModel::Modified), FilesModel::SortRole).toLongLong(),
                 1795740600);
        QCOMPARE(model.entry(file).value("uid").toInt(), 0);
        QVERIFY(!model.data(model.index(docs, FilesModel::Name), Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(model.headerData(FilesModel::Mode, Qt::Horizontal, Qt::DisplayRole).toString(),
                 QString("Permissions"));
        QLocale::setDefault(QLocale::system());
    }

    void filesSortFoldersFirstAndNaturally() {
        FilesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setListing("/root", recording("file-list.jsonl")[0].value("entries").toArray());
        const QPersistentModelIndex held = model.index(model.rowOf("hostname"), FilesModel::Type);
        model.sort(FilesModel::Name, Qt::DescendingOrder); // folders stay first
        QCOMPARE(names(model), (QStringList{"Docs", "bin", "queue", "hostname", "file10.txt",
                                            "file2.txt", ".profile"}));
        QCOMPARE(held.row(), model.rowOf("hostname")); // persistent indexes follow their rows
        QCOMPARE(held.column(), int(FilesModel::Type));
        model.sort(FilesModel::Size, Qt::AscendingOrder);
        QCOMPARE(names(model), (QStringList{"bin", "Docs", "queue", "hostname", "file2.txt",
                                            ".profile", "file10.txt"}));
        model.sort(FilesModel::Size, Qt::DescendingOrder); // ties (the folders) stay A to Z
        QCOMPARE(names(model), (QStringList{"bin", "Docs", "file10.txt", ".profile", "file2.txt",
                                            "hostname", "queue"}));
        model.sort(FilesModel::Modified, Qt::DescendingOrder);
        QCOMPARE(names(model), (QStringList{"Docs", "bin", "file2.txt", "file10.txt", "queue",
                                            "hostname", ".profile"}));
        QCOMPARE(held.row(), model.rowOf("hostname"));

        // A view sorting through a proxy on SortRole gets the same natural name order.
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(FilesModel::SortRole);
        proxy.sort(FilesModel::Name);
        QStringList sorted;
        for (int r = 0; r < proxy.rowCount(); ++r)
            sorted << proxy.index(r, FilesModel::Name).data().toString();
        QVERIFY(sorted.indexOf("file2.txt") < sorted.indexOf("file10.txt"));
        QVERIFY(FilesModel::naturalKey("log9") < FilesModel::naturalKey("Log10"));
        QVERIFY(FilesModel::naturalKey("a-2-b") < FilesModel::naturalKey("a-2-c"));
    }

    void filesRefreshInPlace() {
        FilesModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QList<QJsonObject> rec = recording("file-list.jsonl");
        model.setListing("/root", rec[0].value("entries").toArray());
        const QPersistentModelIndex held = model.index(model.rowOf("hostname"), 0);
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        // The same folder again (a file.written event): file10.txt went, file2.txt grew,
        // upload.bin came. Rows change in place; a selection or scroll position survives.
        model.setListing("/root", rec[1].value("entries").toArray());
        QCOMPARE(reset.count(), 0);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(changed.count(), 1); // file2.txt only: unchanged entries are left alone
        QCOMPARE(names(model), (QStringList{"bin", "Docs", ".profile", "file2.txt", "hostname",
                                            "queue", "upload.bin"}));
        QCOMPARE(model.entry(model.rowOf("file2.txt")).value("size").toInteger(), 1048576);
        QVERIFY(held.isValid());
        QCOMPARE(held.row(), model.rowOf("hostname"));
        // Another folder starts afresh.
        model.setListing("/root/Docs", rec[2].value("entries").toArray());
        QCOMPARE(reset.count(), 1);
        QVERIFY(!held.isValid());
        QCOMPARE(names(model), QStringList{"notes.md"});
        QCOMPARE(model.pathOf(0), QString("/root/Docs/notes.md"));
        model.clear();
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.path(), QString());
    }

    void filesPathsAndMessages() {
        QCOMPARE(FilesModel::parentPath("/"), QString("/"));
        QCOMPARE(FilesModel::parentPath("/root"), QString("/"));
        QCOMPARE(FilesModel::parentPath("/root/Docs/"), QString("/root"));
        QCOMPARE(FilesModel::childPath("/", "etc"), QString("/etc"));
        QCOMPARE(FilesModel::childPath("/etc", "hosts"), QString("/etc/hosts"));
        QCOMPARE(FilesModel::modeText(0755), QString("rwxr-xr-x"));
        QCOMPARE(FilesModel::modeText(0), QString("---------"));
        // Errors read as sentences, never as codes, and the guest's "<path>: " is not repeated.
        QCOMPARE(FilesTab::reason(makeError("permission_denied", "/etc/shadow: Permission denied"),
                                  "/etc/shadow"),
                 QString("permission denied"));
        QCOMPARE(FilesTab::reason(makeError("not_found", "/x: No such file or directory"), "/x"),
                 QString("no such file or folder"));
        QCOMPARE(FilesTab::reason(makeError("io_error", "/dev/null: not a regular file"), "/dev/null"),
                 QString("not a regular file"));
        QCOMPARE(FilesTab::reason(makeError("local_io_error", "Cannot write to /home/u: Permission denied")),
                 QString("Cannot write to /home/u: Permission denied"));
        for (const char* code : {"is_a_directory", "not_a_directory", "not_a_file", "too_many_entries",
                                 "refused", "invalid_state", "stopped", "timeout", "disconnected",
                                 "forbidden"}) {
            const QString text = FilesTab::reason(makeError(code, "raw"));
            QVERIFY2(text != QLatin1String(code) && !text.contains(u'_') && text != "raw", code);
        }
    }
};

QTEST_MAIN(GuiModelTest)
#include "GuiModelTest.moc"
