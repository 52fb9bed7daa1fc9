#include "CatalogPage.h"

#include "ApiClient.h"

#include <QAction>
#include <QDateTime>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {

QString str(const QJsonObject& o, const char* key) { return o.value(QLatin1String(key)).toString(); }

QList<JsonTableModel::Column> templateColumns() {
    const auto right = Qt::AlignRight | Qt::AlignVCenter;
    return {
        {CatalogPage::tr("Name"), [](const QJsonObject& o) { return str(o, "name"); }},
        {CatalogPage::tr("Image"), [](const QJsonObject& o) { return str(o, "image"); }},
        {CatalogPage::tr("vCPUs"), [](const QJsonObject& o) { return QString::number(o.value("vcpus").toInt()); },
         [](const QJsonObject& o) { return o.value("vcpus").toInt(); }, right},
        {CatalogPage::tr("Memory"),
         [](const QJsonObject& o) { return CatalogPage::tr("%1 MiB").arg(o.value("memory_mib").toInt()); },
         [](const QJsonObject& o) { return o.value("memory_mib").toInt(); }, right},
    };
}

QList<JsonTableModel::Column> imageColumns() {
    const auto right = Qt::AlignRight | Qt::AlignVCenter;
    return {
        {CatalogPage::tr("Name"), [](const QJsonObject& o) { return str(o, "name"); }},
        {CatalogPage::tr("Description"), [](const QJsonObject& o) { return str(o, "description"); }},
        {CatalogPage::tr("Size on disk"),
         [](const QJsonObject& o) {
             return o.value("built").toBool() ? JsonTableModel::formatBytes(o.value("disk_bytes").toDouble())
                                              : CatalogPage::tr("Built on first use");
         },
         [](const QJsonObject& o) { return o.value("disk_bytes").toDouble(-1); }, right},
        {CatalogPage::tr("Built"),
         [](const QJsonObject& o) {
             const QDateTime t = QDateTime::fromString(str(o, "built_at"), Qt::ISODateWithMs);
             return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::ShortFormat) : QString();
         },
         [](const QJsonObject& o) { return str(o, "built_at"); }},
    };
}

} // namespace

CatalogPage::CatalogPage(Kind kind, QWidget* parent)
    : QWidget(parent), m_kind(kind),
      m_model(new JsonTableModel(QStringLiteral("name"),
                                 kind == Kind::Templates ? templateColumns() : imageColumns(), this)),
      m_proxy(new QSortFilterProxyModel(this)), m_filter(new QLineEdit(this)),
      m_table(new QTableView(this)), m_title(new QLabel(this)), m_form(new QFormLayout) {
    const bool templates = kind == Kind::Templates;
    setObjectName(templates ? "templatesPage" : "imagesPage");

    m_refresh = new QAction(QIcon::fromTheme("view-refresh"), tr("Refresh"), this);
    connect(m_refresh, &QAction::triggered, this, [this] { refresh(m_client); });
    auto* bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    if (templates) {
        m_newSandbox = new QAction(QIcon::fromTheme("list-add"), tr("New Sandbox from Template…"), this);
        m_newSandbox->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
        m_newSandbox->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        m_newSandbox->setEnabled(false);
        connect(m_newSandbox, &QAction::triggered, this, [this] {
            if (!currentKey().isEmpty())
                emit newSandboxRequested(currentKey());
        });
        bar->addAction(m_newSandbox);
        addAction(m_newSandbox);
    }
    bar->addAction(m_refresh);

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(JsonTableModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_filter->setPlaceholderText(templates ? tr("Filter templates") : tr("Filter images"));
    m_filter->setAccessibleName(m_filter->placeholderText());
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);

    m_table->setModel(m_proxy);
    m_table->setAccessibleName(templates ? tr("Templates") : tr("Images"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(0, Qt::AscendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setSectionResizeMode(templates ? 0 : 1, QHeaderView::Stretch);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CatalogPage::showCurrent);
    connect(m_table, &QTableView::activated, this, [this] {
        if (m_newSandbox)
            m_newSandbox->trigger();
    });
    connect(m_model, &QAbstractItemModel::dataChanged, this, &CatalogPage::showCurrent);

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(6, 6, 0, 0);
    leftLayout->addWidget(m_filter);
    leftLayout->addWidget(m_table);

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rightLayout->addWidget(m_title);
    rightLayout->addLayout(m_form);
    auto* note = new QLabel(templates ? tr("A template fixes the image, vCPUs and memory of the "
                                           "sandboxes made from it.")
                                      : tr("Images are the root filesystems of sandboxes. A "
                                           "built-in image is built the first time a sandbox "
                                           "needs it, and kept."),
                            this);
    note->setWordWrap(true);
    note->setEnabled(false);
    rightLayout->addWidget(note);
    rightLayout->addStretch(1);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(split);
    showCurrent();
}

QString CatalogPage::currentKey() const {
    return m_table->currentIndex().data(JsonTableModel::KeyRole).toString();
}

void CatalogPage::refresh(ApiClient* client) {
    m_client = client;
    if (!client || !client->isConnected())
        return;
    const bool templates = m_kind == Kind::Templates;
    QPointer<CatalogPage> self(this);
    client->request(templates ? "info" : "image.list", {}, [self, templates](Result<QJsonObject> r) {
        if (!self)
            return;
        if (!r) {
            emit self->failed(templates ? tr("Cannot list the templates.") : tr("Cannot list the images."),
                              r.error());
            return;
        }
        self->setObjects(r->value(templates ? "templates" : "images").toArray());
    });
}

void CatalogPage::setObjects(const QJsonArray& objects) {
    m_model->setObjects(objects);
    if (!m_table->currentIndex().isValid() && m_proxy->rowCount() > 0)
        m_table->selectRow(0);
    showCurrent();
}

void CatalogPage::showCurrent() {
    while (m_form->rowCount() > 0)
        m_form->removeRow(0);
    const QModelIndex current = m_table->currentIndex();
    if (m_newSandbox)
        m_newSandbox->setEnabled(current.isValid());
    if (!current.isValid()) {
        m_title->setText(m_kind == Kind::Templates ? tr("No template selected") : tr("No image selected"));
        return;
    }
    const int row = m_proxy->mapToSource(current).row();
    m_title->setText(m_model->data(m_model->index(row, 0)).toString());
    for (int c = 1; c < m_model->columnCount(); ++c) {
        auto* value = new QLabel(m_model->data(m_model->index(row, c)).toString(), this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        m_form->addRow(m_model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() + ':', value);
    }
}

} // namespace vivarium::gui
