// End to end: the Files tab of a real sandbox view, offscreen, against a private vivariumd
// with one real microVM that every slot shares (in order: browse, upload by drop, download,
// errors, cancel, refresh on another client's upload, delete, then the stopped state).
// Dialogs are replaced through FilesTab::Prompts.
#include "../integration/ServiceFixture.h"
#include "GuiFixture.h"

#include "ApiClient.h"
#include "FileTransfer.h"
#include "FilesModel.h"
#include "FilesTab.h"
#include "SandboxView.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QJsonArray>
#include <QLineEdit>
#include <QMimeData>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>
#include <optional>

using namespace vivarium;
using namespace vivarium::gui;
using vivarium::testing::actionWithShortcut;

namespace {

Result<QJsonObject> call(ApiClient& client, const QString& type, const QJsonObject& body,
                         int timeoutMs = 60000) {
    return callApi(client, type, body, timeoutMs);
}

QByteArray randomBytes(qsizetype size) {
    QByteArray data(size, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32*>(data.data()), size / 4);
    return data;
}

// What a file manager's drag does: enter, move, drop of text/uri-list on the list.
bool dropOn(QTableView* view, const QStringList& localPaths) {
    QMimeData mime;
    QList<QUrl> urls;
    for (const QString& p : localPaths)
        urls << QUrl::fromLocalFile(p);
    mime.setUrls(urls);
    QWidget* target = view->viewport();
    const QPoint at = target->rect().center();
    QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted())
        return false;
    QDragMoveEvent move(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &move);
    QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

// Qt 6.4's QTest::mouseDClick sends the double-click event alone; a mouse sends a click first.
void doubleClick(QTableView* view, QPoint at) {
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, at);
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, at);
}

QStringList entriesOf(const QString& dir) {
    return QDir(dir).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

} // namespace

class FilesTabTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        m_service.useInThisProcess();

        const VivResult made =
            m_service.viv({"create", "--template", "tiny", "--name", "files-e2e"});
        QVERIFY2(made.code == 0, made.err.constData());
        m_id = QString::fromUtf8(made.out).trimmed().split('\n').last();
        const VivResult tree = m_service.viv(
            {"exec", m_id, "--", "sh", "-c",
             "mkdir -p /tmp/files-e2e/sub && echo inner > /tmp/files-e2e/sub/inner.txt"});
        QVERIFY2(tree.code == 0, tree.err.constData());

        m_agent.open(ApiClient::localEndpoint());
        QVERIFY(QTest::qWaitFor([this] { return m_agent.isConnected(); }, 20000));

        m_view = std::make_unique<SandboxView>();
        m_view->setEndpoint(ApiClient::localEndpoint());
        m_view->resize(1000, 700);
        m_view->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_view.get()));
        m_view->showSandbox(sandboxObject());
        m_tab = m_view->filesTab();
        QTabWidget* tabs = m_view->tabs();
        QCOMPARE(tabs->tabText(tabs->indexOf(m_tab)), QString("F&iles"));
        // Nothing is fetched until the tab is looked at; then root's home is listed.
        QCOMPARE(m_tab->currentPath(), QString());
        tabs->setCurrentWidget(m_tab);
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->currentPath(), QString("/root"), 20000);
        QCOMPARE(m_tab->pathEdit()->text(), QString("/root"));
        QCOMPARE(m_tab->placeholder(), QString());

        FilesTab::Prompts prompts;
        prompts.saveFile = [this](const QString& suggested) {
            m_suggested = suggested;
            return m_saveAs;
        };
        prompts.saveDirectory = [this] { return m_local.path(); };
        prompts.openFiles = [] { return QStringList(); };
        prompts.confirm = [this](const QString& question) {
            m_question = question;
            return true;
        };
        m_tab->setPrompts(prompts);
    }

    void pathBarAndFolders() {
        QLineEdit* edit = m_tab->pathEdit();
        edit->clear();
        QTest::keyClicks(edit, "/tmp/files-e2e");
        QTest::keyClick(edit, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->currentPath(), QString("/tmp/files-e2e"), 10000);
        FilesModel* model = m_tab->model();
        const int sub = model->rowOf("sub");
        QVERIFY(sub >= 0);
        QVERIFY(model->isDirectory(sub));

        // A double-click enters a folder.
        QTableView* view = m_tab->view();
        const QRect cell = view->visualRect(model->index(sub, FilesModel::Name));
        doubleClick(view, cell.center());
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->currentPath(), QString("/tmp/files-e2e/sub"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf("inner.txt") >= 0, 10000);
        QCOMPARE(model->entry(model->rowOf("inner.txt")).value("size").toInteger(), 6);

        // Up, then a relative path, then a folder that does not exist.
        QAction* up = actionWithShortcut(m_tab, QKeySequence(Qt::ALT | Qt::Key_Up));
        QVERIFY(up);
        QVERIFY(up->isEnabled());
        up->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->currentPath(), QString("/tmp/files-e2e"), 10000);
        m_tab->navigate("sub");
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->currentPath(), QString("/tmp/files-e2e/sub"), 10000);
        m_tab->goUp();
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->currentPath(), QString("/tmp/files-e2e"), 10000);
        edit->clear();
        QTest::keyClicks(edit, "/no/such/folder");
        QTest::keyClick(edit, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(m_tab->message(),
                                  QString("Cannot open /no/such/folder: no such file or folder"),
                                  10000);
        QCOMPARE(m_tab->currentPath(), QString("/tmp/files-e2e"));
        QCOMPARE(edit->text(), QString("/tmp/files-e2e"));
    }

    void uploadByDrop() {
        m_payload = randomBytes(3 * 1024 * 1024 - 12);
        const QString source = m_sources.filePath("payload.bin");
        QFile f(source);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(m_payload), m_payload.size());
        f.close();

        QSignalSpy finished(m_tab, &FilesTab::transferFinished);
        QVERIFY(dropOn(m_tab->view(), {source}));
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(0).toString(), QString("/tmp/files-e2e/payload.bin"));
        QVERIFY2(finished.first().at(2).toBool(), qPrintable(finished.first().at(3).toString()));
        FilesModel* model = m_tab->model();
        QTRY_VERIFY_WITH_TIMEOUT(model->rowOf("payload.bin") >= 0, 10000);
        QCOMPARE(model->entry(model->rowOf("payload.bin")).value("size").toInteger(),
                 m_payload.size());

        // The same name again asks first.
        finished.clear();
        QVERIFY(dropOn(m_tab->view(), {source}));
        QCOMPARE(m_question, QString("Replace payload.bin in /tmp/files-e2e in the sandbox?"));
        QVERIFY(finished.wait(60000));
        QVERIFY(finished.first().at(2).toBool());
    }

    void dropOfAFolderIsRefused() {
        QTemporaryDir folder;
        QSignalSpy finished(m_tab, &FilesTab::transferFinished);
        dropOn(m_tab->view(), {folder.path()});
        QVERIFY2(m_tab->message().startsWith("Folders cannot be uploaded yet: " +
                                             QFileInfo(folder.path()).fileName()),
                 qPrintable(m_tab->message()));
        QCOMPARE(finished.count(), 0);
    }

    void downloadByDoubleClick() {
        FilesModel* model = m_tab->model();
        const int row = model->rowOf("payload.bin");
        QVERIFY(row >= 0);
        m_saveAs = m_local.filePath("back.bin");
        QSignalSpy finished(m_tab, &FilesTab::transferFinished);
        QTableView* view = m_tab->view();
        doubleClick(view, view->visualRect(model->index(row, FilesModel::Name)).center());
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.first().at(2).toBool(), qPrintable(finished.first().at(3).toString()));
        QCOMPARE(QFileInfo(m_suggested).fileName(), QString("payload.bin"));
        QFile back(m_saveAs);
        QVERIFY(back.open(QIODevice::ReadOnly));
        QVERIFY(back.readAll() == m_payload);
        QCOMPARE(entriesOf(m_local.path()), QStringList{"back.bin"}); // no temporary file left
    }

    void downloadErrorsAreReadable() {
        QSignalSpy finished(m_tab, &FilesTab::transferFinished);
        m_tab->download("/tmp/files-e2e/missing.bin", m_local.filePath("missing.bin"));
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().at(2).toBool(), false);
        const QString expected(
            "Cannot download /tmp/files-e2e/missing.bin: no such file or folder");
        QCOMPARE(finished.first().at(3).toString(), expected);
        QCOMPARE(m_tab->message(), expected);

        // A device cannot be downloaded; the message says why in words.
        m_tab->download("/dev/null", m_local.filePath("null"));
        QVERIFY(finished.wait(30000));
        const QString text = finished.last().at(3).toString();
        QVERIFY2(text.startsWith("Cannot download /dev/null: ") &&
                     text.contains("not a regular file") && !text.contains("_"),
                 qPrintable(text));
        QCOMPARE(entriesOf(m_local.path()), QStringList{"back.bin"}); // nothing half-written
    }

    void cancelledDownloadLeavesNothing() {
        QSignalSpy finished(m_tab, &FilesTab::transferFinished);
        m_tab->download("/tmp/files-e2e/payload.bin", m_local.filePath("cancelled.bin"));
        FileTransfer* transfer = nullptr;
        for (FileTransfer* t : m_tab->findChildren<FileTransfer*>())
            if (t->localPath() == m_local.filePath("cancelled.bin"))
                transfer = t;
        QVERIFY(transfer);
        QToolButton* cancel = transfer->parent()->findChild<QToolButton*>(); // the row's button
        QVERIFY(cancel);
        QCOMPARE(cancel->text(), QString("Cancel"));
        // Closed as soon as part of the file is in the temporary file: the data comes in
        // faster than a test could click between two chunks.
        const int rows = m_tab->transferCount();
        bool partial = false;
        connect(transfer, &FileTransfer::progress, cancel, [&](qint64 done, qint64 total) {
            if (done <= 0 || done >= total || partial)
                return;
            partial = true;
            // Mid-transfer the destination does not exist yet; at most a hidden temporary
            // file does (none on Linux, where Qt creates it unnamed).
            QVERIFY(!QFile::exists(m_local.filePath("cancelled.bin")));
            for (const QString& name : entriesOf(m_local.path()))
                QVERIFY2(name == "back.bin" || name.startsWith(".cancelled.bin"), qPrintable(name));
            QTest::mouseClick(cancel, Qt::LeftButton);
        });
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY(partial);
        QCOMPARE(finished.first().at(2).toBool(), false);
        QCOMPARE(finished.first().at(3).toString(), QString("Cancelled."));
        QCOMPARE(m_tab->transferCount(), rows - 1); // closing the row cancelled it
        QCOMPARE(entriesOf(m_local.path()), QStringList{"back.bin"});
    }

    void anotherClientsUploadAppears() {
        // Uploaded on another connection: only the file.written event can bring it here.
        const QString source = m_sources.filePath("from-agent.txt");
        QFile f(source);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("written by an agent\n");
        f.close();
        FileTransfer upload(&m_agent, FileTransfer::Direction::Upload, m_id,
                            "/tmp/files-e2e/from-agent.txt", source);
        std::optional<Status> done;
        connect(&upload, &FileTransfer::finished, this, [&done](const Status& s) { done = s; });
        upload.start();
        QTRY_VERIFY_WITH_TIMEOUT(done.has_value(), 30000);
        QVERIFY2(done->ok(), qPrintable(done->ok() ? QString() : done->error().text()));
        QTRY_VERIFY_WITH_TIMEOUT(m_tab->model()->rowOf("from-agent.txt") >= 0, 10000);
    }

    void deleteSelected() {
        FilesModel* model = m_tab->model();
        const int row = model->rowOf("from-agent.txt");
        QVERIFY(row >= 0);
        m_tab->view()->selectRow(row);
        QAction* del = actionWithShortcut(m_tab, QKeySequence(QKeySequence::Delete));
        QVERIFY(del);
        QVERIFY(del->isEnabled());
        del->trigger();
        QCOMPARE(m_question, QString("Delete from-agent.txt from the sandbox?"));
        QTRY_COMPARE_WITH_TIMEOUT(model->rowOf("from-agent.txt"), -1, 10000);
        QVERIFY(model->rowOf("payload.bin") >= 0);
        const auto gone = call(m_agent, "file.stat",
                               {{"sandbox", m_id}, {"path", "/tmp/files-e2e/from-agent.txt"}});
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().code, QString("not_found"));
    }

    void stoppedSandboxSaysWhatToDo() {
        QVERIFY(call(m_agent, "sandbox.stop", {{"sandbox", m_id}}).ok());
        const QJsonObject stopped = sandboxObject();
        QCOMPARE(stopped.value("state").toString(), QString("stopped"));
        m_view->showSandbox(stopped);
        QCOMPARE(m_tab->placeholder(), QString("Start the sandbox to browse its files."));
        QVERIFY(!dropOn(m_tab->view(), {m_sources.filePath("payload.bin")}));
    }

private:
    QJsonObject sandboxObject() {
        const auto list = call(m_agent, "sandbox.list", {});
        if (list.ok())
            for (const QJsonValue& v : list->value("sandboxes").toArray())
                if (v.toObject().value("id").toString() == m_id)
                    return v.toObject();
        return {};
    }

    ServiceFixture m_service;
    QString m_id;
    ApiClient m_agent;       // the test's own connection, as an agent's would be
    QTemporaryDir m_sources; // local files to upload
    QTemporaryDir m_local;   // where downloads go
    QByteArray m_payload;
    QString m_saveAs;
    QString m_suggested;
    QString m_question;
    std::unique_ptr<SandboxView> m_view;
    FilesTab* m_tab = nullptr;
};

QTEST_MAIN(FilesTabTest)
#include "FilesTabTest.moc"
