#include "RunExportJob.h"

#include <QJsonArray>
#include <QPointer>

namespace vivarium {

RunExportJob::RunExportJob(ApiClient* client, QString sandbox, qint64 run, ExportFormat format,
                           QIODevice* out, QObject* parent)
    : QObject(parent), m_client(client), m_sandbox(std::move(sandbox)), m_run(run),
      m_format(format), m_out(out) {}

RunExportJob::~RunExportJob() = default;

void RunExportJob::start() {
    connect(m_client, &ApiClient::disconnected, this, [this] {
        complete(makeError("disconnected", "The connection to vivariumd was lost during the export."));
    });
    QPointer<RunExportJob> self(this);
    // Text needs no timing: one mark keeps the reply small (it still brings the run object).
    QJsonObject body{{"sandbox", m_sandbox}, {"run", m_run}};
    if (m_format == ExportFormat::Text)
        body["max_marks"] = 1;
    m_client->request("run.timing", body,
                      [self](Result<QJsonObject> r) {
                          if (!self)
                              return;
                          if (!r)
                              return self->complete(r.error());
                          self->onTiming(r.value());
                      });
}

void RunExportJob::onTiming(const QJsonObject& reply) {
    if (m_done)
        return;
    const QJsonObject run = reply.value("run").toObject();
    QList<TimingMark> marks;
    for (const QJsonValue& v : reply.value("marks").toArray()) {
        const QJsonArray m = v.toArray();
        marks.append({m.at(0).toInteger(), m.at(1).toInteger()});
    }
    if (m_format == ExportFormat::Cast) {
        const qint64 lastMs = marks.isEmpty() ? 0 : marks.last().ms;
        m_cast.emplace(CastHeader::fromRun(run, lastMs), std::move(marks),
                       run.value("pty").toBool() ? CastWriter::Newlines::AsIs
                                                 : CastWriter::Newlines::LfToCrlf);
        put(m_cast->header());
    }
    // The attachment, the stored output and run.caught_up all name our channel; a finished
    // run's whole replay even comes before the reply.
    connect(m_client, &ApiClient::runMessage, this, &RunExportJob::onRunMessage);
    connect(m_client, &ApiClient::data, this, &RunExportJob::onData);
    connect(m_client, &ApiClient::exited, this, [this](const QJsonObject& e) {
        if (m_channel != 0 && quint32(e.value("channel").toInteger()) == m_channel)
            complete({});
    });
    QPointer<RunExportJob> self(this);
    m_client->request("run.attach", {{"sandbox", m_sandbox}, {"run", m_run}},
                      [self](Result<QJsonObject> r) {
                          if (!self)
                              return;
                          if (!r)
                              return self->complete(r.error());
                          if (self->m_channel == 0) // attached before: no replay will come
                              self->complete(makeError(
                                  "invalid_state",
                                  "This connection already follows the run, so it will not be "
                                  "replayed again; export it on a connection of its own."));
                      });
}

void RunExportJob::onRunMessage(const QJsonObject& m) {
    const QString type = m.value("type").toString();
    const quint32 channel = quint32(m.value("channel").toInteger());
    if (type == "run.attached" && m_channel == 0 && m.value("run").toInteger() == m_run)
        m_channel = channel;
    else if (type == "run.caught_up" && channel == m_channel && m_channel != 0)
        complete({}); // everything stored so far; a live run is exported up to here
}

void RunExportJob::onData(api::DataKind kind, quint32 channel, const QByteArray& bytes) {
    if (m_done || channel != m_channel || m_channel == 0 ||
        (kind != api::DataKind::Stdout && kind != api::DataKind::Stderr))
        return;
    m_outputBytes += bytes.size();
    put(m_cast ? m_cast->write(bytes) : m_text.write(bytes));
}

void RunExportJob::put(const QByteArray& bytes) {
    if (m_done || bytes.isEmpty())
        return;
    if (m_out->write(bytes) != bytes.size())
        complete(makeError("io_error", "Cannot write the export: " + m_out->errorString()));
}

void RunExportJob::complete(Status status) {
    if (m_done)
        return;
    if (status)
        put(m_cast ? m_cast->finish() : m_text.finish());
    if (m_done) // the last write failed and has reported it
        return;
    m_done = true;
    disconnect(m_client, nullptr, this, nullptr);
    emit finished(status);
}

} // namespace vivarium
