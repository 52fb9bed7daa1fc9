#include "PoolsPage.h"

#include "ApiClient.h"
#include "PoolChart.h"
#include "TemplateDialog.h"

#include <QDateTime>
#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {

QString coloured(int n, const QString& what, const QColor& c) {
    return QString("<span style='color:%1; font-weight:600'>%2</span> %3").arg(c.name()).arg(n).arg(what);
}

} // namespace

PoolsPage::PoolsPage(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Warm pools keep sandboxes booted ahead of time, so that creating one "
                                "from their template is instant. Set a pool in a template's dialog "
                                "or with: viv template edit NAME --pool-min 1 --pool-max 3"),
                             this);
    intro->setWordWrap(true);
    outer->addWidget(intro);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* inner = new QWidget(scroll);
    m_list = new QVBoxLayout(inner);
    m_empty = new QLabel(tr("No template has a warm pool."), inner);
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setEnabled(false);
    m_list->addWidget(m_empty);
    m_list->addStretch();
    scroll->setWidget(inner);
    outer->addWidget(scroll);
}

void PoolsPage::refresh(ApiClient* client) {
    m_client = client;
    if (!client)
        return;
    QPointer<PoolsPage> self(this);
    client->request("pool.list", {}, [self](Result<QJsonObject> r) {
        if (!self)
            return;
        if (!r) {
            emit self->failed(tr("Cannot list the warm pools."), r.error());
            return;
        }
        self->setPools(r->value("pools").toArray());
    });
}

void PoolsPage::applyEvent(const QJsonObject& event) {
    if (event.value("event").toString() != QLatin1String("pool.changed"))
        return;
    const QString name = event.value("template").toString();
    if (event.value("pool").isObject())
        update(event.value("pool").toObject());
    else
        removeCard(name);
}

void PoolsPage::setPools(const QJsonArray& pools) {
    QStringList seen;
    for (const QJsonValue& v : pools) {
        update(v.toObject());
        seen << v.toObject().value("template").toString();
    }
    for (const QString& name : m_cards.keys())
        if (!seen.contains(name))
            removeCard(name);
}

PoolsPage::Card& PoolsPage::card(const QString& name) {
    auto it = m_cards.find(name);
    if (it != m_cards.end())
        return *it;
    Card c;
    auto* box = new QFrame(m_list->parentWidget());
    box->setFrameShape(QFrame::StyledPanel);
    box->setAccessibleName(tr("Pool of template %1").arg(name));
    auto* grid = new QGridLayout(box);
    c.box = box;
    c.title = new QLabel("<b>" + name.toHtmlEscaped() + "</b>", box);
    c.counts = new QLabel(box);
    c.counts->setTextFormat(Qt::RichText);
    c.bounds = new QLabel(box);
    c.error = new QLabel(box);
    c.error->setWordWrap(true);
    QPalette p = c.error->palette();
    p.setColor(QPalette::WindowText, QColor(0xd0, 0x3b, 0x3b)); // as TemplateDialog's problems
    c.error->setPalette(p);
    c.error->hide();
    c.chart = new PoolChart(box);
    c.edit = new QPushButton(tr("Edit pool…"), box);
    c.edit->setToolTip(tr("Change this template's pool (and the rest of the template)"));
    connect(c.edit, &QPushButton::clicked, this, [this, name] { editPool(name); });
    grid->addWidget(c.title, 0, 0);
    grid->addWidget(c.edit, 0, 1, Qt::AlignRight);
    grid->addWidget(c.counts, 1, 0, 1, 2);
    grid->addWidget(c.bounds, 2, 0, 1, 2);
    grid->addWidget(c.error, 3, 0, 1, 2);
    grid->addWidget(c.chart, 4, 0, 1, 2);
    // Cards in name order, before the stretch.
    int index = 0;
    for (auto k = m_cards.cbegin(); k != m_cards.cend() && k.key() < name; ++k)
        ++index;
    m_list->insertWidget(index + 1, box); // after the empty-state label
    m_empty->hide();
    return *m_cards.insert(name, c);
}

void PoolsPage::update(const QJsonObject& pool) {
    const QString name = pool.value("template").toString();
    if (name.isEmpty())
        return;
    Card& c = card(name);
    c.counts->setText(coloured(pool.value("ready").toInt(), tr("ready"), PoolChart::readyColor()) + " · " +
                      coloured(pool.value("booting").toInt(), tr("booting"), PoolChart::bootingColor()) +
                      " · " + coloured(pool.value("in_use").toInt(), tr("in use"), PoolChart::inUseColor()));
    QString state = pool.value("state").toString();
    const QMap<QString, QString> states{{"ready", tr("full")}, {"filling", tr("filling")},
                                        {"error", tr("refills failing")}, {"draining", tr("being removed")}};
    c.bounds->setText(tr("min %1 · max %2 · target %3 · %4")
                          .arg(pool.value("min_ready").toInt())
                          .arg(pool.value("max").toInt())
                          .arg(pool.value("target").toInt())
                          .arg(states.value(state, state)));
    if (pool.value("error").isString()) {
        const QDateTime retry = QDateTime::fromString(pool.value("retry_at").toString(), Qt::ISODateWithMs);
        c.error->setText(retry.isValid()
                             ? tr("Refill failed (%1 in a row): %2 Next try at %3.")
                                   .arg(pool.value("failures").toInt())
                                   .arg(pool.value("error").toString(),
                                        QLocale().toString(retry.toLocalTime().time(), QLocale::LongFormat))
                             : tr("Refill failed: %1").arg(pool.value("error").toString()));
        c.error->show();
    } else {
        c.error->clear();
        c.error->hide();
    }
    if (pool.contains("history"))
        c.chart->setHistory(pool.value("history").toArray(), pool.value("max").toInt());
}

void PoolsPage::removeCard(const QString& name) {
    auto it = m_cards.find(name);
    if (it == m_cards.end())
        return;
    it->box->deleteLater();
    m_cards.erase(it);
    m_empty->setVisible(m_cards.isEmpty());
}

void PoolsPage::editPool(const QString& name) {
    if (!m_client)
        return;
    QPointer<PoolsPage> self(this);
    m_client->request("template.get", {{"name", name}}, [self, name](Result<QJsonObject> r) {
        if (!self || !self->m_client)
            return;
        if (!r) {
            emit self->failed(tr("Cannot open template “%1”.").arg(name), r.error());
            return;
        }
        auto* dialog = new TemplateDialog(self->m_client, TemplateDialog::Mode::Edit,
                                          r->value("template").toObject(), {}, {}, self);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->open();
    });
}

QString PoolsPage::countsText(const QString& name) const {
    const auto it = m_cards.constFind(name);
    return it == m_cards.cend() ? QString() : QTextDocumentFragment::fromHtml(it->counts->text()).toPlainText();
}

QString PoolsPage::boundsText(const QString& name) const {
    const auto it = m_cards.constFind(name);
    return it == m_cards.cend() ? QString() : it->bounds->text();
}

QString PoolsPage::errorText(const QString& name) const {
    const auto it = m_cards.constFind(name);
    return it == m_cards.cend() || it->error->isHidden() ? QString() : it->error->text();
}

PoolChart* PoolsPage::chart(const QString& name) const {
    const auto it = m_cards.constFind(name);
    return it == m_cards.cend() ? nullptr : it->chart;
}

QPushButton* PoolsPage::editButton(const QString& name) const {
    const auto it = m_cards.constFind(name);
    return it == m_cards.cend() ? nullptr : it->edit;
}

} // namespace vivarium::gui
