// Reads a whole small file (kernel command line, account databases, sysfs names, module
// lists) with a size bound, so a huge or endless file cannot grow PID 1's memory.
#pragma once

#include "Result.h"

#include <cstddef>
#include <string>

namespace vivarium::agent {

// At most `limit` bytes (a little more may be read in the last chunk; the rest is ignored).
Result<std::string> readBounded(const std::string& path, std::size_t limit);

} // namespace vivarium::agent
