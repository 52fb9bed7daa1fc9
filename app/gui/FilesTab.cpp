#include "FilesTab.h"

#include "FileTransfer.h"
#include "FilesModel.h"

#include <QAction>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QMimeData>
#include <QPointer>
#include <QProgressBar>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {

// Where a new sandbox's listing starts: root's home, as for a command (exec's default cwd).
const QString kStartPath = QStringLiteral("/root");
// How long a burst of file.written events may last before the listing reloads once.
constexpr int kRefreshDelayMs = 150;
// How long a completed transfer stays in the list (failed ones stay until closed).
constexpr int kDoneRowMs = 5000;

QStringList localFilesOf(const QMimeData* mime) {
    QStringList files;
    if (!mime || !mime->hasUrls())
        return files;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            files << url.toLocalFile();
    return files;
}

// The table, taking drops of local files (text/uri-list from a file manager) itself rather
// than through the model: a drop means "upload here", whatever row it lands on.
class FilesView : public QTableView {
public:
    using QTableView::QTableView;
    std::function<bool()> canDrop;
    std::function<void(const QStringList&)> dropped;

protected:
    void dragEnterEvent(QDragEnterEvent* e) override { acceptIfFiles(e); }
    void dragMoveEvent(QDragMoveEvent* e) override { acceptIfFiles(e); }
    void dropEvent(QDropEvent* e) override {
        const QStringList files = localFilesOf(e->mimeData());
        if (files.isEmpty() || !canDrop()) {
            e->ignore();
            return;
        }
        e->setDropAction(Qt::CopyAction);
        e->accept();
        dropped(files);
    }

private:
    void acceptIfFiles(QDropEvent* e) {
        if (!localFilesOf(e->mimeData()).isEmpty() && canDrop()) {
            e->setDropAction(Qt::CopyAction);
            e->accept();
        } else {
            e->ignore();
        }
    }
};

// Lets go of a connection that may be emitting the signal being handled: it says nothing
// more to anyone and is deleted once control is back in the event loop.
void dropClient(std::unique_ptr<ApiClient>& client) {
    if (!client)
        return;
    client->disconnect();
    client.release()->deleteLater();
}

} // namespace

// One transfer's row: what it is, a progress bar, and a button that cancels it (closing its
// connection, which makes the service cancel it too) or dismisses it once it has ended.
struct FilesTab::Transfer {
    FileTransfer::Direction direction;
    QString sandbox; // fixed when queued: the view may show another sandbox by its turn
    QString remote;
    QString local;
    std::unique_ptr<ApiClient> client;
    FileTransfer* transfer = nullptr; // a child of `row`
    QWidget* row = nullptr;
    QLabel* label = nullptr;
    QProgressBar* bar = nullptr;
    QToolButton* close = nullptr;
    bool started = false;
    bool done = false;

    bool isUpload() const { return direction == FileTransfer::Direction::Upload; }
    QString name() const { return QFileInfo(isUpload() ? local : remote).fileName(); }
};

