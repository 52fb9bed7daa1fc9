// One sandbox's terminal: an "Open shell" button and a TerminalWidget joined to an
// interactive run (exec with a pty) on a connection of its own. It is the transport side:
// output frames of its channel feed the widget, the widget's input goes to stdin, its size
// to exec.resize. The session lives as long as this object, which TerminalTab keeps while
// the user looks at other tabs or sandboxes; it ends when the shell exits or the
// connection is lost (the widget keeps what it showed).
#pragma once

#include "ApiClient.h"

#include <QWidget>

#include <memory>

class QLabel;
class QPushButton;

namespace vivarium::gui {

class TerminalWidget;

class TerminalSession : public QWidget {
    Q_OBJECT
public:
    TerminalSession(const Endpoint& endpoint, const QString& sandbox, QWidget* parent = nullptr);
    ~TerminalSession() override;

    QString sandbox() const { return m_sandbox; }
    void openShell();
    bool sessionActive() const { return m_channel != 0 || m_starting; }
    TerminalWidget* terminal() const { return m_terminal; }
    QPushButton* openButton() const { return m_open; }

private:
    void onData(api::DataKind kind, quint32 channel, const QByteArray& bytes);
    void onExited(const QJsonObject& exit);
    void ended(const QString& why);

    void sendExec();

    Endpoint m_endpoint;
    std::unique_ptr<ApiClient> m_client;
    QString m_sandbox;
    TerminalWidget* m_terminal;
    QPushButton* m_open;
    QLabel* m_status;
    quint32 m_channel = 0;
    bool m_starting = false;
    // Frames may come before the exec result names our channel: hold them until it does.
    QHash<quint32, QByteArray> m_early;
    QHash<quint32, QJsonObject> m_earlyExit;
};

} // namespace vivarium::gui
