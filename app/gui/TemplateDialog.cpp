#include "TemplateDialog.h"

#include "ApiClient.h"
#include "EgressPolicy.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {

// The API's rules (docs/api.md, "Templates"); the service checks them again.
const QRegularExpression kName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"));
const QRegularExpression kEnvName(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,127}$"));
const QRegularExpression kUser(QStringLiteral("^([A-Za-z_][A-Za-z0-9_.-]{0,31}|[0-9]{1,10})$"));
constexpr int kMinDiskMiB = 64;

// A limit from template.list's `limits`, or the documented default when absent.
int limit(const QJsonObject& limits, const char* field, const char* bound, int fallback) {
    return limits.value(QLatin1String(field)).toObject().value(QLatin1String(bound)).toInt(fallback);
}

} // namespace

TemplateDialog::TemplateDialog(ApiClient* client, Mode mode, const QJsonObject& source,
                               const QJsonObject& limits, const QStringList& taken, QWidget* parent)
    : QDialog(parent), m_client(client), m_mode(mode), m_source(source), m_taken(taken),
      m_name(new QLineEdit(this)), m_description(new QLineEdit(this)), m_image(new QComboBox(this)),
      m_vcpus(new QSpinBox(this)), m_memory(new QSpinBox(this)), m_disk(new QSpinBox(this)),
      m_workdir(new QLineEdit(this)), m_user(new QLineEdit(this)), m_env(new QTableWidget(0, 2, this)),
      m_egress(new QComboBox(this)), m_allow(new QPlainTextEdit(this)), m_routes(new QListWidget(this)),
      m_routesNote(new QLabel(this)),
      m_status(new QLabel(this)), m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this)) {
    const QString sourceName = source.value("name").toString();
    switch (mode) {
    case Mode::Create:
        setWindowTitle(tr("New Template"));
        break;
    case Mode::Duplicate:
        setWindowTitle(tr("Duplicate Template “%1”").arg(sourceName));
        break;
    case Mode::Edit:
        setWindowTitle(tr("Edit Template “%1”").arg(sourceName));
        break;
    }

    m_name->setAccessibleName(tr("Name"));
    if (mode == Mode::Edit) {
        m_name->setText(sourceName);
        m_name->setReadOnly(true); // a template is renamed by duplicating it
    } else if (mode == Mode::Duplicate) {
        QString copy = sourceName + QStringLiteral("-copy");
        for (int n = 2; m_taken.contains(copy); ++n)
            copy = sourceName + QStringLiteral("-copy%1").arg(n);
        m_name->setText(copy);
    }
    m_name->setPlaceholderText(tr("e.g. web"));
    m_description->setText(mode == Mode::Create ? QString() : source.value("description").toString());
    m_description->setPlaceholderText(tr("optional"));
    m_description->setMaxLength(200);

    QStringList images;
    for (const QJsonValue& v : limits.value("images").toArray())
        images << v.toString();
    if (images.isEmpty())
        images = {QStringLiteral("default"), QStringLiteral("tiny")};
    m_image->setEditable(true); // image references (e.g. python:3.12-slim) are typed in
    m_image->addItems(images);
    m_image->setCurrentText(source.value("image").toString(images.first()));
    m_image->setToolTip(tr("The root filesystem of the sandboxes made from this template"));

    m_vcpus->setRange(limit(limits, "vcpus", "min", 1), limit(limits, "vcpus", "max", 16));
    m_vcpus->setValue(source.value("vcpus").toInt(1));
    m_memory->setRange(limit(limits, "memory_mib", "min", 64), limit(limits, "memory_mib", "max", 65536));
    m_memory->setSingleStep(64);
    m_memory->setSuffix(tr(" MiB"));
    m_memory->setValue(source.value("memory_mib").toInt(512));
    // 0 stands for "as large as the image", the API's absent disk_mib.
    m_disk->setRange(0, limit(limits, "disk_mib", "max", 1048576));
    m_disk->setSingleStep(256);
    m_disk->setSuffix(tr(" MiB"));
    m_disk->setSpecialValueText(tr("Image size"));
    m_disk->setValue(source.value("disk_mib").toInt(0));
    m_disk->setToolTip(tr("The disk the sandbox sees; its filesystem grows to fill it at boot"));

    m_workdir->setText(source.value("workdir").toString());
    m_workdir->setPlaceholderText(tr("the user's home directory"));
    m_user->setText(source.value("user").toString());
    m_user->setPlaceholderText(tr("root"));

    m_env->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
    m_env->horizontalHeader()->setStretchLastSection(true);
    m_env->verticalHeader()->hide();
    m_env->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_env->setAccessibleName(tr("Environment"));
    m_env->setMinimumHeight(120);
    const QJsonObject env = source.value("env").toObject();
    for (auto it = env.begin(); it != env.end(); ++it)
        addEnvRow(it.key(), it.value().toString());
    auto* addVar = new QPushButton(QIcon::fromTheme("list-add"), tr("&Add Variable"), this);
    m_removeVar = new QPushButton(QIcon::fromTheme("list-remove"), tr("Re&move Variable"), this);
    m_removeVar->setEnabled(false);
    connect(addVar, &QPushButton::clicked, this, [this] {
        addEnvRow({}, {});
        m_env->setCurrentCell(m_env->rowCount() - 1, 0);
        m_env->editItem(m_env->item(m_env->rowCount() - 1, 0));
    });
    connect(m_removeVar, &QPushButton::clicked, this, [this] {
        if (m_env->currentRow() >= 0)
            m_env->removeRow(m_env->currentRow());
        validate();
    });
    connect(m_env, &QTableWidget::currentCellChanged, this,
            [this](int row) { m_removeVar->setEnabled(row >= 0); });
    connect(m_env, &QTableWidget::itemChanged, this, &TemplateDialog::validate);
    auto* envButtons = new QHBoxLayout;
    envButtons->addWidget(addVar);
    envButtons->addWidget(m_removeVar);
    envButtons->addStretch();

    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();

    m_save = m_buttons->addButton(mode == Mode::Edit ? tr("&Save") : tr("C&reate"), QDialogButtonBox::AcceptRole);
    m_save->setDefault(true);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &TemplateDialog::save);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* form = new QFormLayout;
    // A problem label under each field that can have one, hidden while the field is fine.
    auto addRow = [&](const QString& label, QWidget* field, const QString& key = {}) {
        form->addRow(label, field);
        if (key.isEmpty())
            return;
        QLabel* problem = problemLabel();
        problem->setObjectName(key + QStringLiteral("Problem"));
        form->addRow(QString(), problem);
        m_problemLabels.insert(key, problem);
    };
    addRow(tr("&Name:"), m_name, QStringLiteral("name"));
    addRow(tr("&Description:"), m_description);
    addRow(tr("&Image:"), m_image, QStringLiteral("image"));
    addRow(tr("&vCPUs:"), m_vcpus);
    addRow(tr("&Memory:"), m_memory);
    addRow(tr("Dis&k:"), m_disk, QStringLiteral("disk_mib"));
    addRow(tr("&Working directory:"), m_workdir, QStringLiteral("workdir"));
    addRow(tr("&User:"), m_user, QStringLiteral("user"));
    auto* envBox = new QVBoxLayout;
    envBox->addWidget(m_env);
    envBox->addLayout(envButtons);
    form->addRow(tr("&Environment:"), envBox);
    QLabel* envProblem = problemLabel();
    envProblem->setObjectName(QStringLiteral("envProblem"));
    form->addRow(QString(), envProblem);
    m_problemLabels.insert(QStringLiteral("env"), envProblem);
    if (auto* envLabel = qobject_cast<QLabel*>(form->labelForField(envBox)))
        envLabel->setBuddy(m_env);

    // Network: the egress mode, the allowlist (proxy) and the credential routes.
    const QJsonObject network = source.value("network").toObject();
    m_egress->addItem(tr("None — no way out of the sandbox"), QStringLiteral("none"));
    m_egress->addItem(tr("Proxy — only the allowed hosts, through the host"), QStringLiteral("proxy"));
    m_egress->addItem(tr("Open — a network interface"), QStringLiteral("open"));
    m_egress->setAccessibleName(tr("Egress"));
    m_egress->setCurrentIndex(std::max(0, m_egress->findData(network.value("egress").toString("none"))));
    QStringList allow;
    for (const QJsonValue& v : network.value("allow").toArray())
        allow << v.toString();
    m_allow->setPlainText(allow.join('\n'));
    m_allow->setPlaceholderText(tr("one host a line: pypi.org, *.github.com:443, 10.0.0.5:8080"));
    m_allow->setAccessibleName(tr("Allowed hosts"));
    m_allow->setTabChangesFocus(true);
    m_allow->setFixedHeight(m_allow->fontMetrics().lineSpacing() * 4 + 12);
    m_routes->setAccessibleName(tr("Routes"));
    m_routes->setFixedHeight(m_routes->fontMetrics().lineSpacing() * 4 + 12);
    QStringList wanted;
    for (const QJsonValue& v : network.value("routes").toArray())
        wanted << v.toString();
    for (const QString& r : std::as_const(wanted)) { // the template's own, until route.list answers
        auto* item = new QListWidgetItem(r, m_routes);
        item->setData(Qt::UserRole, r);
        item->setCheckState(Qt::Checked);
    }
    m_routesNote->setWordWrap(true);
    m_routesNote->setEnabled(false);
    auto* networkBox = new QGroupBox(tr("Network"), this);
    auto* networkForm = new QFormLayout(networkBox);
    networkForm->addRow(tr("E&gress:"), m_egress);
    networkForm->addRow(tr("&Allowed hosts:"), m_allow);
    QLabel* allowProblem = problemLabel();
    allowProblem->setObjectName(QStringLiteral("allowProblem"));
    networkForm->addRow(QString(), allowProblem);
    m_problemLabels.insert(QStringLiteral("network.allow"), allowProblem);
    networkForm->addRow(tr("&Routes:"), m_routes);
    QLabel* routesProblem = problemLabel();
    routesProblem->setObjectName(QStringLiteral("routesProblem"));
    networkForm->addRow(QString(), routesProblem);
    m_problemLabels.insert(QStringLiteral("network.routes"), routesProblem);
    networkForm->addRow(QString(), m_routesNote);
    connect(m_egress, &QComboBox::currentIndexChanged, this, &TemplateDialog::validate);
    connect(m_allow, &QPlainTextEdit::textChanged, this, &TemplateDialog::validate);
    connect(m_routes, &QListWidget::itemChanged, this, &TemplateDialog::validate);
    if (m_client && m_client->isConnected()) {
        QPointer<TemplateDialog> self(this);
        m_client->request("route.list", {}, [self](Result<QJsonObject> r) {
            if (!self || !r)
                return;
            QStringList names;
            for (const QJsonValue& v : r->value("routes").toArray())
                names << v.toObject().value("name").toString();
            self->setAvailableRoutes(names);
        });
    }

    auto* note = new QLabel(tr("Commands in sandboxes made from this template get its environment, "
                               "working directory and user unless they give their own. A sandbox "
                               "keeps the settings it was made with."),
                            this);
    note->setWordWrap(true);
    note->setEnabled(false);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(networkBox);

    // Idle reaping: stop or hibernate a sandbox nobody used for a while (a warning goes first).
    m_idleTimeout = new QSpinBox(this);
    m_idleTimeout->setObjectName(QStringLiteral("idleTimeout"));
    m_idleTimeout->setRange(0, 7 * 24 * 3600);
    m_idleTimeout->setSingleStep(60);
    m_idleTimeout->setSuffix(tr(" s"));
    m_idleTimeout->setSpecialValueText(tr("Never"));
    m_idleTimeout->setValue(source.value("idle_timeout_s").toInt(0));
    m_idleTimeout->setAccessibleName(tr("Idle timeout in seconds"));
    m_idleAction = new QComboBox(this);
    m_idleAction->setObjectName(QStringLiteral("idleAction"));
    m_idleAction->addItem(tr("Stop it"), QStringLiteral("stop"));
    m_idleAction->addItem(tr("Hibernate it (processes kept, memory freed)"), QStringLiteral("hibernate"));
    m_idleAction->setCurrentIndex(source.value("idle_action").toString() == "hibernate" ? 1 : 0);
    m_idleAction->setEnabled(m_idleTimeout->value() > 0);
    connect(m_idleTimeout, &QSpinBox::valueChanged, m_idleAction,
            [this](int v) { m_idleAction->setEnabled(v > 0 && !m_busy); });
    auto* idleBox = new QGroupBox(tr("Idle sandboxes"), this);
    auto* idleForm = new QFormLayout(idleBox);
    idleForm->addRow(tr("After &idle for:"), m_idleTimeout);
    idleForm->addRow(tr("&Then:"), m_idleAction);
    layout->addWidget(idleBox);

    // Warm pool: sandboxes booted ahead of time, handed out at once by a create.
    const QJsonObject pool = source.value("pool").toObject();
    m_poolMin = new QSpinBox(this);
    m_poolMin->setRange(0, 32);
    m_poolMin->setValue(pool.value("min_ready").toInt(0));
    m_poolMin->setSpecialValueText(tr("None kept"));
    m_poolMin->setToolTip(tr("Sandboxes kept booted and ready, so that a new one from this template starts at once"));
    m_poolMax = new QSpinBox(this);
    m_poolMax->setRange(0, 32);
    m_poolMax->setValue(pool.value("max").toInt(0));
    m_poolMax->setSpecialValueText(tr("No pool"));
    m_poolMax->setToolTip(tr("The most the pool grows to when sandboxes are taken faster than it refills"));
    m_poolTtl = new QSpinBox(this);
    m_poolTtl->setRange(1, 7 * 24 * 3600);
    m_poolTtl->setSingleStep(60);
    m_poolTtl->setSuffix(tr(" s"));
    m_poolTtl->setValue(pool.value("idle_ttl_s").toInt(300));
    m_poolTtl->setToolTip(tr("How long extra ready sandboxes wait unclaimed before the pool shrinks back"));
    auto* poolBox = new QGroupBox(tr("Warm pool"), this);
    auto* poolForm = new QFormLayout(poolBox);
    poolForm->addRow(tr("Keep &ready:"), m_poolMin);
    poolForm->addRow(tr("Grow up to (&max):"), m_poolMax);
    poolForm->addRow(tr("Shrink after idle &for:"), m_poolTtl);
    QLabel* poolProblem = problemLabel();
    m_problemLabels.insert(QStringLiteral("pool"), poolProblem);
    poolForm->addRow(QString(), poolProblem);
    layout->addWidget(poolBox);
    for (QSpinBox* spin : {m_poolMin, m_poolMax})
        connect(spin, &QSpinBox::valueChanged, this, &TemplateDialog::validate);
    layout->addWidget(note);
    layout->addWidget(m_status);
    layout->addStretch();
    layout->addWidget(m_buttons);
    setMinimumWidth(480);

    for (QLineEdit* e : {m_name, m_workdir, m_user})
        connect(e, &QLineEdit::textChanged, this, &TemplateDialog::validate);
    connect(m_image, &QComboBox::currentTextChanged, this, &TemplateDialog::validate);
    connect(m_disk, &QSpinBox::valueChanged, this, &TemplateDialog::validate);
    validate();
    (mode == Mode::Edit ? static_cast<QWidget*>(m_image) : m_name)->setFocus();
}

