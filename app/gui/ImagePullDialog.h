// The Images page's Pull… dialog: an image reference, an "insecure registry" switch, and
// while the pull runs one row per layer with a progress bar (LayerProgressDelegate) and its
// state (waiting, downloading, cached, extracting…), from image.pull's progress messages.
// Cancel Pull stops the pull on the service (image.pull.cancel; what was downloaded stays for
// the next pull to resume). Closing the dialog while a pull runs does not stop the pull: the
// service finishes it, and the Images page shows the image when it is there. It talks to the service only through the
// ApiClient it is given; it never blocks.
#pragma once

#include "Result.h"

#include <QDialog>
#include <QJsonObject>
#include <QPointer>
#include <QStyledItemDelegate>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QStandardItemModel;
class QTableView;

namespace vivarium {
class ApiClient;
}

namespace vivarium::gui {

// Paints a cell's ProgressRole value (0–100, or -1 for "not started") as a progress bar.
class LayerProgressDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    static constexpr int ProgressRole = Qt::UserRole + 40;
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
};

class ImagePullDialog : public QDialog {
    Q_OBJECT
public:
    enum Column { DigestColumn, SizeColumn, ProgressColumn, StateColumn, ColumnCount };

    ImagePullDialog(ApiClient* client, QWidget* parent = nullptr);

    QLineEdit* referenceEdit() const { return m_reference; }
    QCheckBox* insecureBox() const { return m_insecure; }
    QStandardItemModel* layers() const { return m_layers; }
    QString statusText() const;
    bool pulling() const { return m_pulling; }

    QPushButton* cancelPullButton() const { return m_cancelPull; }

    // Starts image.pull for the reference in the form.
    void startPull();
    // Asks the service to cancel the running pull (image.pull.cancel); the pull's own answer
    // (`cancelled`) ends it in the view.
    void cancelPull();
    // What a progress message or the final answer does to the view (the request's callbacks;
    // tests call them directly with recorded messages).
    void applyProgress(const QJsonObject& progress);
    void applyResult(const Result<QJsonObject>& result);

signals:
    // The image is pulled: `name` is how the Images page lists it.
    void pulled(const QString& name);

private:
    void updateButtons();

    QPointer<ApiClient> m_client;
    QLineEdit* m_reference;
    QCheckBox* m_insecure;
    QStandardItemModel* m_layers;
    QTableView* m_table;
    QProgressBar* m_overall;
    QLabel* m_status;
    QDialogButtonBox* m_buttons;
    QPushButton* m_cancelPull;
    QString m_pullingRef;
    bool m_pulling = false;
    bool m_cancelling = false;
};

} // namespace vivarium::gui
