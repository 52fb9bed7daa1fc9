// See Logger.h.
#include "Logger.h"

#include <unistd.h>

#include <cerrno>
#include <string>

namespace vivarium::agent {

void Logger::line(std::string_view message) const {
    std::string text = "vivarium-agent: ";
    // Bounded: a log line is for a person, not a data channel.
    text.append(message.substr(0, 1000));
    text.push_back('\n');
    raw(text);
}

void Logger::raw(std::string_view text) const {
    if (m_fd < 0)
        return;
    while (!text.empty()) {
        const ssize_t n = ::write(m_fd, text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; // nowhere else to report a failing log
        text.remove_prefix(std::size_t(n));
    }
}

} // namespace vivarium::agent
