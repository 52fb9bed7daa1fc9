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
    std::unique_ptr<FileTransfer> t(new FileTransfer(stream, Direction::Upload, r.path));
    if (r.append) {
        // O_WRONLY on a directory fails with EISDIR before anything is created.
        auto fd = openRegular(r.path, O_WRONLY | O_CREAT | O_APPEND, r.mode);
        if (!fd)
            return fd.error();
        t->m_fd = std::move(*fd);
        return t;
    }
    // A replacement is written beside the target and renamed over it when complete, so a
    // cancelled or failed upload leaves the old file (or none), never half of the new one.
    struct stat st {};
    if (::lstat(r.path.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return errnoError(EISDIR, r.path);
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
            return Error{"io_error", r.path + ": not a regular file"};
    }
    const std::size_t slash = r.path.rfind('/');
    std::string temp = r.path.substr(0, slash + 1) + "." + r.path.substr(slash + 1) + ".viv-XXXXXX";
    UniqueFd fd(::mkostemp(temp.data(), O_CLOEXEC));
    if (!fd)
        return errnoError(errno, r.path);
    t->m_tempPath = temp;
    // The umask must not decide the mode the host asked for.
    if (::fchmod(fd.get(), r.mode) < 0)
        return errnoError(errno, r.path);
    t->m_fd = std::move(fd);
    return t;
}

FileTransfer::~FileTransfer() {
    if (!m_tempPath.empty())
        ::unlink(m_tempPath.c_str());
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
    if (!m_tempPath.empty()) {
        // A symlink at the path is replaced, not followed: the upload lands where it was sent.
        if (::rename(m_tempPath.c_str(), m_path.c_str()) < 0)
            return errnoError(errno, m_path);
        m_tempPath.clear();
    }
    return {};
}

Result<bool> FileTransfer::pump(OutputQueue& out, std::size_t queueLimit) {
    for (int i = 0; i < 4 && out.bytes() < queueLimit; ++i) {
        // Straight into the queue, as exec output is.
        const auto room = out.beginFrame(FrameType::FileData, m_stream, protocol::kDataChunk);
        const ssize_t n = ::read(m_fd.get(), room.data(), room.size());
        out.commitFrame(n > 0 ? std::size_t(n) : 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errnoError(errno, m_path);
        if (n == 0) {
            m_fd.reset();
            out.push(FrameType::FileEnd, m_stream, std::string_view());
            return true;
        }
    }
    return false;
}

} // namespace vivarium::agent
