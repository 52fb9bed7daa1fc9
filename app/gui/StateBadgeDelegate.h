// Paints a sandbox's state as a rounded, colored badge. The badge colors are the only
// fixed colors in the app: saturated mid-tones with white text, legible on light and dark
// palettes alike. Everything else about the cell (selection, focus) follows the style.
#pragma once

#include <QStyledItemDelegate>

namespace vivarium::gui {

class StateBadgeDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    static QColor badgeColor(const QString& state);

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace vivarium::gui
