#include "NetworkTab.h"

#include "JsonTableModel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDesktopServices>
#include <QHeaderView>
#include <QInputDialog>
#include <QJsonArray>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {

constexpr int kUrlColumn = 1;

// The URL column drawn as a link: one click opens it (NetworkTab handles the click).
class LinkDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        option->font.setUnderline(true);
        option->palette.setColor(QPalette::Text, option->palette.color(QPalette::Link));
    }
};

QString what(const QJsonObject& e) {
    if (e.value("kind") == "tunnel")
        return NetworkTab::tr("%1 → guest port %2")
            .arg(e.value("host").toString())
            .arg(e.value("port").toInt());
    QString text = e.value("method").toString() + " " + e.value("host").toString();
    if (e.value("port").toInt() && e.value("kind") == "connect")
        text += ":" + QString::number(e.value("port").toInt());
    text += e.value("path").toString();
    if (e.contains("route"))
        text = NetworkTab::tr("%1 (route %2)").arg(text, e.value("route").toString());
    return text.trimmed();
}

} // namespace

NetworkTab::NetworkTab(QWidget* parent) : QWidget(parent) {
    m_tunnels = new JsonTableModel(
        "url",
        {{tr("Guest port"), [](const QJsonObject& t) { return QString::number(t.value("guest_port").toInt()); },
          [](const QJsonObject& t) { return t.value("guest_port").toInt(); }, Qt::AlignRight | Qt::AlignVCenter},
         {tr("URL"), [](const QJsonObject& t) { return t.value("url").toString(); }},
         {tr("State"),
          [](const QJsonObject& t) {
              const QString s = t.value("state").toString();
              QString text = s == "open" ? tr("open") : tr("waits for the sandbox to run");
              if (t.contains("error"))
                  text += " — " + t.value("error").toString();
              return text;
          }},
         {tr("Connections"),
          [](const QJsonObject& t) {
              return tr("%1 (%2 open)").arg(t.value("connections").toInteger()).arg(t.value("open").toInt());
          },
          [](const QJsonObject& t) { return t.value("connections").toInteger(); }, Qt::AlignRight | Qt::AlignVCenter},
         {tr("In"), [](const QJsonObject& t) { return JsonTableModel::formatBytes(t.value("bytes_in").toDouble()); },
          [](const QJsonObject& t) { return t.value("bytes_in").toDouble(); }, Qt::AlignRight | Qt::AlignVCenter},
         {tr("Out"), [](const QJsonObject& t) { return JsonTableModel::formatBytes(t.value("bytes_out").toDouble()); },
          [](const QJsonObject& t) { return t.value("bytes_out").toDouble(); }, Qt::AlignRight | Qt::AlignVCenter}},
        this);
    m_log = new JsonTableModel(
        "seq",
        {{tr("Time"),
          [](const QJsonObject& e) {
              return QDateTime::fromString(e.value("time").toString(), Qt::ISODateWithMs)
                  .toLocalTime()
                  .toString("HH:mm:ss.zzz");
          }},
         {tr("Kind"), [](const QJsonObject& e) { return e.value("kind").toString(); }},
         {tr("Request"), [](const QJsonObject& e) { return what(e); }},
         {tr("Status"),
          [](const QJsonObject& e) {
              if (e.contains("error"))
                  return e.value("error").toString();
              return e.value("status").toInt() ? QString::number(e.value("status").toInt()) : tr("ok");
          }},
         {tr("Up"), [](const QJsonObject& e) { return JsonTableModel::formatBytes(e.value("bytes_up").toDouble()); },
          [](const QJsonObject& e) { return e.value("bytes_up").toDouble(); }, Qt::AlignRight | Qt::AlignVCenter},
         {tr("Down"), [](const QJsonObject& e) { return JsonTableModel::formatBytes(e.value("bytes_down").toDouble()); },
          [](const QJsonObject& e) { return e.value("bytes_down").toDouble(); }, Qt::AlignRight | Qt::AlignVCenter}},
        this);

    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_open = toolbar->addAction(QIcon::fromTheme("list-add"), tr("Open &Tunnel…"), this,
                                &NetworkTab::openTunnelWithDialog);
    m_browse = toolbar->addAction(QIcon::fromTheme("internet-web-browser"), tr("Open in &Browser"),
                                  this, &NetworkTab::openSelectedInBrowser);
    m_copy = toolbar->addAction(QIcon::fromTheme("edit-copy"), tr("Copy &URL"), this,
                                &NetworkTab::copySelectedUrl);
    m_close = toolbar->addAction(QIcon::fromTheme("list-remove"), tr("&Close Tunnel"), this,
                                 &NetworkTab::closeSelectedTunnel);

    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->hide();

    m_tunnelsView = new QTableView(this);
    m_tunnelsView->setModel(m_tunnels);
    m_tunnelsView->setItemDelegateForColumn(kUrlColumn, new LinkDelegate(m_tunnelsView));
    m_tunnelsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_tunnelsView->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tunnelsView->verticalHeader()->hide();
    m_tunnelsView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_tunnelsView->horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
    m_tunnelsView->setWordWrap(false);
    m_tunnelsView->setShowGrid(false);
    m_tunnelsView->setToolTip(tr("Click a URL to open it in your browser"));
    connect(m_tunnelsView, &QTableView::clicked, this, [this](const QModelIndex& index) {
        if (index.column() == kUrlColumn)
            openSelectedInBrowser();
    });
    connect(m_tunnelsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &NetworkTab::updateActions);

    m_logView = new QTableView(this);
    m_logView->setModel(m_log);
    m_logView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_logView->verticalHeader()->hide();
    // Whole requests; the status (a whole error, "… Connection refused") takes the room left.
    m_logView->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_logView->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
    m_logView->setShowGrid(false);
    m_logView->setWordWrap(false);

    auto* tunnelsBox = new QWidget(this);
    auto* tl = new QVBoxLayout(tunnelsBox);
    tl->setContentsMargins(0, 0, 0, 0);
    tl->addWidget(new QLabel(tr("<b>Tunnels</b> — guest ports reachable from this computer"), this));
    tl->addWidget(m_tunnelsView);
    auto* logBox = new QWidget(this);
    auto* ll = new QVBoxLayout(logBox);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addWidget(new QLabel(tr("<b>Network log</b> — tunnel connections and outgoing requests"), this));
    ll->addWidget(m_logView);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(tunnelsBox);
    split->addWidget(logBox);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(toolbar);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);

    m_hooks.askPort = [this]() -> int {
        bool ok = false;
        const int port = QInputDialog::getInt(this, tr("Open Tunnel"),
                                              tr("Guest port to reach from this computer:"), 8000,
                                              1, 65535, 1, &ok);
        return ok ? port : 0;
    };
    m_hooks.openUrl = [](const QUrl& url) { QDesktopServices::openUrl(url); };
    updateActions();
}

