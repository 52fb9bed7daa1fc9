// The Pools page against the fake service (tests/support/FakeService), no VM: Ctrl+5 opens it,
// a card per pool shows ready / booting / in use, min / max / target, the refill error with its
// next retry, and a chart of the history; pool.changed events update, add and remove cards
// live; "Edit pool…" opens the template's dialog with the pool's values, and the dialog's
// Pool group refuses min > max. PoolTest covers pool.list and pool.changed on the real service.
#include "GuiFixture.h"

#include "MainWindow.h"
#include "PoolChart.h"
#include "PoolsPage.h"
#include "TemplateDialog.h"

#include <QAction>
#include <QDateTime>
#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;
using namespace vivarium::testing;

namespace {

QJsonArray history(int n) {
    QJsonArray h;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < n; ++i)
        h.append(QJsonObject{{"t", now - (n - i) * 5000}, {"ready", i % 3}, {"booting", 1}, {"in_use", i / 4}});
    return h;
}

QJsonObject pool(const QString& name, int ready, int booting, int inUse) {
    return {{"template", name}, {"min_ready", 1},   {"max", 3},        {"idle_ttl_s", 300},
            {"target", 2},      {"ready", ready},   {"booting", booting}, {"in_use", inUse},
            {"state", "filling"}, {"failures", 0}, {"error", QJsonValue()}, {"retry_at", QJsonValue()},
            {"history", history(12)}};
}

} // namespace

class PoolsPageTest : public QObject {
    Q_OBJECT
    GuiFixture m_gui;

private slots:
    void initTestCase() { useTestSettings(); }

    void init() {
        QVERIFY(m_gui.startService());
        m_gui.service()->setResult("pool.list", {{"pools", QJsonArray{pool("warm", 1, 1, 2)}}});
        m_gui.service()->setResult(
            "template.get",
            {{"template",
              QJsonObject{
                  {"name", "warm"},
                  {"image", "tiny"},
                  {"vcpus", 1},
                  {"memory_mib", 256},
                  {"pool", QJsonObject{{"min_ready", 1}, {"max", 3}, {"idle_ttl_s", 120}}}}}});
        QVERIFY(m_gui.openWindow());
    }

    void cleanup() { m_gui.reset(); }

    void showsEachPool() {
        QAction* open = actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_5));
        QVERIFY(open);
        open->trigger();
        PoolsPage* page = m_gui.window()->poolsPage();
        QCOMPARE(m_gui.window()->pages()->currentWidget(), page);
        QCOMPARE(m_gui.window()->pages()->tabText(m_gui.window()->pages()->indexOf(page)),
                 QString("Pools"));
        QTRY_COMPARE(page->poolNames(), QStringList{"warm"});
        QCOMPARE(page->countsText("warm"), QString("1 ready · 1 booting · 2 in use"));
        QCOMPARE(page->boundsText("warm"), QString("min 1 · max 3 · target 2 · filling"));
        QVERIFY(page->errorText("warm").isEmpty());
        QCOMPARE(page->chart("warm")->sampleCount(), 12);
        QCOMPARE(page->chart("warm")->peak(), 2 + 1 + 2); // ready 2, booting 1, in use 2 at the end
        QVERIFY(page->emptyLabel()->isHidden());
        // The chart paints (offscreen) without trouble.
        QImage image(page->chart("warm")->size(), QImage::Format_ARGB32);
        page->chart("warm")->render(&image);
    }

    void followsPoolChanged() {
        PoolsPage* page = m_gui.window()->poolsPage();
        QTRY_COMPARE(page->poolNames(), QStringList{"warm"});
        QJsonObject failing = pool("broken", 0, 0, 0);
        failing["state"] = "error";
        failing["failures"] = 3;
        failing["error"] = "Template 'broken' uses route 'x', which does not exist.";
        failing["retry_at"] = QDateTime::currentDateTimeUtc().addSecs(8).toString(Qt::ISODateWithMs);
        m_gui.service()->sendEvent("pool.changed", {{"template", "broken"}, {"pool", failing}});
        QTRY_COMPARE(page->poolNames(), (QStringList{"broken", "warm"}));
        QVERIFY(page->errorText("broken").contains("3 in a row"));
        QVERIFY(page->errorText("broken").contains("route 'x'"));
        QVERIFY(page->errorText("broken").contains("Next try at"));
        QCOMPARE(page->boundsText("broken"), QString("min 1 · max 3 · target 2 · refills failing"));
        m_gui.service()->sendEvent("pool.changed",
                                   {{"template", "warm"}, {"pool", pool("warm", 3, 0, 0)}});
        QTRY_COMPARE(page->countsText("warm"), QString("3 ready · 0 booting · 0 in use"));
        // A pool that went (template removed, pool set to 0) loses its card.
        m_gui.service()->sendEvent("pool.changed",
                                   {{"template", "broken"}, {"pool", QJsonValue()}});
        m_gui.service()->sendEvent("pool.changed", {{"template", "warm"}, {"pool", QJsonValue()}});
        QTRY_VERIFY(page->poolNames().isEmpty());
        QVERIFY(!page->emptyLabel()->isHidden());
    }

    void editPoolOpensTheTemplateDialog() {
        PoolsPage* page = m_gui.window()->poolsPage();
        QTRY_VERIFY(page->editButton("warm"));
        page->editButton("warm")->click();
        TemplateDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = page->findChild<TemplateDialog*>()));
        QCOMPARE(dialog->mode(), TemplateDialog::Mode::Edit);
        QCOMPARE(dialog->poolMinSpin()->value(), 1);
        QCOMPARE(dialog->poolMaxSpin()->value(), 3);
        QCOMPARE(dialog->poolTtlSpin()->value(), 120);
        QCOMPARE(dialog->fields().value("pool").toObject(),
                 (QJsonObject{{"min_ready", 1}, {"max", 3}, {"idle_ttl_s", 120}}));
        dialog->poolMinSpin()->setValue(4);
        QVERIFY(dialog->problems().value("pool").contains("more ready (4) than its maximum (3)"));
        QVERIFY(!dialog->saveButton()->isEnabled());
        dialog->poolMaxSpin()->setValue(4);
        QVERIFY(!dialog->problems().contains("pool"));
        dialog->reject();
    }
};

QTEST_MAIN(PoolsPageTest)
#include "PoolsPageTest.moc"
