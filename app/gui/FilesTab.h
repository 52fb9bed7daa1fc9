// The Files tab of a sandbox: one folder of the guest at a time, with downloads, uploads
// (Upload… or files dropped from a file manager), deletion and a path bar.
// Listings and deletions use a connection of the tab's own, opened when the tab is first
// shown for a ready sandbox; it also brings the file.written events that reload the
// listing. Every transfer gets a connection of its own: the API cancels a transfer only
// when its connection closes, and a large download must not hold up the listing.
// Transfers stream through FileTransfer (shared with `viv cp`), so no file is ever held in
// memory and a failed download leaves nothing behind. Nothing here blocks the GUI thread:
// every request answers in a callback. Dialogs go through Prompts, which tests replace.
#pragma once

#include "ApiClient.h"

#include <QJsonObject>
#include <QTimer>
#include <QWidget>

#include <functional>
#include <list>
#include <memory>

class QAction;
class QLabel;
class QLineEdit;
class QStackedWidget;
class QTableView;
class QVBoxLayout;

namespace vivarium::gui {

class FilesModel;

class FilesTab : public QWidget {
    Q_OBJECT
public:
    // What the tab asks the user. An empty answer means the user cancelled.
    struct Prompts {
        std::function<QString(const QString& suggestedPath)> saveFile; // one download's destination
        std::function<QString()> saveDirectory;                        // where several downloads go
        std::function<QStringList()> openFiles;                        // files to upload
        std::function<bool(const QString& question)> confirm;
    };
    // Transfers running at once; more wait their turn.
    static constexpr int kMaxActiveTransfers = 3;

    explicit FilesTab(QWidget* parent = nullptr);
    ~FilesTab() override;

    // The sandbox to browse (its API object; empty: none) and the service to reach.
    void showSandbox(const QJsonObject& sandbox, const Endpoint& endpoint);
    void setPrompts(Prompts prompts);

    void navigate(const QString& path); // absolute, or relative to the current folder
    void refresh();
    void goUp();
    void upload(const QStringList& localFiles); // into the current folder
    void download(const QString& remotePath, const QString& localPath);
    void downloadSelection();
    void uploadWithDialog();
    void deleteSelection();
    void activate(int row); // a double-click: enter a folder, download a file

    // For tests and the screenshot mode.
    FilesModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }
    QLineEdit* pathEdit() const { return m_pathEdit; }
    QString currentPath() const { return m_path; }
    QString message() const;     // the last error or notice shown above the listing
    QString placeholder() const; // what is shown instead of the listing ("" when it is shown)
    int transferCount() const { return int(m_transfers.size()); }

    // A readable reason for an API error about `path`, e.g. "permission denied" (never a
    // raw code), to follow "Cannot download /etc/shadow: ".
    static QString reason(const Error& error, const QString& path = {});

signals:
    void listingLoaded(const QString& path);
    void transferFinished(const QString& remotePath, const QString& localPath, bool ok,
                          const QString& message);

protected:
    void showEvent(QShowEvent* event) override;

private:
    struct Transfer;

    void buildActions();
    void updateState();
    void updateActions();
    void maybeLoad();
    void openConnection();
    void onEvent(const QJsonObject& event);
    void list(const QString& path, bool fallBackToRoot);
    void showMessage(const QString& text);
    QList<int> selectedRows() const;
    bool isReady() const;

    void enqueue(std::unique_ptr<Transfer> transfer);
    void startTransfers();
    void startTransfer(Transfer* t);
    void transferDone(Transfer* t, const Status& status);
    void removeTransfer(Transfer* t);

    Endpoint m_endpoint;
    QString m_sandbox;
    QString m_state;
    QString m_path;
    QHash<QString, QString> m_lastPath; // per sandbox, for coming back to it
    bool m_listingWanted = false;
    quint64 m_listSerial = 0;
    std::unique_ptr<ApiClient> m_client; // listings, removals and events
    Prompts m_prompts;
    QString m_lastDownloadDir;

    FilesModel* m_model;
    QTableView* m_view;
    QLineEdit* m_pathEdit;
    QLabel* m_message;
    QLabel* m_placeholder;
    QStackedWidget* m_stack;
    QWidget* m_transferBox;
    QVBoxLayout* m_transferLayout;
    QAction* m_upAction;
    QAction* m_refreshAction;
    QAction* m_downloadAction;
    QAction* m_uploadAction;
    QAction* m_deleteAction;
    QAction* m_pathAction;
    QTimer m_refreshTimer; // coalesces a burst of file.written events into one listing
    std::list<std::unique_ptr<Transfer>> m_transfers;
};

} // namespace vivarium::gui
