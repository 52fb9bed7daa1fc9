#include "SnapshotsTab.h"

#include "JsonTableModel.h"

#include <QAction>
#include <QCheckBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {

bool running(const QString& state) {
    return state == "ready" || state == "paused";
}
bool restorable(const QString& state) {
    return state == "stopped" || state == "error" || state == "hibernated";
}

} // namespace

SnapshotsTab::SnapshotsTab(QWidget* parent) : QWidget(parent) {
    m_model = new JsonTableModel(
        "name",
        {{tr("Name"), [](const QJsonObject& s) { return s.value("name").toString(); }},
         {tr("Created"),
          [](const QJsonObject& s) {
              return QDateTime::fromString(s.value("created").toString(), Qt::ISODateWithMs)
                  .toLocalTime()
                  .toString("yyyy-MM-dd HH:mm:ss");
          }},
         {tr("Memory"),
          [](const QJsonObject& s) { return s.value("memory").toBool() ? tr("yes") : tr("no"); }},
         {tr("Size"),
          [](const QJsonObject& s) {
              return JsonTableModel::formatBytes(s.value("size_bytes").toDouble());
          },
          [](const QJsonObject& s) { return s.value("size_bytes").toDouble(); },
          Qt::AlignRight | Qt::AlignVCenter},
         {tr("Taken while"), [](const QJsonObject& s) { return s.value("state").toString(); }}},
        this);

    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_take = toolbar->addAction(QIcon::fromTheme("camera-photo"), tr("&Take Snapshot…"), this,
                                &SnapshotsTab::takeSnapshotWithDialog);
    m_restore = toolbar->addAction(QIcon::fromTheme("document-revert"), tr("&Restore"), this,
                                   &SnapshotsTab::restoreSelected);
    m_fork = toolbar->addAction(QIcon::fromTheme("edit-copy"), tr("&Fork"), this,
                                &SnapshotsTab::forkSelected);
    m_remove = toolbar->addAction(QIcon::fromTheme("edit-delete"), tr("&Delete"), this,
                                  &SnapshotsTab::removeSelected);

    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->hide();

    m_view = new QTableView(this);
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->setAccessibleName(tr("Snapshots"));
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &SnapshotsTab::updateActions);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(toolbar);
    layout->addWidget(m_message);
    layout->addWidget(m_view, 1);

    m_hooks.askSnapshot = [this](bool canSaveMemory) -> std::optional<NewSnapshot> {
        QDialog dialog(this);
        dialog.setWindowTitle(tr("Take Snapshot"));
        auto* name = new QLineEdit(&dialog);
        name->setValidator(new QRegularExpressionValidator(
            QRegularExpression("[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}"), name));
        name->setText(QDateTime::currentDateTime().toString("'snap-'yyyyMMdd-HHmmss"));
        auto* memory = new QCheckBox(tr("Include &memory (running processes)"), &dialog);
        memory->setEnabled(canSaveMemory);
        memory->setChecked(canSaveMemory);
        if (!canSaveMemory)
            memory->setToolTip(tr("The sandbox is not running: there is no memory to save."));
        auto* buttons =
            new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
        connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
        connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
        connect(name, &QLineEdit::textChanged, &dialog, [buttons, name] {
            buttons->button(QDialogButtonBox::Ok)->setEnabled(!name->text().isEmpty());
        });
        auto* form = new QFormLayout(&dialog);
        form->addRow(tr("&Name:"), name);
        form->addRow(memory);
        form->addRow(buttons);
        if (dialog.exec() != QDialog::Accepted)
            return std::nullopt;
        return NewSnapshot{name->text(), memory->isChecked()};
    };
    m_hooks.confirm = [this](const QString& title, const QString& question) {
        return QMessageBox::question(this, title, question) == QMessageBox::Yes;
    };
    updateActions();
}

SnapshotsTab::~SnapshotsTab() = default;

