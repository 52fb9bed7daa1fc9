// One TCP connection in the guest carried over a guest-channel stream: a tunnel's connection
// to a guest port (the host asked with TcpConnect) or a connection a guest process made to
// the agent's egress listener (the agent announced it with TcpAccepted). It moves bytes
// between the socket and TcpData frames in both directions, with a window each way: it sends
// at most kStreamWindow bytes the host has not yet credited (so a slow browser on the host
// stops the guest's writer instead of growing the host's memory), and credits the host's
// bytes with Window frames as the socket takes them. An empty TcpData is a half-close (FIN)
// in either direction; the stream is over when both directions have ended and every byte
// was delivered, or at once on an error (reset, refused), which goes to the host as Error.
// It never decides who may connect where: the host asks only for guest loopback ports.
#pragma once

#include "OutputQueue.h"
#include "Result.h"
#include "UniqueFd.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace vivarium::agent {

class TcpStream {
public:
    // epoll token kind of a TCP stream's socket (ExecSession's endpoints are 1..4).
    static constexpr std::uint32_t kTokenKind = 5;

    // A non-blocking connect to 127.0.0.1:port; TcpConnected goes out once it is up.
    static Result<std::unique_ptr<TcpStream>> connectLocal(std::uint32_t stream, int epoll,
                                                           std::uint16_t port);
    // An accepted connection (already up; TcpAccepted was sent by the caller).
    static std::unique_ptr<TcpStream> adopt(std::uint32_t stream, int epoll, UniqueFd fd);

    ~TcpStream();
    TcpStream(const TcpStream&) = delete;
    TcpStream& operator=(const TcpStream&) = delete;

    std::uint32_t stream() const { return m_stream; }
    void markReady(std::uint32_t events);

    // Host frames on this stream.
    Status onData(std::span<const std::uint8_t> payload); // empty: the host's FIN
    void onWindow(std::uint32_t bytes);

    // Moves what can move; frames go to `out` (reading stops above `queueLimit`).
    void pump(OutputQueue& out, std::size_t queueLimit);
    bool hasPendingWork(std::size_t queueBytes, std::size_t queueLimit) const;
    // Over: both directions ended, or failed (then failure() says why; the caller sends it).
    bool finished() const { return m_failure.has_value() || (m_finSent && m_hostFinDone); }
    const std::optional<Error>& failure() const { return m_failure; }

private:
    TcpStream(std::uint32_t stream, int epoll, UniqueFd fd, bool connecting);
    void fail(int err, const std::string& what);
    void readSocket(OutputQueue& out, std::size_t queueLimit);
    void writeSocket(OutputQueue& out);

    std::uint32_t m_stream;
    int m_epoll;
    UniqueFd m_fd;
    bool m_connecting;
    bool m_readable = false;
    bool m_writable = false;
    bool m_finSent = false;        // socket EOF passed on to the host
    bool m_hostFin = false;        // the host ended its direction
    bool m_hostFinDone = false;    // … and the socket's write side was shut after the last byte
    std::uint64_t m_unacked = 0;   // bytes sent to the host it has not credited yet
    std::string m_toSocket;        // host bytes the socket has not taken yet
    std::size_t m_toSocketOffset = 0;
    std::uint64_t m_toCredit = 0;  // bytes written to the socket, not yet credited to the host
    std::optional<Error> m_failure;
};

} // namespace vivarium::agent
