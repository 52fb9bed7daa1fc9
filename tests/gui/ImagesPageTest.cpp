// The Images page's pulled images against the fake service (tests/support/FakeService), no
// VM: details of a pulled image, Delete… only for pulled ones (and what it sends), and the
// Pull… dialog: what it sends, per-layer rows with progress bars from recorded progress
// messages, the result and a failure, and Cancel Pull (image.pull.cancel, then the pull's own
// `cancelled` answer). RegistryTest covers image.pull and its cancel on the real service.
#include "GuiFixture.h"

#include "CatalogPage.h"
#include "ImagePullDialog.h"
#include "JsonTableModel.h"
#include "MainWindow.h"
#include "NewSandboxDialog.h"

#include "ApiClient.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <QTableView>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;
using namespace vivarium::testing;

namespace {

const QString kDigest = "sha256:" + QString(64, 'd');

QJsonObject pulledImage() {
    return {{"name", "127.0.0.1:5000/test/py:1"},
            {"kind", "pulled"},
            {"description", "127.0.0.1:5000/test/py"},
            {"built", true},
            {"disk_bytes", 40 * 1048576},
            {"built_at", "2026-11-27T01:00:00.000Z"},
            {"refs", QJsonArray{"127.0.0.1:5000/test/py:1"}},
            {"digest", kDigest},
            {"pinned", "127.0.0.1:5000/test/py@" + kDigest},
            {"size", 9 * 1048576},
            {"layers", 3},
            {"config", QJsonObject{{"Env", QJsonArray{"GREETING=hi"}},
                                   {"WorkingDir", "/app"},
                                   {"User", "1000:1000"},
                                   {"Cmd", QJsonArray{"python3", "/app/hello.py"}}}}};
}

QJsonObject layer(char c, qint64 size, qint64 done, const char* state) {
    return {
        {"digest", "sha256:" + QString(64, c)}, {"size", size}, {"done", done}, {"state", state}};
}

QString formText(QWidget* page, const QString& label) {
    // The value beside `label` in the details form.
    const QList<QLabel*> labels = page->findChildren<QLabel*>();
    for (int i = 0; i + 1 < labels.size(); ++i)
        if (labels[i]->text() == label)
            return labels[i + 1]->text();
    return {};
}

} // namespace

class ImagesPageTest : public QObject {
    Q_OBJECT
    GuiFixture m_gui;

    CatalogPage* openImagesPage() {
        enabledActionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_3))->trigger();
        CatalogPage* page = m_gui.window()->imagesPage();
        if (!QTest::qWaitFor([page] { return page->model()->rowCount() == 2; }, 5000))
            return nullptr;
        return page;
    }
    void select(CatalogPage* page, const QString& name) {
        auto* proxy = qobject_cast<QSortFilterProxyModel*>(page->table()->model());
        page->table()->selectRow(
            proxy->mapFromSource(page->model()->index(page->model()->rowOf(name), 0)).row());
    }