NetworkTab::~NetworkTab() = default;

void NetworkTab::setHooks(Hooks hooks) {
    if (hooks.askPort)
        m_hooks.askPort = std::move(hooks.askPort);
    if (hooks.openUrl)
        m_hooks.openUrl = std::move(hooks.openUrl);
}

void NetworkTab::showSandbox(const QJsonObject& sandbox, const Endpoint& endpoint) {
    const QString id = sandbox.value("id").toString();
    const bool sameService = endpoint.url == m_endpoint.url && endpoint.token == m_endpoint.token;
    m_endpoint = endpoint;
    if (id == m_sandboxId && sameService && m_client)
        return;
    m_sandboxId = id;
    m_tunnels->setObjects({});
    m_logRows = {};
    m_log->setObjects({});
    m_message->hide();
    m_client.reset();
    updateActions();
    if (!id.isEmpty())
        connectToService();
}

void NetworkTab::connectToService() {
    m_client = std::make_unique<ApiClient>();
    ApiClient* c = m_client.get();
    connect(c, &ApiClient::ready, this, &NetworkTab::loadAll);
    connect(c, &ApiClient::event, this, &NetworkTab::onEvent);
    connect(c, &ApiClient::failed, this, [this](const QString& reason) {
        showMessage(tr("Cannot reach vivariumd: %1").arg(reason));
    });
    connect(c, &ApiClient::disconnected, this, [this] {
        showMessage(tr("The connection to vivariumd was lost; this tab is no longer updated."));
        m_client.release()->deleteLater();
    });
    c->open(m_endpoint);
}

