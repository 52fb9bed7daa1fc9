// Paints a sandbox's recent CPU or memory use as a small line graph with the current value
// beside it ("12 %", "231 MiB"). Reads the model's HistoryRole (oldest sample first) and
// ScaleRole (the graph's top); the text is the cell's DisplayRole. Colours come from the
// palette only, so the cell reads right in light and dark palettes and when selected.
#pragma once

#include <QStyledItemDelegate>

namespace vivarium::gui {

class SparklineDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    // Where the samples fall in `area`: the newest at the right edge, one step per sample
    // of a full history, so the line scrolls left as samples arrive. Empty for fewer than two.
    static QPolygonF linePoints(const QList<double>& samples, double top, const QRectF& area,
                                int capacity);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace vivarium::gui
