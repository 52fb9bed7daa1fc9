#include "ImagePullDialog.h"

#include "ApiClient.h"
#include "JsonTableModel.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

namespace vivarium::gui {

void LayerProgressDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                                  const QModelIndex& index) const {
    const QVariant value = index.data(ProgressRole);
    if (!value.isValid() || value.toInt() < 0) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionProgressBar bar;
    bar.rect = option.rect.adjusted(2, 3, -2, -3);
    bar.minimum = 0;
    bar.maximum = 100;
    bar.progress = value.toInt();
    bar.text = QStringLiteral("%1%").arg(bar.progress);
    bar.textVisible = true;
    bar.state = option.state | QStyle::State_Horizontal;
    bar.palette = option.palette;
    bar.fontMetrics = option.fontMetrics;
    QStyle* style = option.widget ? option.widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ProgressBar, &bar, painter, option.widget);
}

namespace {

// What the service's layer states mean to a person.
QString stateText(const QString& state) {
    if (state == "waiting")
        return ImagePullDialog::tr("Waiting");
    if (state == "held")
        return ImagePullDialog::tr("Another pull is fetching it");
    if (state == "downloading")
        return ImagePullDialog::tr("Downloading");
    if (state == "cached")
        return ImagePullDialog::tr("Already here");
    if (state == "downloaded")
        return ImagePullDialog::tr("Downloaded");
    if (state == "extracting")
        return ImagePullDialog::tr("Extracting");
    if (state == "extracted")
        return ImagePullDialog::tr("Extracted");
    return state;
}

} // namespace

ImagePullDialog::ImagePullDialog(ApiClient* client, QWidget* parent)
    : QDialog(parent), m_client(client), m_reference(new QLineEdit(this)),
      m_insecure(new QCheckBox(
          tr("Insecure registry: allow plain HTTP and unverified certificates"), this)),
      m_layers(new QStandardItemModel(0, ColumnCount, this)), m_table(new QTableView(this)),
      m_overall(new QProgressBar(this)), m_status(new QLabel(this)),
      m_buttons(new QDialogButtonBox(QDialogButtonBox::Close, this)),
      m_cancelPull(new QPushButton(tr("C&ancel Pull"), this)) {
    setObjectName("imagePullDialog");
    setWindowTitle(tr("Pull Image"));
    m_reference->setPlaceholderText(tr("python:3.12-slim, ghcr.io/owner/image:tag"));
    m_reference->setAccessibleName(tr("Image reference"));
    m_insecure->setToolTip(tr("A registry on this computer (localhost, 127.0.0.1) may always use "
                              "plain HTTP. Any other needs TLS unless you allow this."));
    auto* form = new QFormLayout;
    form->addRow(tr("&Image:"), m_reference);
    form->addRow(QString(), m_insecure);

    m_layers->setHorizontalHeaderLabels({tr("Layer"), tr("Size"), tr("Progress"), tr("State")});
    m_table->setModel(m_layers);
    m_table->setItemDelegateForColumn(ProgressColumn, new LayerProgressDelegate(m_table));
    m_table->setAccessibleName(tr("Layers"));
    m_table->verticalHeader()->hide();
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(ProgressColumn, QHeaderView::Stretch);
    m_table->setMinimumHeight(140);

    m_overall->setRange(0, 100);
    m_overall->setValue(0);
    m_overall->setAccessibleName(tr("Overall progress"));
    m_overall->hide();
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* pull = m_buttons->addButton(tr("&Pull"), QDialogButtonBox::AcceptRole);
    pull->setDefault(true);
    // Not QDialog::accept: the dialog stays open to show the pull.
    connect(m_buttons, &QDialogButtonBox::accepted, this, &ImagePullDialog::startPull);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_reference, &QLineEdit::textChanged, this, &ImagePullDialog::updateButtons);
    m_cancelPull->setObjectName("cancelPullButton");
    m_cancelPull->setToolTip(tr("Stop this pull. Layers downloaded so far are kept, and pulling "
                                "again resumes them."));
    m_buttons->addButton(m_cancelPull, QDialogButtonBox::ActionRole);
    connect(m_cancelPull, &QPushButton::clicked, this, &ImagePullDialog::cancelPull);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_overall);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    resize(620, 360);
    updateButtons();
}

QString ImagePullDialog::statusText() const {
    return m_status->text();
}