void NetworkTab::loadAll() {
    const QString id = m_sandboxId;
    m_client->request("tunnel.list", {{"sandbox", id}}, [this, id](Result<QJsonObject> r) {
        if (id != m_sandboxId)
            return;
        if (!r) {
            showMessage(tr("Cannot list the tunnels: %1").arg(r.error().text()));
            return;
        }
        m_tunnels->setObjects(r->value("tunnels").toArray());
        updateActions();
        emit tunnelsLoaded();
    });
    m_client->request("network.log", {{"sandbox", id}, {"limit", kMaxLogRows}},
                      [this, id](Result<QJsonObject> r) {
                          if (id != m_sandboxId || !r)
                              return;
                          for (const QJsonValue& v : r->value("entries").toArray())
                              appendLog(v.toObject());
                      });
}

void NetworkTab::onEvent(const QJsonObject& e) {
    if (e.value("sandbox").toString() != m_sandboxId)
        return;
    const QString name = e.value("event").toString();
    if (name == "tunnel.changed") {
        m_tunnels->setObjects(e.value("tunnels").toArray());
        updateActions();
    } else if (name == "network.request") {
        appendLog(e.value("entry").toObject());
    }
}

void NetworkTab::appendLog(const QJsonObject& entry) {
    QJsonObject row = entry;
    row["seq"] = QString::number(++m_logSeq);
    m_logRows.append(row);
    while (m_logRows.size() > kMaxLogRows)
        m_logRows.removeFirst();
    m_log->setObjects(m_logRows);
    m_logView->scrollToBottom();
}

void NetworkTab::openTunnelWithDialog() {
    if (const int port = m_hooks.askPort(); port > 0)
        openTunnel(port);
}

void NetworkTab::openTunnel(int guestPort) {
    if (!m_client || !m_client->isConnected())
        return showMessage(tr("Not connected to vivariumd."));
    m_client->request("tunnel.open", {{"sandbox", m_sandboxId}, {"port", guestPort}},
                      [this, guestPort](Result<QJsonObject> r) {
                          if (!r)
                              return showMessage(tr("Cannot open a tunnel to port %1: %2")
                                                     .arg(guestPort)
                                                     .arg(r.error().text()));
                          m_message->hide();
                          const int row = m_tunnels->rowOf(r->value("tunnel").toObject().value("url").toString());
                          if (row >= 0)
                              m_tunnelsView->selectRow(row);
                      });
}

void NetworkTab::closeSelectedTunnel() {
    const QJsonObject t = selectedTunnel();
    if (t.isEmpty() || !m_client)
        return;
    const int port = t.value("guest_port").toInt();
    m_client->request("tunnel.close", {{"sandbox", m_sandboxId}, {"port", port}},
                      [this, port](Result<QJsonObject> r) {
                          if (!r)
                              showMessage(tr("Cannot close the tunnel to port %1: %2")
                                              .arg(port)
                                              .arg(r.error().text()));
                      });
}

void NetworkTab::openSelectedInBrowser() {
    const QJsonObject t = selectedTunnel();
    if (!t.isEmpty())
        m_hooks.openUrl(QUrl(t.value("url").toString()));
}

void NetworkTab::copySelectedUrl() {
    const QJsonObject t = selectedTunnel();
    if (!t.isEmpty())
        QApplication::clipboard()->setText(t.value("url").toString());
}

QJsonObject NetworkTab::selectedTunnel() const {
    const QModelIndexList rows = m_tunnelsView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QJsonObject() : m_tunnels->object(rows.first().row());
}

void NetworkTab::updateActions() {
    const bool selected = !selectedTunnel().isEmpty();
    m_open->setEnabled(!m_sandboxId.isEmpty());
    m_close->setEnabled(selected);
    m_browse->setEnabled(selected);
    m_copy->setEnabled(selected);
}

void NetworkTab::showMessage(const QString& text) {
    m_message->setText(text);
    m_message->show();
}

QString NetworkTab::message() const { return m_message->isVisible() ? m_message->text() : QString(); }

} // namespace vivarium::gui
