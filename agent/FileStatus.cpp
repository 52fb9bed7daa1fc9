// See FileStatus.h.
#include "FileStatus.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace vivarium::agent {

protocol::FileInfo fileInfoFrom(const struct stat& st) {
    protocol::FileInfo info;
    if (S_ISREG(st.st_mode))
        info.type = protocol::FileKind::File;
    else if (S_ISDIR(st.st_mode))
        info.type = protocol::FileKind::Directory;
    else if (S_ISLNK(st.st_mode))
        info.type = protocol::FileKind::Symlink;
    else
        info.type = protocol::FileKind::Other;
    info.size = st.st_size > 0 ? std::uint64_t(st.st_size) : 0;
    info.mode = std::uint32_t(st.st_mode & 07777);
    info.mtime = std::int64_t(st.st_mtim.tv_sec);
    info.uid = std::uint32_t(st.st_uid);
    info.gid = std::uint32_t(st.st_gid);
    return info;
}

Result<protocol::FileInfo> fileStatus(int dirFd, const std::string& name, bool follow,
                                      const std::string& what) {
    struct stat st {};
    if (::fstatat(dirFd, name.c_str(), &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
        return errnoError(errno, what);
    protocol::FileInfo info = fileInfoFrom(st);
    if (info.type == protocol::FileKind::Symlink) {
        // A Linux symlink target is shorter than PATH_MAX (4096), so this never truncates.
        char target[protocol::kMaxPath];
        const ssize_t n = ::readlinkat(dirFd, name.c_str(), target, sizeof target);
        // Replaced between the lstat and now: describe the link without its target.
        if (n > 0)
            info.target.assign(target, std::size_t(n));
    }
    return info;
}

} // namespace vivarium::agent
