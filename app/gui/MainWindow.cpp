#include "MainWindow.h"

#include "Appearance.h"
#include "CatalogPage.h"
#include "CredentialsPage.h"
#include "PoolsPage.h"
#include "NewSandboxDialog.h"
#include "SandboxModel.h"
#include "SandboxView.h"
#include "ServiceConnector.h"
#include "SparklineDelegate.h"
#include "StateBadgeDelegate.h"

#include <QAction>
#include <QApplication>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QActionGroup>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {
const QStringList kStartable{"stopped", "error", "hibernated"};
const QStringList kStoppable{"booting", "ready", "error", "paused", "hibernated"};
const QStringList kPausable{"ready"};
const QStringList kResumable{"paused", "hibernated"};
const QStringList kHibernatable{"ready", "paused"};
// The states in which each request is legal (as SandboxState's table says).
const QStringList& legalStates(const QString& request) {
    if (request == "sandbox.start") return kStartable;
    if (request == "sandbox.pause") return kPausable;
    if (request == "sandbox.resume") return kResumable;
    if (request == "sandbox.hibernate") return kHibernatable;
    return kStoppable;
}
const QStringList kUnremovable{"creating", "removing"};
const QStringList kShellable{"ready", "running"};
// Retries after a lost connection: soon at first (a restart takes a second), then calmer.
constexpr int kFirstRetryMs = 250;
constexpr int kMaxRetryMs = 5000;
} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_client(new ApiClient(this)),
      m_connector(new ServiceConnector(m_client, this)), m_model(new SandboxModel(this)),
      m_proxy(new QSortFilterProxyModel(this)), m_appearance(new Appearance(this)),
      m_reconnectTimer(new QTimer(this)) {
    setWindowTitle(tr("Vivarium"));
    m_reconnectTimer->setSingleShot(true);
    connect(m_reconnectTimer, &QTimer::timeout, this, &MainWindow::connectToService);
    buildActions();
    buildUi();

    connect(m_connector, &ServiceConnector::connected, this, &MainWindow::onConnected);
    connect(m_connector, &ServiceConnector::startingService, this, [this] {
        setConnectionText(tr("Starting vivariumd…"));
    });
    connect(m_connector, &ServiceConnector::failed, this, [this](const Error& e) {
        m_reconnectAction->setEnabled(true);
        if (m_reconnectDelayMs > 0 && e.code != "unauthorized") {
            // The service went away while we were connected: keep trying on our own,
            // quietly, while the list keeps showing what it last knew.
            setConnectionText(tr("Lost the connection to vivariumd: %1. Retrying…").arg(e.message), true);
            scheduleReconnect();
            return;
        }
        setConnectionText(tr("Not connected: %1").arg(e.message), true);
        showError(tr("Cannot connect to vivariumd."), e);
    });
    connect(m_client, &ApiClient::disconnected, this, &MainWindow::onDisconnected);
    connect(m_client, &ApiClient::event, this, &MainWindow::onEvent);
    connect(m_model, &SandboxModel::sandboxChanged, this, [this](const QString& id) {
        if (id == m_view->sandboxId())
            m_view->showSandbox(m_model->sandbox(id));
        updateActions();
    });
    connect(m_model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this](const QModelIndex&, int first, int last) {
                for (int row = first; row <= last; ++row)
                    m_view->forgetSandbox(m_model->index(row, 0).data(SandboxModel::IdRole).toString());
            });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] {
        if (m_model->rowOf(m_view->sandboxId()) < 0)
            m_view->clear();
        updateActions();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_view->clear();
        updateActions();
    });
    updateActions();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions() {
    m_newAction = new QAction(QIcon::fromTheme("list-add"), tr("&New Sandbox…"), this);
    m_newAction->setShortcut(QKeySequence::New);
    m_newAction->setToolTip(tr("Create a sandbox (%1)").arg(QKeySequence(QKeySequence::New).toString(QKeySequence::NativeText)));
    connect(m_newAction, &QAction::triggered, this, [this] { newSandbox(); });

    m_startAction = new QAction(QIcon::fromTheme("media-playback-start"), tr("&Start"), this);
    m_startAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_startAction->setToolTip(tr("Start the selected sandboxes (Ctrl+R)"));
    connect(m_startAction, &QAction::triggered, this,
            [this] { applyToSelection("sandbox.start", tr("start")); });

    m_stopAction = new QAction(QIcon::fromTheme("media-playback-stop"), tr("S&top"), this);
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    m_stopAction->setToolTip(tr("Stop the selected sandboxes (Ctrl+.)"));
    connect(m_stopAction, &QAction::triggered, this,
            [this] { applyToSelection("sandbox.stop", tr("stop")); });

    m_pauseAction = new QAction(QIcon::fromTheme("media-playback-pause"), tr("&Pause"), this);
    m_pauseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_P));
    m_pauseAction->setToolTip(tr("Freeze the selected sandboxes; their memory stays in use (Ctrl+Alt+P)"));
    connect(m_pauseAction, &QAction::triggered, this,
            [this] { applyToSelection("sandbox.pause", tr("pause")); });

    m_resumeAction = new QAction(QIcon::fromTheme("media-seek-forward"), tr("Res&ume"), this);
    m_resumeAction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_R));
    m_resumeAction->setToolTip(tr("Continue the selected paused or hibernated sandboxes (Ctrl+Alt+R)"));
    connect(m_resumeAction, &QAction::triggered, this,
            [this] { applyToSelection("sandbox.resume", tr("resume")); });

    m_hibernateAction = new QAction(QIcon::fromTheme("system-suspend-hibernate"), tr("&Hibernate"), this);
    m_hibernateAction->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_H));
    m_hibernateAction->setToolTip(tr("Write the selected sandboxes' memory to disk and free it; "
                                     "Resume brings them back with their processes (Ctrl+Alt+H)"));
    connect(m_hibernateAction, &QAction::triggered, this,
            [this] { applyToSelection("sandbox.hibernate", tr("hibernate")); });

    m_deleteAction = new QAction(QIcon::fromTheme("edit-delete"), tr("&Delete…"), this);
    m_deleteAction->setShortcut(QKeySequence::Delete);
    // Only while the list has focus: Delete in the filter box edits text.
    m_deleteAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_deleteAction->setToolTip(tr("Delete the selected sandboxes (Delete)"));
    connect(m_deleteAction, &QAction::triggered, this, &MainWindow::deleteSelection);

    m_reconnectAction = new QAction(QIcon::fromTheme("view-refresh"), tr("&Reconnect"), this);
    m_reconnectAction->setShortcut(QKeySequence::Refresh);
    connect(m_reconnectAction, &QAction::triggered, this, &MainWindow::connectToService);

    m_findAction = new QAction(tr("&Filter"), this);
    m_findAction->setShortcut(QKeySequence::Find);
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });

    m_terminalAction = new QAction(QIcon::fromTheme("utilities-terminal"), tr("Open &Terminal"), this);
    m_terminalAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_T));
    m_terminalAction->setToolTip(tr("Open a shell in the selected sandbox (Ctrl+Shift+T)"));
    connect(m_terminalAction, &QAction::triggered, this, &MainWindow::openTerminal);

    m_quitAction = new QAction(QIcon::fromTheme("application-exit"), tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);
}

