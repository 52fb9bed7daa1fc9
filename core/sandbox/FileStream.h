// One file operation in a guest over its own guest stream: upload, download, stat, list or
// remove. A download is spooled to an OutputLog on the host as it arrives, so a slow client
// reads it back from disk (as a RunFollower) and host memory stays bounded whatever the
// file's size; an upload passes the guest's window credits on to its writer. Everything the
// guest says about a file is parsed as hostile input.
#pragma once

#include "GuestMessages.h"
#include "GuestProtocol.h"
#include "OutputSource.h"
#include "Result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTimer>

namespace vivarium {

class FileStream : public OutputSource {
    Q_OBJECT
public:
    enum class Kind { Upload, Download, Stat, List, Remove };

    FileStream(Kind kind, quint32 stream, QString path, QString spoolPath, QObject* parent);
    ~FileStream() override;

    Kind kind() const { return m_kind; }
    quint32 stream() const { return m_stream; }
    QString path() const { return m_path; }
    qint64 bytes() const { return m_bytes; }

    // OutputSource (downloads): the spooled file data.
    QString outputPath() const override { return m_spool.path(); }
    qint64 outputLogSize() const override { return m_spool.size(); }
    bool finished() const override { return m_finished; }

    // Frames of this stream from the guest. Returns false when the stream is over.
    void onFrame(const protocol::Frame& frame);
    void fail(const Error& error);
    void addUploaded(qint64 n) { m_bytes += n; }

signals:
    void info(const QJsonObject& info);   // download: size, mode… before the data
    void credit(qint64 bytes);            // upload: the guest consumed this many bytes
    void done(const vivarium::Result<QJsonObject>& result); // once, at the end

private:
    void finish(Result<QJsonObject> result);

    Kind m_kind;
    quint32 m_stream;
    QString m_path;
    OutputLog m_spool;
    QJsonArray m_entries;
    QJsonObject m_info;
    qint64 m_bytes = 0;
    bool m_finished = false;
    QTimer m_timeout;
};

QJsonObject fileInfoJson(const protocol::FileInfo& info);

} // namespace vivarium
