// The sandboxes a connection can see, as a table: seeded from `sandbox.list` and kept
// current by the API's events alone (sandbox.added/removed/state, run.started/exited), so
// sandboxes made by agents or by `viv` appear by themselves. `sandbox.stats` events feed the
// CPU and Memory columns, each with a short history (kHistoryLength samples) for a
// sparkline. Holds no connection and makes no requests: the window feeds it, and tests feed
// it recorded JSON.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QTimer>

#include <functional>

namespace vivarium::gui {

class SandboxModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Template, State, Uptime, Runs, Cpu, Memory, ColumnCount };
    enum Role {
        IdRole = Qt::UserRole + 1, // QString: the sandbox id
        StateRole,                 // QString: the API's state name, or "running" for a ready
                                   // sandbox with a live run (for the badge delegate)
        ObjectRole,                // QJsonObject: the whole sandbox object
        SortRole,                  // a value that sorts the column naturally
        HistoryRole,               // QList<double>: Cpu/Memory samples, oldest first
        ScaleRole,                 // double: the top of the Cpu/Memory graph
    };
    // About two minutes at the service's default interval of 2 s.
    static constexpr int kHistoryLength = 60;

    explicit SandboxModel(QObject* parent = nullptr);

    void setSandboxes(const QJsonArray& sandboxes); // a `sandbox.list` result
    void clear();
    bool applyEvent(const QJsonObject& event);      // true when the event was about sandboxes

    int rowOf(const QString& id) const;
    QJsonObject sandbox(const QString& id) const;
    int liveRuns(const QString& id) const;

    // The clock for uptimes; tests replace it.
    void setClock(std::function<QDateTime()> now) { m_now = std::move(now); }

    static QString stateText(const QString& state);
    static QString formatDuration(qint64 seconds);
    static QString cpuText(double percent); // "12 %", "0.4 %"
    static QString sizeText(qint64 bytes);  // "231 MiB", "5.2 MiB"

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    void sandboxChanged(const QString& id); // its object changed (for views showing it)

private:
    struct Row {
        QJsonObject sandbox;
        QSet<qint64> liveRuns; // runs seen starting on this connection and not yet exited
        QJsonObject stats;     // the latest sandbox.stats entry (else the object's own "stats")
        QList<double> cpuHistory, memoryHistory;
    };
    void applyStats(const QJsonArray& stats);
    QJsonObject latestStats(const Row& row) const;
    void upsert(const QJsonObject& sandbox);
    void remove(const QString& id);
    void rowChanged(int row);
    static QString shownState(const Row& row);
    qint64 uptimeSeconds(const Row& row) const;

    QList<Row> m_rows;
    QTimer m_tick; // uptimes move on by themselves
    std::function<QDateTime()> m_now = [] { return QDateTime::currentDateTimeUtc(); };
};

} // namespace vivarium::gui
