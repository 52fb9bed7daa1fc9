// Frames waiting to go to the host. virtio-serial accepts no bytes while no host is
// connected (EAGAIN, no POLLOUT), and a reconnecting host must see nothing until it has
// synced, so every outgoing frame is queued here and written only when the channel is
// writable. The queue's size is what back-pressure decisions read; it never drops a frame
// except an unsent Hello that a SyncAck replaces.
#pragma once

#include "GuestProtocol.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <vector>

namespace vivarium::agent {

class OutputQueue {
public:
    enum class WriteStatus { Drained, WouldBlock, Closed };

    void push(protocol::FrameType type, std::uint32_t stream,
              std::span<const std::uint8_t> payload);
    void push(protocol::FrameType type, std::uint32_t stream, std::string_view payload);
    // Queues a frame ahead of everything not yet started; only a frame already partly
    // written stays in front of it (its tail must complete the frame the host is reading).
    void pushUrgent(protocol::FrameType type, std::uint32_t stream, std::string_view payload);
    // Removes queued frames of `type` that have not started to go out.
    void dropUnsent(protocol::FrameType type);
    // A new connection starts with whole frames: the old one lost the partly written frame,
    // so it is sent again from its first byte.
    void restartPartial() { m_offset = 0; }

    // Writes as much as `fd` takes right now.
    WriteStatus writeTo(int fd, std::size_t* written = nullptr);

    std::size_t bytes() const { return m_bytes; }
    bool empty() const { return m_frames.empty(); }

private:
    struct Entry {
        protocol::FrameType type;
        std::vector<std::uint8_t> bytes;
    };
    std::deque<Entry> m_frames;
    std::size_t m_offset = 0; // bytes of the front frame already written
    std::size_t m_bytes = 0;  // unwritten bytes in the queue
};

} // namespace vivarium::agent