FilesTab::FilesTab(QWidget* parent)
    : QWidget(parent), m_model(new FilesModel(this)), m_view(new FilesView(this)),
      m_pathEdit(new QLineEdit(this)), m_message(new QLabel(this)), m_placeholder(new QLabel(this)),
      m_stack(new QStackedWidget(this)), m_transferBox(new QWidget(this)),
      m_transferLayout(new QVBoxLayout(m_transferBox)) {
    m_prompts.saveFile = [this](const QString& suggested) {
        return QFileDialog::getSaveFileName(this, tr("Save File From the Sandbox"), suggested);
    };
    m_prompts.saveDirectory = [this] {
        return QFileDialog::getExistingDirectory(this, tr("Save Files From the Sandbox Into"),
                                                 m_lastDownloadDir);
    };
    m_prompts.openFiles = [this] {
        return QFileDialog::getOpenFileNames(this, tr("Upload Files to %1").arg(m_path));
    };
    m_prompts.confirm = [this](const QString& question) {
        return QMessageBox::question(this, tr("Files"), question) == QMessageBox::Yes;
    };
    m_lastDownloadDir = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);

    auto* view = static_cast<FilesView*>(m_view);
    view->setModel(m_model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view->setSortingEnabled(true);
    view->sortByColumn(FilesModel::Name, Qt::AscendingOrder);
    view->verticalHeader()->hide();
    view->setWordWrap(false);
    view->setAlternatingRowColors(true);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->horizontalHeader()->setSectionResizeMode(FilesModel::Name, QHeaderView::Stretch);
    view->setAccessibleName(tr("Files in the sandbox"));
    view->setAcceptDrops(true);
    view->viewport()->setAcceptDrops(true);
    view->setDropIndicatorShown(false);
    view->canDrop = [this] { return isReady() && !m_path.isEmpty(); };
    view->dropped = [this](const QStringList& files) { upload(files); };
    connect(view, &QAbstractItemView::activated, this,
            [this](const QModelIndex& index) { activate(index.row()); });
    connect(view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &FilesTab::updateActions);

    m_pathEdit->setAccessibleName(tr("Folder in the sandbox"));
    m_pathEdit->setPlaceholderText(tr("Folder path, e.g. /root"));
    m_pathEdit->setClearButtonEnabled(true);
    connect(m_pathEdit, &QLineEdit::returnPressed, this, [this] { navigate(m_pathEdit->text()); });

    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->hide();
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_stack->addWidget(m_view);
    m_stack->addWidget(m_placeholder);
    m_transferLayout->setContentsMargins(0, 0, 0, 0);
    m_transferBox->hide();

    buildActions();
    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addActions({m_upAction, m_refreshAction});
    toolbar->addWidget(m_pathEdit);
    toolbar->addSeparator();
    toolbar->addActions({m_downloadAction, m_uploadAction, m_deleteAction});
    m_pathEdit->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(toolbar);
    layout->addWidget(m_message);
    layout->addWidget(m_stack, 1);
    layout->addWidget(m_transferBox);

    m_refreshTimer.setSingleShot(true);
    m_refreshTimer.setInterval(kRefreshDelayMs);
    connect(&m_refreshTimer, &QTimer::timeout, this, &FilesTab::refresh);
    updateState();
}

FilesTab::~FilesTab() {
    // Rows go first: their transfers remove partial downloads, then the connections close.
    for (auto& t : m_transfers)
        delete t->row;
}

