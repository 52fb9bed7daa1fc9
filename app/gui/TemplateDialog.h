// The template form: create a template, duplicate one (template.create with `from`), or edit
// a user's template (template.update). Each field is checked as it is typed, by the service's
// own rules where the client can know them (the name, ranges from template.list's `limits`,
// environment names, an absolute working directory, a user name or uid), with the problem
// shown under the field and Save disabled until the form is valid. What only the service can
// decide (an image that does not exist, a name taken meanwhile) comes back as its error,
// shown in the dialog, which stays open so the user can correct it.
// The Network group sets the template's egress (none / proxy / open), its allowlist (one
// host[:port] a line, checked by the service's AllowEntry rules) and its routes (a checklist
// filled from route.list; a route the template names that no longer exists stays listed,
// marked missing, so it can be unticked).
// It never blocks: the request is sent and the dialog closes itself on the result.
#pragma once

#include <QDialog>
#include <QJsonObject>
#include <QMap>
#include <QPointer>
#include <QStringList>

class QComboBox;
class QListWidget;
class QPlainTextEdit;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace vivarium {
class ApiClient;
}

namespace vivarium::gui {

class TemplateDialog : public QDialog {
    Q_OBJECT
public:
    enum class Mode { Create, Duplicate, Edit };

    // `source`: the template to start from (Create: the default template's values; Duplicate:
    // the one copied; Edit: the one changed). `limits`: template.list's limits (missing
    // entries fall back to the API's documented ranges). `taken`: names already in use.
    TemplateDialog(ApiClient* client, Mode mode, const QJsonObject& source, const QJsonObject& limits,
                   const QStringList& taken, QWidget* parent = nullptr);

    Mode mode() const { return m_mode; }
    QString templateName() const;
    // The template's fields as the form holds them (what Save sends, without name/from).
    QJsonObject fields() const;
    // Each field's problem, by field name ("name", "disk_mib", "env", "workdir", "user",
    // "image", "network.allow", "network.routes"); empty when the form is valid.
    QMap<QString, QString> problems() const { return m_problems; }
    QString statusText() const;
    QPushButton* saveButton() const { return m_save; }

    // For tests and callers: the environment as the table holds it.
    void setEnvironment(const QList<std::pair<QString, QString>>& vars);
    QTableWidget* environmentTable() const { return m_env; }
    QComboBox* egressCombo() const { return m_egress; }
    QPlainTextEdit* allowEdit() const { return m_allow; }
    QListWidget* routesList() const { return m_routes; }
    // The warm pool: sandboxes kept booted (min), at most (max), idle time-to-live in seconds.
    QSpinBox* poolMinSpin() const { return m_poolMin; }
    QSpinBox* poolMaxSpin() const { return m_poolMax; }
    QSpinBox* poolTtlSpin() const { return m_poolTtl; }
    // Fills the routes checklist (route.list's names); the dialog asks for them itself.
    void setAvailableRoutes(const QStringList& routes);

private:
    void validate();
    void save();
    void setBusy(bool busy);
    QLabel* problemLabel();
    void addEnvRow(const QString& name, const QString& value);
    QJsonObject networkFields() const;

    QPointer<ApiClient> m_client;
    Mode m_mode;
    QJsonObject m_source;
    QStringList m_taken;
    QLineEdit* m_name;
    QLineEdit* m_description;
    QComboBox* m_image;
    QSpinBox* m_vcpus;
    QSpinBox* m_memory;
    QSpinBox* m_disk;
    QLineEdit* m_workdir;
    QLineEdit* m_user;
    QTableWidget* m_env;
    QPushButton* m_removeVar;
    QComboBox* m_egress;
    QPlainTextEdit* m_allow;
    QListWidget* m_routes;
    QLabel* m_routesNote;
    QSpinBox* m_idleTimeout = nullptr; // idle reaping: seconds, 0 = never
    QComboBox* m_idleAction = nullptr; // stop | hibernate
    QSpinBox* m_poolMin = nullptr;     // warm pool: min_ready, max, idle_ttl_s
    QSpinBox* m_poolMax = nullptr;
    QSpinBox* m_poolTtl = nullptr;
    QStringList m_availableRoutes; // route.list's names
    bool m_routesKnown = false;    // route.list has answered
    QMap<QString, QLabel*> m_problemLabels;
    QMap<QString, QString> m_problems;
    QLabel* m_status;
    QDialogButtonBox* m_buttons;
    QPushButton* m_save = nullptr;
    bool m_busy = false;
};

} // namespace vivarium::gui
