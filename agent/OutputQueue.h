// Frames waiting to go to the host. virtio-serial accepts no bytes while no host is
// connected (EAGAIN, no POLLOUT), and a reconnecting host must see nothing until it has
// synced, so every outgoing frame is queued here and written only when the channel is
// writable. The queue's size is what back-pressure decisions read; it never drops a frame
// except an unsent Hello that a SyncAck replaces.
//
// Frames are stored back to back in a few large blocks, not one buffer per frame: every
// write(2) to a virtio port is a virtqueue kick (a VM exit), and the port takes one iovec per
// write, so the number of kicks is set by how many contiguous runs of bytes there are.
// Output is read straight into a block (beginFrame/commitFrame) to save a copy.
#pragma once

#include "GuestProtocol.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace vivarium::agent {

class OutputQueue {
public:
    enum class WriteStatus { Drained, WouldBlock, Closed };

    // Every frame fits one block: the largest payload plus its header.
    static constexpr std::size_t kBlockBytes =
        std::max(4 * (protocol::kHeaderSize + protocol::kDataChunk),
                 protocol::kHeaderSize + protocol::kMaxPayload);

    void push(protocol::FrameType type, std::uint32_t stream,
              std::span<const std::uint8_t> payload);
    void push(protocol::FrameType type, std::uint32_t stream, std::string_view payload);
    // A frame whose payload is produced in place (read(2) straight into the queue): returns
    // room for up to `capacity` (<= kMaxPayload) payload bytes; commitFrame(n) then queues
    // the frame with the first n of them, and commitFrame(0) queues nothing. Nothing else
    // may touch the queue between the two calls.
    std::span<std::uint8_t> beginFrame(protocol::FrameType type, std::uint32_t stream,
                                       std::size_t capacity);
    void commitFrame(std::size_t payloadBytes);
    // Queues a frame ahead of everything not yet started; only a frame already partly
    // written stays in front of it (its tail must complete the frame the host is reading).
    void pushUrgent(protocol::FrameType type, std::uint32_t stream, std::string_view payload);
    // Removes queued frames of `type` that have not started to go out.
    void dropUnsent(protocol::FrameType type);
    // A new connection starts with whole frames: the old one lost the partly written frame,
    // so it is sent again from its first byte.
    void restartPartial();

    // Writes as much as `fd` takes right now.
    WriteStatus writeTo(int fd, std::size_t* written = nullptr);

    std::size_t bytes() const { return m_bytes; }
    bool empty() const { return m_bytes == 0; }

private:
    struct Mark {
        std::size_t offset; // of the frame's header in its block
        protocol::FrameType type;
    };
    struct Block {
        std::unique_ptr<std::uint8_t[]> data;
        std::size_t capacity = 0;
        std::size_t size = 0; // bytes queued in the block
        std::size_t sent = 0; // of them, bytes already written
        std::vector<Mark> marks;
        std::size_t frameEnd(std::size_t i) const {
            return i + 1 < marks.size() ? marks[i + 1].offset : size;
        }
    };
    // The block to append `bytes` to, started anew when the last one has no room.
    Block& room(std::size_t bytes);
    void recycle(Block&& block);
    void insertFrame(Block& block, std::size_t at, protocol::FrameType type, std::uint32_t stream,
                     std::span<const std::uint8_t> payload);

    std::deque<Block> m_blocks;
    std::vector<Block> m_spare; // emptied blocks kept for reuse: no malloc, no fresh pages
    std::size_t m_bytes = 0;    // unwritten bytes in the queue
    bool m_frameOpen = false;   // between beginFrame and commitFrame
    protocol::FrameType m_openType{};
    std::uint32_t m_openStream = 0;
};

} // namespace vivarium::agent
