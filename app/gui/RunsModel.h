// The runs of one sandbox as a table, fed by a `sandbox.subscribe` stream: run.attached
// adds a run (on a channel), binary frames append its output, exit finishes it. Output is
// kept per run up to a cap, so a chatty run cannot exhaust memory; what is over the cap is
// counted, not kept (the run record on the service has all of it). No connection here.
#pragma once

#include "ApiProtocol.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QTimer>

#include <functional>

namespace vivarium::gui {

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Number, Command, Origin, Started, Duration, Status, ColumnCount };
    enum Role { RunRole = Qt::UserRole + 1, SortRole, LiveRole };
    static constexpr qsizetype kDefaultOutputCap = 2 * 1024 * 1024;

    explicit RunsModel(QObject* parent = nullptr);

    void clear();
    void setOutputCap(qsizetype bytes) { m_cap = bytes; }
    qsizetype outputCap() const { return m_cap; }
    void setClock(std::function<QDateTime()> now) { m_now = std::move(now); }

    // The subscription's messages, as ApiClient delivers them.
    void applyRunMessage(const QJsonObject& message); // run.attached (others ignored)
    void applyData(api::DataKind kind, quint32 channel, const QByteArray& bytes);
    void applyExit(const QJsonObject& exit);

    int rowOfRun(qint64 run) const;
    qint64 runAt(int row) const;
    QJsonObject run(int row) const;
    // stdout and stderr in arrival order: the last outputCap() bytes or a little more (from a
    // line start when one is near), because the end of a run is what a watcher looks at.
    QByteArray output(int row) const;
    qint64 droppedBytes(int row) const;    // output from the start of the run no longer kept
    bool isLive(int row) const;

    static QString commandText(const QJsonObject& run);
    static QString statusText(const QJsonObject& run);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

signals:
    // New output for the run in `row` (every byte, whatever the cap keeps for replays).
    void outputAppended(int row, const QByteArray& bytes);
    void runFinished(int row);

private:
    struct Run {
        QJsonObject info;
        quint32 channel = 0;
        bool live = true;
        QByteArray output;
        qint64 dropped = 0;
    };
    int rowOfChannel(quint32 channel) const;
    qint64 durationMs(const Run& r) const;

    QList<Run> m_runs;
    QHash<quint32, int> m_channelRow;
    QHash<quint32, QByteArray> m_early; // data for a channel not yet attached (bounded)
    qsizetype m_cap = kDefaultOutputCap;
    QTimer m_tick; // live durations move on by themselves
    std::function<QDateTime()> m_now = [] { return QDateTime::currentDateTimeUtc(); };
};

} // namespace vivarium::gui
