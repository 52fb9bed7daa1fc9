#include "TerminalTab.h"

#include "TerminalSession.h"

#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace vivarium::gui {

TerminalTab::TerminalTab(QWidget* parent) : QWidget(parent), m_stack(new QStackedWidget(this)) {
    auto* none = new QLabel(tr("Select a sandbox to open a shell in it."), this);
    none->setAlignment(Qt::AlignCenter);
    none->setEnabled(false);
    m_stack->addWidget(none);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_stack);
}

void TerminalTab::showSandbox(const Endpoint& endpoint, const QString& sandbox) {
    if (sandbox.isEmpty()) {
        m_stack->setCurrentIndex(0);
        return;
    }
    TerminalSession*& session = m_sessions[sandbox];
    if (!session) {
        session = new TerminalSession(endpoint, sandbox, m_stack);
        m_stack->addWidget(session);
    }
    m_stack->setCurrentWidget(session);
}

void TerminalTab::forget(const QString& sandbox) {
    if (TerminalSession* session = m_sessions.take(sandbox)) {
        m_stack->removeWidget(session);
        session->deleteLater();
    }
}

TerminalSession* TerminalTab::current() const {
    return qobject_cast<TerminalSession*>(m_stack->currentWidget());
}

void TerminalTab::openShell() {
    if (TerminalSession* s = current())
        s->openShell();
}

bool TerminalTab::sessionActive() const { return current() && current()->sessionActive(); }
TerminalWidget* TerminalTab::terminal() const { return current() ? current()->terminal() : nullptr; }
QPushButton* TerminalTab::openButton() const { return current() ? current()->openButton() : nullptr; }

} // namespace vivarium::gui
