// The Secrets & Routes page against the fake service (tests/support/FakeService), no VM: Ctrl+4
// opens it, the lists show names, times, where secrets are kept and route headers as
// templates, Set… sends the typed value once and keeps no copy, deletes ask first, the route
// form checks as it is typed (the service's own rules) and keeps a service error, and the
// lists follow secret.changed / route.changed. SecretsApiTest covers the real service.
#include "GuiFixture.h"

#include "CredentialsPage.h"
#include "JsonTableModel.h"
#include "MainWindow.h"

#include <QAction>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTest>

using namespace vivarium;
using namespace vivarium::gui;
using namespace vivarium::testing;

namespace {

const QJsonObject kRoute{{"name", "openai"},
                         {"upstream", "https://api.openai.com/v1"},
                         {"headers", QJsonArray{QJsonObject{{"name", "Authorization"},
                                                            {"value", "Bearer {secret:OPENAI_API_KEY}"}}}},
                         {"secrets", QJsonArray{"OPENAI_API_KEY"}},
                         {"base_url_env", "OPENAI_BASE_URL"},
                         {"missing_secrets", QJsonArray{}}};

} // namespace

class CredentialsPageTest : public QObject {
    Q_OBJECT
    GuiFixture m_gui;

    CredentialsPage* openPage() {
        QAction* a = actionWithShortcut(m_gui.window(), QKeySequence(Qt::CTRL | Qt::Key_4));
        if (!a)
            return nullptr;
        a->trigger();
        CredentialsPage* page = m_gui.window()->credentialsPage();
        if (m_gui.window()->pages()->currentWidget() != page ||
            !QTest::qWaitFor([page] { return page->routesModel()->rowCount() == 1; }, 5000))
            return nullptr;
        return page;
    }

private slots:
    void initTestCase() { useTestSettings(); }

    void init() {
        QVERIFY(m_gui.startService());
        m_gui.service()->setResult(
            "secret.list", {{"secrets", QJsonArray{QJsonObject{{"name", "OPENAI_API_KEY"},
                                                               {"updated", "2026-01-02T03:04:05Z"},
                                                               {"backend", "file"}}}},
                            {"backend", "file ~/.config/vivarium/secrets.json"},
                            {"backend_note", "the desktop keyring is not reachable (no D-Bus)"}});
        m_gui.service()->setResult("route.list",
                                   {{"routes", QJsonArray{kRoute}}, {"problems", QJsonArray{}}});
        m_gui.service()->setResult(
            "secret.set", {{"secret", QJsonObject{{"name", "GH_TOKEN"}, {"backend", "file"}}},
                           {"backend", "file ~/.config/vivarium/secrets.json"}});
        QVERIFY(m_gui.openWindow());
    }

    void cleanup() { m_gui.reset(); }

    void listsWhatTheServiceHas() {
        CredentialsPage* page = openPage();
        QVERIFY(page);
        QCOMPARE(m_gui.window()->pages()->tabText(m_gui.window()->pages()->indexOf(page)),
                 QString("Secrets && Routes"));
        QTRY_COMPARE(page->secretsModel()->rowCount(), 1);
        auto* secrets = page->secretsModel();
        QCOMPARE(secrets->data(secrets->index(0, 0)).toString(), QString("OPENAI_API_KEY"));
        QCOMPARE(secrets->data(secrets->index(0, 2)).toString(), QString("Private file"));
        QVERIFY(!secrets->data(secrets->index(0, 1)).toString().isEmpty()); // the local time
        QVERIFY(page->backendText().contains("file ~/.config/vivarium/secrets.json"));
        QVERIFY(page->backendText().contains("not reachable"));
        auto* routes = page->routesModel();
        QCOMPARE(routes->data(routes->index(0, 1)).toString(), QString("https://api.openai.com/v1"));
        // A header as its template: the secret's name shows, never a value.
        QCOMPARE(routes->data(routes->index(0, 2)).toString(), QString("Authorization: Bearer {secret:OPENAI_API_KEY}"));
        QCOMPARE(routes->data(routes->index(0, 3)).toString(), QString("$OPENAI_BASE_URL"));

        // Events from elsewhere (viv) bring both lists again.
        const int before = int(m_gui.service()->requestsOf("route.list").size());
        QJsonObject second = kRoute;
        second["name"] = "github";
        second["missing_secrets"] = QJsonArray{"GH_TOKEN"};
        m_gui.service()->setResult(
            "route.list",
            {{"routes", QJsonArray{kRoute, second}},
             {"problems",
              QJsonArray{QJsonObject{{"file", "~/.config/vivarium/routes/bad.json"},
                                     {"field", "upstream"},
                                     {"message", "~/.config/vivarium/routes/bad.json: field "
                                                 "'upstream' is required"}}}}});
        m_gui.service()->sendEvent("route.changed", {{"name", "github"}, {"removed", false}});
        QTRY_COMPARE(routes->rowCount(), 2);
        QVERIFY(int(m_gui.service()->requestsOf("route.list").size()) > before);
        QCOMPARE(routes->data(routes->index(1, 4)).toString(), QString("GH_TOKEN"));
        QVERIFY(page->routeProblemsText().contains("bad.json: field 'upstream'"));
    }

