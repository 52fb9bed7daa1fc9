// The main window: the sandboxes a user can see (a live table with a filter), the actions
// on them, the selected sandbox's runs and details, and a status bar with the connection
// and the accelerator. It is a client of vivariumd's API like `viv`: every change it shows
// comes from a reply or an event, never from its own guess about what an action did.
#pragma once

#include "ApiClient.h"
#include "Result.h"

#include <QJsonArray>
#include <QMainWindow>

class QAction;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTabWidget;
class QTimer;
class QTableView;

namespace vivarium {
class ServiceConnector;
}

namespace vivarium::gui {

class Appearance;
class CatalogPage;
class CredentialsPage;
class PoolsPage;
class SandboxModel;
class SandboxView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    void connectToService();
    // Where to find vivariumd when it must be started (default: next to this program).
    void setServiceDir(const QString& dir);

    // For tests and the screenshot mode.
    SandboxModel* sandboxModel() const { return m_model; }
    QSortFilterProxyModel* sandboxProxy() const { return m_proxy; }
    QTableView* sandboxTable() const { return m_table; }
    SandboxView* sandboxView() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    QTabWidget* pages() const { return m_pages; }
    CatalogPage* templatesPage() const { return m_templatesPage; }
    CatalogPage* imagesPage() const { return m_imagesPage; }
    CredentialsPage* credentialsPage() const { return m_credentialsPage; }
    PoolsPage* poolsPage() const { return m_poolsPage; }
    Appearance* appearance() const { return m_appearance; }
    QAction* openTerminalAction() const { return m_terminalAction; }
    // Whether a lost connection is being retried on its own.
    bool isReconnecting() const;
    QString connectionText() const;
    QString acceleratorText() const;
    bool isConnected() const { return m_client->isConnected(); }
    bool selectSandbox(const QString& id);

private:
    void buildActions();
    void buildUi();
    void onConnected();
    void onEvent(const QJsonObject& event);
    void setAccelerator(const QString& accelerator, const QString& reason);
    void setConnectionText(const QString& text, bool problem = false);
    void showError(const QString& summary, const Error& error);
    void updateActions();
    void showCurrentSandbox();
    QStringList selectedIds() const;
    void newSandbox(const QString& templateName = {});
    void onDisconnected();
    void scheduleReconnect();
    void openTerminal();
    void applyToSelection(const QString& request, const QString& verb);
    void deleteSelection();

    ApiClient* m_client;
    ServiceConnector* m_connector;
    SandboxModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table = nullptr;
    QTabWidget* m_pages = nullptr;
    CatalogPage* m_templatesPage = nullptr;
    CatalogPage* m_imagesPage = nullptr;
    CredentialsPage* m_credentialsPage = nullptr;
    PoolsPage* m_poolsPage = nullptr;
    Appearance* m_appearance = nullptr;
    QTimer* m_reconnectTimer = nullptr;
    int m_reconnectDelayMs = 0;        // the next retry's delay; grows while the service is away
    SandboxView* m_view = nullptr;
    QLineEdit* m_filter = nullptr;
    QLabel* m_connection = nullptr;
    QLabel* m_accelerator = nullptr;
    QJsonArray m_templates;

    QAction* m_newAction = nullptr;
    QAction* m_startAction = nullptr;
    QAction* m_stopAction = nullptr;
    QAction* m_pauseAction = nullptr;
    QAction* m_resumeAction = nullptr;
    QAction* m_hibernateAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QAction* m_reconnectAction = nullptr;
    QAction* m_findAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_terminalAction = nullptr;
};

} // namespace vivarium::gui