void SnapshotsTab::setHooks(Hooks hooks) {
    if (hooks.askSnapshot)
        m_hooks.askSnapshot = std::move(hooks.askSnapshot);
    if (hooks.confirm)
        m_hooks.confirm = std::move(hooks.confirm);
}

void SnapshotsTab::showSandbox(const QJsonObject& sandbox, const Endpoint& endpoint) {
    const QString id = sandbox.value("id").toString();
    const bool sameService = endpoint.url == m_endpoint.url && endpoint.token == m_endpoint.token;
    m_endpoint = endpoint;
    m_state = sandbox.value("state").toString();
    if (id == m_sandboxId && sameService && m_client) {
        updateActions();
        return;
    }
    m_sandboxId = id;
    m_model->setObjects({});
    m_message->hide();
    // Later, not now: this may run inside one of its replies (a fork opening the new sandbox).
    if (m_client) {
        m_client->disconnect(this);
        m_client.release()->deleteLater();
    }
    m_busy = 0;
    updateActions();
    if (!id.isEmpty())
        connectToService();
}

void SnapshotsTab::connectToService() {
    m_client = std::make_unique<ApiClient>();
    ApiClient* c = m_client.get();
    connect(c, &ApiClient::ready, this, &SnapshotsTab::load);
    connect(c, &ApiClient::event, this, &SnapshotsTab::onEvent);
    connect(c, &ApiClient::failed, this, [this](const QString& reason) {
        showMessage(tr("Cannot reach vivariumd: %1").arg(reason));
    });
    connect(c, &ApiClient::disconnected, this, [this] {
        showMessage(tr("The connection to vivariumd was lost; this tab is no longer updated."));
        m_client.release()->deleteLater();
        updateActions();
    });
    c->open(m_endpoint);
}

void SnapshotsTab::load() {
    const QString id = m_sandboxId;
    m_client->request("snapshot.list", {{"sandbox", id}}, [this, id](Result<QJsonObject> r) {
        if (id != m_sandboxId)
            return;
        if (!r)
            return showMessage(tr("Cannot list the snapshots: %1").arg(r.error().text()));
        m_model->setObjects(r->value("snapshots").toArray());
        updateActions();
        emit snapshotsLoaded();
    });
}

void SnapshotsTab::onEvent(const QJsonObject& e) {
    if (e.value("event").toString() != "snapshot.changed" ||
        e.value("sandbox").toString() != m_sandboxId)
        return;
    m_model->setObjects(e.value("snapshots").toArray());
    updateActions();
}

void SnapshotsTab::takeSnapshotWithDialog() {
    if (const auto s = m_hooks.askSnapshot(running(m_state)))
        takeSnapshot(s->name, s->memory);
}

void SnapshotsTab::takeSnapshot(const QString& name, bool memory) {
    if (!m_client || !m_client->isConnected())
        return showMessage(tr("Not connected to vivariumd."));
    busyRequest("snapshot.create", {{"sandbox", m_sandboxId}, {"name", name}, {"memory", memory}},
                memory ? tr("Taking snapshot %1 (disk and memory)…").arg(name)
                       : tr("Taking snapshot %1…").arg(name),
                [this, name](Result<QJsonObject> r) {
                    if (!r)
                        return showMessage(
                            tr("Cannot take snapshot %1: %2").arg(name, r.error().text()));
                    showMessage(tr("Snapshot %1 taken.").arg(name));
                    const int row = m_model->rowOf(name);
                    if (row >= 0)
                        m_view->selectRow(row);
                });
}

