// A read-only table over a list of JSON objects (a `result`'s array), one row per object and
// one column per Column spec: how the Templates and Images views show what the API lists.
// Rows are matched by a key field, so a refresh updates rows in place (selection survives)
// instead of resetting the model. Holds no connection: its view feeds it replies.
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

#include <functional>

namespace vivarium::gui {

class JsonTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    struct Column {
        QString title;
        // Text shown for an object; the sort value is `sortValue` when set, else the text.
        std::function<QString(const QJsonObject&)> text;
        std::function<QVariant(const QJsonObject&)> sortValue = {};
        Qt::Alignment alignment = Qt::AlignLeft | Qt::AlignVCenter;
    };
    enum Role {
        KeyRole = Qt::UserRole + 1, // QString: the object's key field
        ObjectRole,                 // QJsonObject: the whole object
        SortRole,
    };

    JsonTableModel(QString keyField, QList<Column> columns, QObject* parent = nullptr);

    // Replaces the rows with `objects`, keeping rows whose key stays (updated in place).
    void setObjects(const QJsonArray& objects);
    QJsonObject object(int row) const { return m_rows.value(row); }
    int rowOf(const QString& key) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // Shared formatting for the views' columns.
    static QString formatBytes(double bytes);

private:
    QString key(const QJsonObject& o) const { return o.value(m_keyField).toString(); }

    QString m_keyField;
    QList<Column> m_columns;
    QList<QJsonObject> m_rows;
};

} // namespace vivarium::gui