QLabel* TemplateDialog::problemLabel() {
    auto* label = new QLabel(this);
    label->setWordWrap(true);
    // A red that reads on the light and dark schemes; the text says what is wrong, so the
    // colour is not the only cue.
    QPalette p = label->palette();
    p.setColor(QPalette::WindowText, QColor(0xd0, 0x3b, 0x3b));
    label->setPalette(p);
    label->hide();
    return label;
}

void TemplateDialog::addEnvRow(const QString& name, const QString& value) {
    const QSignalBlocker block(m_env);
    const int row = m_env->rowCount();
    m_env->insertRow(row);
    m_env->setItem(row, 0, new QTableWidgetItem(name));
    m_env->setItem(row, 1, new QTableWidgetItem(value));
}

void TemplateDialog::setEnvironment(const QList<std::pair<QString, QString>>& vars) {
    m_env->setRowCount(0);
    for (const auto& [name, value] : vars)
        addEnvRow(name, value);
    validate();
}

void TemplateDialog::setAvailableRoutes(const QStringList& routes) {
    // Keep what is ticked; a ticked route that does not exist stays, marked, to be unticked.
    QStringList ticked;
    for (int i = 0; i < m_routes->count(); ++i)
        if (m_routes->item(i)->checkState() == Qt::Checked)
            ticked << m_routes->item(i)->data(Qt::UserRole).toString(); // the name, without "(missing)"
    const QSignalBlocker block(m_routes);
    m_routes->clear();
    QStringList all = routes;
    for (const QString& r : std::as_const(ticked))
        if (!all.contains(r))
            all << r;
    for (const QString& r : std::as_const(all)) {
        auto* item = new QListWidgetItem(routes.contains(r) ? r : tr("%1 (missing)").arg(r), m_routes);
        item->setData(Qt::UserRole, r);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(ticked.contains(r) ? Qt::Checked : Qt::Unchecked);
    }
    m_routesNote->setText(routes.isEmpty() && ticked.isEmpty()
                              ? tr("No routes yet: add them on the Secrets & Routes page (Ctrl+4).")
                              : tr("A ticked route's base URL is $NAME_BASE_URL in the sandbox; the host adds its "
                                   "credentials."));
    m_availableRoutes = routes;
    m_routesKnown = true;
    validate();
}

