// One file streamed between this machine and a sandbox over an ApiClient, the client side
// of file.write / file.read (docs/api.md, "Files"). Used by `viv cp` and the desktop app's
// Files tab, so both stream the same way:
//  * an upload reads the local file in chunks and sends only as much as the server's
//    window credit (file.ready, then file.window) allows, then an empty frame to end it;
//  * a download writes the data frames to a temporary file beside the destination (unnamed
//    where the system allows, else hidden) and renames it over the destination only once
//    the whole file has arrived, so a failed or cancelled download leaves nothing
//    half-written.
// Neither direction holds the file in memory. Several transfers may share one connection:
// file.ready is matched by request id, data and credit by channel.
// It does not open or close the connection. The API has no cancel verb, so a caller that
// wants the service to stop a transfer closes the connection (the service cancels the
// transfers of a client that went away); cancel() only stops this side.
// Errors are the API's (docs/api.md), plus `local_io_error` for this machine's side (the
// local file cannot be read, written or renamed) and `cancelled`.
#pragma once

#include "ApiClient.h"
#include "Result.h"

#include <QFile>
#include <QObject>
#include <QPointer>

#include <memory>

class QTemporaryFile;

namespace vivarium {

class FileTransfer : public QObject {
    Q_OBJECT
public:
    enum class Direction { Upload, Download };
    // Bytes per data frame of an upload (the API takes at most 1 MiB per frame).
    static constexpr qint64 kChunk = 256 * 1024;

    FileTransfer(ApiClient* client, Direction direction, QString sandbox, QString remotePath,
                 QString localPath, QObject* parent = nullptr);
    ~FileTransfer() override; // an unfinished download's temporary file is removed

    // Sends the request on the client, which must be connected. finished() follows exactly
    // once, possibly before start() returns (e.g. an unreadable local file).
    void start();
    // Stops this side now: finished() with `cancelled`; a partial download is removed.
    void cancel();

    Direction direction() const { return m_direction; }
    QString sandbox() const { return m_sandbox; }
    QString remotePath() const { return m_remote; }
    QString localPath() const { return m_local; }
    qint64 bytesDone() const { return m_done; }
    qint64 totalBytes() const { return m_total; } // -1 until known (a download's file.ready)
    bool isFinished() const { return m_finished; }

    // Qt's permission flags of a local file as POSIX mode bits (0644, …).
    static int modeOf(QFileDevice::Permissions permissions);

signals:
    void progress(qint64 done, qint64 total);
    void finished(const vivarium::Status& status);

private:
    void startUpload();
    void startDownload();
    void onFileMessage(const QJsonObject& message);
    void onData(api::DataKind kind, quint32 channel, const QByteArray& bytes);
    void onReply(const Result<QJsonObject>& reply);
    void sendMore();
    Status commitDownload();
    void finish(Status status);

    QPointer<ApiClient> m_client;
    Direction m_direction;
    QString m_sandbox;
    QString m_remote;
    QString m_local;
    qint64 m_requestId = -1;
    quint32 m_channel = 0;
    bool m_ready = false; // file.ready received: m_channel is ours
    qint64 m_credit = 0;
    qint64 m_done = 0;
    qint64 m_total = -1;
    int m_mode = 0644;
    bool m_sentEnd = false;
    bool m_finished = false;
    QFile m_source;                         // upload: the local file
    std::unique_ptr<QTemporaryFile> m_part; // download: beside m_local until complete
};

} // namespace vivarium
