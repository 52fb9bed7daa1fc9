// See TreeRemoval.h.
#include "TreeRemoval.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace vivarium::agent {

using protocol::FrameType;

namespace {

std::string childPath(const std::string& dir, const std::string& name) {
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

Error notEmpty(const std::string& path) {
    return {"is_a_directory", path + ": directory not empty"};
}

} // namespace

Result<std::unique_ptr<TreeRemoval>> TreeRemoval::start(std::uint32_t stream,
                                                        const protocol::RemoveRequest& request) {
    // The path parses as absolute. Its last component is what goes; the directories above it
    // are resolved like any path (a symlink among them is followed, as rm does).
    std::string path = request.path;
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    if (path == "/")
        return Error{"refused", "refusing to remove /"};
    const std::size_t slash = path.rfind('/');
    const std::string parentPath = slash == 0 ? "/" : path.substr(0, slash);
    const std::string name = path.substr(slash + 1);
    if (name == "." || name == "..")
        return Error{"bad_request", request.path + ": the last component may not be . or .."};

    UniqueFd parent(::open(parentPath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent)
        return errnoError(errno, request.path);
    struct stat st {};
    if (::fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errnoError(errno, request.path);

    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(parent.get(), name.c_str(), 0) < 0)
            return errnoError(errno, request.path);
        return std::unique_ptr<TreeRemoval>();
    }
    struct stat root {}, above {};
    if (::stat("/", &root) == 0 && st.st_dev == root.st_dev && st.st_ino == root.st_ino)
        return Error{"refused", request.path + ": refusing to remove the root directory"};
    if (::fstat(parent.get(), &above) == 0 && above.st_dev != st.st_dev)
        return Error{"refused", request.path + ": refusing to remove a mount point"};
    if (!request.recursive) {
        if (::unlinkat(parent.get(), name.c_str(), AT_REMOVEDIR) == 0)
            return std::unique_ptr<TreeRemoval>();
        const int err = errno;
        if (err == ENOTEMPTY || err == EEXIST)
            return notEmpty(request.path);
        return errnoError(err, request.path);
    }
    std::unique_ptr<TreeRemoval> job(new TreeRemoval(stream));
    job->m_device = st.st_dev;
    if (auto s = job->descend(parent.get(), name, request.path); !s)
        return s.error();
    job->m_parent = std::move(parent);
    return job;
}

Status TreeRemoval::descend(int parentFd, const std::string& name, const std::string& path) {
    if (m_levels.size() >= kMaxDepth)
        return Error{"io_error", path + ": more than " + std::to_string(kMaxDepth) +
                                     " directories deep"};
    // O_NOFOLLOW: if the entry became a symlink since it was read, this fails instead of
    // walking out of the tree.
    UniqueFd fd(::openat(parentFd, name.c_str(),
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return errnoError(errno, path);
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0)
        return errnoError(errno, path);
    if (st.st_dev != m_device)
        return Error{"io_error", path + ": is a mount point, not removed"};
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fd.get()));
    if (!dir)
        return errnoError(errno, path);
    fd.release(); // now owned by dir
    m_levels.push_back(Level{std::move(dir), name, path, 0});
    return {};
}

Result<FileJob::Step> TreeRemoval::pump(OutputQueue& out, std::size_t /*queueLimit*/) {
    for (int i = 0; i < kOperationsPerPump; ++i) {
        if (m_levels.empty()) {
            m_parent.reset();
            out.push(FrameType::FileEnd, m_stream, std::string_view());
            return Step::Done;
        }
        Level& top = m_levels.back();
        const int topFd = ::dirfd(top.dir.get());
        errno = 0;
        const dirent* entry = ::readdir(top.dir.get());
        if (!entry) {
            if (errno != 0)
                return errnoError(errno, top.path);
            // The directory is empty as far as this pass saw: remove it from the level above.
            const int aboveFd =
                m_levels.size() > 1 ? ::dirfd(m_levels[m_levels.size() - 2].dir.get())
                                    : m_parent.get();
            if (::unlinkat(aboveFd, top.name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) {
                m_levels.pop_back();
                continue;
            }
            const int err = errno;
            // Entries created meanwhile, or missed by a readdir racing our own unlinks:
            // look again a few times before giving up.
            if ((err == ENOTEMPTY || err == EEXIST) && top.rewinds < 4) {
                ++top.rewinds;
                ::rewinddir(top.dir.get());
                continue;
            }
            if (err == ENOTEMPTY || err == EEXIST)
                return notEmpty(top.path);
            return errnoError(err, top.path);
        }
        const std::string name = entry->d_name;
        if (name == "." || name == "..")
            continue;
        const std::string path = childPath(top.path, name);
        bool isDir = entry->d_type == DT_DIR;
        if (entry->d_type == DT_UNKNOWN) {
            struct stat st {};
            if (::fstatat(topFd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                    continue;
                return errnoError(errno, path);
            }
            isDir = S_ISDIR(st.st_mode);
        }
        if (!isDir) {
            if (::unlinkat(topFd, name.c_str(), 0) < 0 && errno != ENOENT)
                return errnoError(errno, path);
            continue;
        }
        // `top` is invalidated by the push. An entry gone (or no longer a directory) since
        // it was read is skipped; a later pass over this directory sees what replaced it.
        if (auto s = descend(topFd, name, path); !s && s.error().code != "not_found")
            return s.error();
    }
    return Step::Progressed;
}

} // namespace vivarium::agent
