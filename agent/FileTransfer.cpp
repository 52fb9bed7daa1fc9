// See FileTransfer.h.
#include "FileTransfer.h"

#include "FileStatus.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace vivarium::agent {

using protocol::FrameType;

namespace {

// Opens without blocking (O_NONBLOCK: a FIFO without a peer fails or returns at once) and
// accepts only regular files; then makes the descriptor blocking again for plain I/O.
Result<UniqueFd> openRegular(const std::string& path, int flags, mode_t mode) {
    UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode));
    if (!fd)
        return errnoError(errno, path);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0)
        return errnoError(errno, path);
    if (S_ISDIR(st.st_mode))
        return errnoError(EISDIR, path);
    if (!S_ISREG(st.st_mode))
        return Error{"io_error", path + ": not a regular file"};
    const int fl = ::fcntl(fd.get(), F_GETFL);
    ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

} // namespace

Result<std::unique_ptr<FileTransfer>> FileTransfer::openForWrite(std::uint32_t stream,
                                                                 const protocol::FileRequest& r) {
    // O_WRONLY on a directory fails with EISDIR before anything is created or truncated.
    auto fd = openRegular(r.path, O_WRONLY | O_CREAT | (r.append ? O_APPEND : O_TRUNC), r.mode);
    if (!fd)
        return fd.error();
    // The umask must not decide the mode the host asked for; appending keeps the file's own.
    if (!r.append && ::fchmod(fd->get(), r.mode) < 0)
        return errnoError(errno, r.path);
    std::unique_ptr<FileTransfer> t(new FileTransfer(stream, Direction::Upload, r.path));
    t->m_fd = std::move(*fd);
    return t;
}

Result<std::unique_ptr<FileTransfer>>
FileTransfer::openForRead(std::uint32_t stream, const protocol::FileRequest& r, OutputQueue& out) {
    auto fd = openRegular(r.path, O_RDONLY, 0);
    if (!fd)
        return fd.error();
    struct stat st {};
    if (::fstat(fd->get(), &st) < 0)
        return errnoError(errno, r.path);
    out.push(FrameType::FileInfo, stream, protocol::toJson(fileInfoFrom(st)));
    std::unique_ptr<FileTransfer> t(new FileTransfer(stream, Direction::Download, r.path));
    t->m_fd = std::move(*fd);
    return t;
}

Status FileTransfer::write(std::span<const std::uint8_t> data, OutputQueue& out) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(m_fd.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errnoError(errno, m_path);
        done += std::size_t(n);
    }
    out.push(FrameType::Window, m_stream, protocol::windowJson(std::uint32_t(data.size())));
    return {};
}

Status FileTransfer::finish() {
    if (::fsync(m_fd.get()) < 0)
        return errnoError(errno, m_path);
    // close() reports deferred write errors on some filesystems (NFS, 9p).
    if (::close(m_fd.release()) < 0 && errno != EINTR)
        return errnoError(errno, m_path);
    return {};
}

Result<bool> FileTransfer::pump(OutputQueue& out, std::size_t queueLimit) {
    for (int i = 0; i < 4 && out.bytes() < queueLimit; ++i) {
        std::uint8_t buffer[protocol::kDataChunk];
        const ssize_t n = ::read(m_fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errnoError(errno, m_path);
        if (n == 0) {
            m_fd.reset();
            out.push(FrameType::FileEnd, m_stream, std::string_view());
            return true;
        }
        out.push(FrameType::FileData, m_stream,
                 std::span<const std::uint8_t>(buffer, std::size_t(n)));
    }
    return false;
}

} // namespace vivarium::agent
