// See OutputQueue.h.
#include "OutputQueue.h"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

namespace vivarium::agent {

using protocol::FrameType;

void OutputQueue::push(FrameType type, std::uint32_t stream,
                       std::span<const std::uint8_t> payload) {
    Entry e{type, {}};
    // Only fails for an oversized payload or stream id: callers chunk below kMaxPayload
    // and take stream ids from decoded frames, so a failure here is a bug; drop the frame.
    if (!protocol::encodeFrame(e.bytes, type, stream, payload))
        return;
    m_bytes += e.bytes.size();
    m_frames.push_back(std::move(e));
}

void OutputQueue::push(FrameType type, std::uint32_t stream, std::string_view payload) {
    push(type, stream,
         std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
}

void OutputQueue::pushUrgent(FrameType type, std::uint32_t stream, std::string_view payload) {
    Entry e{type, {}};
    if (!protocol::encodeFrame(e.bytes, type, stream, payload))
        return;
    m_bytes += e.bytes.size();
    const auto at = m_frames.begin() + (m_offset > 0 ? 1 : 0);
    m_frames.insert(at, std::move(e));
}

void OutputQueue::dropUnsent(FrameType type) {
    const std::size_t first = m_offset > 0 ? 1 : 0;
    for (std::size_t i = m_frames.size(); i-- > first;) {
        if (m_frames[i].type == type) {
            m_bytes -= m_frames[i].bytes.size();
            m_frames.erase(m_frames.begin() + std::ptrdiff_t(i));
        }
    }
}

OutputQueue::WriteStatus OutputQueue::writeTo(int fd, std::size_t* written) {
    constexpr std::size_t kMaxIov = 16;
    std::size_t total = 0;
    WriteStatus status = WriteStatus::Drained;
    while (!m_frames.empty()) {
        iovec iov[kMaxIov];
        std::size_t count = 0;
        for (std::size_t i = 0; i < m_frames.size() && count < kMaxIov; ++i, ++count) {
            const std::size_t skip = i == 0 ? m_offset : 0;
            iov[count].iov_base = m_frames[i].bytes.data() + skip;
            iov[count].iov_len = m_frames[i].bytes.size() - skip;
        }
        const ssize_t n = ::writev(fd, iov, int(count));
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
        while (left > 0) {
            const std::size_t rest = m_frames.front().bytes.size() - m_offset;
            if (left < rest) {
                m_offset += left;
                left = 0;
            } else {
                left -= rest;
                m_frames.pop_front();
                m_offset = 0;
            }
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
