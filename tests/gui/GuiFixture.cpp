#include "GuiFixture.h"

#include <QAction>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>
#include <QWidget>

namespace vivarium::testing {

namespace {

QAction* findAction(QWidget* root, const QKeySequence& shortcut, bool enabledOnly) {
    for (QAction* a : root->findChildren<QAction*>())
        if (a->shortcut() == shortcut && (!enabledOnly || a->isEnabled()))
            return a;
    return nullptr;
}

} // namespace

QAction* actionWithShortcut(QWidget* root, const QKeySequence& shortcut) {
    return findAction(root, shortcut, false);
}

QAction* enabledActionWithShortcut(QWidget* root, const QKeySequence& shortcut) {
    return findAction(root, shortcut, true);
}

void useTestSettings() {
    QStandardPaths::setTestModeEnabled(true);
    QSettings().clear();
}

GuiFixture::~GuiFixture() {
    reset();
}

bool GuiFixture::startService() {
    m_service = std::make_unique<FakeService>();
    if (!m_service->listen()) {
        qWarning("GuiFixture: the fake service cannot listen on a loopback port");
        return false;
    }
    return true;
}

bool GuiFixture::openWindow() {
    if (!m_service) {
        qWarning("GuiFixture: openWindow() before startService()");
        return false;
    }
    qputenv("VIVARIUM_URL", m_service->url().toString().toUtf8());
    qputenv("VIVARIUM_TOKEN", "fake-token");
    m_window = std::make_unique<gui::MainWindow>();
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get())) {
        qWarning("GuiFixture: the main window was not exposed");
        return false;
    }
    m_window->connectToService();
    if (!QTest::qWaitFor([this] { return m_window->isConnected(); }, 5000)) {
        qWarning("GuiFixture: the main window did not connect to the fake service within 5 s");
        return false;
    }
    return true;
}

void GuiFixture::reset() {
    m_window.reset();
    m_service.reset();
}

} // namespace vivarium::testing