void FilesTab::buildActions() {
    auto make = [this](const char* icon, const QString& text, const QKeySequence& key,
                       const QString& tip) {
        auto* a = new QAction(QIcon::fromTheme(QString::fromLatin1(icon)), text, this);
        a->setShortcut(key);
        // Only while the focus is in this tab: the window has its own Delete and F5.
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        a->setToolTip(tr("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        addAction(a);
        return a;
    };
    m_upAction =
        make("go-up", tr("&Up"), QKeySequence(Qt::ALT | Qt::Key_Up), tr("Go to the parent folder"));
    connect(m_upAction, &QAction::triggered, this, &FilesTab::goUp);
    m_refreshAction = make("view-refresh", tr("Re&fresh"), QKeySequence(QKeySequence::Refresh),
                           tr("Reload the folder"));
    connect(m_refreshAction, &QAction::triggered, this, &FilesTab::refresh);
    m_downloadAction = make("document-save", tr("&Download…"), QKeySequence(Qt::CTRL | Qt::Key_S),
                            tr("Save the selected files on this computer"));
    connect(m_downloadAction, &QAction::triggered, this, &FilesTab::downloadSelection);
    m_uploadAction = make("document-open", tr("&Upload…"), QKeySequence(Qt::CTRL | Qt::Key_U),
                          tr("Copy files from this computer into this folder; you can also drop "
                             "them on the list"));
    connect(m_uploadAction, &QAction::triggered, this, &FilesTab::uploadWithDialog);
    m_deleteAction = make("edit-delete", tr("De&lete…"), QKeySequence(QKeySequence::Delete),
                          tr("Delete the selected files and folders"));
    // Delete in the path bar edits the text; the action belongs to the list alone.
    removeAction(m_deleteAction);
    connect(m_deleteAction, &QAction::triggered, this, &FilesTab::deleteSelection);
    m_pathAction = make("", tr("Edit &path"), QKeySequence(Qt::CTRL | Qt::Key_L),
                        tr("Type a folder to go to"));
    connect(m_pathAction, &QAction::triggered, this, [this] {
        m_pathEdit->setFocus();
        m_pathEdit->selectAll();
    });

    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_view->addActions({m_downloadAction, m_uploadAction, m_deleteAction, m_refreshAction});
}

void FilesTab::setPrompts(Prompts prompts) {
    m_prompts = std::move(prompts);
}

bool FilesTab::isReady() const {
    return !m_sandbox.isEmpty() && m_state == "ready";
}

QString FilesTab::message() const {
    return m_message->isHidden() ? QString() : m_message->text();
}

QString FilesTab::placeholder() const {
    return m_stack->currentWidget() == m_placeholder ? m_placeholder->text() : QString();
}

void FilesTab::showMessage(const QString& text) {
    m_message->setText(text);
    m_message->setVisible(!text.isEmpty());
}

void FilesTab::showSandbox(const QJsonObject& sandbox, const Endpoint& endpoint) {
    const QString id = sandbox.value("id").toString();
    m_endpoint = endpoint;
    if (id != m_sandbox) {
        if (!m_sandbox.isEmpty() && !m_path.isEmpty())
            m_lastPath.insert(m_sandbox, m_path);
        m_client.reset();
        m_model->clear();
        m_path.clear();
        m_pathEdit->clear();
        showMessage({});
        m_sandbox = id;
        m_state.clear();
    }
    const QString state = sandbox.value("state").toString();
    if (state != m_state) {
        m_state = state;
        // Whatever was listed may have changed while the sandbox was not running.
        m_listingWanted = isReady();
        updateState();
    }
    maybeLoad();
}

void FilesTab::updateState() {
    QString text;
    if (m_sandbox.isEmpty())
        text = tr("No sandbox is selected.");
    else if (m_state == "booting" || m_state == "creating")
        text = tr("The sandbox is starting. Its files can be browsed once it is ready.");
    else if (m_state == "stopping")
        text = tr("The sandbox is stopping.");
    else if (m_state == "removing")
        text = tr("The sandbox is being deleted.");
    else if (m_state != "ready")
        text = tr("Start the sandbox to browse its files.");
    m_placeholder->setText(text);
    m_stack->setCurrentWidget(text.isEmpty() ? static_cast<QWidget*>(m_view) : m_placeholder);
    updateActions();
}

void FilesTab::updateActions() {
    const bool live = isReady() && m_client && m_client->isConnected() && !m_path.isEmpty();
    const QList<int> rows = selectedRows();
    bool anyFile = false;
    for (int row : rows)
        anyFile = anyFile || !m_model->isDirectory(row);
    m_upAction->setEnabled(live && m_path != "/");
    m_refreshAction->setEnabled(isReady());
    m_pathEdit->setEnabled(live);
    m_uploadAction->setEnabled(live);
    m_downloadAction->setEnabled(live && anyFile);
    m_deleteAction->setEnabled(live && !rows.isEmpty());
}

void FilesTab::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    maybeLoad();
}

void FilesTab::maybeLoad() {
    // Nothing is fetched for a tab nobody has looked at.
    if (!isReady() || !isVisible())
        return;
    if (!m_client) {
        openConnection();
        return;
    }
    if (m_listingWanted && m_client->isConnected())
        list(m_path.isEmpty() ? m_lastPath.value(m_sandbox, kStartPath) : m_path, m_path.isEmpty());
}

void FilesTab::openConnection() {
    m_client = std::make_unique<ApiClient>();
    ApiClient* c = m_client.get();
    m_listingWanted = true;
    connect(c, &ApiClient::ready, this, [this, c] {
        if (c == m_client.get())
            maybeLoad();
    });
    connect(c, &ApiClient::event, this, &FilesTab::onEvent);
    auto lost = [this, c](const QString& why) {
        if (c != m_client.get())
            return;
        showMessage(tr("Cannot reach vivariumd: %1. Refresh to try again.").arg(why));
        dropClient(m_client);
        updateActions();
    };
    connect(c, &ApiClient::failed, this, lost);
    connect(c, &ApiClient::disconnected, this, [lost] { lost(tr("the connection was lost")); });
    c->open(m_endpoint);
}

void FilesTab::onEvent(const QJsonObject& event) {
    if (event.value("event").toString() != "file.written" ||
        event.value("sandbox").toString() != m_sandbox || m_path.isEmpty())
        return;
    if (FilesModel::parentPath(event.value("path").toString()) == m_path)
        m_refreshTimer.start();
}

void FilesTab::navigate(const QString& path) {
    const QString typed = path.trimmed();
    if (typed.isEmpty())
        return;
    const QString base = m_path.isEmpty() ? QStringLiteral("/") : m_path;
    list(QDir::cleanPath(typed.startsWith('/') ? typed : base + '/' + typed), false);
}

void FilesTab::refresh() {
    m_refreshTimer.stop();
    if (!m_client) {
        if (isReady()) {
            showMessage({});
            openConnection();
        }
        return;
    }
    if (m_client->isConnected() && isReady())
        list(m_path.isEmpty() ? m_lastPath.value(m_sandbox, kStartPath) : m_path, m_path.isEmpty());
}

void FilesTab::goUp() {
    if (!m_path.isEmpty() && m_path != "/")
        list(FilesModel::parentPath(m_path), false);
}

void FilesTab::list(const QString& path, bool fallBackToRoot) {
    if (!m_client || !m_client->isConnected() || !isReady())
        return;
    m_listingWanted = false;
    const quint64 serial = ++m_listSerial;
    ApiClient* c = m_client.get();
    const QString sandbox = m_sandbox;
    c->request("file.list", {{"sandbox", sandbox}, {"path", path}},
               [this, c, serial, path, sandbox, fallBackToRoot](Result<QJsonObject> r) {
                   // Only the latest request on the current connection counts.
                   if (c != m_client.get() || serial != m_listSerial || sandbox != m_sandbox)
                       return;
                   if (!r) {
                       if (fallBackToRoot && path != "/")
                           return list(QStringLiteral("/"), false);
                       showMessage(tr("Cannot open %1: %2").arg(path, reason(r.error(), path)));
                       m_pathEdit->setText(m_path);
                       return;
                   }
                   const bool moved = path != m_path;
                   if (moved)
                       showMessage({});
                   m_path = path;
                   m_pathEdit->setText(path);
                   m_model->setListing(path, r->value("entries").toArray());
                   if (moved && m_model->rowCount() > 0)
                       m_view->scrollToTop();
                   updateActions();
                   emit listingLoaded(path);
               });
}

QList<int> FilesTab::selectedRows() const {
    QList<int> rows;
    for (const QModelIndex& i : m_view->selectionModel()->selectedRows())
        rows << i.row();
    std::sort(rows.begin(), rows.end());
    return rows;
}

void FilesTab::activate(int row) {
    if (row < 0 || row >= m_model->rowCount())
        return;
    const QJsonObject entry = m_model->entry(row);
    const QString type = entry.value("type").toString();
    const QString path = m_model->pathOf(row);
    if (type == "dir")
        return list(path, false);
    if (type == "symlink") {
        // Where the link leads decides: into a folder, or download the file.
        if (!m_client || !m_client->isConnected())
            return;
        ApiClient* c = m_client.get();
        c->request("file.stat", {{"sandbox", m_sandbox}, {"path", path}, {"follow", true}},
                   [this, c, path](Result<QJsonObject> r) {
                       if (c != m_client.get())
                           return;
                       if (!r)
                           return showMessage(
                               tr("Cannot open %1: %2").arg(path, reason(r.error(), path)));
                       const QString target = r->value("stat").toObject().value("type").toString();
                       if (target == "dir")
                           return list(path, false);
                       const QString local = m_prompts.saveFile(
                           QDir(m_lastDownloadDir).filePath(QFileInfo(path).fileName()));
                       if (!local.isEmpty())
                           download(path, local);
                   });
        return;
    }
    if (type != "file")
        return showMessage(tr("%1 is not a regular file, so it cannot be downloaded.").arg(path));
    const QString local =
        m_prompts.saveFile(QDir(m_lastDownloadDir).filePath(entry.value("name").toString()));
    if (!local.isEmpty())
        download(path, local);
}

void FilesTab::downloadSelection() {
    QList<int> files;
    QStringList folders;
    for (int row : selectedRows()) {
        if (m_model->isDirectory(row))
            folders << m_model->entry(row).value("name").toString();
        else
            files << row;
    }
    if (!folders.isEmpty())
        showMessage(
            tr("Folders cannot be downloaded yet: %1. Download the files inside them instead.")
                .arg(folders.join(QStringLiteral(", "))));
    if (files.isEmpty())
        return;
    if (files.size() == 1) {
        const QString name = m_model->entry(files.first()).value("name").toString();
        const QString local = m_prompts.saveFile(QDir(m_lastDownloadDir).filePath(name));
        if (!local.isEmpty())
            download(m_model->pathOf(files.first()), local);
        return;
    }
    const QString dir = m_prompts.saveDirectory();
    if (dir.isEmpty())
        return;
    for (int row : files) // names are single path components (FilesModel drops the rest)
        download(m_model->pathOf(row),
                 QDir(dir).filePath(m_model->entry(row).value("name").toString()));
}

void FilesTab::uploadWithDialog() {
    const QStringList files = m_prompts.openFiles();
    if (!files.isEmpty())
        upload(files);
}

void FilesTab::upload(const QStringList& localFiles) {
    if (!isReady() || m_path.isEmpty())
        return;
    QStringList files, folders, replaced;
    for (const QString& f : localFiles) {
        const QFileInfo info(f);
        if (info.isDir())
            folders << info.fileName();
        else if (!info.exists())
            showMessage(tr("Cannot upload %1: it no longer exists.").arg(f));
        else
            files << info.absoluteFilePath();
    }
    if (!folders.isEmpty())
        showMessage(tr("Folders cannot be uploaded yet: %1. Drop or choose the files inside them "
                       "instead.")
                        .arg(folders.join(QStringLiteral(", "))));
    for (const QString& f : std::as_const(files))
        if (m_model->rowOf(QFileInfo(f).fileName()) >= 0)
            replaced << QFileInfo(f).fileName();
    if (!replaced.isEmpty() &&
        !m_prompts.confirm(tr("Replace %1 in %2 in the sandbox?")
                               .arg(replaced.join(QStringLiteral(", ")), m_path)))
        return;
    for (const QString& f : std::as_const(files)) {
        auto t = std::make_unique<Transfer>();
        t->direction = FileTransfer::Direction::Upload;
        t->sandbox = m_sandbox;
        t->local = f;
        t->remote = FilesModel::childPath(m_path, QFileInfo(f).fileName());
        enqueue(std::move(t));
    }
}

void FilesTab::download(const QString& remotePath, const QString& localPath) {
    if (m_sandbox.isEmpty())
        return;
    m_lastDownloadDir = QFileInfo(localPath).absolutePath();
    auto t = std::make_unique<Transfer>();
    t->direction = FileTransfer::Direction::Download;
    t->sandbox = m_sandbox;
    t->remote = remotePath;
    t->local = localPath;
    enqueue(std::move(t));
}

void FilesTab::deleteSelection() {
    const QList<int> rows = selectedRows();
    if (rows.isEmpty() || !m_client || !m_client->isConnected())
        return;
    QStringList names;
    bool anyFolder = false;
    for (int row : rows) {
        names << m_model->entry(row).value("name").toString();
        anyFolder = anyFolder || m_model->isDirectory(row);
    }
    const QString what =
        rows.size() == 1 ? names.first() : tr("%n items", nullptr, int(rows.size()));
    const QString question =
        anyFolder ? tr("Delete %1 from the sandbox, with everything in the folders?").arg(what)
                  : tr("Delete %1 from the sandbox?").arg(what);
    if (!m_prompts.confirm(question))
        return;
    ApiClient* c = m_client.get();
    auto pending = std::make_shared<int>(int(rows.size()));
    auto failures = std::make_shared<QStringList>();
    for (int row : rows) {
        const QString path = m_model->pathOf(row);
        c->request("file.remove", {{"sandbox", m_sandbox}, {"path", path}, {"recursive", true}},
                   [this, c, path, pending, failures](Result<QJsonObject> r) {
                       if (c != m_client.get())
                           return;
                       if (!r)
                           *failures
                               << tr("Cannot delete %1: %2").arg(path, reason(r.error(), path));
                       if (--*pending > 0)
                           return;
                       showMessage(failures->join('\n'));
                       refresh(); // removals send no event
                   });
    }
}

void FilesTab::enqueue(std::unique_ptr<Transfer> owned) {
    Transfer* t = owned.get();
    t->row = new QWidget(m_transferBox);
    auto* layout = new QHBoxLayout(t->row);
    layout->setContentsMargins(0, 0, 0, 0);
    t->label = new QLabel(t->row);
    t->label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    t->label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    t->label->setText(t->isUpload() ? tr("Waiting to upload %1…").arg(t->local)
                                    : tr("Waiting to download %1…").arg(t->remote));
    t->label->setToolTip(t->isUpload() ? tr("%1 → sandbox %2").arg(t->local, t->remote)
                                       : tr("sandbox %1 → %2").arg(t->remote, t->local));
    t->bar = new QProgressBar(t->row);
    t->bar->setRange(0, 100);
    t->bar->setValue(0);
    t->bar->setMaximumWidth(200);
    t->close = new QToolButton(t->row);
    t->close->setIcon(QIcon::fromTheme("window-close"));
    t->close->setText(tr("Cancel"));
    t->close->setToolTip(tr("Cancel this transfer"));
    t->close->setAutoRaise(true);
    layout->addWidget(t->label, 1);
    layout->addWidget(t->bar);
    layout->addWidget(t->close);
    connect(t->close, &QToolButton::clicked, this, [this, t] {
        if (!t->done)
            t->transfer ? t->transfer->cancel() : transferDone(t, makeError("cancelled", {}));
        removeTransfer(t);
    });
    m_transferLayout->addWidget(t->row);
    m_transferBox->show();
    m_transfers.push_back(std::move(owned));
    startTransfers();
}

void FilesTab::startTransfers() {
    int active = 0;
    for (const auto& t : m_transfers)
        active += t->started && !t->done ? 1 : 0;
    for (const auto& t : m_transfers) {
        if (active >= kMaxActiveTransfers)
            break;
        if (!t->started && !t->done) {
            startTransfer(t.get());
            ++active;
        }
    }
}

void FilesTab::startTransfer(Transfer* t) {
    t->started = true;
    t->label->setText(
        t->isUpload() ? tr("Uploading %1 to %2…").arg(t->name(), FilesModel::parentPath(t->remote))
                      : tr("Downloading %1 to %2…").arg(t->name(), t->local));
    t->client = std::make_unique<ApiClient>();
    ApiClient* c = t->client.get();
    t->transfer = new FileTransfer(c, t->direction, t->sandbox, t->remote, t->local, t->row);
    connect(t->transfer, &FileTransfer::progress, t->row, [t](qint64 done, qint64 total) {
        t->bar->setValue(total > 0 ? int(done * 100 / total) : 0);
        t->bar->setToolTip(tr("%1 of %2")
                               .arg(QLocale().formattedDataSize(done),
                                    QLocale().formattedDataSize(qMax<qint64>(total, 0))));
    });
    connect(t->transfer, &FileTransfer::finished, this,
            [this, t](const Status& s) { transferDone(t, s); });
    connect(c, &ApiClient::ready, t->transfer, &FileTransfer::start);
    connect(c, &ApiClient::failed, this,
            [this, t](const QString& why) { transferDone(t, makeError("unreachable", why)); });
    c->open(m_endpoint);
}

QString FilesTab::reason(const Error& e, const QString& path) {
    static const QHash<QString, const char*> reasons{
        {"not_found", QT_TR_NOOP("no such file or folder")},
        {"permission_denied", QT_TR_NOOP("permission denied")},
        {"is_a_directory", QT_TR_NOOP("it is a folder")},
        {"not_a_directory", QT_TR_NOOP("it is not a folder")},
        {"not_a_file", QT_TR_NOOP("it is not a regular file")},
        {"too_many_entries", QT_TR_NOOP("the folder has more than 100 000 entries")},
        {"refused", QT_TR_NOOP("the root folder and mount points cannot be deleted")},
        {"invalid_state", QT_TR_NOOP("the sandbox is not running")},
        {"stopped", QT_TR_NOOP("the sandbox stopped")},
        {"timeout", QT_TR_NOOP("the sandbox did not answer in time")},
        {"disconnected", QT_TR_NOOP("the connection to vivariumd was lost")},
        {"forbidden", QT_TR_NOOP("this connection's token does not allow it")},
        {"cancelled", QT_TR_NOOP("cancelled")},
    };
    if (const char* text = reasons.value(e.code))
        return tr(text);
    if (e.code == "unreachable")
        return tr("cannot reach vivariumd (%1)").arg(e.message);
    // Anything else (a local disk error, an unusual guest error) keeps the message it came
    // with, less the guest's "<path>: " in front, which the caller's sentence already names.
    if (!path.isEmpty() && e.message.startsWith(path + ": "))
        return e.message.mid(path.size() + 2);
    return e.message.isEmpty() ? e.code : e.message;
}

void FilesTab::transferDone(Transfer* t, const Status& s) {
    if (t->done)
        return;
    t->done = true;
    // A finished transfer needs its connection no more; closing it also makes the service
    // cancel an unfinished one.
    dropClient(t->client);
    const QString size = QLocale().formattedDataSize(t->transfer ? t->transfer->bytesDone() : 0);
    QString text;
    if (s) {
        text = t->isUpload() ? tr("Uploaded %1 to %2 (%3).")
                                   .arg(t->name(), FilesModel::parentPath(t->remote), size)
                             : tr("Downloaded %1 to %2 (%3).").arg(t->name(), t->local, size);
        t->bar->setValue(100);
        if (t->isUpload() && t->sandbox == m_sandbox && m_path == FilesModel::parentPath(t->remote))
            m_refreshTimer.start();
        QTimer::singleShot(kDoneRowMs, t->row, [this, t] { removeTransfer(t); });
    } else if (s.error().code == "cancelled") {
        text = tr("Cancelled.");
    } else {
        text = t->isUpload()
                   ? tr("Cannot upload %1: %2").arg(t->local, reason(s.error(), t->remote))
                   : tr("Cannot download %1: %2").arg(t->remote, reason(s.error(), t->remote));
        showMessage(text);
    }
    t->label->setText(text);
    t->close->setText(tr("Close"));
    t->close->setToolTip(tr("Remove this line"));
    emit transferFinished(t->remote, t->local, s.ok(), text);
    startTransfers();
}

void FilesTab::removeTransfer(Transfer* t) {
    auto it = std::find_if(m_transfers.begin(), m_transfers.end(),
                           [t](const auto& p) { return p.get() == t; });
    if (it == m_transfers.end())
        return;
    std::unique_ptr<Transfer> owned = std::move(*it);
    m_transfers.erase(it);
    // Called from the row's own button or timer: the row goes once they have returned.
    owned->row->hide();
    owned->row->deleteLater();
    dropClient(owned->client);
    m_transferBox->setVisible(!m_transfers.empty());
    startTransfers();
}

} // namespace vivarium::gui
