#include "NewSandboxDialog.h"

#include "ApiClient.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QVBoxLayout>

namespace vivarium::gui {

NewSandboxDialog::NewSandboxDialog(ApiClient* client, const QJsonArray& templates, QWidget* parent)
    : QDialog(parent), m_client(client), m_template(new QComboBox(this)),
      m_image(new QComboBox(this)), m_name(new QLineEdit(this)), m_progress(new QProgressBar(this)), m_status(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Cancel, this)) {
    setWindowTitle(tr("New Sandbox"));
    for (const QJsonValue& v : templates) {
        const QJsonObject t = v.toObject();
        const QString name = t.value("name").toString();
        m_template->addItem(tr("%1 (%n vCPU(s), %2 MiB)", nullptr, t.value("vcpus").toInt())
                                .arg(name)
                                .arg(t.value("memory_mib").toInt()),
                            name);
    }
    if (const int i = m_template->findData(QStringLiteral("default")); i >= 0)
        m_template->setCurrentIndex(i);

    m_image->setObjectName("imageBox");
    m_image->addItem(tr("The template's image"), QString());
    m_image->setToolTip(tr("Pulled images (Images page). The template's vCPUs, memory, disk, "
                           "environment and user stay."));
    m_image->setAccessibleName(tr("Image"));
    loadImages();

    // The API's rule for names: 1–63 of A-Za-z0-9._-, starting with a letter or digit.
    m_name->setValidator(new QRegularExpressionValidator(
        QRegularExpression(QStringLiteral("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")), m_name));
    m_name->setPlaceholderText(tr("optional; chosen for you when empty"));
    m_name->setClearButtonEnabled(true);

    m_progress->setRange(0, 0);
    m_progress->hide();
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();

    QPushButton* createButton = m_buttons->addButton(tr("C&reate"), QDialogButtonBox::AcceptRole);
    createButton->setDefault(true);
    createButton->setEnabled(m_template->count() > 0);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &NewSandboxDialog::create);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* form = new QFormLayout;
    form->addRow(tr("&Template:"), m_template);
    form->addRow(tr("&Image:"), m_image);
    form->addRow(tr("&Name:"), m_name);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addStretch();
    layout->addWidget(m_buttons);
    setMinimumWidth(420);
}

void NewSandboxDialog::setBusy(bool busy) {
    m_busy = busy;
    m_template->setEnabled(!busy);
    m_image->setEnabled(!busy);
    m_name->setEnabled(!busy);
    m_progress->setVisible(busy);
    for (QAbstractButton* b : m_buttons->buttons())
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole)
            b->setEnabled(!busy);
    // Cancel closes the dialog; the service finishes the creation (the sandbox appears
    // in the list through its events), so the label says so.
    m_buttons->button(QDialogButtonBox::Cancel)->setText(busy ? tr("&Hide") : tr("&Cancel"));
}

void NewSandboxDialog::loadImages() {
    if (!m_client)
        return;
    QPointer<NewSandboxDialog> self(this);
    m_client->request("image.list", {}, [self](Result<QJsonObject> r) {
        if (!self || !r)
            return; // the template's image still works
        for (const QJsonValue& v : r->value("images").toArray()) {
            const QJsonObject i = v.toObject();
            if (i.value("kind").toString() != "pulled")
                continue;
            const QString name = i.value("name").toString();
            self->m_image->addItem(name, name);
            self->m_image->setItemData(self->m_image->count() - 1,
                                       i.value("digest").toString(), Qt::ToolTipRole);
        }
    });
}

void NewSandboxDialog::selectTemplate(const QString& name) {
    const int i = m_template->findData(name);
    if (i >= 0)
        m_template->setCurrentIndex(i);
}

void NewSandboxDialog::create() {
    if (m_busy || !m_client)
        return;
    QJsonObject body{{"template", m_template->currentData().toString()}};
    if (const QString image = m_image->currentData().toString(); !image.isEmpty())
        body["image"] = image;
    if (!m_name->text().isEmpty())
        body["name"] = m_name->text();
    setBusy(true);
    m_status->setText(tr("Creating the sandbox and waiting for it to boot…"));
    m_status->show();
    QPointer<NewSandboxDialog> self(this);
    m_client->request(
        "sandbox.create", body,
        [self](Result<QJsonObject> r) {
            if (!self)
                return;
            self->setBusy(false);
            if (!r) {
                self->m_status->setText(tr("Could not create the sandbox: %1").arg(r.error().text()));
                return;
            }
            self->m_createdId = r->value("sandbox").toObject().value("id").toString();
            self->accept();
        },
        [self](int percent, const QString& message) {
            if (!self)
                return;
            self->m_progress->setRange(0, 100);
            self->m_progress->setValue(percent);
            self->m_status->setText(message);
        });
}

} // namespace vivarium::gui
