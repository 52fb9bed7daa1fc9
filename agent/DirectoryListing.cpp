// See DirectoryListing.h.
#include "DirectoryListing.h"

#include "FileStatus.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace vivarium::agent {

using protocol::FrameType;

namespace {

std::string childPath(const std::string& dir, const std::string& name) {
    return dir.back() == '/' ? dir + name : dir + "/" + name;
}

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

} // namespace

Result<std::unique_ptr<DirectoryListing>>
DirectoryListing::open(std::uint32_t stream, const protocol::ListRequest& request) {
    const std::string& path = request.path;
    // O_DIRECTORY: a FIFO or device is refused by open itself and never blocks the agent.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY));
    if (!fd) {
        const int err = errno;
        struct stat st {};
        // ENOTDIR is also what a missing directory in the middle of the path gives.
        if (err == ENOTDIR && ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
            return Error{"not_a_directory", path + ": not a directory"};
        return errnoError(err, path);
    }
    // readdir on a duplicate: closedir closes its own descriptor, and the listing keeps
    // `fd` for the lstat of each entry.
    UniqueFd copy(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 0));
    if (!copy)
        return errnoError(errno, path);
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(copy.get()));
    if (!dir)
        return errnoError(errno, path);
    copy.release(); // now owned by dir
    std::unique_ptr<DirectoryListing> listing(new DirectoryListing(stream, path));
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir.get());
        if (!entry) {
            if (errno != 0)
                return errnoError(errno, path);
            break;
        }
        const std::string_view name = entry->d_name;
        if (name == "." || name == "..")
            continue;
        if (listing->m_names.size() == protocol::kMaxListEntries)
            return Error{"too_many_entries", path + ": more than " +
                                                 std::to_string(protocol::kMaxListEntries) +
                                                 " entries"};
        listing->m_names.emplace_back(name);
    }
    std::sort(listing->m_names.begin(), listing->m_names.end());
    listing->m_dir = std::move(fd);
    return listing;
}

Result<FileJob::Step> DirectoryListing::pump(OutputQueue& out, std::size_t queueLimit) {
    if (out.bytes() >= queueLimit)
        return Step::Blocked;
    protocol::FileEntries chunk;
    // {"entries":[…]} around the entries, and a comma between two.
    std::size_t bytes = 16;
    while (m_next < m_names.size() && chunk.entries.size() < protocol::kListChunkEntries) {
        const std::string& name = m_names[m_next];
        auto info = protocol::FileInfo{};
        if (auto st = fileStatus(m_dir.get(), name, /*follow=*/false, childPath(m_path, name))) {
            info = std::move(*st);
        } else if (st.error().code == "not_found") {
            ++m_next; // removed since the directory was read
            continue;
        } else {
            return st.error();
        }
        protocol::FileEntry entry{name, std::move(info)};
        const std::size_t size = protocol::toJson(entry).size() + 1;
        // One entry is at most ~30 KiB of JSON (a 4 KiB target of escaped control bytes),
        // so a chunk that starts with it is still far below kMaxPayload.
        if (!chunk.entries.empty() && bytes + size > protocol::kListChunkBytes)
            break;
        bytes += size;
        chunk.entries.push_back(std::move(entry));
        ++m_next;
    }
    if (!chunk.entries.empty() || !m_sentChunk) {
        out.push(FrameType::FileEntries, m_stream, protocol::toJson(chunk));
        m_sentChunk = true;
    }
    if (m_next < m_names.size())
        return Step::Progressed;
    m_dir.reset();
    out.push(FrameType::FileEnd, m_stream, std::string_view());
    return Step::Done;
}

} // namespace vivarium::agent
