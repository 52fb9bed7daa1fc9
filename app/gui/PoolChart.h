// A small stacked-area chart of one warm pool's history: in use (bottom), ready and booting
// sandboxes over the last minutes, drawn with QPainter (Qt Charts is GPL-only). It only paints
// what it is given; PoolsPage feeds it pool.list / pool.changed history samples.
#pragma once

#include <QJsonArray>
#include <QWidget>

namespace vivarium::gui {

class PoolChart : public QWidget {
    Q_OBJECT
public:
    explicit PoolChart(QWidget* parent = nullptr);

    // Samples [{t (ms since epoch), ready, booting, in_use}, …], oldest first; `max` the pool's
    // bound (the chart's height is at least that).
    void setHistory(const QJsonArray& samples, int max);
    int sampleCount() const { return int(m_samples.size()); }
    int peak() const; // the highest stacked total drawn

    static QColor readyColor();
    static QColor bootingColor();
    static QColor inUseColor();

    QSize sizeHint() const override { return {360, 90}; }
    QSize minimumSizeHint() const override { return {160, 60}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    struct Sample {
        qint64 t;
        int ready, booting, inUse;
    };
    QList<Sample> m_samples;
    int m_max = 0;
};

} // namespace vivarium::gui
