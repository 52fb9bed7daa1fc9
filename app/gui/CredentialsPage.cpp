#include "CredentialsPage.h"

#include "ApiClient.h"
#include "EgressPolicy.h"
#include "RouteStore.h"
#include "SecretStore.h"

#include <QAction>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QToolBar>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {

QString str(const QJsonObject& o, const char* key) { return o.value(QLatin1String(key)).toString(); }

QStringList strings(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& s : v.toArray())
        out << s.toString();
    return out;
}

// "Authorization: Bearer {secret:OPENAI_API_KEY}", one per line: templates, never values.
QString headersText(const QJsonObject& route) {
    QStringList lines;
    for (const QJsonValue& h : route.value("headers").toArray())
        lines << str(h.toObject(), "name") + ": " + str(h.toObject(), "value");
    return lines.join('\n');
}

QList<JsonTableModel::Column> secretColumns() {
    return {
        {CredentialsPage::tr("Name"), [](const QJsonObject& o) { return str(o, "name"); }},
        {CredentialsPage::tr("Updated"),
         [](const QJsonObject& o) {
             const QDateTime t = QDateTime::fromString(str(o, "updated"), Qt::ISODate);
             return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::ShortFormat) : QString();
         },
         [](const QJsonObject& o) { return str(o, "updated"); }},
        {CredentialsPage::tr("Stored in"),
         [](const QJsonObject& o) {
             return str(o, "backend") == "keyring" ? CredentialsPage::tr("Desktop keyring")
                                                   : CredentialsPage::tr("Private file");
         }},
    };
}

QList<JsonTableModel::Column> routeColumns() {
    return {
        {CredentialsPage::tr("Name"), [](const QJsonObject& o) { return str(o, "name"); }},
        {CredentialsPage::tr("Upstream"), [](const QJsonObject& o) { return str(o, "upstream"); }},
        {CredentialsPage::tr("Headers"), [](const QJsonObject& o) { return headersText(o); }},
        {CredentialsPage::tr("In the sandbox"), [](const QJsonObject& o) { return "$" + str(o, "base_url_env"); }},
        {CredentialsPage::tr("Missing secrets"),
         [](const QJsonObject& o) { return strings(o.value("missing_secrets")).join(", "); }},
    };
}

QLabel* problemLabel(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, QColor(0xd0, 0x3b, 0x3b)); // as TemplateDialog's
    label->setPalette(p);
    label->hide();
    return label;
}

QTableView* makeTable(QAbstractItemModel* model, const QString& name, QWidget* parent) {
    auto* table = new QTableView(parent);
    table->setModel(model);
    table->setAccessibleName(name);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(QAbstractItemView::SingleSelection);
    table->verticalHeader()->hide();
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->horizontalHeader()->setStretchLastSection(true);
    table->setContextMenuPolicy(Qt::ActionsContextMenu);
    return table;
}

} // namespace

