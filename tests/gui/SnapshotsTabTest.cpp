// The Snapshots tab in the main window against the fake service (tests/support/FakeService),
// no VM: the list (name, memory, size), Take Snapshot… sending the name and whether to save
// the memory (not offered while stopped), Restore disabled with its reason while the sandbox
// runs and enabled once a sandbox.state event says it stopped, asking first, Fork opening
// the new sandbox, Delete asking first, snapshot.changed updating the list live, and a
// service error shown. SnapshotTest covers the real service.
#include "GuiFixture.h"

#include "JsonTableModel.h"
#include "MainWindow.h"
#include "SandboxView.h"
#include "SnapshotsTab.h"

#include <QAction>
#include <QJsonArray>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;
using namespace vivarium::testing;

namespace {

QJsonObject snapshot(const QString& name, bool memory, double size) {
    return {{"name", name},
            {"created", "2026-11-27T08:00:00.000Z"},
            {"memory", memory},
            {"size_bytes", size},
            {"state", memory ? "ready" : "stopped"}};
}

} // namespace

class SnapshotsTabTest : public QObject {
    Q_OBJECT
    GuiFixture m_gui;
    SnapshotsTab* m_tab = nullptr;
    std::optional<bool> m_askedMemory;
    bool m_confirm = true;
    int m_confirmations = 0;

    void selectRow(const QString& name) {
        const int row = m_tab->snapshots()->rowOf(name);
        QVERIFY(row >= 0);
        m_tab->view()->selectRow(row);
    }

private slots:
    void initTestCase() { useTestSettings(); }