void ImagePullDialog::updateButtons() {
    for (QAbstractButton* b : m_buttons->buttons())
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole)
            b->setEnabled(!m_pulling && !m_reference->text().trimmed().isEmpty());
    m_reference->setReadOnly(m_pulling);
    m_insecure->setEnabled(!m_pulling);
    m_cancelPull->setVisible(m_pulling);
    m_cancelPull->setEnabled(m_pulling && !m_cancelling);
}

void ImagePullDialog::cancelPull() {
    if (!m_pulling || m_cancelling || !m_client)
        return;
    m_cancelling = true;
    m_status->setText(tr("Cancelling the pull of %1…").arg(m_pullingRef.toHtmlEscaped()));
    updateButtons();
    QPointer<ImagePullDialog> self(this);
    m_client->request("image.pull.cancel", {{"ref", m_pullingRef}},
                      [self](Result<QJsonObject> r) {
                          // not_pulling: it ended meanwhile; its own answer tells how.
                          if (!self || r || r.error().code == "not_pulling")
                              return;
                          self->m_cancelling = false;
                          self->m_status->setText(tr("Could not cancel the pull: %1")
                                                      .arg(r.error().message.toHtmlEscaped()));
                          self->updateButtons();
                      });
}

void ImagePullDialog::startPull() {
    const QString ref = m_reference->text().trimmed();
    if (ref.isEmpty() || m_pulling || !m_client || !m_client->isConnected())
        return;
    m_pulling = true;
    m_cancelling = false;
    m_pullingRef = ref;
    m_layers->removeRows(0, m_layers->rowCount());
    m_overall->setValue(0);
    m_overall->show();
    m_status->setText(tr("Pulling %1…").arg(ref));
    updateButtons();
    QPointer<ImagePullDialog> self(this);
    m_client->request(
        "image.pull", {{"ref", ref}, {"insecure", m_insecure->isChecked()}},
        [self](Result<QJsonObject> r) {
            if (self)
                self->applyResult(r);
        },
        {},
        [self](const QJsonObject& progress) {
            if (self)
                self->applyProgress(progress);
        });
}

void ImagePullDialog::applyProgress(const QJsonObject& progress) {
    const QJsonArray layers = progress.value("layers").toArray();
    if (m_layers->rowCount() != layers.size()) {
        m_layers->removeRows(0, m_layers->rowCount());
        for (int i = 0; i < layers.size(); ++i) {
            QList<QStandardItem*> row;
            for (int c = 0; c < ColumnCount; ++c)
                row << new QStandardItem;
            m_layers->appendRow(row);
        }
    }
    for (int i = 0; i < layers.size(); ++i) {
        const QJsonObject l = layers[i].toObject();
        const qint64 size = l.value("size").toInteger(), done = l.value("done").toInteger();
        const QString digest = l.value("digest").toString();
        m_layers->item(i, DigestColumn)->setText(digest.mid(7, 12));
        m_layers->item(i, DigestColumn)->setToolTip(digest);
        m_layers->item(i, SizeColumn)->setText(JsonTableModel::formatBytes(double(size)));
        m_layers->item(i, SizeColumn)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        const int percent = size > 0 ? int(100 * done / size) : 100;
        QStandardItem* bar = m_layers->item(i, ProgressColumn);
        bar->setData(l.value("state").toString() == "waiting" ? -1 : percent,
                     LayerProgressDelegate::ProgressRole);
        bar->setText(QStringLiteral("%1%").arg(percent)); // for screen readers and copying
        m_layers->item(i, StateColumn)->setText(stateText(l.value("state").toString()));
    }
    m_overall->setValue(progress.value("percent").toInt());
    const QString message = progress.value("message").toString();
    if (!message.isEmpty())
        m_status->setText(message);
}

void ImagePullDialog::applyResult(const Result<QJsonObject>& result) {
    m_pulling = false;
    m_cancelling = false;
    updateButtons();
    if (!result) {
        m_overall->hide();
        const Error& e = result.error();
        if (e.code == "cancelled") {
            m_status->setText(tr("The pull was cancelled. Layers downloaded so far are kept; "
                                 "pulling again resumes them."));
            return;
        }
        m_status->setText(tr("<b>The pull failed.</b> %1").arg(e.message.toHtmlEscaped()) +
                          (e.detail.isEmpty()
                               ? QString()
                               : "<br><small>" + e.detail.toHtmlEscaped() + "</small>"));
        return;
    }
    const QJsonObject image = result->value("image").toObject();
    m_overall->setValue(100);
    m_status->setText(tr("Pulled %1 (%2).")
                          .arg(image.value("name").toString().toHtmlEscaped(),
                               image.value("digest").toString().left(19)));
    emit pulled(image.value("name").toString());
}

} // namespace vivarium::gui
