#include "RunsModel.h"

#include "SandboxModel.h"

#include <QColor>
#include <QJsonArray>
#include <QLocale>

namespace vivarium::gui {

namespace {
QDateTime parseTime(const QJsonValue& v) {
    return QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
}
} // namespace

RunsModel::RunsModel(QObject* parent) : QAbstractTableModel(parent) {
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        for (int row = 0; row < m_runs.size(); ++row)
            if (m_runs[row].live)
                emit dataChanged(index(row, Duration), index(row, Duration));
    });
    m_tick.start();
}

void RunsModel::clear() {
    beginResetModel();
    m_runs.clear();
    m_channelRow.clear();
    m_early.clear();
    endResetModel();
}

void RunsModel::applyRunMessage(const QJsonObject& message) {
    if (message.value("type").toString() != "run.attached")
        return;
    const quint32 channel = quint32(message.value("channel").toInteger());
    QJsonObject info = message;
    info.remove("type");
    info.remove("channel");
    const qint64 number = info.value("run").toInteger();
    int row = rowOfRun(number);
    if (row < 0) {
        // Keep the table in run order even if attachments arrive out of order.
        row = 0;
        while (row < m_runs.size() && m_runs[row].info.value("run").toInteger() < number)
            ++row;
        beginInsertRows({}, row, row);
        m_runs.insert(row, Run{info, channel, !info.contains("ended"), {}, 0});
        for (auto it = m_channelRow.begin(); it != m_channelRow.end(); ++it)
            if (it.value() >= row)
                ++it.value();
        m_channelRow.insert(channel, row);
        endInsertRows();
    } else {
        m_runs[row].info = info;
        m_runs[row].channel = channel;
        m_channelRow.insert(channel, row);
        emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
    if (const QByteArray early = m_early.take(channel); !early.isEmpty())
        applyData(api::DataKind::Stdout, channel, early);
}

void RunsModel::applyData(api::DataKind kind, quint32 channel, const QByteArray& bytes) {
    if (kind != api::DataKind::Stdout && kind != api::DataKind::Stderr)
        return;
    const int row = rowOfChannel(channel);
    if (row < 0) {
        // The API allows data before its channel is matched; hold a little of it.
        QByteArray& early = m_early[channel];
        early.append(bytes.left(qMax<qsizetype>(0, m_cap - early.size())));
        return;
    }
    Run& r = m_runs[row];
    r.output.append(bytes);
    // Keep the tail. Trimming only once the buffer is half as big again as the cap keeps
    // this linear however the output is cut into chunks.
    if (r.output.size() > m_cap + m_cap / 2) {
        qsizetype cut = r.output.size() - m_cap;
        // Start the kept part at a line when one starts within the next 4 KiB.
        const qsizetype newline = r.output.indexOf('\n', cut);
        if (newline >= 0 && newline - cut < 4096)
            cut = newline + 1;
        r.output.remove(0, cut);
        r.dropped += cut;
    }
    emit outputAppended(row, bytes);
}

void RunsModel::applyExit(const QJsonObject& exit) {
    const int row = rowOfChannel(quint32(exit.value("channel").toInteger()));
    if (row < 0)
        return;
    QJsonObject info = exit;
    info.remove("type");
    info.remove("channel");
    m_runs[row].info = info;
    m_runs[row].live = false;
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    emit runFinished(row);
}

int RunsModel::rowOfRun(qint64 run) const {
    for (int i = 0; i < m_runs.size(); ++i)
        if (m_runs[i].info.value("run").toInteger() == run)
            return i;
    return -1;
}

int RunsModel::rowOfChannel(quint32 channel) const { return m_channelRow.value(channel, -1); }

qint64 RunsModel::runAt(int row) const {
    return row >= 0 && row < m_runs.size() ? m_runs[row].info.value("run").toInteger() : 0;
}
QJsonObject RunsModel::run(int row) const {
    return row >= 0 && row < m_runs.size() ? m_runs[row].info : QJsonObject();
}
QByteArray RunsModel::output(int row) const {
    return row >= 0 && row < m_runs.size() ? m_runs[row].output : QByteArray();
}
qint64 RunsModel::droppedBytes(int row) const {
    return row >= 0 && row < m_runs.size() ? m_runs[row].dropped : 0;
}
bool RunsModel::isLive(int row) const {
    return row >= 0 && row < m_runs.size() && m_runs[row].live;
}

qint64 RunsModel::durationMs(const Run& r) const {
    const QDateTime started = parseTime(r.info.value("started"));
    if (!started.isValid())
        return -1;
    const QDateTime ended = r.live ? m_now() : parseTime(r.info.value("ended"));
    return ended.isValid() ? qMax<qint64>(0, started.msecsTo(ended)) : -1;
}

QString RunsModel::commandText(const QJsonObject& run) {
    QStringList parts;
    for (const QJsonValue& a : run.value("argv").toArray()) {
        const QString s = a.toString();
        const bool plain = !s.isEmpty() &&
            std::all_of(s.begin(), s.end(), [](QChar c) {
                return c.isLetterOrNumber() || QStringLiteral("-_./=:,@%+").contains(c);
            });
        parts << (plain ? s : "'" + QString(s).replace("'", "'\\''") + "'");
    }
    return parts.join(' ');
}

QString RunsModel::statusText(const QJsonObject& run) {
    if (run.contains("error_code") && run.value("error_code").toString() == "timeout")
        return tr("timed out");
    if (run.contains("error"))
        return tr("error: %1").arg(run.value("error").toString());
    if (run.contains("signal"))
        return tr("signal %1").arg(run.value("signal").toInt());
    if (run.contains("exit_code"))
        return tr("exit %1").arg(run.value("exit_code").toInt());
    return run.contains("ended") ? tr("ended") : tr("running");
}

int RunsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_runs.size());
}

int RunsModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Run& r = m_runs[index.row()];
    const QJsonObject& info = r.info;
    switch (role) {
    case RunRole: return info.value("run").toInteger();
    case LiveRole: return r.live;
    case Qt::ToolTipRole:
        if (index.column() == Command)
            return commandText(info);
        if (index.column() == Status)
            return statusText(info);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Number || index.column() == Duration)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ForegroundRole:
        if (index.column() != Status || r.live)
            return {};
        // Mid-tone green and red stay readable on light and dark palettes alike.
        return info.value("exit_code").toInt(-1) == 0 && !info.contains("error")
                   ? QColor(0x2e, 0xa0, 0x4f)
                   : QColor(0xe0, 0x45, 0x45);
    case Qt::DisplayRole:
    case SortRole:
        break;
    default:
        return {};
    }
    const bool sort = role == SortRole;
    switch (index.column()) {
    case Number: return info.value("run").toInteger();
    case Command: return commandText(info);
    case Origin: return info.value("origin").toString();
    case Started: {
        const QDateTime t = parseTime(info.value("started"));
        if (sort)
            return t;
        return QLocale().toString(t.toLocalTime(), QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    }
    case Duration: {
        const qint64 ms = durationMs(r);
        if (sort)
            return ms;
        if (ms < 0)
            return QString();
        return ms < 10000 ? tr("%1 s").arg(QLocale().toString(ms / 1000.0, 'f', 2))
                          : SandboxModel::formatDuration(ms / 1000);
    }
    case Status: return statusText(info);
    }
    return {};
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Number: return tr("#");
    case Command: return tr("Command");
    case Origin: return tr("Origin");
    case Started: return tr("Started");
    case Duration: return tr("Duration");
    case Status: return tr("Exit status");
    }
    return {};
}

} // namespace vivarium::gui
