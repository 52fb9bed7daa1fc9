// JSON (de)serialisation of the guest protocol's control payloads, via nlohmann::json with
// exceptions disabled at the parse boundary: a malformed payload is a value, never a throw.
#include "GuestMessages.h"
#include "GuestProtocol.h"

#include <limits>

#include <nlohmann/json.hpp>

namespace vivarium::protocol {

using nlohmann::json;

namespace {

std::optional<json> parseObject(std::string_view text, std::string& error) {
    json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        error = "payload is not valid JSON";
        return std::nullopt;
    }
    if (!j.is_object()) {
        error = "payload is not a JSON object";
        return std::nullopt;
    }
    return j;
}

// Reads an optional field of the given JSON kind; a present field of the wrong kind is an error.
template <typename T>
bool field(const json& j, const char* name, T& out, std::string& error, bool required = false) {
    auto it = j.find(name);
    if (it == j.end()) {
        if (required)
            error = std::string("missing field '") + name + "'";
        return !required;
    }
    bool ok = false;
    if constexpr (std::is_same_v<T, bool>)
        ok = it->is_boolean();
    else if constexpr (std::is_same_v<T, std::string>)
        ok = it->is_string();
    else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>)
        ok = it->is_number_unsigned() &&
             it->template get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max());
    else if constexpr (std::is_integral_v<T>)
        // An unsigned value above INT64_MAX would wrap negative in get<int64_t>().
        ok = it->is_number_integer() &&
             (!it->is_number_unsigned() ||
              it->template get<std::uint64_t>() <= std::uint64_t(INT64_MAX)) &&
             it->template get<std::int64_t>() >= std::int64_t(std::numeric_limits<T>::min()) &&
             it->template get<std::int64_t>() <= std::int64_t(std::numeric_limits<T>::max());
    if (!ok) {
        error = std::string("field '") + name + "' has the wrong type or range";
        return false;
    }
    out = it->template get<T>();
    return true;
}

template <typename T> Parsed<T> fail(std::string error) { return {std::nullopt, std::move(error)}; }

// Paths of file requests: absolute guest paths of bounded length, without NUL.
bool validPath(const std::string& path, std::string& error) {
    if (path.empty() || path.front() != '/')
        error = "field 'path' must be an absolute path";
    else if (path.size() > kMaxPath)
        error = "field 'path' is longer than " + std::to_string(kMaxPath) + " bytes";
    else if (path.find('\0') != std::string::npos)
        error = "field 'path' contains a NUL byte";
    else
        return true;
    return false;
}

json infoObject(const FileInfo& m) {
    json j{{"size", m.size},   {"mode", m.mode}, {"type", std::string(fileKindName(m.type))},
           {"mtime", m.mtime}, {"uid", m.uid},   {"gid", m.gid}};
    if (m.type == FileKind::Symlink)
        j["target"] = m.target;
    return j;
}

// The fields FileInfo and FileEntry share. `type` is optional in a FileInfo (it defaults to
// "file", the only kind a FileRead answers for) and required in a FileEntry.
bool readInfo(const json& j, FileInfo& m, bool typeRequired, std::string& e) {
    std::string type;
    if (!field(j, "size", m.size, e, true) || !field(j, "mode", m.mode, e) ||
        !field(j, "type", type, e, typeRequired) || !field(j, "mtime", m.mtime, e) ||
        !field(j, "uid", m.uid, e) || !field(j, "gid", m.gid, e) ||
        !field(j, "target", m.target, e))
        return false;
    if (m.mode > 07777) {
        e = "field 'mode' out of range";
        return false;
    }
    if (j.contains("type")) {
        const auto kind = parseFileKind(type);
        if (!kind) {
            e = "field 'type' is not one of file, dir, symlink, other";
            return false;
        }
        m.type = *kind;
    }
    if (m.target.size() > kMaxTargetBytes) {
        e = "field 'target' is too long";
        return false;
    }
    if (m.type != FileKind::Symlink)
        m.target.clear();
    return true;
}

