// End to end: the real window, offscreen, against a private vivariumd with a real microVM.
// The window starts the service itself (as it does for a user); a sandbox made and a
// command run by other clients (as an agent would) must appear on their own, with the
// command's output.
#include "../integration/ServiceFixture.h"

#include "ApiClient.h"
#include "terminal/TerminalTab.h"
#include "terminal/TerminalWidget.h"
#include "terminal/VTermScreen.h"
#include "MainWindow.h"
#include "RunExportActions.h"
#include "RunOutputView.h"
#include "RunsModel.h"
#include "SandboxModel.h"
#include "SandboxView.h"

#include <QAction>
#include <QApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QDir>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace vivarium;
using namespace vivarium::gui;

namespace {

Result<QJsonObject> call(ApiClient& client, const QString& type, const QJsonObject& body,
                         int timeoutMs = 240000) {
    return callApi(client, type, body, timeoutMs);
}

bool openClient(ApiClient& client) {
    client.open(ApiClient::localEndpoint());
    return QTest::qWaitFor([&client] { return client.isConnected(); }, 20000);
}

} // namespace

class MainWindowTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        // This process's own clients (the window and the test's) must find the private
        // service, and the service the window starts inherits this environment.
        m_service.useInThisProcess();
    }

    void liveSandboxAndRun() {
        MainWindow window;
        window.setServiceDir(m_service.binDir());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.connectToService(); // no service yet: the window starts one
        QTRY_VERIFY_WITH_TIMEOUT(window.isConnected(), 30000);
        QVERIFY(m_service.servicePid() > 0);
        QVERIFY2(window.acceleratorText().contains("not a security boundary"),
                 qPrintable(window.acceleratorText()));
        QCOMPARE(window.sandboxModel()->rowCount(), 0);

        // Another client creates a sandbox; the list follows the events.
        ApiClient agent;
        QVERIFY(openClient(agent));
        const auto created = call(agent, "sandbox.create", {{"template", "tiny"}, {"name", "gui-e2e"}});
        QVERIFY2(created.ok(), created.ok() ? "" : qPrintable(created.error().text()));
        const QString id = created->value("sandbox").toObject().value("id").toString();
        SandboxModel* sandboxes = window.sandboxModel();
        QTRY_VERIFY_WITH_TIMEOUT(sandboxes->rowOf(id) >= 0, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(sandboxes->sandbox(id).value("state").toString(), QString("ready"), 5000);
        QCOMPARE(window.sandboxProxy()->data(window.sandboxProxy()->index(0, SandboxModel::Name)).toString(),
                 QString("gui-e2e"));

        QVERIFY(window.selectSandbox(id));
        SandboxView* view = window.sandboxView();
        QCOMPARE(view->sandboxId(), id);
        QCOMPARE(view->tabs()->currentIndex(), 0);

        // A second client runs a command: it appears in the Runs tab with its output.
        ApiClient runner;
        QVERIFY(openClient(runner));
        const auto exec = call(runner, "exec",
                               {{"sandbox", id},
                                {"argv", QJsonArray{"sh", "-c", "echo hello-from-gui-test; echo to-stderr >&2; exit 3"}},
                                {"origin", "MainWindowTest"}});
        QVERIFY2(exec.ok(), exec.ok() ? "" : qPrintable(exec.error().text()));
        RunsModel* runs = view->runsModel();
        QTRY_COMPARE_WITH_TIMEOUT(runs->rowCount(), 1, 10000);
        QCOMPARE(runs->data(runs->index(0, RunsModel::Origin)).toString(), QString("MainWindowTest"));
        QVERIFY(view->selectRun(1));
        QTRY_VERIFY_WITH_TIMEOUT(view->outputView()->text().contains("hello-from-gui-test"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(view->outputView()->text().contains("to-stderr"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(runs->data(runs->index(0, RunsModel::Status)).toString(),
                                  QString("exit 3"), 10000);
        // On the terminal widget, each line of the pipe output starts at the left edge.
        QVERIFY2(view->outputView()->text().split('\n').contains("to-stderr"),
                 qPrintable(view->outputView()->text()));

        // The Runs tab's export actions write the files (the file dialog replaced).
        QTemporaryDir exportDir;
        RunExportActions* exporter = view->outputView()->exporter();
        exporter->setPathChooser([&exportDir](ExportFormat format, const QString&) {
            return exportDir.filePath(format == ExportFormat::Cast ? "run.cast" : "run.txt");
        });
        QSignalSpy exported(exporter, &RunExportActions::finished);
        QTRY_VERIFY(exporter->castAction()->isEnabled());
        exporter->castAction()->trigger();
        exporter->textAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 2, 20000);
        for (const QList<QVariant>& e : std::as_const(exported))
            QVERIFY2(e.at(0).toBool(), qPrintable(e.at(2).toString()));
        QFile text(exportDir.filePath("run.txt"));
        QVERIFY(text.open(QIODevice::ReadOnly));
        QCOMPARE(text.readAll(), runs->output(0)); // pipe output: the text is the bytes
        QFile cast(exportDir.filePath("run.cast"));
        QVERIFY(cast.open(QIODevice::ReadOnly));
        const QList<QByteArray> castLines = cast.readAll().trimmed().split('\n');
        QVERIFY(castLines.size() >= 2);
        const QJsonObject header = QJsonDocument::fromJson(castLines.first()).object();
        QCOMPARE(header.value("version").toInt(), 2);
        QCOMPARE(header.value("title").toString(), RunsModel::commandText(runs->run(0)));
        QString castText;
        for (qsizetype i = 1; i < castLines.size(); ++i)
            castText += QJsonDocument::fromJson(castLines[i]).array().at(2).toString();
        QCOMPARE(castText, QString::fromUtf8(runs->output(0)).replace("\n", "\r\n"));
        // A destination that cannot be written: a readable error, and nothing left behind.
        exporter->setPathChooser([&exportDir](ExportFormat, const QString&) {
            return exportDir.filePath("missing-dir/run.cast");
        });
        exporter->castAction()->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(exported.count(), 3, 20000);
        QCOMPARE(exported.last().at(0).toBool(), false);
        QVERIFY2(exported.last().at(2).toString().contains("missing-dir"),
                 qPrintable(exported.last().at(2).toString()));
        QCOMPARE(QDir(exportDir.path()).entryList(QDir::Files | QDir::Hidden, QDir::Name),
                 (QStringList{"run.cast", "run.txt"}));
        QTRY_COMPARE_WITH_TIMEOUT(sandboxes->data(sandboxes->index(sandboxes->rowOf(id), SandboxModel::Runs),
                                                  SandboxModel::SortRole).toLongLong(), 1, 5000);

        // A live run streams into the view while it is selected.
        const auto live = call(runner, "exec",
                               {{"sandbox", id}, {"argv", QJsonArray{"sh", "-c", "echo first; read x; echo second-$x"}},
                                {"stdin", true}});
        QVERIFY(live.ok());
        QTRY_COMPARE_WITH_TIMEOUT(runs->rowCount(), 2, 10000);
        QVERIFY(view->selectRun(2));
        QTRY_VERIFY_WITH_TIMEOUT(view->outputView()->text().contains("first"), 10000);
        QVERIFY(runs->isLive(runs->rowOfRun(2)));
        runner.sendData(quint32(live->value("channel").toInt()), "now\n");
        runner.sendData(quint32(live->value("channel").toInt()), {});
        QTRY_VERIFY_WITH_TIMEOUT(view->outputView()->text().contains("second-now"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!runs->isLive(runs->rowOfRun(2)), 10000);

        // An interactive shell in the Terminal tab: typed keys reach it, its output is drawn.
        TerminalTab* term = view->terminalTab();
        term->openShell();
        TerminalWidget* tw = term->terminal();
        auto screenHas = [tw](const QString& text) {
            for (int r = 0; r < tw->screen().rows(); ++r)
                if (tw->screen().rowText(r).contains(text))
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(screenHas("#"), 15000); // the shell's prompt
        QTest::keyClicks(tw, "echo term-$((6*7))");
        QTest::keyClick(tw, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(screenHas("term-42"), 15000);

        // The window's own Stop action, on the selection.
        QAction* stopAction = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->shortcut() == QKeySequence(Qt::CTRL | Qt::Key_Period))
                stopAction = a;
        QVERIFY(stopAction);
        QTRY_VERIFY(stopAction->isEnabled());
        stopAction->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(sandboxes->sandbox(id).value("state").toString(), QString("stopped"), 30000);

        // Removed by another client: gone from the list and from the view.
        QVERIFY(call(agent, "sandbox.remove", {{"sandbox", id}}).ok());
        QTRY_COMPARE_WITH_TIMEOUT(sandboxes->rowOf(id), -1, 10000);
        QCOMPARE(view->sandboxId(), QString());
    }

private:
    ServiceFixture m_service;
};

QTEST_MAIN(MainWindowTest)
#include "MainWindowTest.moc"
