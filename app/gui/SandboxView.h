// One sandbox, in tabs: Runs (every run, live and recorded, with the selected run's output),
// Details (the sandbox object), Terminal, Files, Network (tunnels and the network log) and
// Snapshots.
// It follows the sandbox's runs on a connection of its own, so
// switching sandboxes replays the new one from the start and stops streaming the old one
// (a connection attaches each run only once, and unsubscribing keeps attached runs going).
#pragma once

#include "ApiClient.h"

#include <QJsonObject>
#include <QWidget>

#include <memory>

class QFormLayout;
class QLabel;
class QSortFilterProxyModel;
class QStackedWidget;
class QTabWidget;
class QTableView;

namespace vivarium::gui {

class FilesTab;
class NetworkTab;
class SnapshotsTab;
class RunOutputView;
class RunsModel;
class TerminalTab;

class SandboxView : public QWidget {
    Q_OBJECT
public:
    explicit SandboxView(QWidget* parent = nullptr);
    ~SandboxView() override;

    void setEndpoint(const Endpoint& endpoint) { m_endpoint = endpoint; }
    // Shows `sandbox`; following its runs starts anew only when the id changes.
    void showSandbox(const QJsonObject& sandbox);
    void clear();
    // After the service connection came back: follow the shown sandbox again.
    void resume();
    // Shows the Terminal tab with a shell (opening one when none runs).
    void showTerminal();
    // A sandbox is gone: drop what is kept for it (its terminal session).
    void forgetSandbox(const QString& id);
    QString sandboxId() const { return m_sandbox.value("id").toString(); }

    // For tests and the screenshot mode.
    RunsModel* runsModel() const { return m_runs; }
    QTableView* runsTable() const { return m_runsTable; }
    RunOutputView* outputView() const { return m_output; }
    QTabWidget* tabs() const { return m_tabs; }
    TerminalTab* terminalTab() const { return m_terminal; }
    FilesTab* filesTab() const { return m_files; }
    NetworkTab* networkTab() const { return m_network; }
    SnapshotsTab* snapshotsTab() const { return m_snapshots; }
    bool selectRun(qint64 run);

signals:
    // Show that sandbox instead (a fork made in the Snapshots tab).
    void openSandbox(const QString& id);

private:
    QWidget* buildRunsTab();
    QWidget* buildDetailsTab();
    void follow(const QString& id);
    void updateDetails();
    void showSelectedRun();
    void onOutput(int row, const QByteArray& bytes);
    void updateOutputHeader();
    int selectedRow() const;

    Endpoint m_endpoint;
    QJsonObject m_sandbox;
    std::unique_ptr<ApiClient> m_client; // the subscription's connection
    RunsModel* m_runs;
    QSortFilterProxyModel* m_runsProxy;
    QStackedWidget* m_stack;
    QTabWidget* m_tabs;
    QTableView* m_runsTable;
    QLabel* m_runsStatus;
    RunOutputView* m_output;
    QFormLayout* m_details;
    QHash<QString, QLabel*> m_detailLabels;
    TerminalTab* m_terminal;
    FilesTab* m_files;
    NetworkTab* m_network;
    SnapshotsTab* m_snapshots;
    qint64 m_shownRun = 0;
};

} // namespace vivarium::gui
