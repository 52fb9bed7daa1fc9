// What the protocol says about one file (FileInfo): its kind, size, permission bits, mtime,
// owner and, for a symlink, its target. Shared by FileRead, FileStat and FileList so the
// three describe a file the same way.
#pragma once

#include "GuestMessages.h"
#include "Result.h"

#include <sys/stat.h>

#include <string>

namespace vivarium::agent {

// FileInfo from a stat buffer; the symlink target is left empty.
protocol::FileInfo fileInfoFrom(const struct stat& st);

// stat (follow) or lstat of `name` relative to `dirFd` (AT_FDCWD for an absolute path), with
// the target read for a symlink. Errors carry `what` and the protocol's code.
Result<protocol::FileInfo> fileStatus(int dirFd, const std::string& name, bool follow,
                                      const std::string& what);

} // namespace vivarium::agent
