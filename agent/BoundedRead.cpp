#include "BoundedRead.h"

#include "UniqueFd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace vivarium::agent {

Result<std::string> readBounded(const std::string& path, std::size_t limit) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!fd)
        return errnoError(errno, path);
    std::string text;
    char buffer[8192];
    while (text.size() < limit) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errnoError(errno, path);
        if (n == 0)
            break;
        text.append(buffer, std::size_t(n));
    }
    return text;
}

} // namespace vivarium::agent