    void setSecretSendsTheValueOnce() {
        CredentialsPage* page = openPage();
        QVERIFY(page);
        page->secretsTable()->clearSelection();
        page->secretsTable()->setCurrentIndex({});
        page->setSecretAction()->trigger();
        QTRY_VERIFY(page->findChild<SecretDialog*>());
        auto* dialog = page->findChild<SecretDialog*>();
        QCOMPARE(dialog->valueEdit()->echoMode(), QLineEdit::Password);
        QVERIFY(!dialog->saveButton()->isEnabled());
        dialog->nameEdit()->setText("gh token");
        QVERIFY(dialog->problem().contains("upper-case letters"));
        dialog->nameEdit()->setText("GH_TOKEN");
        QVERIFY(dialog->problem().isEmpty());
        QVERIFY(!dialog->saveButton()->isEnabled()); // no value yet
        QTest::keyClicks(dialog->valueEdit(), "ghp_typed_value");
        QVERIFY(dialog->saveButton()->isEnabled());
        dialog->saveButton()->click();
        QTRY_COMPARE(m_gui.service()->requestsOf("secret.set").size(), 1);
        const QJsonObject sent = m_gui.service()->requestsOf("secret.set").first();
        QCOMPARE(sent.value("name").toString(), QString("GH_TOKEN"));
        QCOMPARE(sent.value("value").toString(), QString("ghp_typed_value"));
        QTRY_VERIFY(!page->findChild<SecretDialog*>()); // closed on the result

        // An existing secret: the name is fixed, only the value is replaced; an error keeps the
        // dialog open with the service's message, and the field holds no copy of the value.
        m_gui.service()->setError("secret.set", "keyring",
                                  "Cannot store secret 'OPENAI_API_KEY' in the desktop keyring");
        page->secretsTable()->selectRow(0);
        page->setSecretAction()->trigger();
        QTRY_VERIFY(page->findChild<SecretDialog*>());
        dialog = page->findChild<SecretDialog*>();
        QCOMPARE(dialog->nameEdit()->text(), QString("OPENAI_API_KEY"));
        QVERIFY(dialog->nameEdit()->isReadOnly());
        dialog->valueEdit()->setText("sk-new");
        dialog->saveButton()->click();
        QTRY_VERIFY(dialog->statusText().contains("Cannot store secret"));
        QVERIFY(dialog->isVisible());
        QVERIFY(dialog->valueEdit()->text().isEmpty());
        dialog->reject();
    }

    void deleteAsksFirst() {
        CredentialsPage* page = openPage();
        QVERIFY(page);
        page->secretsTable()->selectRow(0);
        QTRY_VERIFY(page->deleteSecretAction()->isEnabled());
        page->deleteSecretAction()->trigger();
        QTRY_VERIFY(page->findChild<QMessageBox*>());
        QMessageBox* box = page->findChild<QMessageBox*>();
        QVERIFY(box->text().contains("“OPENAI_API_KEY”"));
        box->button(QMessageBox::Cancel)->click();
        QTRY_VERIFY(!page->findChild<QMessageBox*>());
        QVERIFY(m_gui.service()->requestsOf("secret.remove").isEmpty());

        m_gui.service()->setError("route.remove", "route_in_use",
                                  "Route 'openai' is used by template web");
        page->routesTable()->selectRow(0);
        page->deleteRouteAction()->trigger();
        QTRY_VERIFY(page->findChild<QMessageBox*>());
        page->findChild<QMessageBox*>()->button(QMessageBox::Yes)->click();
        QTRY_COMPARE(m_gui.service()->requestsOf("route.remove").size(), 1);
        QCOMPARE(m_gui.service()->requestsOf("route.remove").first().value("name").toString(),
                 QString("openai"));
        auto shown = [&] { // the window shows the failure, as every action's
            for (QMessageBox* b : m_gui.window()->findChildren<QMessageBox*>())
                if (b->informativeText().contains("used by template web"))
                    return true;
            return false;
        };
        QTRY_VERIFY(shown());
    }

