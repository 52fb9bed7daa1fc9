// Exports one run through the API into a device, as a cast or plain text (RunExport): asks
// for the run's timing (run.timing), then replays its stored output (run.attach) straight
// through the writer into the device, so nothing but the timing marks is held in memory.
// A live run is exported as far as it had got when its replay caught up. Shared by
// `viv export` and the desktop app.
//
// It needs a connection on which the run is not attached yet (run.attach replays a run only
// once per connection): viv's own, or a fresh one in the app. It does not open, commit or
// close the device; that is the caller's (QSaveFile, stdout).
#pragma once

#include "ApiClient.h"
#include "RunExport.h"

#include <QIODevice>
#include <QObject>

#include <optional>

namespace vivarium {

class RunExportJob : public QObject {
    Q_OBJECT
public:
    RunExportJob(ApiClient* client, QString sandbox, qint64 run, ExportFormat format,
                 QIODevice* out, QObject* parent = nullptr);
    ~RunExportJob() override;

    void start(); // the client must be connected
    qint64 outputBytes() const { return m_outputBytes; } // run output read so far

signals:
    // Once. On success the device holds the whole export.
    void finished(const vivarium::Status& status);

private:
    void onTiming(const QJsonObject& reply);
    void onRunMessage(const QJsonObject& message);
    void onData(api::DataKind kind, quint32 channel, const QByteArray& bytes);
    void put(const QByteArray& bytes);
    void complete(Status status);

    ApiClient* m_client;
    QString m_sandbox;
    qint64 m_run;
    ExportFormat m_format;
    QIODevice* m_out;
    std::optional<CastWriter> m_cast;
    TextWriter m_text;
    quint32 m_channel = 0;
    qint64 m_outputBytes = 0;
    bool m_done = false;
};

} // namespace vivarium
