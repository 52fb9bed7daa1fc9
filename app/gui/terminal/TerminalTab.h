// The Terminal tab of a sandbox: an "Open shell" button and a TerminalWidget joined to an
// interactive run (exec with a pty) on the sandbox view's ApiClient. It is the transport
// side: output frames of its channel feed the widget, the widget's input goes to stdin, its
// size to exec.resize. The session lives as long as the client (switching tabs keeps it;
// switching sandboxes replaces the client, which closes the shell's stdin).
#pragma once

#include "ApiClient.h"

#include <QWidget>

class QLabel;
class QPushButton;

namespace vivarium::gui {

class TerminalWidget;

class TerminalTab : public QWidget {
    Q_OBJECT
public:
    explicit TerminalTab(QWidget* parent = nullptr);

    // The connection to use for `sandbox` (null: none). Ends any session's view.
    void setClient(ApiClient* client, const QString& sandbox);
    void openShell();
    bool sessionActive() const { return m_channel != 0 || m_starting; }
    TerminalWidget* terminal() const { return m_terminal; }
    QPushButton* openButton() const { return m_open; }

private:
    void onData(api::DataKind kind, quint32 channel, const QByteArray& bytes);
    void onExited(const QJsonObject& exit);
    void ended(const QString& why);

    ApiClient* m_client = nullptr;
    QString m_sandbox;
    TerminalWidget* m_terminal;
    QPushButton* m_open;
    QLabel* m_status;
    quint32 m_channel = 0;
    bool m_starting = false;
    // Frames may come before the exec result names our channel: hold them until it does.
    QHash<quint32, QByteArray> m_early;
    QHash<quint32, QJsonObject> m_earlyExit;
    QList<QMetaObject::Connection> m_connections;
};

} // namespace vivarium::gui
