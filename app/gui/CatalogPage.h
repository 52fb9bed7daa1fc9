// The Templates and Images views: what sandboxes are made from. Each is a sortable, filterable
// table over a JsonTableModel with the selected entry's fields beside it, refreshed from
// the API (`template.list`, `image.list`) whenever the window (re)connects or the user
// asks. The Templates view also makes, edits, duplicates and deletes templates (through
// TemplateDialog and template.*), shows the template files the service skipped, and follows
// the template.* events so a change made elsewhere (viv, a file edited by hand) shows at
// once. Built-ins are read-only: they can be duplicated, not edited or deleted.
// Later features (pools, image pulls) add their columns and actions here.
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
class QToolBar;

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
    // Template actions (null for Images).
    QAction* newTemplateAction() const { return m_newTemplate; }
    QAction* editTemplateAction() const { return m_editTemplate; }
    QAction* duplicateTemplateAction() const { return m_duplicateTemplate; }
    QAction* deleteTemplateAction() const { return m_deleteTemplate; }
    // Image actions (null for Templates): Pull… opens ImagePullDialog; Delete… removes a
    // pulled image (the service refuses while a sandbox or template uses it).
    QAction* pullImageAction() const { return m_pullImage; }
    QAction* deleteImageAction() const { return m_deleteImage; }
    // The template files the service skipped, as shown above the table (empty when none).
    QString problemsText() const;

    // A template.* event (Templates only): updates the table in place.
    void applyEvent(const QJsonObject& event);
    QJsonArray objects() const { return m_objects; }

signals:
    void newSandboxRequested(const QString& templateName);
    void failed(const QString& summary, const vivarium::Error& error);
    // The templates changed (a refresh or an event): what "New Sandbox" offers.
    void templatesChanged(const QJsonArray& templates);

private:
    void showCurrent();
    void buildTemplateActions(QToolBar* bar);
    void setProblems(const QJsonArray& problems);
    void openTemplateDialog(int mode);
    void deleteCurrentTemplate();
    void buildImageActions(QToolBar* bar);
    void deleteCurrentImage();
    void showImageDetails(const QJsonObject& image);

    Kind m_kind;
    JsonTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QTableView* m_table;
    QLabel* m_title;
    QFormLayout* m_form;
    QAction* m_newSandbox = nullptr;
    QAction* m_newTemplate = nullptr;
    QAction* m_editTemplate = nullptr;
    QAction* m_duplicateTemplate = nullptr;
    QAction* m_deleteTemplate = nullptr;
    QAction* m_pullImage = nullptr;
    QAction* m_deleteImage = nullptr;
    QAction* m_refresh;
    QLabel* m_problems = nullptr;
    QJsonArray m_objects;
    QJsonObject m_limits; // template.list's limits, for the dialog's ranges
    QPointer<ApiClient> m_client;
};

} // namespace vivarium::gui