// dump() throws on invalid UTF-8 by default; strings here can come from a file name or a
// hostname, and a throw in the agent (PID 1) is fatal, so replace bad bytes instead.
std::string dumpJson(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace

std::string toJson(const Hello& m) {
    json j{{"version", m.version}, {"agent", m.agent}, {"hostname", m.hostname},
           {"kernel", m.kernel}};
    // A SyncAck is recognised by its nonce; its stream list must survive a zero nonce too.
    if (m.nonce || !m.streams.empty()) {
        j["nonce"] = m.nonce;
        j["streams"] = m.streams;
    }
    return dumpJson(j);
}

std::string toJson(const ExecRequest& m) {
    json j{{"argv", m.argv}, {"env", m.env},   {"cwd", m.cwd},  {"user", m.user},
           {"pty", m.pty},   {"rows", m.rows}, {"cols", m.cols}};
    if (m.createCwd)
        j["create_cwd"] = true;
    return dumpJson(j);
}

std::string toJson(const ExitStatus& m) {
    return dumpJson(json{{"code", m.code}, {"signal", m.signal}, {"core", m.core}});
}

std::string toJson(const FileRequest& m) {
    return dumpJson(json{{"path", m.path}, {"mode", m.mode}, {"append", m.append}});
}

std::string_view fileKindName(FileKind kind) {
    switch (kind) {
    case FileKind::File: return "file";
    case FileKind::Directory: return "dir";
    case FileKind::Symlink: return "symlink";
    case FileKind::Other: return "other";
    }
    return "other";
}

std::optional<FileKind> parseFileKind(std::string_view name) {
    if (name == "file")
        return FileKind::File;
    if (name == "dir")
        return FileKind::Directory;
    if (name == "symlink")
        return FileKind::Symlink;
    if (name == "other")
        return FileKind::Other;
    return std::nullopt;
}

std::string toJson(const StatRequest& m) {
    return dumpJson(json{{"path", m.path}, {"follow", m.follow}});
}

std::string toJson(const ListRequest& m) { return dumpJson(json{{"path", m.path}}); }

std::string toJson(const RemoveRequest& m) {
    return dumpJson(json{{"path", m.path}, {"recursive", m.recursive}});
}

std::string toJson(const FileInfo& m) { return dumpJson(infoObject(m)); }

std::string toJson(const FileEntry& m) {
    json j = infoObject(m.info);
    j["name"] = m.name;
    return dumpJson(j);
}

std::string toJson(const FileEntries& m) {
    json list = json::array();
    for (const FileEntry& e : m.entries) {
        json j = infoObject(e.info);
        j["name"] = e.name;
        list.push_back(std::move(j));
    }
    return dumpJson(json{{"entries", std::move(list)}});
}

std::string toJson(const StreamError& m) {
    return dumpJson(json{{"code", m.code}, {"message", m.message}});
}

Parsed<Hello> parseHello(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<Hello>(e);
    Hello m;
    if (!field(*j, "version", m.version, e, true) || !field(*j, "agent", m.agent, e) ||
        !field(*j, "hostname", m.hostname, e) || !field(*j, "kernel", m.kernel, e) ||
        !field(*j, "nonce", m.nonce, e))
        return fail<Hello>(e);
    if (auto it = j->find("streams"); it != j->end()) {
        if (!it->is_array() || it->size() > 65536)
            return fail<Hello>("field 'streams' is not a list of stream ids");
        for (const auto& s : *it) {
            if (!s.is_number_unsigned() || s.get<std::uint64_t>() == 0 ||
                s.get<std::uint64_t>() > kMaxStream)
                return fail<Hello>("field 'streams' holds an invalid stream id");
            m.streams.push_back(s.get<std::uint32_t>());
        }
    }
    return {m, {}};
}

Parsed<ExecRequest> parseExecRequest(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<ExecRequest>(e);
    ExecRequest m;
    auto argv = j->find("argv");
    if (argv == j->end() || !argv->is_array() || argv->empty())
        return fail<ExecRequest>("field 'argv' must be a non-empty list of strings");
    if (argv->size() > kMaxArgs)
        return fail<ExecRequest>("too many arguments");
    for (const auto& a : *argv) {
        if (!a.is_string())
            return fail<ExecRequest>("field 'argv' must be a non-empty list of strings");
        m.argv.push_back(a.get<std::string>());
    }
    if (auto env = j->find("env"); env != j->end()) {
        if (!env->is_object() || env->size() > kMaxEnv)
            return fail<ExecRequest>("field 'env' must be an object of strings");
        for (const auto& [k, v] : env->items()) {
            if (!v.is_string() || k.empty() || k.find('=') != std::string::npos)
                return fail<ExecRequest>("field 'env' must map names without '=' to strings");
            m.env[k] = v.get<std::string>();
        }
    }
    if (!field(*j, "cwd", m.cwd, e) || !field(*j, "user", m.user, e) ||
        !field(*j, "pty", m.pty, e) || !field(*j, "rows", m.rows, e) ||
        !field(*j, "cols", m.cols, e) || !field(*j, "create_cwd", m.createCwd, e))
        return fail<ExecRequest>(e);
    if (m.cwd.size() > kMaxPath)
        return fail<ExecRequest>("field 'cwd' is too long");
    return {m, {}};
}

Parsed<ExitStatus> parseExitStatus(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<ExitStatus>(e);
    ExitStatus m;
    if (!field(*j, "code", m.code, e, true) || !field(*j, "signal", m.signal, e) ||
        !field(*j, "core", m.core, e))
        return fail<ExitStatus>(e);
    if (m.code < -1 || m.code > 255 || m.signal < 0 || m.signal > 64)
        return fail<ExitStatus>("exit status out of range");
    return {m, {}};
}

Parsed<FileRequest> parseFileRequest(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<FileRequest>(e);
    FileRequest m;
    if (!field(*j, "path", m.path, e, true) || !field(*j, "mode", m.mode, e) ||
        !field(*j, "append", m.append, e))
        return fail<FileRequest>(e);
    if (!validPath(m.path, e))
        return fail<FileRequest>(e);
    if (m.mode > 07777)
        return fail<FileRequest>("field 'mode' out of range");
    return {m, {}};
}

Parsed<StatRequest> parseStatRequest(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<StatRequest>(e);
    StatRequest m;
    if (!field(*j, "path", m.path, e, true) || !field(*j, "follow", m.follow, e) ||
        !validPath(m.path, e))
        return fail<StatRequest>(e);
    return {m, {}};
}

Parsed<ListRequest> parseListRequest(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<ListRequest>(e);
    ListRequest m;
    if (!field(*j, "path", m.path, e, true) || !validPath(m.path, e))
        return fail<ListRequest>(e);
    return {m, {}};
}

Parsed<RemoveRequest> parseRemoveRequest(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<RemoveRequest>(e);
    RemoveRequest m;
    if (!field(*j, "path", m.path, e, true) || !field(*j, "recursive", m.recursive, e) ||
        !validPath(m.path, e))
        return fail<RemoveRequest>(e);
    return {m, {}};
}

Parsed<FileInfo> parseFileInfo(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<FileInfo>(e);
    FileInfo m;
    if (!readInfo(*j, m, /*typeRequired=*/false, e))
        return fail<FileInfo>(e);
    return {m, {}};
}

Parsed<FileEntries> parseFileEntries(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<FileEntries>(e);
    auto list = j->find("entries");
    if (list == j->end() || !list->is_array())
        return fail<FileEntries>("field 'entries' must be a list");
    if (list->size() > kListChunkEntries)
        return fail<FileEntries>("more than " + std::to_string(kListChunkEntries) +
                                 " entries in one frame");
    FileEntries m;
    m.entries.reserve(list->size());
    for (const json& item : *list) {
        if (!item.is_object())
            return fail<FileEntries>("an entry is not a JSON object");
        FileEntry entry;
        if (!field(item, "name", entry.name, e, true) ||
            !readInfo(item, entry.info, /*typeRequired=*/true, e))
            return fail<FileEntries>("entry " + std::to_string(m.entries.size()) + ": " + e);
        const std::string& n = entry.name;
        if (n.empty() || n == "." || n == ".." || n.size() > kMaxNameBytes ||
            n.find('/') != std::string::npos || n.find('\0') != std::string::npos)
            return fail<FileEntries>("entry " + std::to_string(m.entries.size()) +
                                     ": field 'name' is not a file name");
        m.entries.push_back(std::move(entry));
    }
    return {m, {}};
}

Parsed<StreamError> parseStreamError(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<StreamError>(e);
    StreamError m;
    if (!field(*j, "code", m.code, e, true) || !field(*j, "message", m.message, e))
        return fail<StreamError>(e);
    if (m.message.size() > 4096)
        m.message.resize(4096);
    return {m, {}};
}

namespace {
template <typename T> std::optional<T> single(std::string_view text, const char* name) {
    std::string e;
    auto j = parseObject(text, e);
    T v{};
    if (!j || !field(*j, name, v, e, true))
        return std::nullopt;
    return v;
}
} // namespace

std::string resizeJson(std::uint16_t rows, std::uint16_t cols) {
    return dumpJson(json{{"rows", rows}, {"cols", cols}});
}
std::optional<std::pair<std::uint16_t, std::uint16_t>> parseResize(std::string_view text) {
    auto r = single<std::uint16_t>(text, "rows");
    auto c = single<std::uint16_t>(text, "cols");
    if (!r || !c || *r == 0 || *c == 0)
        return std::nullopt;
    return std::pair{*r, *c};
}
std::string signalJson(int signal) { return dumpJson(json{{"signal", signal}}); }
std::optional<int> parseSignal(std::string_view text) {
    auto s = single<int>(text, "signal");
    if (!s || *s < 1 || *s > 64)
        return std::nullopt;
    return s;
}
std::string windowJson(std::uint32_t bytes) { return dumpJson(json{{"bytes", bytes}}); }
std::optional<std::uint32_t> parseWindow(std::string_view text) {
    return single<std::uint32_t>(text, "bytes");
}
std::string nonceJson(std::uint64_t nonce) { return dumpJson(json{{"nonce", nonce}}); }
std::optional<std::uint64_t> parseNonce(std::string_view text) {
    return single<std::uint64_t>(text, "nonce");
}
std::string shutdownJson(std::string_view action) {
    return dumpJson(json{{"action", std::string(action)}});
}
std::optional<std::string> parseShutdown(std::string_view text) {
    auto a = single<std::string>(text, "action");
    if (!a || (*a != "poweroff" && *a != "reboot"))
        return std::nullopt;
    return a;
}
std::string portJson(std::uint16_t port) { return dumpJson(json{{"port", port}}); }
std::optional<std::uint16_t> parsePort(std::string_view text) {
    auto p = single<std::uint16_t>(text, "port");
    if (!p || *p == 0)
        return std::nullopt;
    return p;
}
std::string netConfigJson(std::uint16_t proxyPort) {
    return dumpJson(json{{"proxy_port", proxyPort}});
}
std::optional<std::uint16_t> parseNetConfig(std::string_view text) {
    return single<std::uint16_t>(text, "proxy_port");
}
std::string clockJson(const ClockTime& t) { return dumpJson(json{{"sec", t.sec}, {"nsec", t.nsec}}); }
std::optional<ClockTime> parseClock(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j || !j->contains("sec") || !j->contains("nsec") || !(*j)["sec"].is_number_integer() ||
        !(*j)["nsec"].is_number_unsigned())
        return std::nullopt;
    ClockTime t{(*j)["sec"].get<std::int64_t>(), (*j)["nsec"].get<std::uint32_t>()};
    // Before 2000 or after 2200, or a bad fraction: not a clock anyone means.
    if (t.sec < 946684800 || t.sec > 7258118400 || t.nsec > 999999999)
        return std::nullopt;
    return t;
}
std::string toJson(const TcpAccepted& m) {
    return dumpJson(json{{"listener", m.listener}, {"port", m.port}});
}
Parsed<TcpAccepted> parseTcpAccepted(std::string_view text) {
    std::string e;
    auto j = parseObject(text, e);
    if (!j)
        return fail<TcpAccepted>(e);
    TcpAccepted m;
    if (!field(*j, "listener", m.listener, e, true) || !field(*j, "port", m.port, e, true))
        return fail<TcpAccepted>(e);
    if (m.listener != "egress")
        return fail<TcpAccepted>("unknown listener \"" + m.listener.substr(0, 32) + "\"");
    return {m, {}};
}

} // namespace vivarium::protocol
