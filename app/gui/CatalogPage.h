// The Templates and Images views: what sandboxes are made from. Each is a sortable, filterable
// table over a JsonTableModel with the selected entry's fields beside it, refreshed from
// the API (`info`'s templates, `image.list`) whenever the window (re)connects or the user
// asks. Later features (pools, image pulls) add their columns and actions here.
#pragma once

#include "JsonTableModel.h"

#include <QPointer>
#include <QWidget>

class QAction;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace vivarium {
class ApiClient;
struct Error;
}

namespace vivarium::gui {

class CatalogPage : public QWidget {
    Q_OBJECT
public:
    enum class Kind { Templates, Images };

    CatalogPage(Kind kind, QWidget* parent = nullptr);

    Kind kind() const { return m_kind; }
    // Asks the service for the current list (the reply feeds the model).
    void refresh(ApiClient* client);
    // Feeds a list result directly (also what tests use).
    void setObjects(const QJsonArray& objects);

    JsonTableModel* model() const { return m_model; }
    QTableView* table() const { return m_table; }
    QString currentKey() const;
    // The "New Sandbox from Template" action (Templates only; null for Images).
    QAction* newSandboxAction() const { return m_newSandbox; }

signals:
    void newSandboxRequested(const QString& templateName);
    void failed(const QString& summary, const vivarium::Error& error);

private:
    void showCurrent();

    Kind m_kind;
    JsonTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QTableView* m_table;
    QLabel* m_title;
    QFormLayout* m_form;
    QAction* m_newSandbox = nullptr;
    QAction* m_refresh;
    QPointer<ApiClient> m_client;
};

} // namespace vivarium::gui
