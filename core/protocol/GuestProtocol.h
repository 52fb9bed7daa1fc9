// The guest protocol: the one definition of the wire format spoken between the host
// (core/guest/GuestChannel) and vivarium-agent over virtio-serial. Included by both sides;
// it must not depend on Qt or on anything host-only. docs/guest-protocol.md documents it.
//
// A frame is a 12-byte header followed by `length` payload bytes:
//   u16 magic (0x7676 "vv")  u8 type  u8 flags  u32 stream  u32 length   (little endian)
// Control payloads are JSON objects; data payloads (stdin/stdout/stderr/file data) are raw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vivarium::protocol {

inline constexpr std::uint16_t kMagic = 0x7676;
inline constexpr int kVersion = 1;
inline constexpr std::size_t kHeaderSize = 12;
// Hard bound on one frame's payload. Data is chunked well below it; anything larger is corrupt.
inline constexpr std::size_t kMaxPayload = 256 * 1024;
// Size the sender uses to chunk stream data.
inline constexpr std::size_t kDataChunk = 64 * 1024;
// Stream 0 is the control stream. Exec, file and tunnel streams are numbered by the host,
// 1..kGuestStreamBase-1; streams the guest opens (connections accepted by the agent's egress
// listener) are numbered by the agent, kGuestStreamBase..kMaxStream, so neither side can
// pick an id the other uses.
inline constexpr std::uint32_t kControlStream = 0;
inline constexpr std::uint32_t kGuestStreamBase = 0x60000000;
inline constexpr std::uint32_t kMaxStream = 0x7fffffff;
// Bytes a stream may have unacknowledged in flight: host→guest for stdin and file uploads,
// and in both directions for TCP streams (each side answers consumed bytes with Window).
inline constexpr std::uint32_t kStreamWindow = 1024 * 1024;
// Name of the virtio-serial port the agent opens (seen under /sys/class/virtio-ports/*/name).
inline constexpr std::string_view kPortName = "dev.vivarium.agent.0";

enum class FrameType : std::uint8_t {
    // control (stream 0)
    Hello = 1,    // guest→host {version, agent, hostname, kernel} sent when the port opens
    Sync = 2,     // host→guest {nonce} after (re)connecting to a running guest
    SyncAck = 3,  // guest→host {nonce, version, agent, hostname, kernel, streams:[ids]}
    Shutdown = 4, // host→guest {action:"poweroff"|"reboot"}
    Ping = 5,     // host→guest {nonce}
    Pong = 6,     // guest→host {nonce}
    Log = 7,      // guest→host {level, message}: agent diagnostics
    NetConfig = 8, // host→guest {proxy_port}: the agent's egress listener (0: none)
    SetClock = 9,  // host→guest {sec, nsec}: the wall clock now (after a pause or a restore)
    Flush = 10,    // host→guest {nonce}: sync() the guest's filesystems; answered with Pong {nonce}
    // exec streams
    Exec = 16,    // host→guest ExecRequest; opens the stream
    Started = 17, // guest→host {pid}
    Stdin = 18,   // host→guest raw bytes; an empty payload closes the process's stdin
    Stdout = 19,  // guest→host raw bytes (also the pty's output)
    Stderr = 20,  // guest→host raw bytes
    Resize = 21,  // host→guest {rows, cols}
    Signal = 22,  // host→guest {signal}
    Exit = 23,    // guest→host {code, signal, core}; closes the stream
    Window = 24,  // {bytes}: this many bytes the other side sent on the stream were consumed
                  // (guest→host on exec and file streams; both directions on TCP streams)
    // file streams
    FileWrite = 32,   // host→guest {path, mode, append}; then FileData…, FileEnd
    FileRead = 33,    // host→guest {path}; guest answers FileInfo, FileData…, FileEnd
    FileInfo = 34,    // guest→host {size, mode, type, mtime, uid, gid, target?}
    FileData = 35,    // raw bytes, either direction
    FileEnd = 36,     // either direction, empty; on a write the guest answers FileEnd when durable
    FileStat = 37,    // host→guest {path, follow}; guest answers FileInfo, FileEnd
    FileList = 38,    // host→guest {path}; guest answers FileEntries… (at least one), FileEnd
    FileEntries = 39, // guest→host {entries:[{name, type, size, mode, mtime, uid, gid, target?}]}
    FileRemove = 40,  // host→guest {path, recursive}; guest answers FileEnd once removed
    // TCP streams: a connection carried over the channel (tunnels, egress)
    TcpConnect = 64,   // host→guest {port}: connect to the guest's 127.0.0.1:port; opens the stream
    TcpConnected = 65, // guest→host {}: the connection is up
    TcpAccepted = 66,  // guest→host {listener, port}: the agent accepted a connection on its
                       // egress listener; opens a guest-numbered stream
    TcpData = 67,      // raw bytes, either direction; an empty payload ends that direction (FIN)
    // either direction on any stream: the stream failed and is closed
    Error = 48, // {code, message}
};

bool isKnownFrameType(std::uint8_t type);
std::string_view frameTypeName(FrameType type);
// True for frame types whose payload is a JSON object.
bool hasJsonPayload(FrameType type);

struct Frame {
    FrameType type{};
    std::uint8_t flags = 0;
    std::uint32_t stream = 0;
    std::vector<std::uint8_t> payload;

    std::string_view payloadText() const {
        return {reinterpret_cast<const char*>(payload.data()), payload.size()};
    }
};

// Decoding is a pure function of the bytes given: a frame, a need for more, or corrupt.
enum class DecodeStatus { Frame, NeedMore, Corrupt };

struct DecodeResult {
    DecodeStatus status = DecodeStatus::NeedMore;
    Frame frame;             // valid when status == Frame
    std::size_t consumed = 0; // bytes of input the frame took (Frame), or to skip (Corrupt)
    std::string error;       // why the input is corrupt
};

DecodeResult decodeFrame(std::span<const std::uint8_t> input);

// Writes a frame header (kHeaderSize bytes) at `at`: for senders that place the payload
// behind it themselves (the agent reads child output straight into its queue). The caller
// checks the payload and stream bounds, as encodeFrame does.
void writeFrameHeader(std::uint8_t* at, FrameType type, std::uint32_t stream,
                      std::uint32_t length, std::uint8_t flags = 0);

// Appends one encoded frame to `out`. Returns false (and appends nothing) when the payload
// exceeds kMaxPayload or the stream id is out of range.
bool encodeFrame(std::vector<std::uint8_t>& out, FrameType type, std::uint32_t stream,
                 std::span<const std::uint8_t> payload, std::uint8_t flags = 0);
bool encodeFrame(std::vector<std::uint8_t>& out, FrameType type, std::uint32_t stream,
                 std::string_view payload, std::uint8_t flags = 0);

// A byte buffer that yields frames and recovers from corruption by skipping to the next
// magic. Used by the agent and by GuestChannel alike.
class FrameReader {
public:
    void append(std::span<const std::uint8_t> bytes);
    // Next frame, or nullopt when more bytes are needed. Corrupt input is skipped; each
    // skip is counted and its reason kept in lastError().
    std::optional<Frame> next();
    std::size_t corruptCount() const { return m_corrupt; }
    const std::string& lastError() const { return m_lastError; }
    std::size_t buffered() const { return m_buffer.size() - m_offset; }
    void clear();

private:
    std::vector<std::uint8_t> m_buffer;
    std::size_t m_offset = 0;
    std::size_t m_corrupt = 0;
    std::string m_lastError;
};

} // namespace vivarium::protocol
