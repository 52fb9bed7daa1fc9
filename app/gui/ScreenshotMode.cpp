#include "ScreenshotMode.h"

#include "MainWindow.h"
#include "RunOutputView.h"
#include "RunsModel.h"
#include "SandboxModel.h"
#include "SandboxView.h"

#include <QTabWidget>
#include <QTableView>

#include <cstdio>

namespace vivarium::gui {

ScreenshotMode::ScreenshotMode(MainWindow* window, QString file, QString tab, QObject* parent)
    : QObject(parent), m_window(window), m_file(std::move(file)), m_tab(std::move(tab)) {
    m_poll.setInterval(200);
    connect(&m_poll, &QTimer::timeout, this, &ScreenshotMode::poll);
}

void ScreenshotMode::start() {
    m_clock.start();
    m_poll.start();
}

void ScreenshotMode::poll() {
    if (m_clock.elapsed() > 60000) {
        std::fprintf(stderr, "vivarium: no sandbox with runs to show within 60 s\n");
        m_poll.stop();
        emit finished(1);
        return;
    }
    SandboxModel* model = m_window->sandboxModel();
    SandboxView* view = m_window->sandboxView();
    if (view->sandboxId().isEmpty() || view->runsModel()->rowCount() == 0) {
        // Prefer a ready sandbox that has runs.
        for (int row = 0; row < model->rowCount(); ++row) {
            const QJsonObject s = model->data(model->index(row, 0), SandboxModel::ObjectRole).toJsonObject();
            if (s.value("state").toString() == "ready" && s.value("runs").toInt() > 0 &&
                view->sandboxId() != s.value("id").toString()) {
                m_window->selectSandbox(s.value("id").toString());
                break;
            }
        }
        return;
    }
    RunsModel* runs = view->runsModel();
    if (view->runsTable()->selectionModel()->selectedRows().isEmpty())
        view->selectRun(runs->runAt(runs->rowCount() - 1));
    if (view->outputView()->text().isEmpty())
        return;
    if (!m_tab.isEmpty()) {
        // A sandbox tab (runs, terminal, snapshots, …) or a page of the window (pools, …).
        for (QTabWidget* tabs : {view->tabs(), m_window->pages()})
            for (int i = 0; i < tabs->count(); ++i)
                if (tabs->tabText(i).remove('&').compare(m_tab, Qt::CaseInsensitive) == 0)
                    tabs->setCurrentIndex(i);
    }
    // A few quiet polls so the last output and the uptimes have been painted.
    if (++m_settled < 5)
        return;
    m_poll.stop();
    const bool ok = m_window->grab().save(m_file, "PNG");
    if (!ok)
        std::fprintf(stderr, "vivarium: cannot write %s\n", qPrintable(m_file));
    emit finished(ok ? 0 : 1);
}

} // namespace vivarium::gui
