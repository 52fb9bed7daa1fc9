// The byte transport to the host, and nothing above it (no framing, no queueing).
// Two kinds: the virtio-serial port inside a guest (always open; the host comes and goes
// underneath it), or, in test mode, a listening unix socket that accepts one host
// connection at a time, as QEMU's channel socket does in bind mode.
// Every descriptor is non-blocking and close-on-exec.
#pragma once

#include "Result.h"
#include "UniqueFd.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace vivarium::agent {

class Channel {
public:
    enum class Kind { Port, Listener };
    enum class ReadStatus { Data, WouldBlock, Closed };

    static Result<Channel> openPort(const std::string& devicePath);
    static Result<Channel> listenUnix(const std::string& path);

    Channel(Channel&&) = default;
    Channel& operator=(Channel&&) = default;
    ~Channel();

    Kind kind() const { return m_kind; }
    // The listening socket (Listener), else -1.
    int listenFd() const { return m_listen.get(); }
    // The connection to read and write: the port, or the accepted socket (-1 when none).
    int fd() const { return m_connection.get(); }

    // Listener: takes one pending connection. Ok(false) when none is pending.
    Result<bool> accept();
    // Listener: forgets the current connection (the host closed it).
    void dropConnection();

    // Reads up to `size` bytes. Closed means EOF or a connection error; for the port it
    // means "no host connected", which is not permanent.
    ReadStatus read(std::uint8_t* data, std::size_t size, std::size_t* got);

private:
    Channel(Kind kind) : m_kind(kind) {}

    Kind m_kind;
    UniqueFd m_listen;
    UniqueFd m_connection;
    std::string m_socketPath; // unlinked on destruction (Listener)
};

} // namespace vivarium::agent
