// See Channel.h.
#include "Channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vivarium::agent {

Result<Channel> Channel::openPort(const std::string& devicePath) {
    Channel c(Kind::Port);
    c.m_connection.reset(::open(devicePath.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!c.m_connection)
        return errnoError(errno, "cannot open the agent port " + devicePath);
    return c;
}

Result<Channel> Channel::listenUnix(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        return Error{"bad_request", "socket path is empty or too long: " + path};
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

    Channel c(Kind::Listener);
    c.m_listen.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!c.m_listen)
        return errnoError(errno, "socket");
    // A stale socket from an earlier run would make bind fail; never remove anything else.
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
        ::unlink(path.c_str());
    if (::bind(c.m_listen.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return errnoError(errno, "bind " + path);
    c.m_socketPath = path;
    if (::listen(c.m_listen.get(), 4) != 0)
        return errnoError(errno, "listen " + path);
    return c;
}

Channel::~Channel() {
    if (!m_socketPath.empty())
        ::unlink(m_socketPath.c_str());
}

Result<bool> Channel::accept() {
    if (m_kind != Kind::Listener || m_connection)
        return false;
    for (;;) {
        const int fd = ::accept4(m_listen.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            m_connection.reset(fd);
            return true;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return false;
        return errnoError(errno, "accept");
    }
}

void Channel::dropConnection() {
    if (m_kind == Kind::Listener)
        m_connection.reset();
}

Channel::ReadStatus Channel::read(std::uint8_t* data, std::size_t size, std::size_t* got) {
    *got = 0;
    if (!m_connection)
        return ReadStatus::Closed;
    for (;;) {
        const ssize_t n = ::read(m_connection.get(), data, size);
        if (n > 0) {
            *got = std::size_t(n);
            return ReadStatus::Data;
        }
        if (n == 0)
            return ReadStatus::Closed;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return ReadStatus::WouldBlock;
        return ReadStatus::Closed;
    }
}

} // namespace vivarium::agent
