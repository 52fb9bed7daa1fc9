// Frame codec of the guest protocol. Pure functions of bytes; no I/O, no allocation beyond
// the frame being returned. Every length is checked against kMaxPayload before use.
#include "GuestProtocol.h"

#include <algorithm>
#include <cstring>

namespace vivarium::protocol {

namespace {

std::uint16_t readU16(const std::uint8_t* p) { return std::uint16_t(p[0] | (p[1] << 8)); }
std::uint32_t readU32(const std::uint8_t* p) {
    return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
           (std::uint32_t(p[3]) << 24);
}

// Distance to the next position that could start a frame (the magic's first byte), at least 1.
std::size_t skipToNextMagic(std::span<const std::uint8_t> input) {
    for (std::size_t i = 1; i < input.size(); ++i)
        if (input[i] == std::uint8_t(kMagic & 0xff))
            return i;
    return std::max<std::size_t>(input.size(), 1);
}

} // namespace

bool isKnownFrameType(std::uint8_t type) {
    switch (FrameType(type)) {
    case FrameType::Hello: case FrameType::Sync: case FrameType::SyncAck:
    case FrameType::Shutdown: case FrameType::Ping: case FrameType::Pong: case FrameType::Log:
    case FrameType::NetConfig: case FrameType::SetClock: case FrameType::Flush:
    case FrameType::TcpConnect: case FrameType::TcpConnected:
    case FrameType::TcpAccepted: case FrameType::TcpData:
    case FrameType::Exec: case FrameType::Started: case FrameType::Stdin:
    case FrameType::Stdout: case FrameType::Stderr: case FrameType::Resize:
    case FrameType::Signal: case FrameType::Exit: case FrameType::Window:
    case FrameType::FileWrite: case FrameType::FileRead: case FrameType::FileInfo:
    case FrameType::FileData: case FrameType::FileEnd: case FrameType::FileStat:
    case FrameType::FileList: case FrameType::FileEntries: case FrameType::FileRemove:
    case FrameType::Error:
        return true;
    }
    return false;
}

std::string_view frameTypeName(FrameType type) {
    switch (type) {
    case FrameType::Hello: return "hello";
    case FrameType::Sync: return "sync";
    case FrameType::SyncAck: return "sync-ack";
    case FrameType::Shutdown: return "shutdown";
    case FrameType::Ping: return "ping";
    case FrameType::Pong: return "pong";
    case FrameType::Log: return "log";
    case FrameType::NetConfig: return "net-config";
    case FrameType::SetClock: return "set-clock";
    case FrameType::Flush: return "flush";
    case FrameType::TcpConnect: return "tcp-connect";
    case FrameType::TcpConnected: return "tcp-connected";
    case FrameType::TcpAccepted: return "tcp-accepted";
    case FrameType::TcpData: return "tcp-data";
    case FrameType::Exec: return "exec";
    case FrameType::Started: return "started";
    case FrameType::Stdin: return "stdin";
    case FrameType::Stdout: return "stdout";
    case FrameType::Stderr: return "stderr";
    case FrameType::Resize: return "resize";
    case FrameType::Signal: return "signal";
    case FrameType::Exit: return "exit";
    case FrameType::Window: return "window";
    case FrameType::FileWrite: return "file-write";
    case FrameType::FileRead: return "file-read";
    case FrameType::FileInfo: return "file-info";
    case FrameType::FileData: return "file-data";
    case FrameType::FileEnd: return "file-end";
    case FrameType::FileStat: return "file-stat";
    case FrameType::FileList: return "file-list";
    case FrameType::FileEntries: return "file-entries";
    case FrameType::FileRemove: return "file-remove";
    case FrameType::Error: return "error";
    }
    return "unknown";
}

bool hasJsonPayload(FrameType type) {
    switch (type) {
    case FrameType::Stdin: case FrameType::Stdout: case FrameType::Stderr:
    case FrameType::FileData: case FrameType::FileEnd: case FrameType::TcpData:
        return false;
    default:
        return true;
    }
}

DecodeResult decodeFrame(std::span<const std::uint8_t> input) {
    DecodeResult r;
    if (input.empty())
        return r;
    auto corrupt = [&](std::string why) {
        r.status = DecodeStatus::Corrupt;
        r.consumed = skipToNextMagic(input);
        r.error = std::move(why);
        return r;
    };
    if (input[0] != std::uint8_t(kMagic & 0xff))
        return corrupt("bad magic");
    if (input.size() < 2)
        return r;
    if (readU16(input.data()) != kMagic)
        return corrupt("bad magic");
    if (input.size() < 3)
        return r;
    if (!isKnownFrameType(input[2]))
        return corrupt("unknown frame type " + std::to_string(input[2]));
    if (input.size() < kHeaderSize)
        return r;
    const std::uint32_t stream = readU32(input.data() + 4);
    const std::uint32_t length = readU32(input.data() + 8);
    if (stream > kMaxStream)
        return corrupt("stream id out of range");
    if (length > kMaxPayload)
        return corrupt("payload of " + std::to_string(length) + " bytes exceeds the limit");
    const auto type = FrameType(input[2]);
    const bool controlOnly = type == FrameType::Hello || type == FrameType::Sync ||
                             type == FrameType::SyncAck || type == FrameType::Shutdown ||
                             type == FrameType::Ping || type == FrameType::Pong ||
                             type == FrameType::Log || type == FrameType::NetConfig ||
                             type == FrameType::SetClock || type == FrameType::Flush;
    // Error is the one type legal on every stream (a malformed control frame is answered
    // with an Error on stream 0).
    if (controlOnly && stream != kControlStream)
        return corrupt(std::string(frameTypeName(type)) + " frame on a data stream");
    if (!controlOnly && type != FrameType::Error && stream == kControlStream)
        return corrupt(std::string(frameTypeName(type)) + " frame on the control stream");
    if (input.size() < kHeaderSize + length)
        return r;
    r.status = DecodeStatus::Frame;
    r.consumed = kHeaderSize + length;
    r.frame.type = type;
    r.frame.flags = input[3];
    r.frame.stream = stream;
    r.frame.payload.assign(input.begin() + kHeaderSize, input.begin() + kHeaderSize + length);
    return r;
}

void writeFrameHeader(std::uint8_t* at, FrameType type, std::uint32_t stream,
                      std::uint32_t length, std::uint8_t flags) {
    auto u32 = [](std::uint8_t* p, std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            p[i] = std::uint8_t(v >> (8 * i));
    };
    at[0] = std::uint8_t(kMagic);
    at[1] = std::uint8_t(kMagic >> 8);
    at[2] = std::uint8_t(type);
    at[3] = flags;
    u32(at + 4, stream);
    u32(at + 8, length);
}

bool encodeFrame(std::vector<std::uint8_t>& out, FrameType type, std::uint32_t stream,
                 std::span<const std::uint8_t> payload, std::uint8_t flags) {
    if (payload.size() > kMaxPayload || stream > kMaxStream)
        return false;
    const std::size_t at = out.size();
    out.resize(at + kHeaderSize);
    writeFrameHeader(out.data() + at, type, stream, std::uint32_t(payload.size()), flags);
    out.insert(out.end(), payload.begin(), payload.end());
    return true;
}

bool encodeFrame(std::vector<std::uint8_t>& out, FrameType type, std::uint32_t stream,
                 std::string_view payload, std::uint8_t flags) {
    return encodeFrame(out, type, stream,
                       std::span(reinterpret_cast<const std::uint8_t*>(payload.data()),
                                 payload.size()),
                       flags);
}

void FrameReader::append(std::span<const std::uint8_t> bytes) {
    // Compact lazily so a stream of small frames does not shift the buffer each time.
    if (m_offset > 0 && (m_offset == m_buffer.size() || m_offset > 1024 * 1024)) {
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + std::ptrdiff_t(m_offset));
        m_offset = 0;
    }
    m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
}

std::optional<Frame> FrameReader::next() {
    while (m_offset < m_buffer.size()) {
        auto r = decodeFrame(std::span(m_buffer).subspan(m_offset));
        switch (r.status) {
        case DecodeStatus::NeedMore:
            return std::nullopt;
        case DecodeStatus::Corrupt:
            ++m_corrupt;
            m_lastError = std::move(r.error);
            m_offset += r.consumed;
            continue;
        case DecodeStatus::Frame:
            m_offset += r.consumed;
            return std::move(r.frame);
        }
    }
    return std::nullopt;
}

void FrameReader::clear() {
    m_buffer.clear();
    m_offset = 0;
}

} // namespace vivarium::protocol