void SnapshotsTab::restoreSelected() {
    const QString name = selectedName();
    if (name.isEmpty() || !m_client || !restorable(m_state))
        return;
    const QJsonObject snap = m_model->object(m_model->rowOf(name));
    const QString question =
        snap.value("memory").toBool()
            ? tr("Put sandbox %1 back to snapshot %2? Its disk is replaced by the snapshot's and "
                 "it runs again with the snapshot's processes. Changes since are lost.")
                  .arg(m_sandboxId, name)
            : tr("Put sandbox %1 back to snapshot %2? Its disk is replaced by the snapshot's; "
                 "changes since are lost.")
                  .arg(m_sandboxId, name);
    if (!m_hooks.confirm(tr("Restore Snapshot"), question))
        return;
    busyRequest("snapshot.restore", {{"sandbox", m_sandboxId}, {"name", name}},
                tr("Restoring snapshot %1…").arg(name), [this, name](Result<QJsonObject> r) {
                    if (!r)
                        return showMessage(
                            tr("Cannot restore snapshot %1: %2").arg(name, r.error().text()));
                    showMessage(tr("Snapshot %1 restored.").arg(name));
                });
}

void SnapshotsTab::forkSelected() {
    const QString name = selectedName();
    if (name.isEmpty() || !m_client)
        return;
    busyRequest("sandbox.fork", {{"sandbox", m_sandboxId}, {"snapshot", name}},
                tr("Forking a new sandbox from snapshot %1…").arg(name),
                [this, name](Result<QJsonObject> r) {
                    if (!r)
                        return showMessage(
                            tr("Cannot fork snapshot %1: %2").arg(name, r.error().text()));
                    const QJsonObject s = r->value("sandbox").toObject();
                    showMessage(r->value("memory_restored").toBool()
                                    ? tr("Forked %1 from snapshot %2, with its processes.")
                                          .arg(s.value("name").toString(), name)
                                    : tr("Forked %1 from snapshot %2 (booted from its disk).")
                                          .arg(s.value("name").toString(), name));
                    emit openSandbox(s.value("id").toString());
                });
}

void SnapshotsTab::busyRequest(const QString& method, const QJsonObject& params,
                               const QString& progress,
                               std::function<void(Result<QJsonObject>)> then) {
    ++m_busy;
    showMessage(progress);
    updateActions();
    m_client->request(method, params,
                      [this, id = m_sandboxId, then = std::move(then)](Result<QJsonObject> r) {
                          if (id != m_sandboxId)
                              return;
                          --m_busy;
                          updateActions();
                          then(std::move(r));
                      });
}

void SnapshotsTab::removeSelected() {
    const QString name = selectedName();
    if (name.isEmpty() || !m_client)
        return;
    if (!m_hooks.confirm(tr("Delete Snapshot"),
                         tr("Delete snapshot %1 of sandbox %2? Forks made from it are not "
                            "affected.")
                             .arg(name, m_sandboxId)))
        return;
    m_client->request("snapshot.remove", {{"sandbox", m_sandboxId}, {"name", name}},
                      [this, name](Result<QJsonObject> r) {
                          if (!r)
                              showMessage(
                                  tr("Cannot delete snapshot %1: %2").arg(name, r.error().text()));
                      });
}

QString SnapshotsTab::selectedName() const {
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString()
                          : m_model->object(rows.first().row()).value("name").toString();
}

void SnapshotsTab::updateActions() {
    const bool connected = m_client && !m_sandboxId.isEmpty();
    const bool selected = !selectedName().isEmpty();
    const bool idle = m_busy == 0;
    m_take->setEnabled(connected && idle &&
                       (running(m_state) || m_state == "stopped" || m_state == "hibernated"));
    m_fork->setEnabled(connected && selected && idle);
    m_remove->setEnabled(connected && selected);
    m_restore->setEnabled(connected && selected && idle && restorable(m_state));
    m_restore->setToolTip(running(m_state)
                              ? tr("Stop the sandbox first: a running sandbox cannot be restored.")
                          : !selected ? tr("Select a snapshot to restore.")
                                      : tr("Put the sandbox back to the selected snapshot."));
}

void SnapshotsTab::showMessage(const QString& text) {
    m_message->setText(text);
    m_message->show();
}

QString SnapshotsTab::message() const {
    return m_message->isVisible() ? m_message->text() : QString();
}

} // namespace vivarium::gui