void MainWindow::buildUi() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_reconnectAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu* sandbox = menuBar()->addMenu(tr("&Sandbox"));
    sandbox->addActions({m_newAction, m_startAction, m_stopAction, m_pauseAction, m_resumeAction,
                         m_hibernateAction, m_deleteAction});
    sandbox->addSeparator();
    sandbox->addAction(m_terminalAction);
    sandbox->addAction(m_findAction);

    QToolBar* bar = addToolBar(tr("Sandboxes"));
    bar->setObjectName("sandboxToolBar");
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->setMovable(false);
    bar->addActions({m_newAction, m_startAction, m_stopAction, m_pauseAction, m_resumeAction,
                     m_hibernateAction, m_deleteAction});
    bar->addSeparator();
    bar->addAction(m_terminalAction);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(SandboxModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setDynamicSortFilter(true);

    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("Filter sandboxes (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter sandboxes"));
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_table = new QTableView(this);
    m_table->setModel(m_proxy);
    m_table->setItemDelegateForColumn(SandboxModel::State, new StateBadgeDelegate(m_table));
    for (int column : {SandboxModel::Cpu, SandboxModel::Memory})
        m_table->setItemDelegateForColumn(column, new SparklineDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SandboxModel::Name, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setSectionResizeMode(SandboxModel::Name, QHeaderView::Stretch);
    m_table->setColumnWidth(SandboxModel::State, 90);
    m_table->horizontalHeader()->setSectionResizeMode(SandboxModel::Template, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(SandboxModel::Uptime, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(SandboxModel::Runs, QHeaderView::ResizeToContents);
    m_table->setColumnWidth(SandboxModel::Cpu, 90);
    m_table->setColumnWidth(SandboxModel::Memory, 100);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* separator = new QAction(this);
    separator->setSeparator(true);
    m_table->addActions({m_newAction, m_startAction, m_stopAction, m_pauseAction, m_resumeAction,
                         m_hibernateAction, m_deleteAction, separator,
                         m_terminalAction});
    m_table->setAccessibleName(tr("Sandboxes"));
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::showCurrentSandbox);

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(6, 6, 0, 0);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_table);

    m_view = new SandboxView(this);
    connect(m_view, &SandboxView::openSandbox, this, [this](const QString& id) { selectSandbox(id); });

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(m_view);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({620, 660}); // every column of the list shows at the default size
    split->setChildrenCollapsible(false);

    // Sandboxes, and what they are made from.
    m_templatesPage = new CatalogPage(CatalogPage::Kind::Templates, this);
    m_imagesPage = new CatalogPage(CatalogPage::Kind::Images, this);
    for (CatalogPage* page : {m_templatesPage, m_imagesPage})
        connect(page, &CatalogPage::failed, this, &MainWindow::showError);
    connect(m_templatesPage, &CatalogPage::newSandboxRequested, this, &MainWindow::newSandbox);
    connect(m_templatesPage, &CatalogPage::templatesChanged, this, [this](const QJsonArray& templates) {
        m_templates = templates; // what New Sandbox offers
        updateActions();
    });
    m_pages = new QTabWidget(this);
    m_pages->setDocumentMode(true);
    m_pages->addTab(split, QIcon::fromTheme("computer"), tr("Sandboxes"));
    m_pages->addTab(m_templatesPage, tr("Templates"));
    m_pages->addTab(m_imagesPage, tr("Images"));
    m_credentialsPage = new CredentialsPage(this);
    connect(m_credentialsPage, &CredentialsPage::failed, this, &MainWindow::showError);
    m_pages->addTab(m_credentialsPage, tr("Secrets && Routes"));
    m_poolsPage = new PoolsPage(this);
    connect(m_poolsPage, &PoolsPage::failed, this, &MainWindow::showError);
    m_pages->addTab(m_poolsPage, tr("Pools"));
    setCentralWidget(m_pages);
    connect(m_pages, &QTabWidget::currentChanged, this, [this](int) {
        if (auto* page = qobject_cast<CatalogPage*>(m_pages->currentWidget()))
            page->refresh(m_client); // sizes and build states change behind our back
        if (m_pages->currentWidget() == m_credentialsPage)
            m_credentialsPage->refresh(m_client);
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QList<QPair<QString, QKeySequence>> pageActions{
        {tr("&Sandboxes"), QKeySequence(Qt::CTRL | Qt::Key_1)},
        {tr("T&emplates"), QKeySequence(Qt::CTRL | Qt::Key_2)},
        {tr("&Images"), QKeySequence(Qt::CTRL | Qt::Key_3)},
        {tr("Secrets && &Routes"), QKeySequence(Qt::CTRL | Qt::Key_4)},
        {tr("&Pools"), QKeySequence(Qt::CTRL | Qt::Key_5)}};
    for (int i = 0; i < pageActions.size(); ++i) {
        QAction* a = view->addAction(pageActions[i].first);
        a->setShortcut(pageActions[i].second);
        connect(a, &QAction::triggered, this, [this, i] { m_pages->setCurrentIndex(i); });
    }
    view->addSeparator();
    QMenu* appearance = view->addMenu(tr("&Appearance"));
    auto* schemes = new QActionGroup(this);
    const QList<QPair<Appearance::Scheme, QString>> schemeNames{
        {Appearance::Scheme::System, tr("&System")},
        {Appearance::Scheme::Light, tr("&Light")},
        {Appearance::Scheme::Dark, tr("&Dark")}};
    for (const auto& [scheme, name] : schemeNames) {
        QAction* a = appearance->addAction(name);
        a->setCheckable(true);
        a->setChecked(scheme == m_appearance->scheme());
        a->setData(Appearance::key(scheme));
        schemes->addAction(a);
        connect(a, &QAction::triggered, this, [this, scheme = scheme] { m_appearance->setScheme(scheme); });
    }
    connect(m_appearance, &Appearance::schemeChanged, this, [schemes](Appearance::Scheme scheme) {
        for (QAction* a : schemes->actions())
            a->setChecked(a->data().toString() == Appearance::key(scheme));
    });

    m_connection = new QLabel(this);
    m_accelerator = new QLabel(this);
    m_accelerator->hide();
    statusBar()->addWidget(m_connection, 1);
    statusBar()->addPermanentWidget(m_accelerator);
    resize(1280, 800);
}

void MainWindow::setServiceDir(const QString& dir) { m_connector->setServiceDir(dir); }

void MainWindow::connectToService() {
    m_reconnectTimer->stop();
    m_reconnectAction->setEnabled(false);
    if (m_reconnectDelayMs == 0)
        setConnectionText(tr("Connecting to vivariumd…"));
    m_connector->connectToService();
}

bool MainWindow::isReconnecting() const { return m_reconnectDelayMs > 0; }

void MainWindow::onDisconnected() {
    // Keep showing what we knew, greyed out, and get it back on our own: a restarted
    // service re-adopts its sandboxes, and the list is then brought up to date in place.
    m_table->setEnabled(false);
    m_reconnectDelayMs = kFirstRetryMs;
    setConnectionText(tr("Lost the connection to vivariumd. Reconnecting…"), true);
    updateActions();
    scheduleReconnect();
}

void MainWindow::scheduleReconnect() {
    m_reconnectAction->setEnabled(true);
    m_reconnectTimer->start(m_reconnectDelayMs);
    m_reconnectDelayMs = std::min(m_reconnectDelayMs * 2, kMaxRetryMs);
}

void MainWindow::onConnected() {
    const QJsonObject hello = m_client->serverHello();
    m_reconnectDelayMs = 0;
    m_table->setEnabled(true);
    m_view->setEndpoint(m_connector->endpoint());
    setConnectionText(tr("Connected to %1 at %2")
                          .arg(hello.value("server").toString(),
                               m_connector->endpoint().url.toString()));
    setAccelerator(hello.value("accelerator").toString(), hello.value("accelerator_reason").toString());
    QPointer<MainWindow> self(this);
    m_client->request("info", {}, [self](Result<QJsonObject> r) {
        if (!self)
            return;
        if (!r) {
            self->showError(tr("Cannot read the service's templates."), r.error());
            return;
        }
        self->m_templates = r->value("templates").toArray();
        self->m_templatesPage->setObjects(self->m_templates);
        self->updateActions();
    });
    m_imagesPage->refresh(m_client);
    m_credentialsPage->refresh(m_client);
    m_poolsPage->refresh(m_client);
    m_client->request("sandbox.list", {}, [self](Result<QJsonObject> r) {
        if (!self)
            return;
        if (!r) {
            self->showError(tr("Cannot list the sandboxes."), r.error());
            return;
        }
        self->m_model->setSandboxes(r->value("sandboxes").toArray());
        if (self->m_proxy->rowCount() > 0 && !self->m_table->currentIndex().isValid())
            self->m_table->selectRow(0);
        if (!self->focusWidget())
            self->m_table->setFocus();
        self->m_view->resume(); // after a reconnect: follow the shown sandbox again
    });
}

void MainWindow::onEvent(const QJsonObject& event) {
    if (event.value("event").toString() == "service.accelerator") {
        setAccelerator(event.value("accelerator").toString(), event.value("reason").toString());
        return;
    }
    if (event.value("event").toString().startsWith(QLatin1String("template."))) {
        m_templatesPage->applyEvent(event);
        return;
    }
    if (event.value("event").toString() == QLatin1String("pool.changed")) {
        m_poolsPage->applyEvent(event);
        return;
    }
    if (event.value("event").toString().startsWith(QLatin1String("secret.")) ||
        event.value("event").toString().startsWith(QLatin1String("route."))) {
        m_credentialsPage->applyEvent(event);
        return;
    }
    if (event.value("event").toString() == "sandbox.idle_warning") {
        const QString id = event.value("id").toString();
        const QString name = m_model->sandbox(id).value("name").toString(id);
        const int left = event.value("seconds_left").toInt();
        statusBar()->showMessage(
            event.value("action").toString() == "hibernate"
                ? tr("Sandbox “%1” is idle: it will be hibernated in %2 s unless it is used.").arg(name).arg(left)
                : tr("Sandbox “%1” is idle: it will be stopped in %2 s unless it is used.").arg(name).arg(left),
            std::max(5, left) * 1000);
    }
    m_model->applyEvent(event);
}

void MainWindow::setAccelerator(const QString& accelerator, const QString& reason) {
    if (accelerator == "tcg") {
        const int size = style()->pixelMetric(QStyle::PM_SmallIconSize);
        m_accelerator->setText(QStringLiteral("<img src=\"%1\" width=%2 height=%2> <b>%3</b>")
                                   .arg(":/icons/vivarium/scalable/dialog-warning.svg")
                                   .arg(size)
                                   .arg(tr("Running under TCG emulation: guests are not a "
                                           "security boundary").toHtmlEscaped()));
    } else if (accelerator == "kvm") {
        m_accelerator->setText(tr("Accelerator: KVM"));
    } else {
        m_accelerator->setText(tr("Accelerator: %1").arg(accelerator).toHtmlEscaped());
    }
    m_accelerator->setToolTip(reason);
    m_accelerator->setVisible(!accelerator.isEmpty());
}

void MainWindow::setConnectionText(const QString& text, bool problem) {
    m_connection->setText(text);
    QFont f = m_connection->font();
    f.setBold(problem);
    m_connection->setFont(f);
}

QString MainWindow::connectionText() const { return m_connection->text(); }
QString MainWindow::acceleratorText() const { return m_accelerator->text(); }

void MainWindow::showError(const QString& summary, const Error& error) {
    // One line, with the cause behind "Show Details" (virt-manager's pattern). Not modal,
    // so events keep flowing while it is open.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Vivarium"), summary, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setInformativeText(error.message);
    if (!error.detail.isEmpty())
        box->setDetailedText(error.detail);
    box->open();
}

QStringList MainWindow::selectedIds() const {
    QStringList ids;
    for (const QModelIndex& i : m_table->selectionModel()->selectedRows())
        ids << i.data(SandboxModel::IdRole).toString();
    return ids;
}

bool MainWindow::selectSandbox(const QString& id) {
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return false;
    m_table->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

void MainWindow::showCurrentSandbox() {
    const QModelIndex current = m_table->currentIndex();
    m_view->showSandbox(current.isValid() ? m_model->sandbox(current.data(SandboxModel::IdRole).toString())
                                          : QJsonObject());
}

void MainWindow::updateActions() {
    const bool connected = m_client->isConnected();
    bool canStart = false, canStop = false, canDelete = false;
    bool canPause = false, canResume = false, canHibernate = false;
    for (const QString& id : selectedIds()) {
        const QString state = m_model->sandbox(id).value("state").toString();
        canStart |= kStartable.contains(state);
        canStop |= kStoppable.contains(state);
        canPause |= kPausable.contains(state);
        canResume |= kResumable.contains(state);
        canHibernate |= kHibernatable.contains(state);
        canDelete |= !kUnremovable.contains(state);
    }
    m_newAction->setEnabled(connected && !m_templates.isEmpty());
    m_startAction->setEnabled(connected && canStart);
    m_stopAction->setEnabled(connected && canStop);
    m_pauseAction->setEnabled(connected && canPause);
    m_resumeAction->setEnabled(connected && canResume);
    m_hibernateAction->setEnabled(connected && canHibernate);
    m_deleteAction->setEnabled(connected && canDelete);
    const QModelIndex current = m_table->currentIndex();
    m_terminalAction->setEnabled(connected && current.isValid() &&
                                 kShellable.contains(current.data(SandboxModel::StateRole).toString()));
}

void MainWindow::openTerminal() {
    if (!m_terminalAction->isEnabled())
        return;
    m_pages->setCurrentIndex(0);
    m_view->showTerminal();
}

void MainWindow::newSandbox(const QString& templateName) {
    auto* dialog = new NewSandboxDialog(m_client, m_templates, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!templateName.isEmpty())
        dialog->selectTemplate(templateName);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        m_pages->setCurrentIndex(0);
        selectSandbox(dialog->createdId());
    });
    dialog->open();
}

void MainWindow::applyToSelection(const QString& request, const QString& verb) {
    const QStringList& legal = legalStates(request);
    QPointer<MainWindow> self(this);
    for (const QString& id : selectedIds()) {
        const QJsonObject s = m_model->sandbox(id);
        if (!legal.contains(s.value("state").toString()))
            continue; // a mixed selection: act on those for which the verb is legal
        const QString name = s.value("name").toString();
        m_client->request(request, {{"sandbox", id}}, [self, name, verb](Result<QJsonObject> r) {
            if (self && !r)
                self->showError(tr("Could not %1 sandbox “%2”.").arg(verb, name), r.error());
        });
    }
}

void MainWindow::deleteSelection() {
    QStringList ids, names;
    for (const QString& id : selectedIds()) {
        const QJsonObject s = m_model->sandbox(id);
        if (kUnremovable.contains(s.value("state").toString()))
            continue;
        ids << id;
        names << s.value("name").toString();
    }
    if (ids.isEmpty())
        return;
    const QString question =
        ids.size() == 1
            ? tr("Delete sandbox “%1”? Its disk, its snapshots and the records of its runs are "
                 "deleted too.")
                  .arg(names.first())
            : tr("Delete %n sandboxes (%1)? Their disks, snapshots and the records of their runs "
                 "are deleted too.", nullptr, int(ids.size()))
                  .arg(names.join(QStringLiteral(", ")));
    if (QMessageBox::question(this, tr("Delete Sandbox"), question,
                              QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel) !=
        QMessageBox::Yes)
        return;
    QPointer<MainWindow> self(this);
    for (int i = 0; i < ids.size(); ++i)
        m_client->request("sandbox.remove", {{"sandbox", ids[i]}},
                          [self, name = names[i]](Result<QJsonObject> r) {
                              if (self && !r)
                                  self->showError(tr("Could not delete sandbox “%1”.").arg(name),
                                                  r.error());
                          });
}

} // namespace vivarium::gui
