// See UserAccount.h.
#include "UserAccount.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "BoundedRead.h"

namespace vivarium::agent {

namespace {

// Account databases larger than this are not something a sandbox image ships.
constexpr std::size_t kMaxDatabase = 4 * 1024 * 1024;

std::string readSmallFile(const std::string& path) {
    auto text = readBounded(path, kMaxDatabase);
    return text ? std::move(text).value() : std::string();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = s.find(sep, start);
        parts.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
        if (end == std::string_view::npos)
            return parts;
        start = end + 1;
    }
}

std::optional<std::uint32_t> parseId(std::string_view s) {
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    // uid -1 means "no change" to setuid(); never accept it as an account.
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v == 0xffffffffu)
        return std::nullopt;
    return v;
}

template <typename F> void forEachLine(std::string_view text, F&& f) {
    for (std::string_view line : split(text, '\n')) {
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (!line.empty() && line.front() != '#')
            f(line);
    }
}

} // namespace

Result<UserAccount> UserAccount::resolve(std::string_view spec, const std::string& passwdPath,
                                         const std::string& groupPath) {
    // "user:group" (names or numbers), the form an OCI image's User may take: the user's
    // account with that primary group and no supplementary groups, as container runtimes do.
    if (const auto colon = spec.find(':'); colon != std::string_view::npos) {
        const std::string_view group = spec.substr(colon + 1);
        if (colon == 0 || group.empty() || group.find_first_of(":\n") != std::string_view::npos)
            return Error{"bad_user", "invalid user '" + std::string(spec) + "'"};
        auto account = resolve(spec.substr(0, colon), passwdPath, groupPath);
        if (!account)
            return account;
        std::optional<std::uint32_t> gid = parseId(group);
        if (!gid)
            forEachLine(readSmallFile(groupPath), [&](std::string_view line) {
                const auto f = split(line, ':');
                if (!gid && f.size() >= 3 && f[0] == group)
                    gid = parseId(f[2]);
            });
        if (!gid)
            return Error{"bad_user", "no such group: " + std::string(group)};
        account->gid = *gid;
        account->groups = {*gid};
        return account;
    }
    const std::optional<std::uint32_t> numeric = parseId(spec);
    if (spec.empty() || (!numeric && spec.find_first_of(":\n") != std::string_view::npos))
        return Error{"bad_user", "invalid user '" + std::string(spec) + "'"};

    std::optional<UserAccount> found;
    forEachLine(readSmallFile(passwdPath), [&](std::string_view line) {
        if (found)
            return;
        // name:password:uid:gid:gecos:home:shell
        const auto f = split(line, ':');
        if (f.size() < 7)
            return;
        const auto uid = parseId(f[2]);
        const auto gid = parseId(f[3]);
        if (!uid || !gid)
            return;
        if (numeric ? *uid != *numeric : f[0] != spec)
            return;
        UserAccount a;
        a.uid = *uid;
        a.gid = *gid;
        a.name = std::string(f[0]);
        if (!f[5].empty())
            a.home = std::string(f[5]);
        if (!f[6].empty())
            a.shell = std::string(f[6]);
        found = std::move(a);
    });
    if (!found) {
        if (!numeric)
            return Error{"bad_user", "no such user: " + std::string(spec)};
        UserAccount a;
        a.uid = *numeric;
        a.gid = *numeric;
        a.name = std::string(spec);
        found = std::move(a);
    }

    found->groups.push_back(found->gid);
    forEachLine(readSmallFile(groupPath), [&](std::string_view line) {
        // name:password:gid:member,member
        const auto f = split(line, ':');
        if (f.size() < 4 || found->groups.size() >= 256)
            return;
        const auto gid = parseId(f[2]);
        if (!gid || *gid == found->gid)
            return;
        for (std::string_view member : split(f[3], ','))
            if (member == found->name) {
                found->groups.push_back(*gid);
                return;
            }
    });
    return std::move(*found);
}

UserAccountCache::UserAccountCache(std::string passwdPath, std::string groupPath)
    : m_passwdPath(std::move(passwdPath)), m_groupPath(std::move(groupPath)) {}

bool UserAccountCache::Stamp::operator==(const Stamp& o) const {
    return exists == o.exists && dev == o.dev && ino == o.ino && size == o.size &&
           mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
}

// The file's identity, or nullopt when it changed too recently to be trusted.
std::optional<UserAccountCache::Stamp> UserAccountCache::stampOf(const std::string& path) {
    Stamp s;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return s; // missing: also a state that can be cached
    s.exists = true;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.size = st.st_size;
    s.mtime = st.st_mtim;
    s.ctime = st.st_ctim;
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec - std::max(st.st_mtim.tv_sec, st.st_ctim.tv_sec) < 2)
        return std::nullopt;
    return s;
}

Result<UserAccount> UserAccountCache::resolve(std::string_view spec) {
    const auto passwd = stampOf(m_passwdPath);
    const auto group = stampOf(m_groupPath);
    if (m_account && passwd && group && spec == m_spec && *passwd == m_passwd && *group == m_group)
        return *m_account;
    auto account = UserAccount::resolve(spec, m_passwdPath, m_groupPath);
    m_account.reset();
    if (account && passwd && group) {
        m_spec = std::string(spec);
        m_account = *account;
        m_passwd = *passwd;
        m_group = *group;
    }
    return account;
}

} // namespace vivarium::agent
