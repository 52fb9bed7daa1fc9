// See TcpStream.h.
#include "TcpStream.h"

#include "GuestMessages.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vivarium::agent {

using protocol::FrameType;

namespace {

// Credits go back in batches, not per write, but never wait on a full window.
constexpr std::uint64_t kCreditBatch = 64 * 1024;

std::string errorCode(int err) {
    switch (err) {
    case ECONNREFUSED: return "connection_refused";
    case ECONNRESET: case EPIPE: return "connection_reset";
    case ETIMEDOUT: return "timed_out";
    default: return "socket_error";
    }
}

} // namespace

Result<std::unique_ptr<TcpStream>> TcpStream::connectLocal(std::uint32_t stream, int epoll,
                                                           std::uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd)
        return errnoError(errno, "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool connecting = false;
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        if (errno != EINPROGRESS) {
            const int err = errno;
            return Error{errorCode(err), "nothing accepts connections on port " +
                                             std::to_string(port) + " in the sandbox (" +
                                             std::strerror(err) + ")"};
        }
        connecting = true;
    }
    return std::unique_ptr<TcpStream>(new TcpStream(stream, epoll, std::move(fd), connecting));
}

std::unique_ptr<TcpStream> TcpStream::adopt(std::uint32_t stream, int epoll, UniqueFd fd) {
    return std::unique_ptr<TcpStream>(new TcpStream(stream, epoll, std::move(fd), false));
}

TcpStream::TcpStream(std::uint32_t stream, int epoll, UniqueFd fd, bool connecting)
    : m_stream(stream), m_epoll(epoll), m_fd(std::move(fd)), m_connecting(connecting) {
    const int one = 1;
    ::setsockopt(m_fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = (std::uint64_t(kTokenKind) << 32) | stream;
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_fd.get(), &ev);
    // Edge-triggered: assume both ways ready until a syscall says otherwise.
    m_readable = m_writable = true;
}

TcpStream::~TcpStream() {
    if (m_fd)
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, m_fd.get(), nullptr);
}

void TcpStream::markReady(std::uint32_t events) {
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
        m_readable = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
        m_writable = true;
}

void TcpStream::fail(int err, const std::string& what) {
    if (!m_failure)
        m_failure = Error{errorCode(err), what + ": " + std::strerror(err)};
}

Status TcpStream::onData(std::span<const std::uint8_t> payload) {
    if (m_hostFin)
        return Error{"bad_request", "data after the end of the host's direction"};
    if (payload.empty()) {
        m_hostFin = true;
        m_writable = true; // the shutdown happens in writeSocket once the buffer drains
        return {};
    }
    if (m_toSocket.size() - m_toSocketOffset + payload.size() > protocol::kStreamWindow)
        return Error{"window_exceeded", "the host sent more than the stream's window"};
    m_toSocket.append(reinterpret_cast<const char*>(payload.data()), payload.size());
    return {};
}

void TcpStream::onWindow(std::uint32_t bytes) {
    m_unacked -= std::min<std::uint64_t>(m_unacked, bytes);
}

void TcpStream::pump(OutputQueue& out, std::size_t queueLimit) {
    if (m_failure)
        return;
    if (m_connecting) {
        if (!m_writable)
            return;
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(m_fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == EINPROGRESS || err == EALREADY)
            return;
        if (err != 0) {
            fail(err, "connecting to the guest port");
            return;
        }
        m_connecting = false;
        out.push(FrameType::TcpConnected, m_stream, std::string_view("{}"));
    }
    writeSocket(out);
    if (!m_failure)
        readSocket(out, queueLimit);
}

void TcpStream::writeSocket(OutputQueue& out) {
    while (m_writable && m_toSocketOffset < m_toSocket.size()) {
        const ssize_t n = ::send(m_fd.get(), m_toSocket.data() + m_toSocketOffset,
                                 m_toSocket.size() - m_toSocketOffset, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                m_writable = false;
                break;
            }
            if (errno == EINTR)
                continue;
            fail(errno, "writing to the guest connection");
            return;
        }
        m_toSocketOffset += std::size_t(n);
        m_toCredit += std::uint64_t(n);
    }
    if (m_toSocketOffset == m_toSocket.size()) {
        m_toSocket.clear();
        m_toSocketOffset = 0;
    } else if (m_toSocketOffset > protocol::kStreamWindow / 2) {
        m_toSocket.erase(0, m_toSocketOffset);
        m_toSocketOffset = 0;
    }
    if (m_toCredit >= kCreditBatch || (m_toCredit > 0 && m_toSocket.empty())) {
        out.push(FrameType::Window, m_stream, protocol::windowJson(std::uint32_t(m_toCredit)));
        m_toCredit = 0;
    }
    if (m_hostFin && !m_hostFinDone && m_toSocket.empty()) {
        ::shutdown(m_fd.get(), SHUT_WR);
        m_hostFinDone = true;
    }
}

void TcpStream::readSocket(OutputQueue& out, std::size_t queueLimit) {
    // A few chunks per pass, like exec output, so one busy connection cannot starve the rest.
    for (int i = 0; i < 4 && m_readable && !m_finSent && out.bytes() < queueLimit &&
                    m_unacked < protocol::kStreamWindow;
         ++i) {
        const std::size_t room = std::min<std::size_t>(
            protocol::kDataChunk, protocol::kStreamWindow - std::size_t(m_unacked));
        auto buffer = out.beginFrame(FrameType::TcpData, m_stream, room);
        const ssize_t n = ::recv(m_fd.get(), buffer.data(), buffer.size(), 0);
        if (n > 0) {
            out.commitFrame(std::size_t(n));
            m_unacked += std::uint64_t(n);
            continue;
        }
        out.commitFrame(0);
        if (n == 0) {
            out.push(FrameType::TcpData, m_stream, std::string_view());
            m_finSent = true;
            return;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            m_readable = false;
            return;
        }
        if (errno == EINTR)
            continue;
        fail(errno, "reading from the guest connection");
        return;
    }
}

bool TcpStream::hasPendingWork(std::size_t queueBytes, std::size_t queueLimit) const {
    if (m_failure)
        return true; // the caller reports and closes it
    const bool canRead = m_readable && !m_finSent && !m_connecting && queueBytes < queueLimit &&
                         m_unacked < protocol::kStreamWindow;
    const bool canWrite = m_writable && !m_connecting &&
                          (m_toSocketOffset < m_toSocket.size() || (m_hostFin && !m_hostFinDone));
    return canRead || canWrite;
}

} // namespace vivarium::agent
