#include "RunExportActions.h"

#include "RunExportJob.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>
#include <QWidget>

namespace vivarium::gui {

RunExportActions::RunExportActions(QWidget* dialogParent)
    : QObject(dialogParent), m_parent(dialogParent),
      m_cast(new QAction(tr("Export as asciinema &cast…"), this)),
      m_text(new QAction(tr("Export as &text…"), this)),
      m_lastDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)) {
    if (m_lastDir.isEmpty() || !QFileInfo(m_lastDir).isDir())
        m_lastDir = QDir::homePath();
    m_cast->setToolTip(tr("Save the run's output with its timing, to replay it with asciinema "
                          "or share it"));
    m_text->setToolTip(tr("Save the run's output as plain text, without terminal escape codes"));
    connect(m_cast, &QAction::triggered, this, [this] { exportRun(ExportFormat::Cast); });
    connect(m_text, &QAction::triggered, this, [this] { exportRun(ExportFormat::Text); });
    setRun(0);
}

void RunExportActions::setSandbox(const Endpoint& endpoint, const QString& id, const QString& name) {
    m_endpoint = endpoint;
    m_sandbox = id;
    m_sandboxName = name.isEmpty() ? id : name;
    setRun(0);
}

void RunExportActions::setRun(qint64 run) {
    m_run = m_sandbox.isEmpty() ? 0 : run;
    m_cast->setEnabled(m_run > 0);
    m_text->setEnabled(m_run > 0);
}

void RunExportActions::exportRun(ExportFormat format) {
    if (m_run <= 0)
        return;
    const qint64 run = m_run;
    const bool cast = format == ExportFormat::Cast;
    const QString suggested =
        QString("%1-run%2.%3").arg(m_sandboxName).arg(run).arg(cast ? "cast" : "txt");
    if (m_chooser) {
        const QString path = m_chooser(format, suggested);
        if (!path.isEmpty())
            exportTo(format, run, path);
        return;
    }
    auto* dialog = new QFileDialog(m_parent, cast ? tr("Export run %1 as an asciinema cast").arg(run)
                                                  : tr("Export run %1 as text").arg(run),
                                   QDir(m_lastDir).filePath(suggested),
                                   (cast ? tr("asciinema casts (*.cast)") : tr("Text files (*.txt)")) +
                                       ";;" + tr("All files (*)"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(cast ? "cast" : "txt");
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this, format, run](const QString& path) {
        m_lastDir = QFileInfo(path).absolutePath();
        exportTo(format, run, path);
    });
    dialog->open();
}

void RunExportActions::exportTo(ExportFormat format, qint64 run, const QString& path) {
    // Everything of one export hangs off `holder`, which goes when it ends.
    auto* holder = new QObject(this);
    auto done = std::make_shared<bool>(false); // one report per export, whatever fires
    auto fail = [this, holder, run, path, done](const QString& why) {
        if (std::exchange(*done, true))
            return;
        emit finished(false, path, tr("Cannot export run %1: %2").arg(run).arg(why));
        holder->deleteLater();
    };
    auto* file = new QSaveFile(path, holder);
    if (!file->open(QIODevice::WriteOnly))
        return fail(tr("cannot write %1 (%2)").arg(path, file->errorString()));
    auto* client = new ApiClient(holder);
    connect(client, &ApiClient::failed, holder, [fail](const QString& reason) { fail(reason); });
    connect(client, &ApiClient::ready, holder, [=, this] {
        auto* job = new RunExportJob(client, m_sandbox, run, format, file, holder);
        connect(job, &RunExportJob::finished, holder, [=, this](const Status& st) {
            if (!st)
                return fail(st.error().message); // uncommitted: nothing is left behind
            if (!file->commit())
                return fail(tr("cannot write %1 (%2)").arg(path, file->errorString()));
            if (std::exchange(*done, true))
                return;
            emit finished(true, path, tr("Run %1 exported to %2").arg(run).arg(path));
            holder->deleteLater();
        });
        job->start();
    });
    client->open(m_endpoint);
}

} // namespace vivarium::gui
