#include "CatalogPage.h"

#include "ApiClient.h"
#include "ImagePullDialog.h"
#include "TemplateDialog.h"

#include <QAction>
#include <QDateTime>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
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
        {CatalogPage::tr("Disk"),
         [](const QJsonObject& o) {
             return o.contains("disk_mib") ? CatalogPage::tr("%1 MiB").arg(o.value("disk_mib").toInt())
                                           : CatalogPage::tr("Image size");
         },
         [](const QJsonObject& o) { return o.value("disk_mib").toInt(); }, right},
        {CatalogPage::tr("Source"),
         [](const QJsonObject& o) {
             return o.value("builtin").toBool() ? CatalogPage::tr("Built-in") : CatalogPage::tr("Yours");
         }},
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
        {CatalogPage::tr("Source"),
         [](const QJsonObject& o) {
             return str(o, "kind") == "pulled" ? CatalogPage::tr("Pulled") : CatalogPage::tr("Built-in");
         }},
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
        buildTemplateActions(bar);
    }
    if (!templates)
        buildImageActions(bar);
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
    if (templates) {
        m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
        m_table->addActions({m_newSandbox, m_newTemplate, m_editTemplate, m_duplicateTemplate, m_deleteTemplate});
    }

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(6, 6, 0, 0);
    leftLayout->addWidget(m_filter);
    if (templates) {
        m_problems = new QLabel(this);
        m_problems->setObjectName("templateProblems");
        m_problems->setWordWrap(true);
        m_problems->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_problems->setFrameShape(QFrame::StyledPanel);
        m_problems->setMargin(6);
        m_problems->hide();
        leftLayout->addWidget(m_problems);
    }
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
    auto* note = new QLabel(templates ? tr("A template fixes the image, vCPUs, memory and disk of the "
                                           "sandboxes made from it, and the environment, working "
                                           "directory and user of their commands. Your templates are "
                                           "files in ~/.config/vivarium/templates.")
                                      : tr("Images are the root filesystems of sandboxes. A "
                                           "built-in image is built the first time a sandbox "
                                           "needs it, and kept. Pull… brings an image from a "
                                           "registry (Docker Hub, ghcr.io, your own); its "
                                           "environment, working directory, user and command "
                                           "become the defaults of its sandboxes' commands."),
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
    client->request(templates ? "template.list" : "image.list", {}, [self, templates](Result<QJsonObject> r) {
        if (!self)
            return;
        if (!r) {
            emit self->failed(templates ? tr("Cannot list the templates.") : tr("Cannot list the images."),
                              r.error());
            return;
        }
        if (templates) {
            self->m_limits = r->value("limits").toObject();
            self->setProblems(r->value("problems").toArray());
        }
        self->setObjects(r->value(templates ? "templates" : "images").toArray());
    });
}

void CatalogPage::setObjects(const QJsonArray& objects) {
    m_objects = objects;
    m_model->setObjects(objects);
    if (!m_table->currentIndex().isValid() && m_proxy->rowCount() > 0)
        m_table->selectRow(0);
    showCurrent();
    if (m_kind == Kind::Templates)
        emit templatesChanged(m_objects);
}

void CatalogPage::applyEvent(const QJsonObject& event) {
    if (m_kind != Kind::Templates)
        return;
    const QString name = event.value("event").toString();
    if (name == "template.problems") {
        setProblems(event.value("problems").toArray());
        return;
    }
    const QString key = name == "template.removed" ? event.value("name").toString()
                                                   : event.value("template").toObject().value("name").toString();
    if (key.isEmpty() || !QStringList{"template.added", "template.changed", "template.removed"}.contains(name))
        return;
    QJsonArray next;
    bool replaced = false;
    for (const QJsonValue& v : std::as_const(m_objects)) {
        if (v.toObject().value("name").toString() != key) {
            next.append(v);
        } else if (name != "template.removed") {
            next.append(event.value("template"));
            replaced = true;
        }
    }
    if (!replaced && name != "template.removed")
        next.append(event.value("template"));
    setObjects(next);
}

void CatalogPage::setProblems(const QJsonArray& problems) {
    if (!m_problems)
        return;
    QStringList lines;
    for (const QJsonValue& v : problems)
        lines << v.toObject().value("message").toString().toHtmlEscaped();
    m_problems->setText(tr("<b>%n template file(s) skipped:</b>", nullptr, int(lines.size())) + "<br>" +
                        lines.join("<br>"));
    m_problems->setVisible(!lines.isEmpty());
}

QString CatalogPage::problemsText() const {
    return m_problems && m_problems->isVisibleTo(this) ? m_problems->text() : QString();
}

