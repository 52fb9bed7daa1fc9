#include "FilesModel.h"

#include <QDateTime>
#include <QDir>
#include <QFileIconProvider>
#include <QHash>
#include <QLocale>

#include <algorithm>
#include <numeric>

namespace vivarium::gui {

namespace {

// Past this many removals a refresh resets the model instead of removing rows one by one.
constexpr int kMaxIncrementalRemovals = 64;

QString typeText(const QJsonObject& e) {
    const QString type = e.value("type").toString();
    if (type == "dir")
        return FilesModel::tr("Folder");
    if (type == "file")
        return FilesModel::tr("File");
    if (type == "symlink")
        return FilesModel::tr("Link to %1").arg(e.value("target").toString());
    return FilesModel::tr("Other");
}

template <typename T> int compare(const T& a, const T& b) {
    return a < b ? -1 : (b < a ? 1 : 0);
}

} // namespace

FilesModel::FilesModel(QObject* parent) : QAbstractTableModel(parent) {}

FilesModel::Row FilesModel::makeRow(const QJsonObject& entry) {
    Row r;
    r.entry = entry;
    r.name = entry.value("name").toString();
    r.key = naturalKey(r.name);
    r.dir = entry.value("type").toString() == "dir";
    return r;
}

void FilesModel::setListing(const QString& path, const QJsonArray& entries) {
    // The guest's entries are untrusted: a name must be one path component.
    QList<Row> incoming;
    QHash<QString, int> incomingRow;
    for (const QJsonValue& v : entries) {
        const QString name = v.toObject().value("name").toString();
        if (name.isEmpty() || name == "." || name == ".." || name.contains('/') ||
            name.contains(QChar(0)) || incomingRow.contains(name))
            continue;
        incomingRow.insert(name, int(incoming.size()));
        incoming.append(makeRow(v.toObject()));
    }

    int removals = 0;
    for (const Row& r : std::as_const(m_rows))
        removals += incomingRow.contains(r.name) ? 0 : 1;
    if (path != m_path || removals > kMaxIncrementalRemovals) {
        beginResetModel();
        m_path = path;
        m_rows = std::move(incoming);
        std::stable_sort(m_rows.begin(), m_rows.end(),
                         [this](const Row& a, const Row& b) { return lessThan(a, b); });
        endResetModel();
        return;
    }

    // The same directory again: remove, update and add rows in place, then re-sort.
    for (int i = int(m_rows.size()) - 1; i >= 0; --i) {
        if (incomingRow.contains(m_rows[i].name))
            continue;
        beginRemoveRows({}, i, i);
        m_rows.removeAt(i);
        endRemoveRows();
    }
    for (int i = 0; i < m_rows.size(); ++i) {
        const int from = incomingRow.take(m_rows[i].name);
        if (incoming[from].entry == m_rows[i].entry)
            continue;
        m_rows[i] = incoming[from];
        emit dataChanged(index(i, 0), index(i, ColumnCount - 1));
    }
    if (!incomingRow.isEmpty()) { // names not seen before, in the listing's order
        QList<int> added = incomingRow.values();
        std::sort(added.begin(), added.end());
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(added.size()) - 1);
        for (int i : added)
            m_rows.append(incoming[i]);
        endInsertRows();
    }
    resort();
}

void FilesModel::clear() {
    beginResetModel();
    m_path.clear();
    m_rows.clear();
    endResetModel();
}

int FilesModel::rowOf(const QString& name) const {
    for (int i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].name == name)
            return i;
    return -1;
}

QJsonObject FilesModel::entry(int row) const {
    return row >= 0 && row < m_rows.size() ? m_rows[row].entry : QJsonObject();
}

QString FilesModel::pathOf(int row) const {
    return row >= 0 && row < m_rows.size() ? childPath(m_path, m_rows[row].name) : QString();
}

bool FilesModel::isDirectory(int row) const {
    return row >= 0 && row < m_rows.size() && m_rows[row].dir;
}

QString FilesModel::childPath(const QString& dir, const QString& name) {
    return dir.endsWith('/') ? dir + name : dir + '/' + name;
}

QString FilesModel::parentPath(const QString& path) {
    const QString clean = QDir::cleanPath(path);
    const int slash = int(clean.lastIndexOf('/'));
    return slash <= 0 ? QStringLiteral("/") : clean.left(slash);
}

QString FilesModel::modeText(int mode) {
    static const char letters[] = "rwx";
    QString text;
    for (int bit = 8; bit >= 0; --bit)
        text += (mode & (1 << bit)) ? QChar(letters[(8 - bit) % 3]) : QChar('-');
    return text;
}

