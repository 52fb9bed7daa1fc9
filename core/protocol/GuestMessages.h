// Typed JSON payloads of the guest protocol's control frames, shared by host and agent.
// Parsing never throws: a payload that is not what its frame type promises yields nullopt
// and the reason, so hostile input from a guest is an error value, not a crash.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vivarium::protocol {

struct Hello {
    int version = 0;
    std::string agent;    // agent build, e.g. "vivarium-agent 0.1.0"
    std::string hostname;
    std::string kernel;
    std::uint64_t nonce = 0;            // SyncAck only: echoes the host's Sync nonce
    std::vector<std::uint32_t> streams; // SyncAck only: exec streams still running
};

struct ExecRequest {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env; // added to the agent's default environment
    std::string cwd;                        // empty: the user's home, else /
    // Create `cwd` (and missing parents, owned by the user) when it does not exist: the host
    // sets it for a template's working directory, as a container runtime creates WORKDIR.
    bool createCwd = false;
    std::string user;                       // empty: root; a name or a numeric uid
    bool pty = false;
    std::uint16_t rows = 24;
    std::uint16_t cols = 80;
};

struct ExitStatus {
    int code = -1;   // exit code when the process exited, else -1
    int signal = 0;  // terminating signal, 0 when it exited
    bool core = false;
};

// Every path in a file request is an absolute guest path: non-empty, starting with '/', at
// most kMaxPath bytes, no NUL. Anything else fails to parse (the agent answers bad_request).

struct FileRequest { // FileWrite, FileRead
    std::string path;
    std::uint32_t mode = 0644; // FileWrite only
    bool append = false;       // FileWrite only
};

struct StatRequest { // FileStat
    std::string path;
    bool follow = false; // stat() the target of a symlink instead of the link itself
};

struct ListRequest { // FileList
    std::string path;
};

struct RemoveRequest { // FileRemove
    std::string path;
    bool recursive = false;
};

// "file" | "dir" | "symlink" | "other" on the wire.
enum class FileKind : std::uint8_t { File, Directory, Symlink, Other };
std::string_view fileKindName(FileKind kind);
std::optional<FileKind> parseFileKind(std::string_view name);

// FileInfo (answer to FileRead and FileStat). `target` is only set for symlinks.
struct FileInfo {
    std::uint64_t size = 0;
    std::uint32_t mode = 0; // permission bits, st_mode & 07777
    FileKind type = FileKind::File;
    std::int64_t mtime = 0; // unix seconds
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::string target;
};

// One entry of a FileEntries frame: a name in the listed directory (never "." or "..") and
// its lstat() (symlinks are not followed).
struct FileEntry {
    std::string name;
    FileInfo info;
};

struct FileEntries {
    std::vector<FileEntry> entries;
};

struct StreamError {
    std::string code;    // stable identifier, e.g. "exec_failed", "not_found"
    std::string message; // one line for a user
};

template <typename T> struct Parsed {
    std::optional<T> value;
    std::string error;
    explicit operator bool() const { return value.has_value(); }
    const T& operator*() const { return *value; }
    const T* operator->() const { return &*value; }
};

std::string toJson(const Hello& m);
std::string toJson(const ExecRequest& m);
std::string toJson(const ExitStatus& m);
std::string toJson(const FileRequest& m);
std::string toJson(const StatRequest& m);
std::string toJson(const ListRequest& m);
std::string toJson(const RemoveRequest& m);
std::string toJson(const FileInfo& m);
std::string toJson(const FileEntry& m);
std::string toJson(const FileEntries& m);
std::string toJson(const StreamError& m);

Parsed<Hello> parseHello(std::string_view json);
Parsed<ExecRequest> parseExecRequest(std::string_view json);
Parsed<ExitStatus> parseExitStatus(std::string_view json);
Parsed<FileRequest> parseFileRequest(std::string_view json);
Parsed<StatRequest> parseStatRequest(std::string_view json);
Parsed<ListRequest> parseListRequest(std::string_view json);
Parsed<RemoveRequest> parseRemoveRequest(std::string_view json);
Parsed<FileInfo> parseFileInfo(std::string_view json);
Parsed<FileEntries> parseFileEntries(std::string_view json);
Parsed<StreamError> parseStreamError(std::string_view json);

// Small control payloads: {"rows","cols"}, {"signal"}, {"bytes"}, {"nonce"}, {"action"}.
std::string resizeJson(std::uint16_t rows, std::uint16_t cols);
std::optional<std::pair<std::uint16_t, std::uint16_t>> parseResize(std::string_view json);
std::string signalJson(int signal);
std::optional<int> parseSignal(std::string_view json);
std::string windowJson(std::uint32_t bytes);
std::optional<std::uint32_t> parseWindow(std::string_view json);
std::string nonceJson(std::uint64_t nonce);
std::optional<std::uint64_t> parseNonce(std::string_view json);
std::string shutdownJson(std::string_view action);
std::optional<std::string> parseShutdown(std::string_view json);
// TCP streams: {"port"} of TcpConnect (1..65535), {"proxy_port"} of NetConfig (0: no
// listener), and TcpAccepted's {"listener": "egress", "port"} (the listener's port).
std::string portJson(std::uint16_t port);
std::optional<std::uint16_t> parsePort(std::string_view json);
std::string netConfigJson(std::uint16_t proxyPort);
std::optional<std::uint16_t> parseNetConfig(std::string_view json);
// SetClock: the host's wall clock (seconds since the epoch, nanoseconds 0..999999999).
struct ClockTime {
    std::int64_t sec = 0;
    std::uint32_t nsec = 0;
};
std::string clockJson(const ClockTime& t);
std::optional<ClockTime> parseClock(std::string_view json);
struct TcpAccepted {
    std::string listener; // "egress"
    std::uint16_t port = 0;
};
std::string toJson(const TcpAccepted& m);
Parsed<TcpAccepted> parseTcpAccepted(std::string_view json);

// Bounds the agent enforces on an ExecRequest (and the host before sending one).
inline constexpr std::size_t kMaxArgs = 4096;
inline constexpr std::size_t kMaxEnv = 4096;
inline constexpr std::size_t kMaxPath = 4096;

// Bounds of directory listings. Names and symlink targets are raw bytes in the guest; JSON
// carries UTF-8, so each byte that is not valid UTF-8 is sent as U+FFFD (3 bytes). Hence the
// parser's bounds are three times the kernel's (NAME_MAX 255, PATH_MAX 4096).
inline constexpr std::size_t kMaxNameBytes = 3 * 255;
inline constexpr std::size_t kMaxTargetBytes = 3 * kMaxPath;
// A FileEntries frame holds at most this many entries, and the agent keeps its JSON under
// kListChunkBytes (far below kMaxPayload even with the longest names and targets).
inline constexpr std::size_t kListChunkEntries = 500;
inline constexpr std::size_t kListChunkBytes = 128 * 1024;
// A directory with more entries than this is refused with too_many_entries.
inline constexpr std::size_t kMaxListEntries = 100000;

} // namespace vivarium::protocol
