// Short diagnostic lines, prefixed "vivarium-agent:". In test mode they go to stderr; as
// PID 1 to /dev/console (the kernel console, ttyS0), because PID 1 has no other reader
// and must never write protocol-looking bytes to a stdout nobody owns.
#pragma once

#include <string_view>

namespace vivarium::agent {

class Logger {
public:
    explicit Logger(int fd = 2) : m_fd(fd) {}
    // The descriptor is borrowed; the owner keeps it open for the agent's life.
    void setFd(int fd) { m_fd = fd; }
    int fd() const { return m_fd; }
    // One write per line so lines from the kernel and the agent do not interleave mid-line.
    void line(std::string_view message) const;
    // Exactly `text`, no prefix: the echo benchmark's marker line.
    void raw(std::string_view text) const;

private:
    int m_fd;
};

} // namespace vivarium::agent
