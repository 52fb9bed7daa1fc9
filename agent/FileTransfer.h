// One file stream: an upload (FileWrite, FileData…, FileEnd) or a download (FileRead →
// FileInfo, FileData…, FileEnd). Only regular files: a FIFO or device opened by path could
// block the single-threaded agent forever or stream without end. Files are opened as the
// agent (root in a guest). Errors come back as values whose code is the protocol's.
#pragma once

#include "GuestMessages.h"
#include "OutputQueue.h"
#include "Result.h"
#include "UniqueFd.h"

#include <cstdint>
#include <memory>
#include <span>

namespace vivarium::agent {

class FileTransfer {
public:
    enum class Direction { Upload, Download };

    static Result<std::unique_ptr<FileTransfer>> openForWrite(std::uint32_t stream,
                                                              const protocol::FileRequest& request);
    // Queues FileInfo on success.
    static Result<std::unique_ptr<FileTransfer>>
    openForRead(std::uint32_t stream, const protocol::FileRequest& request, OutputQueue& out);

    ~FileTransfer();
    FileTransfer(const FileTransfer&) = delete;
    FileTransfer& operator=(const FileTransfer&) = delete;

    Direction direction() const { return m_direction; }
    const std::string& path() const { return m_path; }

    // Upload: writes all of `data` (regular files do not block for long) and queues Window.
    Status write(std::span<const std::uint8_t> data, OutputQueue& out);
    // Upload: makes the data durable (fsync) and closes; the agent then answers FileEnd.
    Status finish();

    // Download: queues FileData chunks while the queue holds less than `queueLimit`;
    // true once FileEnd has been queued.
    Result<bool> pump(OutputQueue& out, std::size_t queueLimit);

private:
    FileTransfer(std::uint32_t stream, Direction direction, std::string path)
        : m_stream(stream), m_direction(direction), m_path(std::move(path)) {}

    std::uint32_t m_stream;
    Direction m_direction;
    std::string m_path;
    UniqueFd m_fd;
    std::string m_tempPath; // upload being written beside m_path until finish() renames it
};

} // namespace vivarium::agent