void CatalogPage::buildTemplateActions(QToolBar* bar) {
    auto make = [this](const char* icon, const QString& text, const QKeySequence& key, const QString& tip) {
        auto* a = new QAction(QIcon::fromTheme(icon), text, this);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut); // only while this page has focus
        a->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        addAction(a);
        return a;
    };
    m_newTemplate = make("document-new", tr("New &Template…"), QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_N),
                         tr("Make a template"));
    m_editTemplate = make("document-edit", tr("&Edit…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                          tr("Change the selected template"));
    m_duplicateTemplate = make("edit-copy", tr("D&uplicate…"), QKeySequence(Qt::CTRL | Qt::Key_D),
                               tr("Make a template from a copy of the selected one"));
    m_deleteTemplate = make("edit-delete", tr("&Delete…"), QKeySequence(QKeySequence::Delete),
                            tr("Delete the selected template"));
    connect(m_newTemplate, &QAction::triggered, this, [this] { openTemplateDialog(int(TemplateDialog::Mode::Create)); });
    connect(m_editTemplate, &QAction::triggered, this, [this] { openTemplateDialog(int(TemplateDialog::Mode::Edit)); });
    connect(m_duplicateTemplate, &QAction::triggered, this,
            [this] { openTemplateDialog(int(TemplateDialog::Mode::Duplicate)); });
    connect(m_deleteTemplate, &QAction::triggered, this, &CatalogPage::deleteCurrentTemplate);
    bar->addSeparator();
    bar->addActions({m_newTemplate, m_editTemplate, m_duplicateTemplate, m_deleteTemplate});
    bar->addSeparator();
}

void CatalogPage::openTemplateDialog(int modeValue) {
    const auto mode = TemplateDialog::Mode(modeValue);
    if (!m_client || !m_client->isConnected())
        return;
    const QModelIndex current = m_table->currentIndex();
    QJsonObject source = current.data(JsonTableModel::ObjectRole).toJsonObject();
    if (mode == TemplateDialog::Mode::Create) {
        // A new template starts from the default one's values, as template.create does.
        const int row = m_model->rowOf(QStringLiteral("default"));
        source = row >= 0 ? m_model->object(row) : QJsonObject{{"image", "default"}, {"vcpus", 1}, {"memory_mib", 512}};
        source.remove("description");
        source.remove("name");
    } else if (source.isEmpty() || (mode == TemplateDialog::Mode::Edit && source.value("builtin").toBool())) {
        return;
    }
    QStringList taken;
    for (const QJsonValue& v : std::as_const(m_objects))
        taken << v.toObject().value("name").toString();
    auto* dialog = new TemplateDialog(m_client, mode, source, m_limits, taken, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        // The template.* event updates the table; select the template the user just saved.
        const QString name = dialog->templateName();
        QPointer<CatalogPage> self(this);
        QTimer::singleShot(0, this, [self, name] {
            if (!self)
                return;
            const int row = self->m_model->rowOf(name);
            if (row >= 0)
                self->m_table->selectRow(self->m_proxy->mapFromSource(self->m_model->index(row, 0)).row());
        });
    });
    dialog->open();
}

