// The Snapshots tab of a sandbox: its snapshots (name, when, with memory or not, size), live
// (snapshot.changed). Take Snapshot… asks for a name and whether to include the memory (only
// while it runs); Restore puts a stopped sandbox back to the selected snapshot after a
// confirmation (disabled, with the reason as tooltip, while it runs); Fork makes a new sandbox
// from it and asks to show that one; Delete removes it after a confirmation. It talks to the
// service on a connection of its own; nothing blocks the GUI thread. Dialogs go through
// Hooks, which tests replace.
#pragma once

#include "ApiClient.h"

#include <QJsonObject>
#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QAction;
class QLabel;
class QTableView;

namespace vivarium::gui {

class JsonTableModel;

class SnapshotsTab : public QWidget {
    Q_OBJECT
public:
    struct NewSnapshot {
        QString name;
        bool memory = false;
    };
    struct Hooks {
        // `canSaveMemory`: the sandbox runs. nullopt: cancelled.
        std::function<std::optional<NewSnapshot>(bool canSaveMemory)> askSnapshot;
        std::function<bool(const QString& title, const QString& question)> confirm;
    };

    explicit SnapshotsTab(QWidget* parent = nullptr);
    ~SnapshotsTab() override;

    // Called with every update of the shown sandbox (its state enables Restore).
    void showSandbox(const QJsonObject& sandbox, const Endpoint& endpoint);
    void setHooks(Hooks hooks);

    void takeSnapshot(const QString& name, bool memory);
    void takeSnapshotWithDialog();
    void restoreSelected();
    void forkSelected();
    void removeSelected();

    // For tests.
    JsonTableModel* snapshots() const { return m_model; }
    QTableView* view() const { return m_view; }
    QAction* takeAction() const { return m_take; }
    QAction* restoreAction() const { return m_restore; }
    QAction* forkAction() const { return m_fork; }
    QAction* removeAction() const { return m_remove; }
    QString message() const;

signals:
    void snapshotsLoaded();
    // A fork was made: the window shows it.
    void openSandbox(const QString& id);

private:
    // Sends a request that holds Take/Restore/Fork until it is answered, with `progress` in the
    // status line; `then` runs only while the same sandbox is still shown.
    void busyRequest(const QString& method, const QJsonObject& params, const QString& progress,
                     std::function<void(Result<QJsonObject>)> then);
    void connectToService();
    void load();
    void onEvent(const QJsonObject& event);
    void showMessage(const QString& text);
    QString selectedName() const;
    void updateActions();

    Endpoint m_endpoint;
    QString m_sandboxId;
    QString m_state;
    std::unique_ptr<ApiClient> m_client;
    JsonTableModel* m_model;
    QTableView* m_view;
    QLabel* m_message;
    QAction* m_take;
    QAction* m_restore;
    QAction* m_fork;
    QAction* m_remove;
    Hooks m_hooks;
    int m_busy = 0; // requests in flight (Take/Restore/Fork wait for them)
};

} // namespace vivarium::gui
