// The Terminal tab of the sandbox view: one TerminalSession per sandbox the user opened a
// shell in, kept while they look at other tabs or other sandboxes, and shown again when
// they come back. A session goes only when its sandbox does (forget()) or the app closes.
#pragma once

#include "ApiClient.h"

#include <QHash>
#include <QWidget>

class QPushButton;
class QStackedWidget;

namespace vivarium::gui {

class TerminalSession;
class TerminalWidget;

class TerminalTab : public QWidget {
    Q_OBJECT
public:
    explicit TerminalTab(QWidget* parent = nullptr);

    // Shows the session of `sandbox` (made on first use; empty: none).
    void showSandbox(const Endpoint& endpoint, const QString& sandbox);
    // Drops the session of a sandbox that is gone.
    void forget(const QString& sandbox);

    // The shown session's parts (for the window's actions and for tests).
    TerminalSession* current() const;
    void openShell();
    bool sessionActive() const;
    TerminalWidget* terminal() const;
    QPushButton* openButton() const;
    int sessionCount() const { return int(m_sessions.size()); }

private:
    QStackedWidget* m_stack;
    QHash<QString, TerminalSession*> m_sessions;
};

} // namespace vivarium::gui
