// The Secrets & Routes page: the secrets routes inject (name, when it was set, where it is
// kept: the desktop keyring or the private file) and the credential routes (name, upstream,
// headers as templates, e.g. `Authorization: Bearer {secret:OPENAI_API_KEY}`). A secret's
// value goes one way: typed into a password field and sent with secret.set; nothing here ever
// receives or shows one. Routes are added, edited and deleted through RouteDialog, checked as
// they are typed by the service's own rules (RouteStore::validate). The lists come from
// secret.list / route.list and follow the secret.changed / route.changed events, so a change
// made with `viv` shows at once.
#pragma once

#include "JsonTableModel.h"

#include <QDialog>
#include <QJsonObject>
#include <QPointer>
#include <QWidget>

class QAction;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTableWidget;

namespace vivarium {
class ApiClient;
struct Error;
}

namespace vivarium::gui {

class CredentialsPage : public QWidget {
    Q_OBJECT
public:
    explicit CredentialsPage(QWidget* parent = nullptr);

    // Asks the service for both lists (the replies feed the models).
    void refresh(ApiClient* client);
    // A secret.* or route.* event: the lists are asked for again.
    void applyEvent(const QJsonObject& event);

    JsonTableModel* secretsModel() const { return m_secrets; }
    JsonTableModel* routesModel() const { return m_routes; }
    QTableView* secretsTable() const { return m_secretTable; }
    QTableView* routesTable() const { return m_routeTable; }
    QString backendText() const; // where new secrets go
    QString routeProblemsText() const;
    QAction* setSecretAction() const { return m_setSecret; }
    QAction* deleteSecretAction() const { return m_deleteSecret; }
    QAction* addRouteAction() const { return m_addRoute; }
    QAction* editRouteAction() const { return m_editRoute; }
    QAction* deleteRouteAction() const { return m_deleteRoute; }

signals:
    void failed(const QString& summary, const vivarium::Error& error);

private:
    void updateActions();
    void openSecretDialog();
    void openRouteDialog(bool edit);
    void confirmDelete(bool secret);

    QPointer<ApiClient> m_client;
    JsonTableModel* m_secrets;
    JsonTableModel* m_routes;
    QTableView* m_secretTable;
    QTableView* m_routeTable;
    QLabel* m_backend;
    QLabel* m_routeProblems;
    QAction* m_setSecret;
    QAction* m_deleteSecret;
    QAction* m_addRoute;
    QAction* m_editRoute;
    QAction* m_deleteRoute;
    QString m_backendName;
};

// Set a secret: its name (new, or the one being replaced) and its value in a password field.
// The value is sent once with secret.set and the field is cleared; the reply says where it went.
class SecretDialog : public QDialog {
    Q_OBJECT
public:
    SecretDialog(ApiClient* client, const QString& name, const QString& backend, QWidget* parent = nullptr);
    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* valueEdit() const { return m_value; }
    QPushButton* saveButton() const { return m_save; }
    QString problem() const { return m_problem; }
    QString statusText() const;
    // Where the last save put the secret ("file …", "keyring (…)").
    QString storedIn() const { return m_storedIn; }

private:
    void validate();
    void save();

    QPointer<ApiClient> m_client;
    QLineEdit* m_name;
    QLineEdit* m_value;
    QLabel* m_problemLabel;
    QLabel* m_status;
    QPushButton* m_save;
    QString m_problem;
    QString m_storedIn;
    bool m_busy = false;
};

// Add or edit a route: name, upstream URL and headers whose values may hold {secret:NAME}.
// Checked by RouteStore::validate (the service's rules) as it is typed; a secret that is not
// set yet is a warning, not an error (it can be set next).
class RouteDialog : public QDialog {
    Q_OBJECT
public:
    // `route`: the route to edit (empty: a new one). `secrets`: the names set now.
    RouteDialog(ApiClient* client, const QJsonObject& route, const QStringList& secrets, const QStringList& taken,
                QWidget* parent = nullptr);
    QLineEdit* nameEdit() const { return m_name; }
    QLineEdit* upstreamEdit() const { return m_upstream; }
    QTableWidget* headersTable() const { return m_headers; }
    QPushButton* saveButton() const { return m_save; }
    void setHeaders(const QList<std::pair<QString, QString>>& headers);
    QJsonObject request() const; // what Save sends (name, upstream, headers)
    // Each field's problem ("name", "upstream", "headers"); empty when the form is valid.
    QMap<QString, QString> problems() const { return m_problems; }
    QString warningText() const;
    QString statusText() const;

private:
    void validate();
    void save();
    void addRow(const QString& name, const QString& value);

    QPointer<ApiClient> m_client;
    bool m_edit;
    QStringList m_secrets;
    QStringList m_taken;
    QLineEdit* m_name;
    QLineEdit* m_upstream;
    QTableWidget* m_headers;
    QMap<QString, QLabel*> m_problemLabels;
    QMap<QString, QString> m_problems;
    QLabel* m_warning;
    QLabel* m_status;
    QPushButton* m_save;
    bool m_busy = false;
};

} // namespace vivarium::gui
