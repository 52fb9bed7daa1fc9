// The Network tab of a sandbox: its tunnels (guest port → http://127.0.0.1:N, one click opens
// the browser, with each tunnel's connections and bytes) and its network log (every tunnel
// connection and egress request, live). Open Tunnel… asks for a guest port; Close Tunnel and
// Copy URL act on the selection. It follows the sandbox on a connection of its own (its
// tunnel.changed and network.request events); nothing blocks the GUI thread. Dialogs and
// the browser go through Hooks, which tests replace.
#pragma once

#include "ApiClient.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QWidget>

#include <functional>
#include <memory>

class QAction;
class QLabel;
class QTableView;

namespace vivarium::gui {

class JsonTableModel;

class NetworkTab : public QWidget {
    Q_OBJECT
public:
    struct Hooks {
        std::function<int()> askPort;                  // 0: cancelled
        std::function<void(const QUrl& url)> openUrl; // the browser
    };
    // The log keeps this many entries (the newest).
    static constexpr int kMaxLogRows = 2000;

    explicit NetworkTab(QWidget* parent = nullptr);
    ~NetworkTab() override;

    void showSandbox(const QJsonObject& sandbox, const Endpoint& endpoint);
    void setHooks(Hooks hooks);

    void openTunnel(int guestPort);
    void openTunnelWithDialog();
    void closeSelectedTunnel();
    void openSelectedInBrowser();
    void copySelectedUrl();

    // For tests and the screenshot mode.
    JsonTableModel* tunnels() const { return m_tunnels; }
    JsonTableModel* log() const { return m_log; }
    QTableView* tunnelsView() const { return m_tunnelsView; }
    QString message() const;

signals:
    void tunnelsLoaded();

private:
    void connectToService();
    void loadAll();
    void onEvent(const QJsonObject& event);
    void showMessage(const QString& text);
    void appendLog(const QJsonObject& entry);
    QJsonObject selectedTunnel() const;
    void updateActions();

    Endpoint m_endpoint;
    QString m_sandboxId;
    std::unique_ptr<ApiClient> m_client;
    JsonTableModel* m_tunnels;
    JsonTableModel* m_log;
    QJsonArray m_logRows;
    QTableView* m_tunnelsView;
    QTableView* m_logView;
    QLabel* m_message;
    QAction* m_open;
    QAction* m_close;
    QAction* m_browse;
    QAction* m_copy;
    Hooks m_hooks;
    qint64 m_logSeq = 0;
};

} // namespace vivarium::gui
