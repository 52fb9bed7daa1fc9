#include "TerminalSession.h"

#include "TerminalWidget.h"

#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {
constexpr qsizetype kMaxEarlyBytes = 1 << 20;

QString exitText(const QJsonObject& exit) {
    if (exit.contains("exit_code"))
        return QStringLiteral("exit %1").arg(exit.value("exit_code").toInt());
    if (exit.contains("signal"))
        return QStringLiteral("signal %1").arg(exit.value("signal").toInt());
    return exit.value("error").toString();
}
} // namespace

TerminalSession::TerminalSession(const Endpoint& endpoint, const QString& sandbox, QWidget* parent)
    : QWidget(parent), m_endpoint(endpoint), m_sandbox(sandbox), m_terminal(new TerminalWidget(this)), m_open(new QPushButton(tr("&Open shell"), this)),
      m_status(new QLabel(this)) {
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* bar = new QHBoxLayout;
    bar->addWidget(m_open);
    bar->addWidget(m_status, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_terminal, 1);

    connect(m_open, &QPushButton::clicked, this, &TerminalSession::openShell);
    connect(m_terminal, &TerminalWidget::input, this, [this](const QByteArray& bytes) {
        if (m_client && m_channel && !bytes.isEmpty()) // empty would close stdin
            m_client->sendData(m_channel, bytes);
    });
    connect(m_terminal, &TerminalWidget::resized, this, [this](int rows, int cols) {
        if (m_client && m_channel)
            m_client->request("exec.resize", {{"channel", qint64(m_channel)}, {"rows", rows}, {"cols", cols}},
                              [](Result<QJsonObject>) {});
    });
}

TerminalSession::~TerminalSession() = default;

void TerminalSession::openShell() {
    if (sessionActive())
        return;
    m_starting = true;
    m_early.clear();
    m_earlyExit.clear();
    m_open->setEnabled(false);
    m_terminal->reset();
    if (m_client && m_client->isConnected()) {
        sendExec();
        return;
    }
    // A connection of our own, so the shell outlives whatever the rest of the view follows.
    m_status->setText(tr("Connecting to vivariumd…"));
    m_client = std::make_unique<ApiClient>();
    ApiClient* client = m_client.get();
    connect(client, &ApiClient::data, this, &TerminalSession::onData);
    connect(client, &ApiClient::exited, this, &TerminalSession::onExited);
    connect(client, &ApiClient::ready, this, &TerminalSession::sendExec);
    connect(client, &ApiClient::failed, this, [this](const QString& reason) {
        m_starting = false;
        m_status->setText(tr("Cannot open a shell: %1").arg(reason));
        m_open->setEnabled(true);
    });
    connect(client, &ApiClient::disconnected, this, [this] {
        if (sessionActive())
            ended(tr("connection lost"));
    });
    client->open(m_endpoint);
}

void TerminalSession::sendExec() {
    m_status->setText(tr("Starting a shell…"));
    const QJsonObject body{{"sandbox", m_sandbox},
                           {"argv", QJsonArray{"/bin/sh"}},
                           {"pty", true},
                           {"stdin", true},
                           {"rows", m_terminal->rows()},
                           {"cols", m_terminal->cols()}};
    QPointer<TerminalSession> self(this);
    ApiClient* client = m_client.get();
    client->request("exec", body, [self, client](Result<QJsonObject> r) {
        if (!self || self->m_client.get() != client || !self->m_starting)
            return;
        self->m_starting = false;
        if (!r) {
            self->m_status->setText(tr("Cannot open a shell: %1").arg(r.error().text()));
            self->m_open->setEnabled(true);
            return;
        }
        self->m_channel = quint32(r->value("channel").toInteger());
        self->m_status->setText(tr("Shell running (run %1).").arg(r->value("run").toInteger()));
        self->m_terminal->setFocus();
        // Catch up on what came before we knew our channel; the size may have changed too.
        self->m_terminal->feed(self->m_early.take(self->m_channel));
        self->m_early.clear();
        client->request("exec.resize", {{"channel", qint64(self->m_channel)},
                                        {"rows", self->m_terminal->rows()},
                                        {"cols", self->m_terminal->cols()}},
                        [](Result<QJsonObject>) {});
        if (self->m_earlyExit.contains(self->m_channel))
            self->onExited(self->m_earlyExit.take(self->m_channel));
        self->m_earlyExit.clear();
    });
}

void TerminalSession::onData(api::DataKind kind, quint32 channel, const QByteArray& bytes) {
    if (kind != api::DataKind::Stdout && kind != api::DataKind::Stderr)
        return;
    if (m_channel && channel == m_channel) {
        m_terminal->feed(bytes);
    } else if (m_starting) {
        QByteArray& held = m_early[channel];
        if (held.size() + bytes.size() <= kMaxEarlyBytes)
            held += bytes;
    }
}

void TerminalSession::onExited(const QJsonObject& exit) {
    const quint32 channel = quint32(exit.value("channel").toInteger());
    if (m_starting) {
        m_earlyExit.insert(channel, exit);
        return;
    }
    if (!m_channel || channel != m_channel)
        return;
    ended(exitText(exit));
}

void TerminalSession::ended(const QString& why) {
    m_terminal->feed(("\r\n" + tr("[session ended: %1]").arg(why) + "\r\n").toUtf8());
    m_channel = 0;
    m_starting = false;
    m_status->setText(tr("The shell has ended."));
    m_open->setEnabled(true);
}

} // namespace vivarium::gui
