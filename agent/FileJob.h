// A file request that the agent works through a little at a time from its loop, so one big
// directory cannot stall every other stream or fill the output queue: a listing (FileList)
// or a recursive removal (FileRemove). The host cancels one with FileEnd or Error.
#pragma once

#include "OutputQueue.h"
#include "Result.h"

#include <cstddef>

namespace vivarium::agent {

class FileJob {
public:
    enum class Step {
        Blocked,    // nothing done: waiting for the output queue to drain below the limit
        Progressed, // did some work; call again
        Done,       // finished, and its last frame (FileEnd) is queued
    };

    virtual ~FileJob() = default;
    // Does a bounded amount of work. Output goes to `out` only while it holds less than
    // `queueLimit` bytes. An Error result ends the stream (the agent sends it).
    virtual Result<Step> pump(OutputQueue& out, std::size_t queueLimit) = 0;
};

} // namespace vivarium::agent
