// The template form and the Templates page's actions, against the fake service
// (tests/support/FakeService), with no VM: the form's inline validation and what it sends,
// New/Edit/Duplicate/Delete with their shortcuts and the built-ins read-only, a service error
// kept in the open dialog, the skipped files shown above the table, and the table and the
// New Sandbox dialog following template.* events. ApiTest covers the real service.
#include "GuiFixture.h"

#include "CatalogPage.h"
#include "JsonTableModel.h"
#include "MainWindow.h"
#include "NewSandboxDialog.h"
#include "TemplateDialog.h"

#include <QAction>
#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;
using namespace vivarium::testing;

namespace {

const QJsonObject kLimits{{"vcpus", QJsonObject{{"min", 1}, {"max", 4}}},
                          {"memory_mib", QJsonObject{{"min", 64}, {"max", 65536}}},
                          {"disk_mib", QJsonObject{{"min", 64}, {"max", 1048576}}},
                          {"images", QJsonArray{"default", "tiny"}}};

QJsonObject templateObject(const QString& name, bool builtin, int memory = 256) {
    return {{"name", name}, {"builtin", builtin}, {"image", "tiny"}, {"vcpus", 1}, {"memory_mib", memory},
            {"env", QJsonObject{{"PORT", "8080"}}}, {"workdir", "/srv"}, {"user", ""}};
}

template <typename W> W* field(QWidget* dialog, const QString& accessibleOrLabel) {
    for (W* w : dialog->findChildren<W*>())
        if (w->accessibleName() == accessibleOrLabel)
            return w;
    return nullptr;
}

} // namespace

class TemplateDialogTest : public QObject {
    Q_OBJECT
    GuiFixture m_gui;

    CatalogPage* openTemplatesPage() {
        actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_2))->trigger();
        CatalogPage* page = m_gui.window()->templatesPage();
        if (!QTest::qWaitFor([page] { return page->model()->rowCount() == 3; }, 5000))
            return nullptr;
        return page;
    }
    void select(CatalogPage* page, const QString& name) {
        auto* proxy = qobject_cast<QSortFilterProxyModel*>(page->table()->model());
        page->table()->selectRow(proxy->mapFromSource(page->model()->index(page->model()->rowOf(name), 0)).row());
    }

