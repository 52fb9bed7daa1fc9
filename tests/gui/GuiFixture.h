// What the GUI tests that drive the main window share: finding a window's action by its
// shortcut (as a user reaches it), settings kept apart from the user's, and a main window
// connected to a fake service (tests/support/FakeService) for tests with no VM. A test sets
// the fake's results between startService() and openWindow(), as the window asks for its
// lists as soon as it connects.
#pragma once

#include "../support/FakeService.h"

#include "MainWindow.h"

#include <QKeySequence>

#include <memory>

class QAction;
class QWidget;

namespace vivarium::testing {

// The first action under `root` with `shortcut`, or nullptr.
QAction* actionWithShortcut(QWidget* root, const QKeySequence& shortcut);
// The same among enabled actions only.
QAction* enabledActionWithShortcut(QWidget* root, const QKeySequence& shortcut);

// For initTestCase(): QStandardPaths' test locations, and no settings left from a previous
// run, so every window starts with the defaults.
void useTestSettings();

class GuiFixture {
public:
    GuiFixture() = default;
    GuiFixture(const GuiFixture&) = delete;
    GuiFixture& operator=(const GuiFixture&) = delete;
    ~GuiFixture();

    // A new fake service on a free loopback port (false if it cannot listen).
    bool startService();
    // Points VIVARIUM_URL/VIVARIUM_TOKEN at the service, shows a new main window and connects
    // it; false (with a warning saying which step) unless it is exposed and connected within
    // 5 s.
    bool openWindow();
    // Closes the window, then stops the service.
    void reset();

    FakeService* service() const { return m_service.get(); }
    gui::MainWindow* window() const { return m_window.get(); }

private:
    std::unique_ptr<FakeService> m_service;
    std::unique_ptr<gui::MainWindow> m_window;
};

} // namespace vivarium::testing