private slots:
    void initTestCase() { useTestSettings(); }

    void init() {
        QVERIFY(m_gui.startService());
        m_gui.service()->setResult("image.list",
                                   {{"images", QJsonArray{QJsonObject{{"name", "tiny"},
                                                                      {"kind", "builtin"},
                                                                      {"description", "BusyBox"},
                                                                      {"built", true},
                                                                      {"disk_bytes", 5 * 1048576}},
                                                          pulledImage()}}});
        QVERIFY(m_gui.openWindow());
    }

    void cleanup() { m_gui.reset(); }

    void pulledImageDetailsAndDelete() {
        CatalogPage* page = openImagesPage();
        QVERIFY(page);
        JsonTableModel* model = page->model();
        QCOMPARE(model->data(model->index(model->rowOf("tiny"), 4)).toString(),
                 QString("Built-in"));
        QCOMPARE(model->data(model->index(model->rowOf("127.0.0.1:5000/test/py:1"), 4)).toString(),
                 QString("Pulled"));

        select(page, "tiny");
        QVERIFY(page->pullImageAction()->isEnabled());
        QVERIFY(!page->deleteImageAction()->isEnabled()); // built-in images stay
        select(page, "127.0.0.1:5000/test/py:1");
        QVERIFY(page->deleteImageAction()->isEnabled());
        QCOMPARE(formText(page, "Digest:"), kDigest);
        QCOMPARE(formText(page, "Command:"), QString("python3 /app/hello.py"));
        QCOMPARE(formText(page, "Working directory:"), QString("/app"));
        QCOMPARE(formText(page, "User:"), QString("1000:1000"));
        QCOMPARE(formText(page, "Environment:"), QString("GREETING=hi"));
        QVERIFY(formText(page, "Layers:").startsWith("3 ("));

        // Delete… asks first; Yes sends image.remove with the image's reference.
        m_gui.service()->setResult("image.remove", {});
        page->deleteImageAction()->trigger();
        QMessageBox* box = nullptr;
        QTRY_VERIFY((box = m_gui.window()->findChild<QMessageBox*>()) != nullptr);
        QVERIFY(box->text().contains("127.0.0.1:5000/test/py:1"));
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE(int(m_gui.service()->requestsOf("image.remove").size()), 1);
        QCOMPARE(m_gui.service()->requestsOf("image.remove").first().value("ref").toString(),
                 QString("127.0.0.1:5000/test/py:1"));

        // A refusal from the service is reported, not swallowed.
        m_gui.service()->setError("image.remove", "in_use", "The image is in use by sandbox web.");
        QStringList failed;
        const auto spy = connect(page, &CatalogPage::failed, this,
                                 [&failed](const QString& summary) { failed << summary; });
        auto disconnectSpy = qScopeGuard([spy] { QObject::disconnect(spy); });
        select(page, "127.0.0.1:5000/test/py:1");
        page->deleteImageAction()->trigger();
        QTRY_VERIFY((box = m_gui.window()->findChild<QMessageBox*>()) != nullptr);
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE(failed.size(), 1);
        QVERIFY(failed.first().contains("127.0.0.1:5000/test/py:1"));
    }

    void pullDialog() {
        CatalogPage* page = openImagesPage();
        QVERIFY(page);
        page->pullImageAction()->trigger();
        ImagePullDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = m_gui.window()->findChild<ImagePullDialog*>()) != nullptr);
        auto* pull = [&] {
            for (QAbstractButton* b : dialog->findChild<QDialogButtonBox*>()->buttons())
                if (b->text().contains("Pull"))
                    return b;
            return static_cast<QAbstractButton*>(nullptr);
        }();
        QVERIFY(pull && !pull->isEnabled()); // nothing to pull yet
        QTest::keyClicks(dialog->referenceEdit(), "10.0.0.5:5000/test/py:1");
        QVERIFY(pull->isEnabled());
        dialog->insecureBox()->setChecked(true);

        // The service answers only after the progress below: hold the result back.
        m_gui.service()->setError("image.pull", "registry_unreachable",
                                  "Cannot reach the registry 10.0.0.5:5000.");
        QSignalSpy pulled(dialog, &ImagePullDialog::pulled);
        pull->click();
        QTRY_COMPARE(int(m_gui.service()->requestsOf("image.pull").size()), 1);
        const QJsonObject sent = m_gui.service()->requestsOf("image.pull").first();
        QCOMPARE(sent.value("ref").toString(), QString("10.0.0.5:5000/test/py:1"));
        QCOMPARE(sent.value("insecure").toBool(), true);
        QTRY_VERIFY(!dialog->pulling());
        QVERIFY2(dialog->statusText().contains("Cannot reach the registry"),
                 qPrintable(dialog->statusText()));
        QCOMPARE(pulled.count(), 0);
        QVERIFY(pull->isEnabled()); // the user may try again

        // Recorded progress: one row per layer, a bar for each that started.
        dialog->applyProgress({{"percent", 40},
                               {"message", "downloading sha256:bbbbbbbbbbbb"},
                               {"layers", QJsonArray{layer('a', 1000, 1000, "cached"),
                                                     layer('b', 4000, 1000, "downloading"),
                                                     layer('c', 2000, 0, "waiting")}}});
        QStandardItemModel* rows = dialog->layers();
        QCOMPARE(rows->rowCount(), 3);
        QCOMPARE(rows->item(0, ImagePullDialog::DigestColumn)->text(), QString("aaaaaaaaaaaa"));
        QCOMPARE(rows->item(0, ImagePullDialog::StateColumn)->text(), QString("Already here"));
        QCOMPARE(rows->item(1, ImagePullDialog::ProgressColumn)
                     ->data(LayerProgressDelegate::ProgressRole)
                     .toInt(),
                 25);
        QCOMPARE(rows->item(1, ImagePullDialog::StateColumn)->text(), QString("Downloading"));
        QCOMPARE(rows->item(2, ImagePullDialog::ProgressColumn)
                     ->data(LayerProgressDelegate::ProgressRole)
                     .toInt(),
                 -1);
        QCOMPARE(dialog->statusText(), QString("downloading sha256:bbbbbbbbbbbb"));
        QVERIFY(!dialog->grab().isNull()); // the progress delegate paints
        dialog->applyProgress({{"percent", 95},
                               {"message", "extracting layer 3 of 3"},
                               {"layers", QJsonArray{layer('a', 1000, 1000, "extracted"),
                                                     layer('b', 4000, 4000, "extracted"),
                                                     layer('c', 2000, 2000, "extracting")}}});
        QCOMPARE(rows->item(1, ImagePullDialog::ProgressColumn)
                     ->data(LayerProgressDelegate::ProgressRole)
                     .toInt(),
                 100);
        QCOMPARE(rows->item(2, ImagePullDialog::StateColumn)->text(), QString("Extracting"));

        // Success: the dialog says so and the page lists (and selects) the image.
        m_gui.service()->setResult("image.pull", {{"image", pulledImage()}});
        const int lists = int(m_gui.service()->requestsOf("image.list").size());
        pull->click();
        QTRY_COMPARE(pulled.count(), 1);
        QCOMPARE(pulled.first().first().toString(), QString("127.0.0.1:5000/test/py:1"));
        QVERIFY(dialog->statusText().contains("Pulled 127.0.0.1:5000/test/py:1"));
        QTRY_COMPARE(int(m_gui.service()->requestsOf("image.list").size()), lists + 1);
        dialog->reject();
    }

    void newSandboxFromAPulledImage() {
        // The New Sandbox dialog offers the pulled images (not the built-in ones) besides the
        // template's own image, and sends the chosen one as sandbox.create's `image`.
        ApiClient api;
        api.open(Endpoint{m_gui.service()->url(), "fake-token", true});
        QTRY_VERIFY_WITH_TIMEOUT(api.isConnected(), 5000);
        const QJsonArray templates{QJsonObject{{"name", "tiny"}, {"vcpus", 1}, {"memory_mib", 256}},
                                   QJsonObject{{"name", "default"}, {"vcpus", 2}, {"memory_mib", 1024}}};
        NewSandboxDialog dialog(&api, templates);
        QComboBox* image = dialog.imageBox();
        QTRY_COMPARE(image->count(), 2);
        QCOMPARE(image->itemData(0).toString(), QString()); // the template's image
        QCOMPARE(image->itemText(1), QString("127.0.0.1:5000/test/py:1"));
        dialog.selectTemplate("tiny");
        image->setCurrentIndex(1);
        m_gui.service()->setError("sandbox.create", "boot_failed", "The guest did not boot.");
        for (QAbstractButton* b : dialog.findChild<QDialogButtonBox*>()->buttons())
            if (b->text().contains("reate"))
                b->click();
        QTRY_COMPARE(int(m_gui.service()->requestsOf("sandbox.create").size()), 1);
        const QJsonObject sent = m_gui.service()->requestsOf("sandbox.create").first();
        QCOMPARE(sent.value("template").toString(), QString("tiny"));
        QCOMPARE(sent.value("image").toString(), QString("127.0.0.1:5000/test/py:1"));
        // The template's own image: no `image` field.
        QTRY_VERIFY(image->isEnabled());
        image->setCurrentIndex(0);
        for (QAbstractButton* b : dialog.findChild<QDialogButtonBox*>()->buttons())
            if (b->text().contains("reate"))
                b->click();
        QTRY_COMPARE(int(m_gui.service()->requestsOf("sandbox.create").size()), 2);
        QVERIFY(!m_gui.service()->requestsOf("sandbox.create").last().contains("image"));
    }

    void cancelAPull() {
        CatalogPage* page = openImagesPage();
        QVERIFY(page);
        page->pullImageAction()->trigger();
        ImagePullDialog* dialog = nullptr;
        QTRY_VERIFY((dialog = m_gui.window()->findChild<ImagePullDialog*>()) != nullptr);
        QPushButton* cancel = dialog->cancelPullButton();
        QVERIFY(cancel->isHidden()); // only while a pull runs
        QTest::keyClicks(dialog->referenceEdit(), "127.0.0.1:5000/test/big:1");
        m_gui.service()->setHeld("image.pull"); // a pull that runs until the test answers it
        m_gui.service()->setResult("image.pull.cancel", {});
        dialog->startPull();
        QTRY_COMPARE(int(m_gui.service()->requestsOf("image.pull").size()), 1);
        const qint64 pullId =
            m_gui.service()->requestsOf("image.pull").first().value("id").toInteger();
        QVERIFY(dialog->pulling());
        QVERIFY(cancel->isVisible() && cancel->isEnabled());
        m_gui.service()->send({{"type", "progress"},
                               {"id", pullId},
                               {"percent", 30},
                               {"message", "downloading sha256:bbbbbbbbbbbb"},
                               {"layers", QJsonArray{layer('b', 4000, 1000, "downloading")}}});
        QTRY_COMPARE(dialog->layers()->rowCount(), 1);

        QTest::mouseClick(cancel, Qt::LeftButton);
        QTRY_COMPARE(int(m_gui.service()->requestsOf("image.pull.cancel").size()), 1);
        QCOMPARE(m_gui.service()->requestsOf("image.pull.cancel").first().value("ref").toString(),
                 QString("127.0.0.1:5000/test/big:1"));
        QVERIFY(!cancel->isEnabled()); // once
        QVERIFY2(dialog->statusText().contains("Cancelling"), qPrintable(dialog->statusText()));
        // The service answers the pull itself with `cancelled`.
        m_gui.service()->send(
            {{"type", "error"},
             {"id", pullId},
             {"error",
              QJsonObject{{"code", "cancelled"}, {"message", "The pull of x was cancelled."}}}});
        QTRY_VERIFY(!dialog->pulling());
        QVERIFY2(dialog->statusText().contains("cancelled"), qPrintable(dialog->statusText()));
        QVERIFY(cancel->isHidden());
        QVERIFY(!dialog->referenceEdit()->isReadOnly()); // it may be pulled again
        dialog->reject();
    }
};

QTEST_MAIN(ImagesPageTest)
#include "ImagesPageTest.moc"