CredentialsPage::CredentialsPage(QWidget* parent)
    : QWidget(parent), m_secrets(new JsonTableModel("name", secretColumns(), this)),
      m_routes(new JsonTableModel("name", routeColumns(), this)), m_backend(new QLabel(this)),
      m_routeProblems(problemLabel(this)) {
    setObjectName("credentialsPage");
    m_secretTable = makeTable(m_secrets, tr("Secrets"), this);
    m_routeTable = makeTable(m_routes, tr("Routes"), this);

    auto action = [this](const char* icon, const QString& text, const QString& tip) {
        auto* a = new QAction(QIcon::fromTheme(icon), text, this);
        a->setToolTip(tip);
        return a;
    };
    m_setSecret = action("document-new", tr("&Set Secret…"), tr("Set a secret, or replace the selected one's value"));
    m_deleteSecret = action("edit-delete", tr("Delete Secret…"), tr("Delete the selected secret"));
    m_addRoute = action("list-add", tr("&Add Route…"), tr("Add a credential route"));
    m_editRoute = action("document-edit", tr("&Edit Route…"), tr("Change the selected route"));
    m_deleteRoute = action("edit-delete", tr("Delete Route…"), tr("Delete the selected route"));
    connect(m_setSecret, &QAction::triggered, this, &CredentialsPage::openSecretDialog);
    connect(m_deleteSecret, &QAction::triggered, this, [this] { confirmDelete(true); });
    connect(m_addRoute, &QAction::triggered, this, [this] { openRouteDialog(false); });
    connect(m_editRoute, &QAction::triggered, this, [this] { openRouteDialog(true); });
    connect(m_deleteRoute, &QAction::triggered, this, [this] { confirmDelete(false); });
    connect(m_routeTable, &QTableView::activated, m_editRoute, &QAction::trigger);
    m_secretTable->addActions({m_setSecret, m_deleteSecret});
    m_routeTable->addActions({m_addRoute, m_editRoute, m_deleteRoute});
    for (QTableView* t : {m_secretTable, m_routeTable})
        connect(t->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &CredentialsPage::updateActions);

    auto section = [this](const QString& title, const QList<QAction*>& actions, QTableView* table,
                          const QList<QWidget*>& extra, const QString& note) {
        auto* box = new QWidget(this);
        auto* layout = new QVBoxLayout(box);
        layout->setContentsMargins(6, 6, 6, 0);
        auto* heading = new QLabel("<b>" + title.toHtmlEscaped() + "</b>", box);
        auto* bar = new QToolBar(box);
        bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        bar->addActions(actions);
        auto* top = new QHBoxLayout;
        top->addWidget(heading);
        top->addStretch();
        top->addWidget(bar);
        layout->addLayout(top);
        for (QWidget* w : extra)
            layout->addWidget(w);
        layout->addWidget(table);
        auto* hint = new QLabel(note, box);
        hint->setWordWrap(true);
        hint->setEnabled(false);
        layout->addWidget(hint);
        return box;
    };
    m_backend->setWordWrap(true);
    m_backend->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_backend->setObjectName("secretBackend");
    m_routeProblems->setObjectName("routeProblems");
    m_routeProblems->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(section(tr("Secrets"), {m_setSecret, m_deleteSecret}, m_secretTable, {m_backend},
                             tr("Values stay on this computer: they are never shown again and never enter a "
                                "sandbox. Routes use them as {secret:NAME}.")));
    split->addWidget(section(tr("Routes"), {m_addRoute, m_editRoute, m_deleteRoute}, m_routeTable, {m_routeProblems},
                             tr("A sandbox whose template names a route calls $NAME_BASE_URL without any key; "
                                "the host adds the route's headers on the way to its upstream. Routes are "
                                "files in ~/.config/vivarium/routes.")));
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    updateActions();
}

void CredentialsPage::refresh(ApiClient* client) {
    m_client = client;
    if (!client || !client->isConnected())
        return updateActions();
    QPointer<CredentialsPage> self(this);
    client->request("secret.list", {}, [self](Result<QJsonObject> r) {
        if (!self)
            return;
        if (!r)
            return emit self->failed(tr("Cannot list the secrets."), r.error());
        self->m_backendName = r->value("backend").toString();
        QString text = tr("New secrets are kept in the %1.").arg(self->m_backendName);
        if (r->contains("backend_note"))
            text += ' ' + tr("(Not the desktop keyring: %1.)").arg(r->value("backend_note").toString());
        self->m_backend->setText(text);
        self->m_secrets->setObjects(r->value("secrets").toArray());
        self->updateActions();
    });
    client->request("route.list", {}, [self](Result<QJsonObject> r) {
        if (!self)
            return;
        if (!r)
            return emit self->failed(tr("Cannot list the routes."), r.error());
        self->m_routes->setObjects(r->value("routes").toArray());
        QStringList lines;
        for (const QJsonValue& v : r->value("problems").toArray())
            lines << v.toObject().value("message").toString().toHtmlEscaped();
        self->m_routeProblems->setText(tr("<b>%n route file(s) skipped:</b>", nullptr, int(lines.size())) + "<br>" +
                                       lines.join("<br>"));
        self->m_routeProblems->setVisible(!lines.isEmpty());
        self->updateActions();
    });
}

void CredentialsPage::applyEvent(const QJsonObject& event) {
    const QString name = event.value("event").toString();
    // A secret's change also changes which routes miss a secret: both lists again.
    if (name.startsWith(QLatin1String("secret.")) || name.startsWith(QLatin1String("route.")))
        refresh(m_client);
}

QString CredentialsPage::backendText() const { return m_backend->text(); }

QString CredentialsPage::routeProblemsText() const {
    return m_routeProblems->isVisibleTo(this) ? m_routeProblems->text() : QString();
}

void CredentialsPage::updateActions() {
    const bool connected = m_client && m_client->isConnected();
    m_setSecret->setEnabled(connected);
    m_addRoute->setEnabled(connected);
    m_deleteSecret->setEnabled(connected && m_secretTable->currentIndex().isValid());
    m_editRoute->setEnabled(connected && m_routeTable->currentIndex().isValid());
    m_deleteRoute->setEnabled(connected && m_routeTable->currentIndex().isValid());
}

