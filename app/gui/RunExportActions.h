// "Export as asciinema cast…" and "Export as text…" for the run shown in the Runs tab: ask
// where to save (a window-modal file dialog, opened without blocking), then export the run
// through a connection of its own (RunExportJob: run.timing, then run.attach) into a
// QSaveFile, so a failed export never leaves half a file where the user asked for one.
// It holds no output: the export streams from the service's run record to the file.
#pragma once

#include "ApiClient.h"
#include "RunExport.h"

#include <QObject>

#include <functional>

class QAction;
class QWidget;

namespace vivarium::gui {

class RunExportActions : public QObject {
    Q_OBJECT
public:
    explicit RunExportActions(QWidget* dialogParent);

    QAction* castAction() const { return m_cast; }
    QAction* textAction() const { return m_text; }

    void setSandbox(const Endpoint& endpoint, const QString& id, const QString& name);
    void setRun(qint64 run); // the run the actions export; 0 disables them

    // Replaces the file dialog (tests): returns the path to write, or "" to cancel.
    using PathChooser = std::function<QString(ExportFormat format, const QString& suggested)>;
    void setPathChooser(PathChooser chooser) { m_chooser = std::move(chooser); }

    void exportRun(ExportFormat format); // asks where, then exports the current run
    void exportTo(ExportFormat format, qint64 run, const QString& path);

signals:
    // One per export that was started: `message` says where it went, or what went wrong.
    void finished(bool ok, const QString& path, const QString& message);

private:
    QWidget* m_parent;
    QAction* m_cast;
    QAction* m_text;
    Endpoint m_endpoint;
    QString m_sandbox;
    QString m_sandboxName;
    qint64 m_run = 0;
    QString m_lastDir;
    PathChooser m_chooser;
};

} // namespace vivarium::gui
