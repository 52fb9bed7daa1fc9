#include "StateBadgeDelegate.h"

#include "SandboxModel.h"

#include <QApplication>
#include <QPainter>

namespace vivarium::gui {

QColor StateBadgeDelegate::badgeColor(const QString& state) {
    if (state == "ready") return QColor(0x1f, 0x88, 0x3d);     // green
    if (state == "running") return QColor(0x6f, 0x42, 0xc1);   // violet
    if (state == "booting" || state == "creating") return QColor(0x1f, 0x6f, 0xc5); // blue
    if (state == "stopping" || state == "removing") return QColor(0xb3, 0x6b, 0x00); // amber
    if (state == "error") return QColor(0xc6, 0x28, 0x28);     // red
    if (state == "paused") return QColor(0xc7, 0x8a, 0x00);    // amber: frozen, memory held
    if (state == "saving") return QColor(0x5c, 0x6b, 0xc0);   // indigo: memory going to disk
    if (state == "hibernated") return QColor(0x60, 0x7d, 0x8b); // blue-grey: memory on disk
    return QColor(0x6b, 0x72, 0x80);                           // stopped, unknown: grey
}

void StateBadgeDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                               const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    // Background, selection and focus as the style draws them.
    const QWidget* widget = opt.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (text.isEmpty())
        return;

    const QFontMetrics fm(opt.font);
    const int padX = fm.height() / 2;
    const int h = qMin(opt.rect.height() - 4, fm.height() + 4);
    const int w = fm.horizontalAdvance(text) + 2 * padX;
    const QRect badge(opt.rect.left() + 4, opt.rect.center().y() - h / 2 + 1, w, h);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setPen(Qt::NoPen);
    painter->setBrush(badgeColor(index.data(SandboxModel::StateRole).toString()));
    painter->drawRoundedRect(badge, h / 2.0, h / 2.0);
    painter->setPen(Qt::white);
    painter->setFont(opt.font);
    painter->drawText(badge, Qt::AlignCenter, text);
    painter->restore();
}

QSize StateBadgeDelegate::sizeHint(const QStyleOptionViewItem& option,
                                   const QModelIndex& index) const {
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    const QFontMetrics fm(option.font);
    s.setWidth(fm.horizontalAdvance(index.data().toString()) + fm.height() + 12);
    s.setHeight(qMax(s.height(), fm.height() + 8));
    return s;
}

} // namespace vivarium::gui