void CredentialsPage::openSecretDialog() {
    if (!m_client)
        return;
    const QString current = m_secretTable->currentIndex().data(JsonTableModel::KeyRole).toString();
    auto* dialog = new SecretDialog(m_client, current, m_backendName, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void CredentialsPage::openRouteDialog(bool edit) {
    if (!m_client)
        return;
    const QJsonObject route =
        edit ? m_routeTable->currentIndex().data(JsonTableModel::ObjectRole).toJsonObject() : QJsonObject();
    if (edit && route.isEmpty())
        return;
    QStringList secrets, taken;
    for (int row = 0; row < m_secrets->rowCount(); ++row)
        secrets << m_secrets->object(row).value("name").toString();
    for (int row = 0; row < m_routes->rowCount(); ++row)
        taken << m_routes->object(row).value("name").toString();
    auto* dialog = new RouteDialog(m_client, route, secrets, taken, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
}

void CredentialsPage::confirmDelete(bool secret) {
    QTableView* table = secret ? m_secretTable : m_routeTable;
    const QString name = table->currentIndex().data(JsonTableModel::KeyRole).toString();
    if (name.isEmpty() || !m_client)
        return;
    auto* box = new QMessageBox(QMessageBox::Question, secret ? tr("Delete Secret") : tr("Delete Route"),
                                secret ? tr("Delete secret “%1”? Routes that use it stop working until it is set "
                                            "again.").arg(name)
                                       : tr("Delete route “%1”? Its file is deleted.").arg(name),
                                QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setDefaultButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::finished, this, [this, box, name, secret] {
        if (!m_client || box->standardButton(box->clickedButton()) != QMessageBox::Yes)
            return;
        QPointer<CredentialsPage> self(this);
        m_client->request(secret ? "secret.remove" : "route.remove", {{"name", name}},
                          [self, name, secret](Result<QJsonObject> r) {
                              if (self && !r)
                                  emit self->failed(secret ? tr("Could not delete secret “%1”.").arg(name)
                                                           : tr("Could not delete route “%1”.").arg(name),
                                                    r.error());
                          });
    });
    box->open();
}

// --- SecretDialog ------------------------------------------------------------------------

SecretDialog::SecretDialog(ApiClient* client, const QString& name, const QString& backend, QWidget* parent)
    : QDialog(parent), m_client(client), m_name(new QLineEdit(name, this)), m_value(new QLineEdit(this)),
      m_problemLabel(problemLabel(this)), m_status(new QLabel(this)) {
    setWindowTitle(name.isEmpty() ? tr("Set Secret") : tr("Replace Secret “%1”").arg(name));
    m_name->setAccessibleName(tr("Name"));
    m_name->setPlaceholderText(tr("e.g. OPENAI_API_KEY"));
    m_name->setReadOnly(!name.isEmpty());
    m_value->setAccessibleName(tr("Value"));
    m_value->setEchoMode(QLineEdit::Password);
    m_value->setPlaceholderText(tr("pasted here; never shown again"));
    m_status->setWordWrap(true);
    m_status->hide();
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_save = buttons->addButton(tr("&Save"), QDialogButtonBox::AcceptRole);
    m_save->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &SecretDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* form = new QFormLayout;
    form->addRow(tr("&Name:"), m_name);
    form->addRow(QString(), m_problemLabel);
    form->addRow(tr("&Value:"), m_value);
    auto* note = new QLabel(backend.isEmpty() ? tr("The value is kept on this computer and never enters a sandbox.")
                                              : tr("The value is kept in the %1 and never enters a sandbox.").arg(backend),
                            this);
    note->setWordWrap(true);
    note->setEnabled(false);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    setMinimumWidth(420);
    connect(m_name, &QLineEdit::textChanged, this, &SecretDialog::validate);
    connect(m_value, &QLineEdit::textChanged, this, &SecretDialog::validate);
    validate();
    (name.isEmpty() ? m_name : m_value)->setFocus();
}

QString SecretDialog::statusText() const { return m_status->isVisible() ? m_status->text() : QString(); }

void SecretDialog::validate() {
    const QString name = m_name->text().trimmed();
    if (name.isEmpty())
        m_problem = tr("Give the secret a name.");
    else if (!SecretStore::isValidName(name))
        m_problem = tr("A name is 1–64 upper-case letters, digits and “_”, not starting with a digit (e.g. "
                       "OPENAI_API_KEY).");
    else
        m_problem.clear();
    m_problemLabel->setText(m_problem);
    m_problemLabel->setVisible(!m_problem.isEmpty());
    m_save->setEnabled(!m_busy && m_problem.isEmpty() && !m_value->text().isEmpty());
}

void SecretDialog::save() {
    validate();
    if (m_busy || !m_client || !m_save->isEnabled())
        return;
    const QString name = m_name->text().trimmed();
    const QString value = m_value->text();
    m_value->clear(); // the dialog keeps no copy
    m_busy = true;
    m_value->setEnabled(false);
    m_status->setText(tr("Saving…"));
    m_status->show();
    validate();
    QPointer<SecretDialog> self(this);
    m_client->request("secret.set", {{"name", name}, {"value", value}}, [self](Result<QJsonObject> r) {
        if (!self)
            return;
        self->m_busy = false;
        self->m_value->setEnabled(true);
        if (!r) {
            self->m_status->setText(tr("Could not save the secret: %1").arg(r.error().message));
            self->validate();
            return;
        }
        self->m_storedIn = r->value("backend").toString();
        self->accept();
    });
}

// --- RouteDialog -------------------------------------------------------------------------

RouteDialog::RouteDialog(ApiClient* client, const QJsonObject& route, const QStringList& secrets,
                         const QStringList& taken, QWidget* parent)
    : QDialog(parent), m_client(client), m_edit(!route.isEmpty()), m_secrets(secrets), m_taken(taken),
      m_name(new QLineEdit(str(route, "name"), this)), m_upstream(new QLineEdit(str(route, "upstream"), this)),
      m_headers(new QTableWidget(0, 2, this)), m_warning(new QLabel(this)), m_status(new QLabel(this)) {
    setWindowTitle(m_edit ? tr("Edit Route “%1”").arg(str(route, "name")) : tr("Add Route"));
    m_name->setAccessibleName(tr("Name"));
    m_name->setReadOnly(m_edit);
    m_name->setPlaceholderText(tr("e.g. openai"));
    m_upstream->setAccessibleName(tr("Upstream"));
    m_upstream->setPlaceholderText(tr("e.g. https://api.openai.com/v1"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setAccessibleName(tr("Headers"));
    m_headers->setMinimumHeight(110);
    for (const QJsonValue& h : route.value("headers").toArray())
        addRow(str(h.toObject(), "name"), str(h.toObject(), "value"));
    if (!m_edit)
        addRow(QStringLiteral("Authorization"), QStringLiteral("Bearer {secret:}"));
    auto* add = new QPushButton(QIcon::fromTheme("list-add"), tr("Add &Header"), this);
    auto* remove = new QPushButton(QIcon::fromTheme("list-remove"), tr("&Remove Header"), this);
    connect(add, &QPushButton::clicked, this, [this] {
        addRow({}, {});
        m_headers->setCurrentCell(m_headers->rowCount() - 1, 0);
        m_headers->editItem(m_headers->item(m_headers->rowCount() - 1, 0));
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (m_headers->currentRow() >= 0)
            m_headers->removeRow(m_headers->currentRow());
        validate();
    });
    connect(m_headers, &QTableWidget::itemChanged, this, &RouteDialog::validate);
    auto* headerButtons = new QHBoxLayout;
    headerButtons->addWidget(add);
    headerButtons->addWidget(remove);
    headerButtons->addStretch();

    m_warning->setWordWrap(true);
    m_warning->setObjectName("routeWarning");
    m_warning->hide();
    m_status->setWordWrap(true);
    m_status->hide();
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_save = buttons->addButton(m_edit ? tr("&Save") : tr("&Add"), QDialogButtonBox::AcceptRole);
    m_save->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &RouteDialog::save);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* form = new QFormLayout;
    auto addField = [&](const QString& label, QWidget* field, QLayout* fieldLayout, const QString& key) {
        if (fieldLayout)
            form->addRow(label, fieldLayout);
        else
            form->addRow(label, field);
        QLabel* problem = problemLabel(this);
        problem->setObjectName(key + QStringLiteral("Problem"));
        form->addRow(QString(), problem);
        m_problemLabels.insert(key, problem);
    };
    addField(tr("&Name:"), m_name, nullptr, "name");
    addField(tr("&Upstream:"), m_upstream, nullptr, "upstream");
    auto* headerBox = new QVBoxLayout;
    headerBox->addWidget(m_headers);
    headerBox->addLayout(headerButtons);
    addField(tr("&Headers:"), nullptr, headerBox, "headers");
    auto* note = new QLabel(tr("Write a secret as {secret:NAME}; the host puts its value in when a sandbox's "
                               "request goes out. Secrets set now: %1.")
                                .arg(secrets.isEmpty() ? tr("none") : secrets.join(", ")),
                            this);
    note->setWordWrap(true);
    note->setEnabled(false);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_warning);
    layout->addWidget(m_status);
    layout->addWidget(buttons);
    setMinimumWidth(560);
    connect(m_name, &QLineEdit::textChanged, this, &RouteDialog::validate);
    connect(m_upstream, &QLineEdit::textChanged, this, &RouteDialog::validate);
    validate();
    (m_edit ? m_upstream : m_name)->setFocus();
}

void RouteDialog::addRow(const QString& name, const QString& value) {
    const QSignalBlocker block(m_headers);
    const int row = m_headers->rowCount();
    m_headers->insertRow(row);
    m_headers->setItem(row, 0, new QTableWidgetItem(name));
    m_headers->setItem(row, 1, new QTableWidgetItem(value));
}

void RouteDialog::setHeaders(const QList<std::pair<QString, QString>>& headers) {
    m_headers->setRowCount(0);
    for (const auto& [name, value] : headers)
        addRow(name, value);
    validate();
}

QJsonObject RouteDialog::request() const {
    QJsonArray headers;
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const QString name = m_headers->item(row, 0) ? m_headers->item(row, 0)->text().trimmed() : QString();
        const QString value = m_headers->item(row, 1) ? m_headers->item(row, 1)->text() : QString();
        if (!name.isEmpty() || !value.isEmpty())
            headers.append(QJsonObject{{"name", name}, {"value", value.trimmed()}});
    }
    return {{"name", m_name->text().trimmed()}, {"upstream", m_upstream->text().trimmed()}, {"headers", headers}};
}

QString RouteDialog::warningText() const { return m_warning->isVisibleTo(this) ? m_warning->text() : QString(); }
QString RouteDialog::statusText() const { return m_status->isVisibleTo(this) ? m_status->text() : QString(); }

void RouteDialog::validate() {
    QMap<QString, QString> problems;
    const QJsonObject req = request();
    const QString name = req.value("name").toString();
    if (!m_edit) {
        if (name.isEmpty())
            problems["name"] = tr("Give the route a name.");
        else if (!EgressRoute::isValidRouteName(name))
            problems["name"] = tr("A name is 1–32 lower-case letters, digits and “_”, starting with a letter.");
        else if (m_taken.contains(name))
            problems["name"] = tr("There is already a route named “%1”.").arg(name);
    }
    // The service's own checks, field by field (the first problem of each is shown).
    Route checked;
    for (const RouteStore::FieldError& e : RouteStore::validate(req, &checked))
        if (!problems.contains(e.field) && !(e.field == "upstream" && req.value("upstream").toString().isEmpty()))
            problems[e.field] = sentenceOf(e.message);
    if (req.value("upstream").toString().isEmpty())
        problems["upstream"] = tr("The URL requests go to, e.g. https://api.openai.com/v1.");
    m_problems = problems;
    for (auto it = m_problemLabels.begin(); it != m_problemLabels.end(); ++it) {
        it.value()->setText(problems.value(it.key()));
        it.value()->setVisible(problems.contains(it.key()));
    }
    QStringList missing;
    if (problems.isEmpty())
        for (const QString& secret : checked.secretNames())
            if (!m_secrets.contains(secret))
                missing << secret;
    m_warning->setText(missing.isEmpty() ? QString()
                                         : tr("Not set yet: %1. Set it before a sandbox uses this route.")
                                               .arg(missing.join(", ")));
    m_warning->setVisible(!missing.isEmpty());
    m_save->setEnabled(!m_busy && problems.isEmpty());
}

void RouteDialog::save() {
    validate();
    if (m_busy || !m_client || !m_problems.isEmpty())
        return;
    m_busy = true;
    m_status->setText(tr("Saving…"));
    m_status->show();
    validate();
    QPointer<RouteDialog> self(this);
    m_client->request(m_edit ? "route.update" : "route.add", request(), [self](Result<QJsonObject> r) {
        if (!self)
            return;
        self->m_busy = false;
        if (!r) {
            self->m_status->setText(tr("Could not save the route: %1").arg(r.error().message));
            self->validate();
            return;
        }
        self->accept();
    });
}

} // namespace vivarium::gui
