#include "JsonTableModel.h"

#include <QLocale>

namespace vivarium::gui {

JsonTableModel::JsonTableModel(QString keyField, QList<Column> columns, QObject* parent)
    : QAbstractTableModel(parent), m_keyField(std::move(keyField)), m_columns(std::move(columns)) {}

void JsonTableModel::setObjects(const QJsonArray& objects) {
    QList<QJsonObject> incoming;
    QSet<QString> keys;
    for (const QJsonValue& v : objects) {
        const QJsonObject o = v.toObject();
        // A malformed or repeated entry is skipped rather than shown twice.
        if (!o.value(m_keyField).isString() || keys.contains(key(o)))
            continue;
        keys.insert(key(o));
        incoming << o;
    }
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        if (keys.contains(key(m_rows[row])))
            continue;
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
    }
    for (const QJsonObject& o : incoming) {
        const int row = rowOf(key(o));
        if (row >= 0) {
            if (m_rows[row] != o) {
                m_rows[row] = o;
                emit dataChanged(index(row, 0), index(row, columnCount() - 1));
            }
            continue;
        }
        beginInsertRows({}, rowCount(), rowCount());
        m_rows << o;
        endInsertRows();
    }
}

int JsonTableModel::rowOf(const QString& k) const {
    for (int i = 0; i < m_rows.size(); ++i)
        if (key(m_rows[i]) == k)
            return i;
    return -1;
}

int JsonTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int JsonTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant JsonTableModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject& o = m_rows[index.row()];
    const Column& c = m_columns[index.column()];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        return c.text(o);
    case Qt::TextAlignmentRole:
        return QVariant::fromValue(c.alignment);
    case KeyRole:
        return key(o);
    case ObjectRole:
        return o;
    case SortRole:
        return c.sortValue ? c.sortValue(o) : QVariant(c.text(o));
    default:
        return {};
    }
}

QVariant JsonTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 ||
        section >= m_columns.size())
        return {};
    return m_columns[section].title;
}

QString JsonTableModel::formatBytes(double bytes) {
    return QLocale().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeIecFormat);
}

} // namespace vivarium::gui
