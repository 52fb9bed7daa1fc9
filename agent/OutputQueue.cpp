// See OutputQueue.h.
#include "OutputQueue.h"

#include <sys/uio.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>

namespace vivarium::agent {

using protocol::FrameType;

namespace {

// Spare blocks kept after a burst: enough to stream without allocating, little to hold.
constexpr std::size_t kMaxSpare = 2;

void writeHeader(std::uint8_t* at, FrameType type, std::uint32_t stream, std::size_t length) {
    protocol::writeFrameHeader(at, type, stream, std::uint32_t(length));
}

bool encodable(std::uint32_t stream, std::size_t payload) {
    // Only fails for an oversized payload or stream id: callers chunk below kMaxPayload
    // and take stream ids from decoded frames, so a failure here is a bug; drop the frame.
    return payload <= protocol::kMaxPayload && stream <= protocol::kMaxStream;
}

} // namespace

OutputQueue::Block& OutputQueue::room(std::size_t bytes) {
    if (!m_blocks.empty()) {
        Block& last = m_blocks.back();
        if (last.capacity - last.size >= bytes)
            return last;
    }
    if (!m_spare.empty() && m_spare.back().capacity >= bytes) {
        m_blocks.push_back(std::move(m_spare.back()));
        m_spare.pop_back();
    } else {
        Block b;
        b.capacity = std::max(kBlockBytes, bytes);
        b.data.reset(new std::uint8_t[b.capacity]); // uninitialised on purpose
        m_blocks.push_back(std::move(b));
    }
    return m_blocks.back();
}

void OutputQueue::recycle(Block&& block) {
    if (block.capacity != kBlockBytes || m_spare.size() >= kMaxSpare)
        return;
    block.size = block.sent = 0;
    block.marks.clear();
    m_spare.push_back(std::move(block));
}

void OutputQueue::push(FrameType type, std::uint32_t stream,
                       std::span<const std::uint8_t> payload) {
    assert(!m_frameOpen);
    if (!encodable(stream, payload.size()))
        return;
    const std::size_t total = protocol::kHeaderSize + payload.size();
    Block& b = room(total);
    writeHeader(b.data.get() + b.size, type, stream, payload.size());
    if (!payload.empty())
        std::memcpy(b.data.get() + b.size + protocol::kHeaderSize, payload.data(), payload.size());
    b.marks.push_back({b.size, type});
    b.size += total;
    m_bytes += total;
}

void OutputQueue::push(FrameType type, std::uint32_t stream, std::string_view payload) {
    push(type, stream,
         std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

std::span<std::uint8_t> OutputQueue::beginFrame(FrameType type, std::uint32_t stream,
                                                std::size_t capacity) {
    assert(!m_frameOpen);
    if (!encodable(stream, capacity))
        return {};
    Block& b = room(protocol::kHeaderSize + capacity);
    m_frameOpen = true;
    m_openType = type;
    m_openStream = stream;
    return {b.data.get() + b.size + protocol::kHeaderSize, capacity};
}

void OutputQueue::commitFrame(std::size_t payloadBytes) {
    if (!m_frameOpen)
        return;
    m_frameOpen = false;
    if (payloadBytes == 0)
        return; // an emptied block at the back is filled by the next frame
    Block& b = m_blocks.back();
    writeHeader(b.data.get() + b.size, m_openType, m_openStream, payloadBytes);
    b.marks.push_back({b.size, m_openType});
    const std::size_t total = protocol::kHeaderSize + payloadBytes;
    b.size += total;
    m_bytes += total;
}

void OutputQueue::insertFrame(Block& b, std::size_t at, FrameType type, std::uint32_t stream,
                              std::span<const std::uint8_t> payload) {
    // Rare (a SyncAck): rebuilding the block keeps the common path simple.
    const std::size_t total = protocol::kHeaderSize + payload.size();
    const std::size_t capacity = std::max(b.capacity, b.size + total);
    std::unique_ptr<std::uint8_t[]> data(new std::uint8_t[capacity]);
    std::memcpy(data.get(), b.data.get(), at);
    writeHeader(data.get() + at, type, stream, payload.size());
    if (!payload.empty())
        std::memcpy(data.get() + at + protocol::kHeaderSize, payload.data(), payload.size());
    std::memcpy(data.get() + at + total, b.data.get() + at, b.size - at);
    b.data = std::move(data);
    b.capacity = capacity;
    b.size += total;
    auto pos =
        std::find_if(b.marks.begin(), b.marks.end(), [&](const Mark& m) { return m.offset >= at; });
    for (auto it = pos; it != b.marks.end(); ++it)
        it->offset += total;
    b.marks.insert(pos, Mark{at, type});
    m_bytes += total;
}

void OutputQueue::pushUrgent(FrameType type, std::uint32_t stream, std::string_view payload) {
    assert(!m_frameOpen);
    const std::span bytes(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size());
    if (!encodable(stream, bytes.size()))
        return;
    if (empty()) {
        push(type, stream, bytes);
        return;
    }
    // Only the front block can hold written bytes; the urgent frame goes right after the
    // frame that `sent` is in (or at `sent` when that is a frame boundary).
    Block& front = m_blocks.front();
    std::size_t at = front.size;
    for (std::size_t i = 0; i < front.marks.size(); ++i) {
        if (front.marks[i].offset >= front.sent) {
            at = front.marks[i].offset;
            break;
        }
    }
    insertFrame(front, at, type, stream, bytes);
}

void OutputQueue::dropUnsent(FrameType type) {
    assert(!m_frameOpen);
    for (std::size_t k = 0; k < m_blocks.size(); ++k) {
        Block& b = m_blocks[k];
        for (std::size_t i = b.marks.size(); i-- > 0;) {
            if (b.marks[i].type != type || b.marks[i].offset < b.sent)
                continue;
            const std::size_t start = b.marks[i].offset, end = b.frameEnd(i);
            const std::size_t length = end - start;
            std::memmove(b.data.get() + start, b.data.get() + end, b.size - end);
            b.size -= length;
            m_bytes -= length;
            for (std::size_t j = i + 1; j < b.marks.size(); ++j)
                b.marks[j].offset -= length;
            b.marks.erase(b.marks.begin() + std::ptrdiff_t(i));
        }
    }
    // A block left with nothing unsent goes, unless it is the last one (kept for appends).
    for (std::size_t k = 0; k + 1 < m_blocks.size();) {
        if (m_blocks[k].sent == m_blocks[k].size) {
            recycle(std::move(m_blocks[k]));
            m_blocks.erase(m_blocks.begin() + std::ptrdiff_t(k));
        } else {
            ++k;
        }
    }
}

void OutputQueue::restartPartial() {
    if (m_blocks.empty())
        return;
    Block& front = m_blocks.front();
    for (std::size_t i = front.marks.size(); i-- > 0;) {
        if (front.marks[i].offset <= front.sent) {
            if (front.sent < front.frameEnd(i)) {
                // Those bytes are unwritten again: count them, or back-pressure drifts.
                m_bytes += front.sent - front.marks[i].offset;
                front.sent = front.marks[i].offset;
            }
            return;
        }
    }
}

OutputQueue::WriteStatus OutputQueue::writeTo(int fd, std::size_t* written) {
    assert(!m_frameOpen);
    constexpr std::size_t kMaxIov = 16;
    std::size_t total = 0;
    WriteStatus status = WriteStatus::Drained;
    while (m_bytes > 0) {
        iovec iov[kMaxIov];
        int count = 0;
        for (std::size_t i = 0; i < m_blocks.size() && count < int(kMaxIov); ++i) {
            Block& b = m_blocks[i];
            if (b.size == b.sent)
                continue;
            iov[count].iov_base = b.data.get() + b.sent;
            iov[count].iov_len = b.size - b.sent;
            ++count;
        }
        const ssize_t n = ::writev(fd, iov, count);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            status = (errno == EAGAIN || errno == EWOULDBLOCK) ? WriteStatus::WouldBlock
                                                               : WriteStatus::Closed;
            break;
        }
        total += std::size_t(n);
        m_bytes -= std::size_t(n);
        std::size_t left = std::size_t(n);
        while (!m_blocks.empty()) {
            Block& b = m_blocks.front();
            const std::size_t take = std::min(left, b.size - b.sent);
            b.sent += take;
            left -= take;
            if (b.sent < b.size)
                break;
            if (m_blocks.size() == 1) {
                b.size = b.sent = 0; // drained: refill the same block from its start
                b.marks.clear();
                break;
            }
            recycle(std::move(b));
            m_blocks.pop_front();
        }
        if (n == 0) {
            status = WriteStatus::WouldBlock;
            break;
        }
    }
    if (written)
        *written = total;
    return status;
}

} // namespace vivarium::agent
