#include "PoolChart.h"

#include <QJsonObject>
#include <QPainter>
#include <QPainterPath>

namespace vivarium::gui {

PoolChart::PoolChart(QWidget* parent) : QWidget(parent) {
    setAccessibleName(tr("Pool history"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setMinimumHeight(60);
}

QColor PoolChart::readyColor() { return QColor(0x2e, 0xa0, 0x43); }
QColor PoolChart::bootingColor() { return QColor(0xd9, 0x8c, 0x1f); }
QColor PoolChart::inUseColor() { return QColor(0x3b, 0x7d, 0xd8); }

void PoolChart::setHistory(const QJsonArray& samples, int max) {
    m_samples.clear();
    for (const QJsonValue& v : samples) {
        const QJsonObject o = v.toObject();
        m_samples.append({o.value("t").toInteger(), o.value("ready").toInt(), o.value("booting").toInt(),
                          o.value("in_use").toInt()});
    }
    m_max = max;
    update();
}

int PoolChart::peak() const {
    int peak = 0;
    for (const Sample& s : m_samples)
        peak = std::max(peak, s.ready + s.booting + s.inUse);
    return peak;
}

void PoolChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF area = QRectF(rect()).adjusted(1, 4, -1, -1);
    p.setPen(palette().color(QPalette::Mid));
    p.drawLine(area.bottomLeft(), area.bottomRight());
    if (m_samples.size() < 2) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(area, Qt::AlignCenter, tr("History appears as the pool is sampled"));
        return;
    }
    // At least a minute wide, so the first samples do not stretch across the whole chart.
    const qint64 last = m_samples.last().t;
    const qint64 first = std::min(m_samples.first().t, last - 60000);
    const double top = std::max({1, m_max, peak()});
    auto x = [&](qint64 t) { return area.left() + area.width() * double(t - first) / double(last - first); };
    auto y = [&](double v) { return area.bottom() - area.height() * v / top; };
    // Three stacked bands: in use at the bottom, then ready, then booting.
    const std::function<int(const Sample&)> layers[] = {
        [](const Sample& s) { return s.inUse; },
        [](const Sample& s) { return s.inUse + s.ready; },
        [](const Sample& s) { return s.inUse + s.ready + s.booting; }};
    const QColor colors[] = {inUseColor(), readyColor(), bootingColor()};
    for (int layer = 2; layer >= 0; --layer) { // the tallest first, each lower one over it
        QPainterPath path(QPointF(x(m_samples.first().t), area.bottom()));
        for (const Sample& s : std::as_const(m_samples))
            path.lineTo(x(s.t), y(layers[layer](s)));
        path.lineTo(x(m_samples.last().t), area.bottom());
        path.closeSubpath();
        QColor fill = colors[layer];
        fill.setAlpha(170);
        p.fillPath(path, fill);
    }
    if (m_max > 0) { // the pool's bound, dashed
        QPen pen(palette().color(QPalette::Text), 1, Qt::DashLine);
        p.setPen(pen);
        p.drawLine(QPointF(area.left(), y(m_max)), QPointF(area.right(), y(m_max)));
    }
}

} // namespace vivarium::gui
