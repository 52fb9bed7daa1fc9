#include "SandboxModel.h"

#include <QLocale>

#include <cmath>

namespace vivarium::gui {

namespace {
QString idOf(const QJsonObject& sandbox) { return sandbox.value("id").toString(); }
} // namespace

SandboxModel::SandboxModel(QObject* parent) : QAbstractTableModel(parent) {
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, [this] {
        if (!m_rows.isEmpty())
            emit dataChanged(index(0, Uptime), index(int(m_rows.size()) - 1, Uptime),
                             {Qt::DisplayRole, SortRole});
    });
    m_tick.start();
}

void SandboxModel::setSandboxes(const QJsonArray& sandboxes) {
    if (m_rows.isEmpty()) {
        beginResetModel();
        for (const QJsonValue& v : sandboxes)
            if (const QJsonObject o = v.toObject(); !idOf(o).isEmpty() && rowOf(idOf(o)) < 0)
                m_rows.append(Row{o, {}});
        endResetModel();
        return;
    }
    // A fresh list after a reconnect: bring the rows up to date in place, so selections and
    // the views following a sandbox survive the service's restart.
    QSet<QString> ids;
    for (const QJsonValue& v : sandboxes)
        if (const QString id = idOf(v.toObject()); !id.isEmpty())
            ids.insert(id);
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        m_rows[row].liveRuns.clear(); // seen on the old connection; events will say anew
        if (!ids.contains(idOf(m_rows[row].sandbox)))
            remove(idOf(m_rows[row].sandbox));
    }
    for (const QJsonValue& v : sandboxes)
        if (!idOf(v.toObject()).isEmpty())
            upsert(v.toObject());
}

