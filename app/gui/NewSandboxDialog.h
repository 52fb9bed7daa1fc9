// "New sandbox": pick a template (from the service's `info`), optionally a pulled image to
// use instead of the template's (from image.list; like `viv create --image REF`, the
// template's other settings stay), and an optional name, then create it. The dialog stays open while the service builds images and boots the sandbox,
// showing its progress, and closes itself once the sandbox is ready; a failure is shown in
// the dialog so the user can change the name and try again.
#pragma once

#include <QDialog>
#include <QJsonArray>
#include <QPointer>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;

namespace vivarium {
class ApiClient;
}

namespace vivarium::gui {

class NewSandboxDialog : public QDialog {
    Q_OBJECT
public:
    NewSandboxDialog(ApiClient* client, const QJsonArray& templates, QWidget* parent = nullptr);

    QString createdId() const { return m_createdId; }
    void selectTemplate(const QString& name); // preselects it when the service has it
    QComboBox* imageBox() const { return m_image; }

private:
    void create();
    void loadImages();
    void setBusy(bool busy);

    QPointer<ApiClient> m_client;
    QComboBox* m_template;
    QComboBox* m_image;
    QLineEdit* m_name;
    QProgressBar* m_progress;
    QLabel* m_status;
    QDialogButtonBox* m_buttons;
    QString m_createdId;
    bool m_busy = false;
};

} // namespace vivarium::gui
