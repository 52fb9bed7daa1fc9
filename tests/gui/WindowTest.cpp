// The main window's logic against a fake service (tests/support/FakeService), with no VM:
// the toolbar actions send the right requests for the right sandboxes, a lost connection
// is retried on its own while the list keeps what it showed (updated in place afterwards),
// the Templates and Images views, the Open Terminal action, and the System/Light/Dark
// setting. MainWindowTest covers the same window against the real service.
#include "GuiFixture.h"

#include "Appearance.h"
#include "CatalogPage.h"
#include "JsonTableModel.h"
#include "MainWindow.h"
#include "NewSandboxDialog.h"
#include "SandboxModel.h"
#include "SandboxView.h"
#include "terminal/TerminalTab.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;
using namespace vivarium::testing;

namespace {

QAction* menuAction(QMainWindow* window, const QString& menuText, const QString& text) {
    for (QAction* top : window->menuBar()->actions()) {
        if (top->text() != menuText || !top->menu())
            continue;
        QList<QAction*> pending = top->menu()->actions();
        while (!pending.isEmpty()) {
            QAction* a = pending.takeFirst();
            if (a->text() == text)
                return a;
            if (a->menu())
                pending << a->menu()->actions();
        }
    }
    return nullptr;
}

QJsonArray threeSandboxes() {
    return {fakeSandbox("aaaa1111", "alpha", "ready"), fakeSandbox("bbbb2222", "beta", "stopped"),
            fakeSandbox("cccc3333", "gamma", "ready", "default")};
}

} // namespace

class WindowTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { useTestSettings(); }

    void init() {
        QVERIFY(m_gui.startService());
        m_gui.service()->setResult("sandbox.list", {{"sandboxes", threeSandboxes()}});
        QVERIFY(m_gui.openWindow());
        QTRY_COMPARE_WITH_TIMEOUT(m_gui.window()->sandboxModel()->rowCount(), 3, 5000);
    }

    void cleanup() { m_gui.reset(); }

    void stopActsOnTheStoppableSelection() {
        QTableView* table = m_gui.window()->sandboxTable();
        auto* proxy = m_gui.window()->sandboxProxy();
        table->selectAll();
        QAction* stop = actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_Period));
        QAction* start = actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_R));
        QVERIFY(stop && start);
        QVERIFY(stop->isEnabled());
        QVERIFY(start->isEnabled()); // beta is stopped
        stop->trigger();
        QTRY_COMPARE(m_gui.service()->requestsOf("sandbox.stop").size(), 2);
        QStringList stopped;
        for (const QJsonObject& r : m_gui.service()->requestsOf("sandbox.stop"))
            stopped << r.value("sandbox").toString();
        stopped.sort();
        QCOMPARE(stopped, (QStringList{"aaaa1111", "cccc3333"}));

        // Only beta: Start sends one request, Stop is disabled.
        const int betaRow = proxy
                                ->mapFromSource(m_gui.window()->sandboxModel()->index(
                                    m_gui.window()->sandboxModel()->rowOf("bbbb2222"), 0))
                                .row();
        table->selectRow(betaRow);
        QVERIFY(!stop->isEnabled());
        start->trigger();
        QTRY_COMPARE(m_gui.service()->requestsOf("sandbox.start").size(), 1);
        QCOMPARE(m_gui.service()->requestsOf("sandbox.start").first().value("sandbox").toString(),
                 QString("bbbb2222"));
    }

    void lifecycleActionsFollowTheState() {
        QAction* pause =
            actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_P));
        QAction* resume =
            actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R));
        QAction* hibernate =
            actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_H));
        QAction* start = actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_R));
        QAction* stop = actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_Period));
        QVERIFY(pause && resume && hibernate && start && stop);
        QVERIFY(m_gui.window()->selectSandbox("aaaa1111")); // ready
        QVERIFY(pause->isEnabled() && hibernate->isEnabled() && !resume->isEnabled());
        pause->trigger();
        QTRY_COMPARE(m_gui.service()->requestsOf("sandbox.pause").size(), 1);
        QCOMPARE(m_gui.service()->requestsOf("sandbox.pause").first().value("sandbox").toString(),
                 QString("aaaa1111"));

        m_gui.service()->sendEvent("sandbox.state",
                                   {{"sandbox", fakeSandbox("aaaa1111", "alpha", "paused")}});
        QTRY_VERIFY(resume->isEnabled());
        QVERIFY(!pause->isEnabled() && hibernate->isEnabled() && stop->isEnabled() && !start->isEnabled());
        QCOMPARE(m_gui.window()
                     ->sandboxModel()
                     ->index(m_gui.window()->sandboxModel()->rowOf("aaaa1111"), SandboxModel::State)
                     .data()
                     .toString(),
                 QString("paused"));

        m_gui.service()->sendEvent("sandbox.state",
                                   {{"sandbox", fakeSandbox("aaaa1111", "alpha", "hibernated")}});
        QTRY_VERIFY(!hibernate->isEnabled());
        QVERIFY(resume->isEnabled() && !pause->isEnabled() && stop->isEnabled() && start->isEnabled());
        resume->trigger();
        QTRY_COMPARE(m_gui.service()->requestsOf("sandbox.resume").size(), 1);

        // The idle warning reaches the status bar, naming the sandbox.
        m_gui.service()->sendEvent(
            "sandbox.idle_warning",
            {{"id", "cccc3333"}, {"action", "hibernate"}, {"seconds_left", 30}});
        QTRY_VERIFY(m_gui.window()->statusBar()->currentMessage().contains("gamma"));
        QVERIFY(m_gui.window()->statusBar()->currentMessage().contains("hibernated in 30 s"));
    }

    void errorsFromActionsAreShownAsMessages() {
        m_gui.service()->setError("sandbox.stop", "libvirt_error", "The domain vanished.");
        QVERIFY(m_gui.window()->selectSandbox("aaaa1111"));
        actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_Period))->trigger();
        QTRY_VERIFY(!m_gui.window()->findChildren<QMessageBox*>().isEmpty());
        auto* box = m_gui.window()->findChildren<QMessageBox*>().first();
        QVERIFY2(box->text().contains("alpha"), qPrintable(box->text()));
        QCOMPARE(box->informativeText(), QString("The domain vanished."));
        QVERIFY(!box->text().contains("libvirt_error"));
    }

    void reconnectsAndKeepsWhatItShows() {
        QVERIFY(m_gui.window()->selectSandbox("cccc3333"));
        SandboxModel* model = m_gui.window()->sandboxModel();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(model, &QAbstractItemModel::modelReset);

        m_gui.service()->stopListening(); // the service dies
        QTRY_VERIFY_WITH_TIMEOUT(m_gui.window()->isReconnecting(), 5000);
        QVERIFY(!m_gui.window()->isConnected());
        QCOMPARE(model->rowCount(), 3); // still shown, greyed out
        QVERIFY(!m_gui.window()->sandboxTable()->isEnabled());
        QVERIFY2(m_gui.window()->connectionText().contains("Reconnecting") ||
                     m_gui.window()->connectionText().contains("Retrying"),
                 qPrintable(m_gui.window()->connectionText()));

        // It comes back with one sandbox gone and one changed.
        m_gui.service()->setResult(
            "sandbox.list",
            {{"sandboxes", QJsonArray{fakeSandbox("aaaa1111", "alpha", "stopped"),
                                      fakeSandbox("cccc3333", "gamma", "ready", "default")}}});
        const int listsBefore = int(m_gui.service()->requestsOf("sandbox.list").size());
        QVERIFY(m_gui.service()->listenAgain());
        QTRY_VERIFY_WITH_TIMEOUT(m_gui.window()->isConnected(), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(int(m_gui.service()->requestsOf("sandbox.list").size()),
                                  listsBefore + 1, 5000);
        QTRY_COMPARE(model->rowCount(), 2);
        QVERIFY(!m_gui.window()->isReconnecting());
        QVERIFY(m_gui.window()->sandboxTable()->isEnabled());
        QCOMPARE(model->sandbox("aaaa1111").value("state").toString(), QString("stopped"));
        QCOMPARE(resets.count(), 0); // updated in place
        // The selection survived, and the view still shows that sandbox.
        QCOMPARE(
            m_gui.window()->sandboxTable()->currentIndex().data(SandboxModel::IdRole).toString(),
            QString("cccc3333"));
        QCOMPARE(m_gui.window()->sandboxView()->sandboxId(), QString("cccc3333"));
    }

    void newSandboxesFromEventsAppear() {
        m_gui.service()->sendEvent("sandbox.added",
                                   {{"sandbox", fakeSandbox("dddd4444", "delta", "booting")}});
        QTRY_VERIFY(m_gui.window()->sandboxModel()->rowOf("dddd4444") >= 0);
        m_gui.window()->filterEdit()->setText("delt");
        QCOMPARE(m_gui.window()->sandboxProxy()->rowCount(), 1);
    }

    void templatesAndImagesViews() {
        m_gui.service()->setResult(
            "image.list",
            {{"images",
              QJsonArray{
                  QJsonObject{{"name", "tiny"},
                              {"description", "BusyBox"},
                              {"built", true},
                              {"disk_bytes", 5 * 1048576},
                              {"built_at", "2026-11-27T01:00:00.000Z"}},
                  QJsonObject{{"name", "default"}, {"description", "Debian"}, {"built", false}}}}});
        actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_2))->trigger();
        QCOMPARE(m_gui.window()->pages()->currentWidget(), m_gui.window()->templatesPage());
        CatalogPage* templates = m_gui.window()->templatesPage();
        QTRY_COMPARE(templates->model()->rowCount(), 2);
        QAbstractItemModelTester tester(templates->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const int tiny = templates->model()->rowOf("tiny");
        QCOMPARE(templates->model()->data(templates->model()->index(tiny, 3)).toString(), QString("256 MiB"));

        // "New Sandbox from Template" opens the dialog with that template chosen.
        QVERIFY(templates->table()->model());
        auto* proxy = qobject_cast<QSortFilterProxyModel*>(templates->table()->model());
        templates->table()->selectRow(proxy->mapFromSource(templates->model()->index(tiny, 0)).row());
        QCOMPARE(templates->currentKey(), QString("tiny"));
        const int listsBeforeDialog = int(m_gui.service()->requestsOf("image.list").size());
        templates->newSandboxAction()->trigger();
        QTRY_VERIFY(m_gui.window()->findChild<NewSandboxDialog*>());
        auto* dialog = m_gui.window()->findChild<NewSandboxDialog*>();
        QCOMPARE(dialog->findChild<QComboBox*>()->currentData().toString(), QString("tiny"));
        // The dialog lists the pulled images it offers.
        QTRY_COMPARE(int(m_gui.service()->requestsOf("image.list").size()), listsBeforeDialog + 1);
        dialog->reject();

        const int imageLists = int(m_gui.service()->requestsOf("image.list").size());
        actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_3))->trigger();
        QCOMPARE(m_gui.window()->pages()->currentWidget(), m_gui.window()->imagesPage());
        QTRY_COMPARE(int(m_gui.service()->requestsOf("image.list").size()),
                     imageLists + 1); // refreshed on show
        JsonTableModel* images = m_gui.window()->imagesPage()->model();
        QTRY_COMPARE(images->rowCount(), 2);
        QCOMPARE(images->data(images->index(images->rowOf("default"), 2)).toString(), QString("Built on first use"));
        QCOMPARE(images->data(images->index(images->rowOf("tiny"), 2)).toString(), QString("5.0 MiB"));
    }

    void jsonTableModelUpdatesInPlace() {
        JsonTableModel model("name", {{"Name", [](const QJsonObject& o) { return o.value("name").toString(); }},
                                      {"N", [](const QJsonObject& o) { return QString::number(o.value("n").toInt()); },
                                       [](const QJsonObject& o) { return o.value("n").toInt(); }}});
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setObjects({QJsonObject{{"name", "a"}, {"n", 1}}, QJsonObject{{"name", "b"}, {"n", 2}},
                          QJsonObject{{"name", "a"}, {"n", 9}}, // repeated: skipped
                          QJsonObject{{"n", 3}}, QJsonValue(7)}); // malformed: skipped
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(0, 1)).toString(), QString("1"));
        model.setObjects({QJsonObject{{"name", "b"}, {"n", 5}}, QJsonObject{{"name", "c"}, {"n", 3}}});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.rowOf("a"), -1);
        QCOMPARE(model.data(model.index(model.rowOf("b"), 1), JsonTableModel::SortRole).toInt(), 5);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(resets.count(), 0);
    }

    void openTerminalFollowsTheSelection() {
        QAction* terminal = m_gui.window()->openTerminalAction();
        QVERIFY(m_gui.window()->selectSandbox("bbbb2222")); // stopped: no shell
        QVERIFY(!terminal->isEnabled());
        QVERIFY(m_gui.window()->selectSandbox("aaaa1111"));
        QVERIFY(terminal->isEnabled());
        QCOMPARE(terminal->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
        terminal->trigger();
        QCOMPARE(m_gui.window()->sandboxView()->tabs()->currentWidget(),
                 static_cast<QWidget*>(m_gui.window()->sandboxView()->terminalTab()));
        // The shell is asked for on a connection of the terminal's own.
        QTRY_VERIFY_WITH_TIMEOUT(!m_gui.service()->requestsOf("exec").isEmpty(), 5000);
        const QJsonObject exec = m_gui.service()->requestsOf("exec").first();
        QCOMPARE(exec.value("sandbox").toString(), QString("aaaa1111"));
        QVERIFY(exec.value("pty").toBool());
    }

    void appearanceSetting() {
        QAction* dark = menuAction(m_gui.window(), tr("&View"), tr("&Dark"));
        QAction* light = menuAction(m_gui.window(), tr("&View"), tr("&Light"));
        QAction* system = menuAction(m_gui.window(), tr("&View"), tr("&System"));
        QVERIFY(dark && light && system);
        dark->trigger();
        QVERIFY(Appearance::isDark(QApplication::palette()));
        QTRY_VERIFY(Appearance::isDark(m_gui.window()->sandboxTable()->palette()));
        QCOMPARE(QSettings().value("appearance/scheme").toString(), QString("dark"));
        QVERIFY(dark->isChecked());
        light->trigger();
        QVERIFY(!Appearance::isDark(QApplication::palette()));
        QVERIFY(light->isChecked() && !dark->isChecked());
        system->trigger();
        QCOMPARE(QSettings().value("appearance/scheme").toString(), QString("system"));
        // Remembered: a new window restores it.
        dark->trigger();
        Appearance restored;
        restored.restore();
        QCOMPARE(restored.scheme(), Appearance::Scheme::Dark);
        restored.setScheme(Appearance::Scheme::System);
        QCOMPARE(Appearance::fromKey("nonsense"), Appearance::Scheme::System);
    }

private:
    GuiFixture m_gui;
};

QTEST_MAIN(WindowTest)
#include "WindowTest.moc"
