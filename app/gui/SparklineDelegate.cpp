#include "SparklineDelegate.h"

#include "SandboxModel.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace vivarium::gui {

QPolygonF SparklineDelegate::linePoints(const QList<double>& samples, double top,
                                        const QRectF& area, int capacity) {
    QPolygonF points;
    if (samples.size() < 2 || area.width() <= 0 || area.height() <= 0)
        return points;
    const int steps = qMax(capacity, int(samples.size())) - 1;
    const double step = area.width() / steps;
    const double scale = top > 0 ? top : 1;
    const qsizetype first = samples.size() - 1;
    for (qsizetype i = 0; i < samples.size(); ++i) {
        const double x = area.right() - double(first - i) * step;
        const double y = area.bottom() - qBound(0.0, samples[i] / scale, 1.0) * area.height();
        points << QPointF(x, y);
    }
    return points;
}

void SparklineDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    // Background, selection and focus as the style draws them.
    const QWidget* widget = opt.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const bool selected = opt.state & QStyle::State_Selected;
    const QPalette::ColorGroup group = !(opt.state & QStyle::State_Enabled) ? QPalette::Disabled
                                       : (opt.state & QStyle::State_Active) ? QPalette::Active
                                                                            : QPalette::Inactive;
    const QColor textColor =
        opt.palette.color(group, selected ? QPalette::HighlightedText : QPalette::Text);
    // The line in the accent colour, unless it sits on that colour (a selected row).
    const QColor lineColor =
        selected ? textColor : opt.palette.color(group, QPalette::Highlight);

    const QFontMetrics fm(opt.font);
    const int pad = 4;
    const QRect inner = opt.rect.adjusted(pad, 3, -pad, -3);
    const int textWidth = fm.horizontalAdvance(QStringLiteral("0000 MiB"));
    const QRect textRect(inner.right() - textWidth, inner.top(), textWidth, inner.height());
    const QRectF graph(inner.left(), inner.top() + 1, inner.width() - textWidth - pad,
                       inner.height() - 2);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QPolygonF line =
        linePoints(index.data(SandboxModel::HistoryRole).value<QList<double>>(),
                   index.data(SandboxModel::ScaleRole).toDouble(), graph,
                   SandboxModel::kHistoryLength);
    if (!line.isEmpty()) {
        QPainterPath area;
        area.moveTo(line.first().x(), graph.bottom());
        for (const QPointF& p : line)
            area.lineTo(p);
        area.lineTo(line.last().x(), graph.bottom());
        area.closeSubpath();
        QColor fill = lineColor;
        fill.setAlphaF(0.25);
        painter->fillPath(area, fill);
        painter->setPen(QPen(lineColor, 1.5));
        painter->drawPolyline(line);
    }
    if (!text.isEmpty()) {
        painter->setPen(textColor);
        painter->setFont(opt.font);
        painter->drawText(textRect, Qt::AlignRight | Qt::AlignVCenter, text);
    }
    painter->restore();
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem& option,
                                  const QModelIndex& index) const {
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    const QFontMetrics fm(option.font);
    // Room for the value and a graph about as wide again.
    s.setWidth(2 * fm.horizontalAdvance(QStringLiteral("0000 MiB")) + 12);
    s.setHeight(qMax(s.height(), fm.height() + 8));
    return s;
}

} // namespace vivarium::gui
