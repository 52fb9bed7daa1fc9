// One FileList stream: the entries of a directory, sorted by name (raw bytes), without "."
// and "..", each described by lstat (symlinks are not followed), sent as FileEntries frames
// of at most kListChunkEntries entries and about kListChunkBytes of JSON, then FileEnd.
//
// Opening reads every name at once (bounded by kMaxListEntries, beyond which the listing is
// refused with too_many_entries before anything is sent), so the order is total; the
// lstat of each entry happens as its chunk is built, and chunks are only built while the
// output queue is below its limit, so a huge directory costs the agent its names, never
// a queue full of frames.
#pragma once

#include "FileJob.h"
#include "GuestMessages.h"
#include "UniqueFd.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vivarium::agent {

class DirectoryListing final : public FileJob {
public:
    static Result<std::unique_ptr<DirectoryListing>> open(std::uint32_t stream,
                                                          const protocol::ListRequest& request);

    Result<Step> pump(OutputQueue& out, std::size_t queueLimit) override;

private:
    DirectoryListing(std::uint32_t stream, std::string path)
        : m_stream(stream), m_path(std::move(path)) {}

    std::uint32_t m_stream;
    std::string m_path;
    UniqueFd m_dir;
    std::vector<std::string> m_names; // sorted
    std::size_t m_next = 0;           // first name not sent yet
    bool m_sentChunk = false;         // an empty directory still gets one (empty) FileEntries
};

} // namespace vivarium::agent