QString FilesModel::naturalKey(const QString& name) {
    // Digit runs padded to 20 places compare as numbers; the rest ignores case.
    QString key;
    key.reserve(name.size() + 8);
    for (qsizetype i = 0; i < name.size();) {
        if (name[i].isDigit()) {
            qsizetype j = i;
            while (j < name.size() && name[j].isDigit())
                ++j;
            const QString run = name.mid(i, j - i);
            key += QString(qMax<qsizetype>(0, 20 - run.size()), QChar('0')) + run;
            i = j;
        } else {
            key += name[i].toCaseFolded();
            ++i;
        }
    }
    return key;
}

int FilesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int FilesModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FilesModel::sortValue(const Row& r, int column) const {
    switch (column) {
    case Name:
        return r.key;
    case Size:
        return r.dir ? qint64(-1) : r.entry.value("size").toInteger();
    case Type:
        return typeText(r.entry);
    case Mode:
        return int(r.entry.value("mode").toInteger());
    case Modified:
        return r.entry.value("mtime").toInteger();
    default:
        return {};
    }
}

QVariant FilesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Row& r = m_rows[index.row()];
    const QJsonObject& e = r.entry;
    switch (role) {
    case EntryRole:
        return e;
    case PathRole:
        return childPath(m_path, r.name);
    case IsDirRole:
        return r.dir;
    case SortRole:
        return sortValue(r, index.column());
    case Qt::DecorationRole:
        if (index.column() == Name) {
            static const QFileIconProvider icons;
            return icons.icon(r.dir ? QAbstractFileIconProvider::Folder
                                    : QAbstractFileIconProvider::File);
        }
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == Size)
            return QVariant(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (index.column() == Name)
            return e.value("type").toString() == "symlink"
                       ? tr("%1 → %2").arg(childPath(m_path, r.name), e.value("target").toString())
                       : childPath(m_path, r.name);
        if (index.column() == Mode)
            return tr("Owner %1, group %2")
                .arg(e.value("uid").toInteger())
                .arg(e.value("gid").toInteger());
        return {};
    case Qt::DisplayRole:
        switch (index.column()) {
        case Name:
            return r.name;
        case Size:
            return r.dir ? QString() : QLocale().formattedDataSize(e.value("size").toInteger());
        case Type:
            return typeText(e);
        case Mode:
            return modeText(int(e.value("mode").toInteger()));
        case Modified:
            return e.contains("mtime") ? QLocale().toString(QDateTime::fromSecsSinceEpoch(
                                                                e.value("mtime").toInteger()),
                                                            QLocale::ShortFormat)
                                       : QString();
        }
        return {};
    default:
        return {};
    }
}

QVariant FilesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name:
        return tr("Name");
    case Size:
        return tr("Size");
    case Type:
        return tr("Type");
    case Mode:
        return tr("Permissions");
    case Modified:
        return tr("Modified");
    }
    return {};
}

bool FilesModel::lessThan(const Row& a, const Row& b) const {
    if (a.dir != b.dir)
        return a.dir; // folders first, whichever the order
    int c = 0;
    const QVariant va = sortValue(a, m_sortColumn), vb = sortValue(b, m_sortColumn);
    if (m_sortColumn == Name || m_sortColumn == Type)
        c = compare(va.toString(), vb.toString());
    else
        c = compare(va.toLongLong(), vb.toLongLong());
    if (c == 0) // ties by name, always A to Z
        return compare(a.key, b.key) != 0 ? a.key < b.key : a.name < b.name;
    return m_sortOrder == Qt::AscendingOrder ? c < 0 : c > 0;
}

void FilesModel::sort(int column, Qt::SortOrder order) {
    if (column < 0 || column >= ColumnCount)
        return;
    m_sortColumn = column;
    m_sortOrder = order;
    resort();
}

void FilesModel::resort() {
    auto less = [this](const Row& a, const Row& b) { return lessThan(a, b); };
    if (std::is_sorted(m_rows.cbegin(), m_rows.cend(), less))
        return;
    emit layoutAboutToBeChanged({}, QAbstractItemModel::VerticalSortHint);
    QList<int> order(m_rows.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [this](int a, int b) { return lessThan(m_rows[a], m_rows[b]); });
    QList<int> newRowOf(m_rows.size());
    QList<Row> sorted;
    sorted.reserve(m_rows.size());
    for (int i = 0; i < order.size(); ++i) {
        newRowOf[order[i]] = i;
        sorted.append(m_rows[order[i]]);
    }
    m_rows = std::move(sorted);
    const QModelIndexList before = persistentIndexList();
    QModelIndexList after;
    after.reserve(before.size());
    for (const QModelIndex& i : before)
        after.append(index(newRowOf[i.row()], i.column()));
    changePersistentIndexList(before, after);
    emit layoutChanged({}, QAbstractItemModel::VerticalSortHint);
}

} // namespace vivarium::gui