    void routeFormChecksAsYouType() {
        RouteDialog dialog(nullptr, {}, {"OPENAI_API_KEY"}, {"openai"});
        QVERIFY(dialog.problems().contains("name"));
        QVERIFY(dialog.problems().contains("upstream"));
        QVERIFY(dialog.problems().contains("headers")); // the starting "Bearer {secret:}" needs a name
        QVERIFY(!dialog.saveButton()->isEnabled());
        dialog.nameEdit()->setText("OpenAI");
        QVERIFY(dialog.problems().value("name").contains("lower-case"));
        dialog.nameEdit()->setText("openai");
        QCOMPARE(dialog.problems().value("name"), QString("There is already a route named “openai”."));
        dialog.nameEdit()->setText("gh");
        QVERIFY(!dialog.problems().contains("name"));
        dialog.upstreamEdit()->setText("ftp://x.example");
        QVERIFY(dialog.problems().value("upstream").startsWith("Field 'upstream' must be an http:// or https:// URL"));
        dialog.upstreamEdit()->setText("https://user:pw@api.github.com");
        QVERIFY(dialog.problems().value("upstream").contains("user info"));
        dialog.upstreamEdit()->setText("https://api.github.com");
        QVERIFY(!dialog.problems().contains("upstream"));

        dialog.setHeaders({{"Host", "evil.example"}});
        QVERIFY(dialog.problems().value("headers").contains("which the proxy sets itself"));
        dialog.setHeaders({{"X-Key", "{secret:lower}"}});
        QVERIFY(dialog.problems().value("headers").contains("not a secret name"));
        dialog.setHeaders({{"Authorization", "Bearer {secret:GH_TOKEN}"}, {"X-A", "1"}, {"x-a", "2"}});
        QVERIFY(dialog.problems().value("headers").contains("twice"));
        dialog.headersTable()->item(2, 0)->setText("X-B"); // editing a cell checks again
        QVERIFY(dialog.problems().isEmpty());
        QVERIFY(dialog.saveButton()->isEnabled());
        // A secret that is not set yet: a warning, not a refusal.
        QCOMPARE(dialog.warningText(), QString("Not set yet: GH_TOKEN. Set it before a sandbox uses this route."));
        const QJsonObject request = dialog.request();
        QCOMPARE(request.value("upstream").toString(), QString("https://api.github.com"));
        QCOMPARE(request.value("headers").toArray()[0].toObject().value("value").toString(),
                 QString("Bearer {secret:GH_TOKEN}"));
    }

    void addAndEditRoutesThroughTheService() {
        CredentialsPage* page = openPage();
        QVERIFY(page);
        m_gui.service()->setError("route.add", "route_exists", "Route 'gh' already exists");
        page->addRouteAction()->trigger();
        QTRY_VERIFY(page->findChild<RouteDialog*>());
        auto* dialog = page->findChild<RouteDialog*>();
        dialog->nameEdit()->setText("gh");
        dialog->upstreamEdit()->setText("https://api.github.com");
        dialog->setHeaders({{"Authorization", "Bearer {secret:OPENAI_API_KEY}"}});
        QVERIFY(dialog->warningText().isEmpty()); // that secret is set
        dialog->saveButton()->click();
        QTRY_VERIFY(dialog->statusText().contains("already exists"));
        QVERIFY(dialog->isVisible());
        QCOMPARE(m_gui.service()->requestsOf("route.add").first().value("name").toString(),
                 QString("gh"));
        dialog->reject();
        QTRY_VERIFY(!page->findChild<RouteDialog*>());

        m_gui.service()->setResult("route.update", {{"route", kRoute}, {"warnings", QJsonArray{}}});
        page->routesTable()->selectRow(0);
        page->editRouteAction()->trigger();
        QTRY_VERIFY(page->findChild<RouteDialog*>());
        dialog = page->findChild<RouteDialog*>();
        QVERIFY(dialog->nameEdit()->isReadOnly());
        QCOMPARE(dialog->headersTable()->item(0, 1)->text(), QString("Bearer {secret:OPENAI_API_KEY}"));
        dialog->upstreamEdit()->setText("https://api.openai.com/v2");
        dialog->saveButton()->click();
        QTRY_COMPARE(m_gui.service()->requestsOf("route.update").size(), 1);
        QCOMPARE(m_gui.service()->requestsOf("route.update").first().value("upstream").toString(),
                 QString("https://api.openai.com/v2"));
        QTRY_VERIFY(!page->findChild<RouteDialog*>());
    }
};

QTEST_MAIN(CredentialsPageTest)
#include "CredentialsPageTest.moc"