private slots:
    void initTestCase() { useTestSettings(); }

    void init() {
        QVERIFY(m_gui.startService());
        m_gui.service()->setResult(
            "template.list",
            {{"templates", QJsonArray{templateObject("default", true, 512),
                                      templateObject("tiny", true), templateObject("web", false)}},
             {"problems", QJsonArray{QJsonObject{
                              {"file", "~/.config/vivarium/templates/bad.json"},
                              {"field", "memory_mib"},
                              {"message", "~/.config/vivarium/templates/bad.json: field "
                                          "'memory_mib' must be a number between 64 and 65536"}}}},
             {"limits", kLimits}});
        QVERIFY(m_gui.openWindow());
    }

    void cleanup() { m_gui.reset(); }

    void formValidatesAsYouType() {
        TemplateDialog dialog(nullptr, TemplateDialog::Mode::Create,
                              {{"image", "default"}, {"vcpus", 1}, {"memory_mib", 512}}, kLimits, {"default", "tiny", "web"});
        auto* name = field<QLineEdit>(&dialog, "Name");
        QVERIFY(name);
        QVERIFY(dialog.problems().contains("name")); // no name yet
        QVERIFY(!dialog.saveButton()->isEnabled());
        name->setText("bad name");
        QVERIFY(dialog.problems().value("name").contains("letters, digits"));
        name->setText("web");
        QCOMPARE(dialog.problems().value("name"), QString("There is already a template named “web”."));
        name->setText("api");
        QVERIFY(dialog.problems().isEmpty());
        QVERIFY(dialog.saveButton()->isEnabled());
        // The problem is shown under its field, and hidden when it is gone.
        auto* nameProblem = dialog.findChild<QLabel*>("nameProblem");
        QVERIFY(nameProblem && nameProblem->isHidden());

        // Ranges come from the service's limits: spin boxes cannot go past them.
        auto spins = dialog.findChildren<QSpinBox*>();
        QVERIFY(spins.size() >= 3); // vcpus, memory, disk first; then the idle (and pool) groups
        QSpinBox* vcpus = spins[0];
        QSpinBox* memory = spins[1];
        QSpinBox* disk = spins[2];
        vcpus->setValue(10);
        QCOMPARE(vcpus->value(), 4);
        memory->setValue(10);
        QCOMPARE(memory->value(), 64);
        QCOMPARE(disk->text(), QString("Image size"));
        disk->setValue(10);
        QVERIFY(dialog.problems().contains("disk_mib"));
        QVERIFY(!dialog.findChild<QLabel*>("disk_mibProblem")->isHidden());
        QVERIFY(!dialog.saveButton()->isEnabled());
        disk->setValue(512);
        QVERIFY(dialog.problems().isEmpty());

        const QList<QLineEdit*> edits = dialog.findChildren<QLineEdit*>();
        QLineEdit *workdir = nullptr, *user = nullptr;
        for (QLineEdit* e : edits) {
            if (e->placeholderText() == "the user's home directory")
                workdir = e;
            else if (e->placeholderText() == "root")
                user = e;
        }
        QVERIFY(workdir && user);
        workdir->setText("srv");
        QCOMPARE(dialog.problems().value("workdir"), QString("An absolute path in the sandbox, such as /root."));
        workdir->setText("/srv");
        user->setText("no body");
        QVERIFY(dialog.problems().contains("user"));
        user->setText("1000");
        QVERIFY(dialog.problems().isEmpty());

        dialog.setEnvironment({{"1A", "x"}});
        QVERIFY(dialog.problems().value("env").contains("“1A” is not a variable name"));
        dialog.setEnvironment({{"A", "1"}, {"A", "2"}});
        QCOMPARE(dialog.problems().value("env"), QString("“A” is set twice."));
        dialog.setEnvironment({{"A", "1"}, {"", ""}}); // an empty row is ignored
        QVERIFY(dialog.problems().isEmpty());
        // Editing a cell revalidates.
        dialog.environmentTable()->item(0, 0)->setText("B-C");
        QVERIFY(dialog.problems().contains("env"));
        dialog.environmentTable()->item(0, 0)->setText("B");

        const QJsonObject fields = dialog.fields();
        QCOMPARE(fields.value("env").toObject(), (QJsonObject{{"B", "1"}}));
        QCOMPARE(fields.value("vcpus").toInt(), 4);
        QCOMPARE(fields.value("disk_mib").toInt(), 512);
        QCOMPARE(fields.value("workdir").toString(), QString("/srv"));
        QCOMPARE(fields.value("user").toString(), QString("1000"));
        disk->setValue(0); // back to the image's size: sent as null
        QVERIFY(dialog.fields().value("disk_mib").isNull());

        // Idle reaping: off by default (the action only matters with a timeout).
        auto* idle = dialog.findChild<QSpinBox*>("idleTimeout");
        auto* action = dialog.findChild<QComboBox*>("idleAction");
        QVERIFY(idle && action);
        QCOMPARE(dialog.fields().value("idle_timeout_s").toInt(), 0);
        QVERIFY(!action->isEnabled());
        idle->setValue(900);
        QVERIFY(action->isEnabled());
        action->setCurrentIndex(action->findData("hibernate"));
        QCOMPARE(dialog.fields().value("idle_timeout_s").toInt(), 900);
        QCOMPARE(dialog.fields().value("idle_action").toString(), QString("hibernate"));
    }

    // The Network group: egress, the allowlist checked line by line by the service's rules,
    // and the routes checklist from route.list (a route that went away shows as missing).
    void networkGroup() {
        m_gui.service()->setResult("route.list",
                                   {{"routes", QJsonArray{QJsonObject{{"name", "openai"}},
                                                          QJsonObject{{"name", "github"}}}}});
        QJsonObject source = templateObject("web", false);
        source["network"] = QJsonObject{{"egress", "proxy"},
                                        {"allow", QJsonArray{"pypi.org", "*.github.com:443"}},
                                        {"routes", QJsonArray{"openai", "gone"}}};
        TemplateDialog dialog(m_gui.window()->findChild<ApiClient*>(), TemplateDialog::Mode::Edit,
                              source, kLimits, {"default", "tiny", "web"});
        QCOMPARE(dialog.egressCombo()->currentData().toString(), QString("proxy"));
        QCOMPARE(dialog.allowEdit()->toPlainText(), QString("pypi.org\n*.github.com:443"));
        // route.list answers: every route listed, the template's ticked, the missing one marked.
        QTRY_COMPARE(dialog.routesList()->count(), 3);
        QStringList shown, ticked;
        for (int i = 0; i < dialog.routesList()->count(); ++i) {
            shown << dialog.routesList()->item(i)->text();
            if (dialog.routesList()->item(i)->checkState() == Qt::Checked)
                ticked << dialog.routesList()->item(i)->text();
        }
        QCOMPARE(shown, (QStringList{"openai", "github", "gone (missing)"}));
        QCOMPARE(ticked, (QStringList{"openai", "gone (missing)"}));
        QCOMPARE(dialog.problems().value("network.routes"), QString("Route “gone” does not exist any more; untick it."));
        QVERIFY(!dialog.saveButton()->isEnabled());
        dialog.routesList()->item(2)->setCheckState(Qt::Unchecked);
        dialog.routesList()->item(1)->setCheckState(Qt::Checked);
        QVERIFY(dialog.problems().isEmpty());

        dialog.allowEdit()->setPlainText("pypi.org\nbad host!\n");
        QVERIFY2(dialog.problems().value("network.allow").startsWith("Line 2: "),
                 qPrintable(dialog.problems().value("network.allow")));
        QVERIFY(!dialog.findChild<QLabel*>("allowProblem")->isHidden());
        dialog.allowEdit()->setPlainText("pypi.org\npypi.org");
        QCOMPARE(dialog.problems().value("network.allow"), QString("Line 2: “pypi.org” is there twice."));
        dialog.allowEdit()->setPlainText("pypi.org\n\n  files.pythonhosted.org:443  \n");
        QVERIFY(dialog.problems().isEmpty());
        dialog.egressCombo()->setCurrentIndex(dialog.egressCombo()->findData("open"));
        const QJsonObject network = dialog.fields().value("network").toObject();
        QCOMPARE(network.value("egress").toString(), QString("open"));
        QCOMPARE(network.value("allow").toArray(), (QJsonArray{"pypi.org", "files.pythonhosted.org:443"}));
        QCOMPARE(network.value("routes").toArray(), (QJsonArray{"openai", "github"}));
        // None: no way out, so the allowlist has nothing to do (kept, greyed out).
        dialog.egressCombo()->setCurrentIndex(dialog.egressCombo()->findData("none"));
        QVERIFY(!dialog.allowEdit()->isEnabled());
        QCOMPARE(dialog.fields().value("network").toObject().value("egress").toString(), QString("none"));

        // Save sends the network with the rest (template.update).
        m_gui.service()->setResult("template.update", {{"template", source}});
        dialog.saveButton()->click();
        QTRY_COMPARE(m_gui.service()->requestsOf("template.update").size(), 1);
        QCOMPARE(m_gui.service()
                     ->requestsOf("template.update")
                     .first()
                     .value("network")
                     .toObject()
                     .value("routes")
                     .toArray(),
                 (QJsonArray{"openai", "github"}));

        // A new template starts with no way out and no routes.
        TemplateDialog fresh(nullptr, TemplateDialog::Mode::Create, {{"image", "default"}}, kLimits, {});
        QCOMPARE(fresh.fields().value("network").toObject(),
                 (QJsonObject{{"egress", "none"}, {"allow", QJsonArray()}, {"routes", QJsonArray()}}));
    }

    void builtinsAreReadOnlyAndCanBeDuplicated() {
        CatalogPage* page = openTemplatesPage();
        QVERIFY(page);
        QTRY_VERIFY(page->problemsText().contains("bad.json: field 'memory_mib'"));
        QVERIFY(page->problemsText().contains("skipped"));

        // The actions and their shortcuts exist, on the page.
        QCOMPARE(page->newTemplateAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_N));
        QCOMPARE(page->editTemplateAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_E));
        QCOMPARE(page->duplicateTemplateAction()->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_D));
        QCOMPARE(page->deleteTemplateAction()->shortcut(), QKeySequence(QKeySequence::Delete));

        select(page, "tiny");
        QVERIFY(!page->editTemplateAction()->isEnabled());
        QVERIFY(!page->deleteTemplateAction()->isEnabled());
        QVERIFY(page->duplicateTemplateAction()->isEnabled());
        page->editTemplateAction()->trigger(); // disabled: nothing opens
        QVERIFY(!page->findChild<TemplateDialog*>());

        // Duplicate through its shortcut, with focus in the page.
        page->table()->setFocus();
        QTest::keyClick(page->table(), Qt::Key_D, Qt::ControlModifier);
        QTRY_VERIFY(page->findChild<TemplateDialog*>());
        TemplateDialog* dialog = page->findChild<TemplateDialog*>();
        QCOMPARE(dialog->mode(), TemplateDialog::Mode::Duplicate);
        QCOMPARE(dialog->templateName(), QString("tiny-copy"));
        QCOMPARE(dialog->fields().value("env").toObject().value("PORT").toString(), QString("8080"));
        m_gui.service()->setResult("template.create",
                                   {{"template", templateObject("tiny-copy", false)}});
        QSignalSpy accepted(dialog, &QDialog::accepted);
        QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
        QTRY_COMPARE(m_gui.service()->requestsOf("template.create").size(), 1);
        const QJsonObject sent = m_gui.service()->requestsOf("template.create").first();
        QCOMPARE(sent.value("name").toString(), QString("tiny-copy"));
        QCOMPARE(sent.value("from").toString(), QString("tiny"));
        QCOMPARE(sent.value("image").toString(), QString("tiny"));
        QTRY_COMPARE(accepted.count(), 1);
    }

    void newEditAndServiceErrors() {
        CatalogPage* page = openTemplatesPage();
        QVERIFY(page);
        // New: starts from the default template's values; a service error keeps it open.
        page->newTemplateAction()->trigger();
        QTRY_VERIFY(page->findChild<TemplateDialog*>());
        TemplateDialog* dialog = page->findChild<TemplateDialog*>();
        QCOMPARE(dialog->mode(), TemplateDialog::Mode::Create);
        QCOMPARE(dialog->fields().value("memory_mib").toInt(), 512);
        field<QLineEdit>(dialog, "Name")->setText("api");
        m_gui.service()->setError(
            "template.create", "unknown_image",
            "Image 'python:3.12-slim' is not available; built-in images: default, tiny.");
        dialog->findChild<QComboBox*>()->setCurrentText("python:3.12-slim");
        QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
        QTRY_VERIFY(dialog->statusText().contains("is not available; built-in images: default, tiny"));
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->saveButton()->isEnabled()); // the user can correct it and try again
        QCOMPARE(m_gui.service()->requestsOf("template.create").last().value("image").toString(),
                 QString("python:3.12-slim"));
        QVERIFY(!m_gui.service()->requestsOf("template.create").last().contains("from"));
        dialog->reject();
        QTRY_VERIFY(!page->findChild<TemplateDialog*>());

        // Edit a user template: the name is fixed; Save sends template.update.
        select(page, "web");
        QVERIFY(page->editTemplateAction()->isEnabled());
        page->editTemplateAction()->trigger();
        QTRY_VERIFY(page->findChild<TemplateDialog*>());
        dialog = page->findChild<TemplateDialog*>();
        QCOMPARE(dialog->mode(), TemplateDialog::Mode::Edit);
        QVERIFY(field<QLineEdit>(dialog, "Name")->isReadOnly());
        dialog->findChildren<QSpinBox*>()[1]->setValue(1024);
        m_gui.service()->setResult("template.update",
                                   {{"template", templateObject("web", false, 1024)}});
        QTest::mouseClick(dialog->saveButton(), Qt::LeftButton);
        QTRY_COMPARE(m_gui.service()->requestsOf("template.update").size(), 1);
        const QJsonObject sent = m_gui.service()->requestsOf("template.update").first();
        QCOMPARE(sent.value("name").toString(), QString("web"));
        QCOMPARE(sent.value("memory_mib").toInt(), 1024);
        QCOMPARE(sent.value("workdir").toString(), QString("/srv"));
        QVERIFY(!sent.contains("from"));
        QTRY_VERIFY(!page->findChild<TemplateDialog*>());
    }

    void deleteAsksFirst() {
        CatalogPage* page = openTemplatesPage();
        QVERIFY(page);
        select(page, "web");
        page->deleteTemplateAction()->trigger();
        QTRY_VERIFY(page->findChild<QMessageBox*>());
        QMessageBox* box = page->findChild<QMessageBox*>();
        QVERIFY(box->text().contains("“web”"));
        box->button(QMessageBox::Cancel)->click();
        QTRY_VERIFY(!page->findChild<QMessageBox*>());
        QVERIFY(m_gui.service()->requestsOf("template.remove").isEmpty());

        m_gui.service()->setError("template.remove", "io_error",
                                  "Cannot remove ~/.config/vivarium/templates/web.json");
        page->deleteTemplateAction()->trigger();
        QTRY_VERIFY(page->findChild<QMessageBox*>());
        page->findChild<QMessageBox*>()->button(QMessageBox::Yes)->click();
        QTRY_COMPARE(m_gui.service()->requestsOf("template.remove").size(), 1);
        QCOMPARE(m_gui.service()->requestsOf("template.remove").first().value("name").toString(),
                 QString("web"));
        // The failure is shown by the window, as every action's.
        QTRY_VERIFY(!m_gui.window()->findChildren<QMessageBox*>().isEmpty());
        bool shown = false;
        for (QMessageBox* b : m_gui.window()->findChildren<QMessageBox*>())
            shown |= b->informativeText().contains("Cannot remove");
        QVERIFY(shown);
    }

    void eventsUpdateTheTableAndNewSandbox() {
        CatalogPage* page = openTemplatesPage();
        QVERIFY(page);
        select(page, "web");
        m_gui.service()->sendEvent("template.added",
                                   {{"template", templateObject("api", false, 128)}});
        QTRY_COMPARE(page->model()->rowCount(), 4);
        m_gui.service()->sendEvent("template.changed",
                                   {{"template", templateObject("web", false, 2048)}});
        QTRY_COMPARE(page->model()->object(page->model()->rowOf("web")).value("memory_mib").toInt(), 2048);
        QCOMPARE(page->currentKey(), QString("web")); // updated in place: the selection stays
        m_gui.service()->sendEvent("template.problems", {{"problems", QJsonArray{}}});
        QTRY_VERIFY(page->problemsText().isEmpty());
        m_gui.service()->sendEvent("template.removed", {{"name", "web"}});
        QTRY_COMPARE(page->model()->rowOf("web"), -1);

        // New Sandbox offers what the events brought.
        actionWithShortcut(m_gui.window(), QKeySequence::New)->trigger();
        QTRY_VERIFY(m_gui.window()->findChild<NewSandboxDialog*>());
        auto* combo = m_gui.window()->findChild<NewSandboxDialog*>()->findChild<QComboBox*>();
        QVERIFY(combo->findData("api") >= 0);
        QCOMPARE(combo->findData("web"), -1);
        m_gui.window()->findChild<NewSandboxDialog*>()->reject();
    }
};

QTEST_MAIN(TemplateDialogTest)
#include "TemplateDialogTest.moc"