QString TemplateDialog::templateName() const { return m_name->text().trimmed(); }

QString TemplateDialog::statusText() const { return m_status->isVisible() ? m_status->text() : QString(); }

QJsonObject TemplateDialog::fields() const {
    QJsonObject env;
    for (int row = 0; row < m_env->rowCount(); ++row) {
        const QString name = m_env->item(row, 0) ? m_env->item(row, 0)->text().trimmed() : QString();
        if (!name.isEmpty())
            env[name] = m_env->item(row, 1) ? m_env->item(row, 1)->text() : QString();
    }
    // Empty strings and a null disk_mib clear a setting (template.update is partial).
    return {{"description", m_description->text().trimmed()},
            {"image", m_image->currentText().trimmed()},
            {"vcpus", m_vcpus->value()},
            {"memory_mib", m_memory->value()},
            {"disk_mib", m_disk->value() > 0 ? QJsonValue(m_disk->value()) : QJsonValue(QJsonValue::Null)},
            {"env", env},
            {"workdir", m_workdir->text().trimmed()},
            {"user", m_user->text().trimmed()},
            {"network", networkFields()},
            {"pool", QJsonObject{{"min_ready", m_poolMin ? m_poolMin->value() : 0},
                                 {"max", m_poolMax ? m_poolMax->value() : 0},
                                 {"idle_ttl_s", m_poolTtl ? m_poolTtl->value() : 300}}},
            {"idle_timeout_s", m_idleTimeout ? m_idleTimeout->value() : 0},
            {"idle_action", m_idleAction ? m_idleAction->currentData().toString() : QStringLiteral("stop")}};
}