    void init() {
        QVERIFY(m_gui.startService());
        m_gui.service()->setResult(
            "sandbox.list",
            {{"sandboxes", QJsonArray{fakeSandbox("aaaa1111", "origin", "ready")}}});
        m_gui.service()->setResult("snapshot.list",
                                   {{"sandbox", "aaaa1111"},
                                    {"snapshots", QJsonArray{snapshot("clean", false, 786432),
                                                             snapshot("warm", true, 75497472)}}});
        QVERIFY(m_gui.openWindow());
        QTRY_VERIFY_WITH_TIMEOUT(m_gui.window()->selectSandbox("aaaa1111"), 5000);
        SandboxView* view = m_gui.window()->sandboxView();
        m_tab = view->snapshotsTab();
        QVERIFY(m_tab);
        view->tabs()->setCurrentWidget(m_tab);
        QCOMPARE(view->tabs()->tabText(view->tabs()->currentIndex()), QString("S&napshots"));
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->snapshots()->rowCount(), 2, 5000);
        m_askedMemory.reset();
        m_confirm = true;
        m_confirmations = 0;
        m_tab->setHooks({[this](bool canSaveMemory) -> std::optional<SnapshotsTab::NewSnapshot> {
                             m_askedMemory = canSaveMemory;
                             return SnapshotsTab::NewSnapshot{"before-upgrade", canSaveMemory};
                         },
                         [this](const QString&, const QString&) {
                             ++m_confirmations;
                             return m_confirm;
                         }});
    }

    void cleanup() { m_gui.reset(); }

    void listsSnapshots() {
        JsonTableModel* m = m_tab->snapshots();
        const int warm = m->rowOf("warm");
        QCOMPARE(m->data(m->index(warm, 0)).toString(), QString("warm"));
        QCOMPARE(m->data(m->index(warm, 2)).toString(), QString("yes"));
        QCOMPARE(m->data(m->index(m->rowOf("clean"), 2)).toString(), QString("no"));
        QCOMPARE(m->data(m->index(warm, 3)).toString(), JsonTableModel::formatBytes(75497472));
    }

    void takeSnapshotAsksNameAndMemory() {
        m_gui.service()->setResult("snapshot.create",
                                   {{"snapshot", snapshot("before-upgrade", true, 1e8)}});
        QVERIFY(m_tab->takeAction()->isEnabled());
        m_tab->takeAction()->trigger();
        QCOMPARE(m_askedMemory, std::optional<bool>(true)); // it runs: memory is offered
        QTRY_COMPARE_WITH_TIMEOUT(m_gui.service()->requestsOf("snapshot.create").size(), 1, 5000);
        const QJsonObject req = m_gui.service()->requestsOf("snapshot.create").first();
        QCOMPARE(req.value("sandbox").toString(), QString("aaaa1111"));
        QCOMPARE(req.value("name").toString(), QString("before-upgrade"));
        QCOMPARE(req.value("memory").toBool(), true);
        QTRY_VERIFY_WITH_TIMEOUT(m_tab->message().contains("taken"), 5000);
        // The list follows snapshot.changed (the service sends it to every client).
        m_gui.service()->sendEvent(
            "snapshot.changed", {{"sandbox", "aaaa1111"},
                                 {"snapshots", QJsonArray{snapshot("clean", false, 786432),
                                                          snapshot("warm", true, 75497472),
                                                          snapshot("before-upgrade", true, 1e8)}}});
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->snapshots()->rowCount(), 3, 5000);
        // Another sandbox's event changes nothing here (this one's, sent after it, does).
        QSignalSpy removed(m_tab->snapshots(), &QAbstractItemModel::rowsRemoved);
        QSignalSpy reset(m_tab->snapshots(), &QAbstractItemModel::modelReset);
        m_gui.service()->sendEvent("snapshot.changed",
                                   {{"sandbox", "bbbb2222"}, {"snapshots", QJsonArray{}}});
        m_gui.service()->sendEvent(
            "snapshot.changed",
            {{"sandbox", "aaaa1111"},
             {"snapshots",
              QJsonArray{snapshot("clean", false, 786432), snapshot("warm", true, 75497472),
                         snapshot("before-upgrade", true, 1e8), snapshot("later", false, 1e6)}}});
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->snapshots()->rowCount(), 4, 5000);
        QCOMPARE(removed.count() + reset.count(), 0);
    }

    void restoreOnlyWhenStopped() {
        selectRow("clean");
        QVERIFY(!m_tab->restoreAction()->isEnabled());
        QVERIFY(m_tab->restoreAction()->toolTip().contains("Stop the sandbox first"));
        m_gui.service()->sendEvent("sandbox.state",
                                   {{"sandbox", fakeSandbox("aaaa1111", "origin", "stopped")}});
        QTRY_VERIFY_WITH_TIMEOUT(m_tab->restoreAction()->isEnabled(), 5000);
        // Declined: nothing is sent (the accepted one after it is the only request).
        m_confirm = false;
        m_tab->restoreAction()->trigger();
        QCOMPARE(m_confirmations, 1);
        m_confirm = true;
        m_gui.service()->setResult("snapshot.restore",
                                   {{"sandbox", fakeSandbox("aaaa1111", "origin", "stopped")}});
        m_tab->restoreAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(m_gui.service()->requestsOf("snapshot.restore").size(), 1, 5000);
        QCOMPARE(m_confirmations, 2);
        QCOMPARE(m_gui.service()->requestsOf("snapshot.restore").first().value("name").toString(),
                 QString("clean"));
        QTRY_VERIFY_WITH_TIMEOUT(m_tab->message().contains("restored"), 5000);
        // Stopped: a new snapshot cannot include memory.
        m_gui.service()->setResult("snapshot.create",
                                   {{"snapshot", snapshot("before-upgrade", false, 1e6)}});
        m_tab->takeAction()->trigger();
        QCOMPARE(m_askedMemory, std::optional<bool>(false));
        QTRY_COMPARE_WITH_TIMEOUT(m_gui.service()->requestsOf("snapshot.create").size(), 1, 5000);
        QCOMPARE(m_gui.service()->requestsOf("snapshot.create").first().value("memory").toBool(),
                 false);
    }

    void forkOpensTheNewSandbox() {
        QJsonObject fork = fakeSandbox("cccc3333", "tiny-cccc", "ready");
        m_gui.service()->setResult("sandbox.fork", {{"sandbox", fork}, {"memory_restored", true}});
        // The real service announces the new sandbox before it answers the fork.
        connect(m_gui.service(), &FakeService::requestReceived, this,
                [this, fork](const QJsonObject& r) {
                    if (r.value("type") == "sandbox.fork")
                        m_gui.service()->sendEvent("sandbox.added", {{"sandbox", fork}});
                });
        selectRow("warm");
        QVERIFY(m_tab->forkAction()->isEnabled());
        m_tab->forkAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(m_gui.service()->requestsOf("sandbox.fork").size(), 1, 5000);
        const QJsonObject req = m_gui.service()->requestsOf("sandbox.fork").first();
        QCOMPARE(req.value("sandbox").toString(), QString("aaaa1111"));
        QCOMPARE(req.value("snapshot").toString(), QString("warm"));
        QTRY_COMPARE_WITH_TIMEOUT(m_gui.window()->sandboxView()->sandboxId(), QString("cccc3333"),
                                  5000);
    }

    void deleteAsksFirst() {
        selectRow("clean");
        m_confirm = false;
        m_tab->removeAction()->trigger();
        QCOMPARE(m_confirmations, 1);
        m_confirm = true;
        m_gui.service()->setResult("snapshot.remove", {});
        m_tab->removeAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(m_gui.service()->requestsOf("snapshot.remove").size(), 1, 5000);
        QCOMPARE(m_confirmations, 2);
        QCOMPARE(m_gui.service()->requestsOf("snapshot.remove").first().value("name").toString(),
                 QString("clean"));
    }

    void serviceErrorIsShown() {
        m_gui.service()->setError("snapshot.create", "exists",
                                  "Sandbox aaaa1111 already has a snapshot named before-upgrade.");
        m_tab->takeAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(
            m_tab->message().contains("already has a snapshot named before-upgrade"), 5000);
        QVERIFY(m_tab->takeAction()->isEnabled()); // usable again after the failure
    }
};

QTEST_MAIN(SnapshotsTabTest)
#include "SnapshotsTabTest.moc"