void SandboxModel::clear() {
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

bool SandboxModel::applyEvent(const QJsonObject& event) {
    const QString name = event.value("event").toString();
    if (name == "sandbox.added" || name == "sandbox.state") {
        upsert(event.value("sandbox").toObject());
        return true;
    }
    if (name == "sandbox.removed") {
        remove(event.value("id").toString());
        return true;
    }
    if (name == "sandbox.stats") {
        applyStats(event.value("stats").toArray());
        return true;
    }
    if (name == "run.started" || name == "run.exited") {
        const QJsonObject run = event.value("run").toObject();
        const int row = rowOf(run.value("sandbox").toString());
        if (row < 0)
            return true;
        Row& r = m_rows[row];
        const qint64 number = run.value("run").toInteger();
        if (name == "run.started") {
            r.liveRuns.insert(number);
            // The sandbox object's `runs` counts recorded runs; a started run is recorded.
            if (r.sandbox.value("runs").toInteger() < number)
                r.sandbox["runs"] = number;
        } else {
            r.liveRuns.remove(number);
        }
        rowChanged(row);
        return true;
    }
    return false;
}

void SandboxModel::applyStats(const QJsonArray& stats) {
    for (const QJsonValue& v : stats) {
        const QJsonObject o = v.toObject();
        const int row = rowOf(idOf(o));
        if (row < 0) // not (yet) in the list: its sandbox.added will come
            continue;
        Row& r = m_rows[row];
        if (!o.value("running").toBool()) {
            // A stopped VM's line ends; the next boot starts a new one.
            r.cpuHistory.clear();
            r.memoryHistory.clear();
        } else {
            if (o.contains("cpu_percent"))
                r.cpuHistory.append(o.value("cpu_percent").toDouble());
            if (o.contains("memory_bytes"))
                r.memoryHistory.append(double(o.value("memory_bytes").toInteger()));
            for (QList<double>* h : {&r.cpuHistory, &r.memoryHistory})
                if (h->size() > kHistoryLength)
                    h->remove(0, h->size() - kHistoryLength);
        }
        r.stats = o;
        emit dataChanged(index(row, Cpu), index(row, Memory),
                         {Qt::DisplayRole, Qt::ToolTipRole, SortRole, HistoryRole, ScaleRole});
        // Disk use is shown with the sandbox's details: only a change is worth telling.
        if (o.contains("disk_bytes") && r.sandbox.value("disk_bytes") != o.value("disk_bytes")) {
            r.sandbox["disk_bytes"] = o.value("disk_bytes");
            emit sandboxChanged(idOf(r.sandbox));
        }
    }
}

QJsonObject SandboxModel::latestStats(const Row& row) const {
    return row.stats.isEmpty() ? row.sandbox.value("stats").toObject() : row.stats;
}

void SandboxModel::upsert(const QJsonObject& sandbox) {
    const QString id = idOf(sandbox);
    if (id.isEmpty())
        return;
    if (const int row = rowOf(id); row >= 0) {
        // Events carry the whole object; keep the larger run count in case a run.started
        // overtook the state change that would have carried it.
        QJsonObject updated = sandbox;
        updated["runs"] = qMax(sandbox.value("runs").toInteger(),
                               m_rows[row].sandbox.value("runs").toInteger());
        m_rows[row].sandbox = updated;
        rowChanged(row);
        return;
    }
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(Row{sandbox, {}});
    endInsertRows();
}

void SandboxModel::remove(const QString& id) {
    const int row = rowOf(id);
    if (row < 0)
        return;
    beginRemoveRows({}, row, row);
    m_rows.removeAt(row);
    endRemoveRows();
}

void SandboxModel::rowChanged(int row) {
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    emit sandboxChanged(idOf(m_rows[row].sandbox));
}

int SandboxModel::rowOf(const QString& id) const {
    for (int i = 0; i < m_rows.size(); ++i)
        if (idOf(m_rows[i].sandbox) == id)
            return i;
    return -1;
}

QJsonObject SandboxModel::sandbox(const QString& id) const {
    const int row = rowOf(id);
    return row < 0 ? QJsonObject() : m_rows[row].sandbox;
}

int SandboxModel::liveRuns(const QString& id) const {
    const int row = rowOf(id);
    return row < 0 ? 0 : int(m_rows[row].liveRuns.size());
}

qint64 SandboxModel::uptimeSeconds(const Row& row) const {
    const QString since = row.sandbox.value("ready_since").toString();
    if (since.isEmpty())
        return -1;
    const QDateTime t = QDateTime::fromString(since, Qt::ISODateWithMs);
    return t.isValid() ? qMax<qint64>(0, t.secsTo(m_now())) : -1;
}

QString SandboxModel::stateText(const QString& state) {
    if (state == "creating") return tr("creating");
    if (state == "booting") return tr("booting");
    if (state == "ready") return tr("ready");
    if (state == "running") return tr("running");
    if (state == "stopping") return tr("stopping");
    if (state == "stopped") return tr("stopped");
    if (state == "error") return tr("error");
    if (state == "removing") return tr("removing");
    if (state == "paused") return tr("paused");
    if (state == "saving") return tr("saving");
    if (state == "hibernated") return tr("hibernated");
    return state;
}

QString SandboxModel::cpuText(double percent) {
    return tr("%1 %").arg(QLocale().toString(percent, 'f', percent < 10 ? 1 : 0));
}

QString SandboxModel::sizeText(qint64 bytes) {
    // One decimal while the number is small (5.2 MiB), none once it is not (231 MiB).
    const int unit = bytes >= 1024 ? int(std::log2(double(bytes)) / 10) : 0;
    const double inUnit = double(bytes) / std::pow(1024.0, unit);
    return QLocale().formattedDataSize(bytes, unit > 0 && inUnit < 10 ? 1 : 0);
}

QString SandboxModel::formatDuration(qint64 s) {
    if (s < 60)
        return tr("%1 s").arg(s);
    if (s < 3600)
        return tr("%1 min %2 s").arg(s / 60).arg(s % 60);
    if (s < 86400)
        return tr("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    return tr("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600);
}

int SandboxModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SandboxModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QString SandboxModel::shownState(const Row& row) {
    // "running" is not a state of the service's machine: a ready sandbox with a command
    // running in it, which is what a watcher wants to see at a glance.
    const QString state = row.sandbox.value("state").toString();
    return state == QLatin1String("ready") && !row.liveRuns.isEmpty() ? QStringLiteral("running") : state;
}

QVariant SandboxModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows[index.row()];
    const QJsonObject& s = r.sandbox;
    switch (role) {
    case IdRole: return idOf(s);
    case StateRole: return shownState(r);
    case ObjectRole: return s;
    case HistoryRole:
        if (index.column() == Cpu)
            return QVariant::fromValue(r.cpuHistory);
        if (index.column() == Memory)
            return QVariant::fromValue(r.memoryHistory);
        return {};
    case ScaleRole: {
        if (index.column() != Cpu && index.column() != Memory)
            return {};
        // The graph's top: the most the VM could use (all its vCPUs, the guest's memory),
        // raised when it used more (QEMU's own threads and translation cache count too).
        const QJsonObject st = latestStats(r);
        const QList<double>& h = index.column() == Cpu ? r.cpuHistory : r.memoryHistory;
        double top = index.column() == Cpu
                         ? 100.0 * st.value("vcpus").toInt(s.value("vcpus").toInt(1))
                         : st.value("guest_memory_bytes").toDouble(s.value("memory_mib").toDouble() * 1024 * 1024);
        for (double v : h)
            top = qMax(top, v);
        return top;
    }
    case Qt::ToolTipRole:
        if (index.column() == Cpu)
            return tr("CPU time the virtual machine uses on the host; 100 % is one host CPU "
                      "(the guest has %n vCPU(s))", nullptr, s.value("vcpus").toInt(1));
        if (index.column() == Memory)
            return tr("Host memory the virtual machine uses; the guest was given %1")
                .arg(sizeText(qint64(s.value("memory_mib").toInteger()) * 1024 * 1024));
        if (index.column() == State && s.contains("error"))
            return s.value("error").toString();
        if (index.column() == State && s.contains("reason")) // e.g. stopped: idle for 300 s
            return tr("%1: %2").arg(stateText(s.value("state").toString()), s.value("reason").toString());
        if (index.column() == Name)
            return tr("Sandbox %1").arg(idOf(s));
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Runs || index.column() == Uptime || index.column() == Cpu ||
            index.column() == Memory)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::DisplayRole:
    case SortRole:
        break;
    default:
        return {};
    }
    const bool sort = role == SortRole;
    switch (index.column()) {
    case Name: return s.value("name").toString();
    case Template: return s.value("template").toString();
    case State: return sort ? shownState(r) : stateText(shownState(r));
    case Uptime: {
        const qint64 up = uptimeSeconds(r);
        if (sort)
            return up;
        return up < 0 ? QString() : formatDuration(up);
    }
    case Runs: {
        const qint64 runs = s.value("runs").toInteger();
        if (sort)
            return runs;
        return r.liveRuns.isEmpty() ? QString::number(runs)
                                    : tr("%1 (%2 running)").arg(runs).arg(r.liveRuns.size());
    }
    case Cpu:
    case Memory: {
        // CPU and memory only while the VM runs; -1 sorts the others last in descending order.
        const QJsonObject st = latestStats(r);
        const char* field = index.column() == Cpu ? "cpu_percent" : "memory_bytes";
        if (!st.value("running").toBool() || !st.contains(field))
            return sort ? QVariant(-1.0) : QVariant(QString());
        const double v = st.value(field).toDouble();
        if (sort)
            return v;
        return index.column() == Cpu ? cpuText(v) : sizeText(qint64(v));
    }
    }
    return {};
}

QVariant SandboxModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Name");
    case Template: return tr("Template");
    case State: return tr("State");
    case Uptime: return tr("Uptime");
    case Runs: return tr("Runs");
    case Cpu: return tr("CPU");
    case Memory: return tr("Memory");
    }
    return {};
}

} // namespace vivarium::gui