QJsonObject TemplateDialog::networkFields() const {
    QJsonArray allow, routes;
    for (const QString& line : m_allow->toPlainText().split('\n'))
        if (!line.trimmed().isEmpty())
            allow.append(line.trimmed());
    for (int i = 0; i < m_routes->count(); ++i)
        if (m_routes->item(i)->checkState() == Qt::Checked)
            routes.append(m_routes->item(i)->data(Qt::UserRole).toString());
    return {{"egress", m_egress->currentData().toString()}, {"allow", allow}, {"routes", routes}};
}

void TemplateDialog::validate() {
    if (!m_save)
        return; // still being built
    QMap<QString, QString> problems;
    const QString name = templateName();
    if (m_mode != Mode::Edit) {
        if (name.isEmpty())
            problems["name"] = tr("Give the template a name.");
        else if (!kName.match(name).hasMatch())
            problems["name"] = tr("A name is 1–63 letters, digits, “.”, “_” or “-”, starting with a "
                                  "letter or digit.");
        else if (m_taken.contains(name))
            problems["name"] = tr("There is already a template named “%1”.").arg(name);
    }
    if (m_image->currentText().trimmed().isEmpty())
        problems["image"] = tr("Choose the image sandboxes boot.");
    if (m_disk->value() > 0 && m_disk->value() < kMinDiskMiB)
        problems["disk_mib"] = tr("At least %1 MiB, or Image size.").arg(kMinDiskMiB);
    if (m_poolMin && m_poolMin->value() > m_poolMax->value())
        problems["pool"] = tr("The pool cannot keep more ready (%1) than its maximum (%2).")
                               .arg(m_poolMin->value())
                               .arg(m_poolMax->value());
    const QString workdir = m_workdir->text().trimmed();
    if (!workdir.isEmpty() && !workdir.startsWith('/'))
        problems["workdir"] = tr("An absolute path in the sandbox, such as /root.");
    const QString user = m_user->text().trimmed();
    if (!user.isEmpty() && (!kUser.match(user).hasMatch() || user.toULongLong() > 4294967294ULL))
        problems["user"] = tr("A user name (such as nobody) or a numeric uid.");
    QStringList seen;
    for (int row = 0; row < m_env->rowCount() && !problems.contains("env"); ++row) {
        const QString var = m_env->item(row, 0) ? m_env->item(row, 0)->text().trimmed() : QString();
        const QString value = m_env->item(row, 1) ? m_env->item(row, 1)->text() : QString();
        if (var.isEmpty() && value.isEmpty())
            continue; // a row just added; it is skipped until it has a name
        if (var.isEmpty())
            problems["env"] = tr("Row %1 has a value but no name.").arg(row + 1);
        else if (!kEnvName.match(var).hasMatch())
            problems["env"] = tr("“%1” is not a variable name: use letters, digits and “_”, not "
                                 "starting with a digit.").arg(var);
        else if (seen.contains(var))
            problems["env"] = tr("“%1” is set twice.").arg(var);
        seen << var;
    }
    // Network: each allowlist line as the service parses it; routes that exist.
    const QJsonObject network = networkFields();
    QStringList hosts;
    const QStringList lines = m_allow->toPlainText().split('\n');
    for (int i = 0; i < lines.size() && !problems.contains("network.allow"); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty())
            continue;
        if (auto entry = AllowEntry::parse(line); !entry)
            problems["network.allow"] = tr("Line %1: %2").arg(i + 1).arg(entry.error().message);
        else if (hosts.contains(line))
            problems["network.allow"] = tr("Line %1: “%2” is there twice.").arg(i + 1).arg(line);
        hosts << line;
    }
    if (m_routesKnown)
        for (const QJsonValue& r : network.value("routes").toArray())
            if (!m_availableRoutes.contains(r.toString()) && !problems.contains("network.routes"))
                problems["network.routes"] = tr("Route “%1” does not exist any more; untick it.").arg(r.toString());
    m_allow->setEnabled(!m_busy && m_egress->currentData().toString() != "none");
    m_problems = problems;
    for (auto it = m_problemLabels.begin(); it != m_problemLabels.end(); ++it) {
        it.value()->setText(problems.value(it.key()));
        it.value()->setVisible(problems.contains(it.key()));
    }
    m_save->setEnabled(!m_busy && problems.isEmpty());
}

void TemplateDialog::setBusy(bool busy) {
    m_busy = busy;
    for (QWidget* w : std::initializer_list<QWidget*>{m_description, m_image, m_vcpus, m_memory, m_disk,
                                                      m_workdir, m_user, m_env, m_egress, m_routes})
        w->setEnabled(!busy);
    m_name->setEnabled(!busy);
    validate();
}

void TemplateDialog::save() {
    validate();
    if (m_busy || !m_client || !m_problems.isEmpty())
        return;
    QJsonObject body = fields();
    body["name"] = templateName();
    if (m_mode == Mode::Duplicate)
        body["from"] = m_source.value("name").toString();
    setBusy(true);
    m_status->setText(tr("Saving…"));
    m_status->show();
    QPointer<TemplateDialog> self(this);
    m_client->request(m_mode == Mode::Edit ? "template.update" : "template.create", body,
                      [self](Result<QJsonObject> r) {
                          if (!self)
                              return;
                          self->setBusy(false);
                          if (!r) {
                              self->m_status->setText(tr("Could not save the template: %1").arg(r.error().message));
                              return;
                          }
                          self->accept();
                      });
}

} // namespace vivarium::gui
