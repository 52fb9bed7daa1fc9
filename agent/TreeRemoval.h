// One FileRemove stream. A file, a symlink (the link itself) or an empty directory is removed
// at once; a recursive removal of a directory is a job that deletes a bounded number of
// entries per pump, so a big tree does not stall the other streams.
//
// Nothing is ever followed: the walk goes through directory descriptors (openat with
// O_NOFOLLOW | O_DIRECTORY, unlinkat, AT_REMOVEDIR), so a symlink in the tree, even one
// swapped in during the walk, is unlinked and never entered. The walk is at most kMaxDepth
// directories deep and stays on the filesystem it started on: a directory on another
// device (a mount point) ends it with an error. The root directory and mount points are
// refused outright.
#pragma once

#include "FileJob.h"
#include "GuestMessages.h"
#include "UniqueFd.h"

#include <dirent.h>
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vivarium::agent {

class TreeRemoval final : public FileJob {
public:
    static constexpr std::size_t kMaxDepth = 256;
    static constexpr int kOperationsPerPump = 256;

    // Removes what can be removed at once and returns nullptr (the agent then answers
    // FileEnd), or the job that empties a directory tree.
    static Result<std::unique_ptr<TreeRemoval>> start(std::uint32_t stream,
                                                      const protocol::RemoveRequest& request);

    Result<Step> pump(OutputQueue& out, std::size_t queueLimit) override;

private:
    struct DirCloser {
        void operator()(DIR* d) const { ::closedir(d); }
    };
    struct Level {
        std::unique_ptr<DIR, DirCloser> dir;
        std::string name; // in the level above (or m_parent)
        std::string path; // for messages
        int rewinds = 0;
    };

    explicit TreeRemoval(std::uint32_t stream) : m_stream(stream) {}
    Status descend(int parentFd, const std::string& name, const std::string& path);

    std::uint32_t m_stream;
    UniqueFd m_parent; // the directory that holds the tree's top
    dev_t m_device = 0;
    std::vector<Level> m_levels;
};

} // namespace vivarium::agent
