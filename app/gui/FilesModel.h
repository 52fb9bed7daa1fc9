// One directory of a sandbox as a table (name, size, type, permissions, modified), fed from
// `file.list` results. Folders come first in either sort order and names sort naturally
// ("log2" before "log10"). A refresh of the same directory updates rows in place, so a
// view keeps its selection and scroll position when a file.written event reloads it.
// Holds no connection and makes no requests: the Files tab fetches listings and feeds
// them, tests feed recorded JSON. Entries come from the guest and are only displayed:
// nothing here turns a name into a local path.
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>

namespace vivarium::gui {

class FilesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Size, Type, Mode, Modified, ColumnCount };
    enum Role {
        EntryRole = Qt::UserRole + 1, // QJsonObject: the directory entry as the API sent it
        PathRole,                     // QString: the entry's absolute path in the guest
        IsDirRole,                    // bool
        SortRole,                     // a value that sorts the column naturally
    };

    explicit FilesModel(QObject* parent = nullptr);

    // A `file.list` result for `path`. Entries without a usable name are dropped.
    void setListing(const QString& path, const QJsonArray& entries);
    void clear();
    QString path() const { return m_path; }

    int rowOf(const QString& name) const;
    QJsonObject entry(int row) const;
    QString pathOf(int row) const;
    bool isDirectory(int row) const;

    // Guest paths are POSIX whatever the host: "/" joins, ".." and "." resolve textually.
    static QString childPath(const QString& dir, const QString& name);
    static QString parentPath(const QString& path);
    static QString modeText(int mode);              // "rwxr-xr-x"
    static QString naturalKey(const QString& name); // digit runs compare as numbers

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    struct Row {
        QJsonObject entry;
        QString name;
        QString key; // naturalKey(name), computed once
        bool dir = false;
    };
    static Row makeRow(const QJsonObject& entry);
    QVariant sortValue(const Row& row, int column) const;
    bool lessThan(const Row& a, const Row& b) const;
    void resort();

    QString m_path;
    QList<Row> m_rows;
    int m_sortColumn = Name;
    Qt::SortOrder m_sortOrder = Qt::AscendingOrder;
};

} // namespace vivarium::gui
