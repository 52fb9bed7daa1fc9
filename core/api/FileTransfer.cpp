#include "FileTransfer.h"

#include <QFileInfo>
#include <QTemporaryFile>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace vivarium {

FileTransfer::FileTransfer(ApiClient* client, Direction direction, QString sandbox,
                           QString remotePath, QString localPath, QObject* parent)
    : QObject(parent), m_client(client), m_direction(direction), m_sandbox(std::move(sandbox)),
      m_remote(std::move(remotePath)), m_local(std::move(localPath)) {}

FileTransfer::~FileTransfer() = default;

int FileTransfer::modeOf(QFileDevice::Permissions p) {
    // Qt's flags are hex-shaped (0x4000 = ReadOwner, …), not POSIX bits.
    const std::pair<QFileDevice::Permission, int> bits[] = {
        {QFileDevice::ReadOwner, 0400}, {QFileDevice::WriteOwner, 0200},
        {QFileDevice::ExeOwner, 0100},  {QFileDevice::ReadGroup, 040},
        {QFileDevice::WriteGroup, 020}, {QFileDevice::ExeGroup, 010},
        {QFileDevice::ReadOther, 04},   {QFileDevice::WriteOther, 02},
        {QFileDevice::ExeOther, 01},
    };
    int mode = 0;
    for (const auto& [flag, bit] : bits)
        if (p & flag)
            mode |= bit;
    return mode;
}

void FileTransfer::start() {
    if (m_finished || m_requestId >= 0)
        return;
    if (!m_client || !m_client->isConnected())
        return finish(makeError("disconnected", "Not connected to vivariumd."));
    connect(m_client, &ApiClient::fileMessage, this, &FileTransfer::onFileMessage);
    if (m_direction == Direction::Upload)
        startUpload();
    else
        startDownload();
}

void FileTransfer::cancel() {
    finish(makeError("cancelled", "The transfer was cancelled."));
}

void FileTransfer::startUpload() {
    if (QFileInfo(m_local).isDir())
        return finish(
            makeError("local_io_error", "Cannot upload " + m_local + ": it is a folder."));
    m_source.setFileName(m_local);
    if (!m_source.open(QIODevice::ReadOnly))
        return finish(
            makeError("local_io_error", "Cannot read " + m_local + ": " + m_source.errorString()));
    m_total = m_source.size();
    QPointer<FileTransfer> self(this);
    m_requestId = m_client->request(
        "file.write",
        {{"sandbox", m_sandbox}, {"path", m_remote}, {"mode", modeOf(m_source.permissions())}},
        [self](Result<QJsonObject> r) {
            if (self)
                self->onReply(r);
        });
}

void FileTransfer::startDownload() {
    const QFileInfo dest(m_local);
    if (dest.isDir())
        return finish(
            makeError("local_io_error", "Cannot save to " + m_local + ": it is a folder."));
    // Beside the destination, so the rename that completes it stays on one file system and
    // a reader of the destination never sees half a file; hidden, where it has a name.
    m_part = std::make_unique<QTemporaryFile>(dest.absolutePath() + "/." + dest.fileName() +
                                              ".viv-part-XXXXXX");
    if (!m_part->open())
        return finish(makeError("local_io_error", "Cannot write to " + dest.absolutePath() + ": " +
                                                      m_part->errorString()));
    connect(m_client, &ApiClient::data, this, &FileTransfer::onData);
    QPointer<FileTransfer> self(this);
    m_requestId = m_client->request("file.read", {{"sandbox", m_sandbox}, {"path", m_remote}},
                                    [self](Result<QJsonObject> r) {
                                        if (self)
                                            self->onReply(r);
                                    });
}

void FileTransfer::onFileMessage(const QJsonObject& m) {
    const QString type = m.value("type").toString();
    if (type == "file.ready") {
        if (m.value("id").toInteger(-2) != m_requestId)
            return;
        m_ready = true;
        m_channel = quint32(m.value("channel").toInteger());
        if (m_direction == Direction::Download) {
            m_total = m.value("size").toInteger();
            m_mode = int(m.value("mode").toInteger(0644));
            emit progress(m_done, m_total);
            return;
        }
        m_credit = m.value("window").toInteger();
    } else if (type == "file.window" && m_ready && m_direction == Direction::Upload &&
               quint32(m.value("channel").toInteger()) == m_channel) {
        m_credit += m.value("bytes").toInteger();
    } else {
        return;
    }
    sendMore();
}

void FileTransfer::sendMore() {
    if (m_finished || m_sentEnd)
        return;
    while (m_credit > 0 && !m_source.atEnd()) {
        const QByteArray chunk = m_source.read(std::min(m_credit, kChunk));
        if (chunk.isEmpty()) {
            return finish(makeError("local_io_error",
                                    "Cannot read " + m_local + ": " + m_source.errorString()));
        }
        m_credit -= chunk.size();
        m_done += chunk.size();
        m_client->sendData(api::DataKind::File, m_channel, chunk);
    }
    emit progress(m_done, m_total);
    if (m_source.atEnd()) {
        m_source.close();
        m_sentEnd = true;
        m_client->sendData(api::DataKind::File, m_channel, {}); // the end of the file
    }
}

void FileTransfer::onData(api::DataKind kind, quint32 channel, const QByteArray& bytes) {
    if (kind != api::DataKind::File || !m_ready || channel != m_channel || m_finished)
        return;
    if (m_part->write(bytes) != bytes.size())
        return finish(
            makeError("local_io_error", "Cannot write " + m_local + ": " + m_part->errorString()));
    m_done += bytes.size();
    emit progress(m_done, m_total);
}

void FileTransfer::onReply(const Result<QJsonObject>& reply) {
    if (m_finished)
        return;
    if (!reply)
        return finish(reply.error());
    if (m_direction == Direction::Download)
        return finish(commitDownload());
    finish(Status{});
}

Status FileTransfer::commitDownload() {
    if (!m_part->flush())
        return makeError("local_io_error",
                         "Cannot write " + m_local + ": " + m_part->errorString());
    // While it is open, asking for its name gives the file one: on Linux Qt creates it
    // unnamed (O_TMPFILE), so until now it was invisible, and a crash leaves nothing behind.
    const QByteArray part = QFile::encodeName(m_part->fileName());
    m_part->close();
    // Permission bits only: set-id bits chosen by a guest have no business on this host.
    ::chmod(part.constData(), mode_t(m_mode & 0777));
    if (::rename(part.constData(), QFile::encodeName(m_local).constData()) != 0)
        return makeError("local_io_error", "Cannot save " + m_local + ": " +
                                               QString::fromLocal8Bit(std::strerror(errno)));
    m_part->setAutoRemove(false);
    return {};
}

void FileTransfer::finish(Status status) {
    if (m_finished)
        return;
    m_finished = true;
    if (m_client)
        disconnect(m_client, nullptr, this, nullptr);
    m_source.close();
    m_part.reset(); // removes the temporary file unless it was renamed into place
    emit finished(status);
}

} // namespace vivarium