void CatalogPage::deleteCurrentTemplate() {
    const QJsonObject t = m_table->currentIndex().data(JsonTableModel::ObjectRole).toJsonObject();
    if (t.isEmpty() || t.value("builtin").toBool() || !m_client)
        return;
    const QString name = t.value("name").toString();
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete Template"),
                                tr("Delete template “%1”? Its file is deleted; sandboxes made from it "
                                   "keep their settings.").arg(name),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    // finished, not accepted: a message box's result is the button, not QDialog::Accepted.
    connect(box, &QMessageBox::finished, this, [this, box, name] {
        if (!m_client || box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return;
        QPointer<CatalogPage> self(this);
        m_client->request("template.remove", {{"name", name}}, [self, name](Result<QJsonObject> r) {
            if (self && !r)
                emit self->failed(tr("Could not delete template “%1”.").arg(name), r.error());
        });
    });
    box->open();
}

void CatalogPage::showCurrent() {
    while (m_form->rowCount() > 0)
        m_form->removeRow(0);
    const QModelIndex current = m_table->currentIndex();
    const QJsonObject object = current.data(JsonTableModel::ObjectRole).toJsonObject();
    const bool userTemplate = current.isValid() && !object.value("builtin").toBool();
    if (m_newSandbox)
        m_newSandbox->setEnabled(current.isValid());
    if (m_deleteImage)
        m_deleteImage->setEnabled(current.isValid() && object.value("kind").toString() == "pulled");
    if (m_editTemplate) {
        m_editTemplate->setEnabled(userTemplate);
        m_deleteTemplate->setEnabled(userTemplate);
        m_duplicateTemplate->setEnabled(current.isValid());
    }
    if (!current.isValid()) {
        m_title->setText(m_kind == Kind::Templates ? tr("No template selected") : tr("No image selected"));
        return;
    }
    const int row = m_proxy->mapToSource(current).row();
    m_title->setText(m_model->data(m_model->index(row, 0)).toString());
    auto addRow = [this](const QString& label, const QString& text) {
        auto* value = new QLabel(text, this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        m_form->addRow(label, value);
    };
    for (int c = 1; c < m_model->columnCount(); ++c)
        addRow(m_model->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString() + ':',
               m_model->data(m_model->index(row, c)).toString());
    if (m_kind == Kind::Images)
        return showImageDetails(object);
    if (object.contains("description"))
        addRow(tr("Description:"), object.value("description").toString());
    const QString workdir = object.value("workdir").toString();
    addRow(tr("Working directory:"), workdir.isEmpty() ? tr("The user's home directory") : workdir);
    const QString user = object.value("user").toString();
    addRow(tr("User:"), user.isEmpty() ? tr("root") : user);
    const QJsonObject env = object.value("env").toObject();
    QStringList vars;
    for (auto it = env.begin(); it != env.end(); ++it)
        vars << it.key() + '=' + it.value().toString();
    addRow(tr("Environment:"), vars.isEmpty() ? tr("Nothing added") : vars.join('\n'));
    if (object.contains("file"))
        addRow(tr("File:"), object.value("file").toString());
}

// --- Images: Pull… and Delete… ------------------------------------------------------------

void CatalogPage::buildImageActions(QToolBar* bar) {
    m_pullImage = new QAction(QIcon::fromTheme("download"), tr("&Pull…"), this);
    m_pullImage->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    m_pullImage->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_pullImage->setToolTip(tr("Pull an image from a registry (%1)")
                                .arg(m_pullImage->shortcut().toString(QKeySequence::NativeText)));
    m_deleteImage = new QAction(QIcon::fromTheme("edit-delete"), tr("&Delete…"), this);
    m_deleteImage->setShortcut(QKeySequence(QKeySequence::Delete));
    m_deleteImage->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_deleteImage->setToolTip(tr("Delete the selected pulled image"));
    m_deleteImage->setEnabled(false);
    addActions({m_pullImage, m_deleteImage});
    connect(m_pullImage, &QAction::triggered, this, [this] {
        if (!m_client)
            return;
        auto* dialog = new ImagePullDialog(m_client, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &ImagePullDialog::pulled, this, [this](const QString& name) {
            // Select the new image when the refreshed list brings it.
            connect(m_model, &QAbstractItemModel::rowsInserted, this, [this, name] {
                const int row = m_model->rowOf(name);
                if (row >= 0)
                    m_table->selectRow(m_proxy->mapFromSource(m_model->index(row, 0)).row());
            }, Qt::SingleShotConnection);
            refresh(m_client);
        });
        dialog->open();
    });
    connect(m_deleteImage, &QAction::triggered, this, &CatalogPage::deleteCurrentImage);
    bar->addActions({m_pullImage, m_deleteImage});
    bar->addSeparator();
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addActions({m_pullImage, m_deleteImage});
}

void CatalogPage::deleteCurrentImage() {
    const QJsonObject image = m_table->currentIndex().data(JsonTableModel::ObjectRole).toJsonObject();
    if (image.value("kind").toString() != "pulled" || !m_client)
        return;
    const QString name = image.value("name").toString();
    // The pinned name removes the image itself, whichever tags name it.
    const QString ref = image.value("refs").toArray().size() > 1 ? image.value("pinned").toString() : name;
    auto* box = new QMessageBox(QMessageBox::Question, tr("Delete Image"),
                                tr("Delete image “%1”? Sandboxes and templates that use it keep it "
                                   "from being deleted; pull it again to get it back.")
                                    .arg(name),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, name, ref] {
        if (!m_client || box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return;
        QPointer<CatalogPage> self(this);
        m_client->request("image.remove", {{"ref", ref}}, [self, name](Result<QJsonObject> r) {
            if (!self)
                return;
            if (!r)
                emit self->failed(tr("Could not delete image “%1”.").arg(name), r.error());
            self->refresh(self->m_client);
        });
    });
    box->open();
}

void CatalogPage::showImageDetails(const QJsonObject& image) {
    if (image.value("kind").toString() != "pulled")
        return;
    auto addRow = [this](const QString& label, const QString& text) {
        auto* value = new QLabel(text, this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        m_form->addRow(label, value);
    };
    QStringList refs;
    for (const QJsonValue& r : image.value("refs").toArray())
        refs << r.toString();
    addRow(tr("References:"), refs.join('\n'));
    addRow(tr("Digest:"), image.value("digest").toString());
    addRow(tr("Layers:"), tr("%1 (%2 compressed)")
                              .arg(image.value("layers").toInt())
                              .arg(JsonTableModel::formatBytes(image.value("size").toDouble())));
    const QJsonObject config = image.value("config").toObject();
    auto list = [](const QJsonValue& v) {
        QStringList out;
        for (const QJsonValue& s : v.toArray())
            out << s.toString();
        return out;
    };
    const QStringList command = list(config.value("Entrypoint")) + list(config.value("Cmd"));
    addRow(tr("Command:"), command.isEmpty() ? tr("None") : command.join(' '));
    addRow(tr("Working directory:"), config.value("WorkingDir").toString().isEmpty()
                                         ? tr("The user's home directory")
                                         : config.value("WorkingDir").toString());
    addRow(tr("User:"), config.value("User").toString().isEmpty() ? tr("root") : config.value("User").toString());
    const QStringList env = list(config.value("Env"));
    addRow(tr("Environment:"), env.isEmpty() ? tr("Nothing added") : env.join('\n'));
}

} // namespace vivarium::gui
