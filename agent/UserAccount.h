// Who an exec runs as: resolved by reading /etc/passwd and /etc/group directly, because
// a static glibc's getpwnam needs NSS modules that a minimal guest does not have.
// Only reads files; switching credentials happens in ExecSession's child.
#pragma once

#include "Result.h"

#include <sys/types.h>

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vivarium::agent {

struct UserAccount {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string name;
    std::string home = "/";
    std::string shell = "/bin/sh";
    std::vector<gid_t> groups; // supplementary groups, the primary one included

    // `spec` is a user name or a numeric uid. A numeric uid without a passwd entry is
    // allowed (as in containers) and runs with gid = uid and home "/"; an unknown name is
    // Error{"bad_user"}. "user:group" sets the primary group (a name or a gid) and drops the
    // supplementary ones, as an OCI image's User does.
    static Result<UserAccount> resolve(std::string_view spec,
                                       const std::string& passwdPath = "/etc/passwd",
                                       const std::string& groupPath = "/etc/group");
};

// UserAccount::resolve for every exec without reading and parsing both files every time:
// the last answer is kept while /etc/passwd and /etc/group look unchanged (same inode,
// size, mtime and ctime). A file changed within the last seconds is read again each time,
// since a second change inside the timestamps' granularity would look like no change.
class UserAccountCache {
public:
    explicit UserAccountCache(std::string passwdPath = "/etc/passwd",
                              std::string groupPath = "/etc/group");
    Result<UserAccount> resolve(std::string_view spec);

private:
    struct Stamp {
        bool exists = false;
        dev_t dev = 0;
        ino_t ino = 0;
        off_t size = 0;
        timespec mtime{}, ctime{};
        bool operator==(const Stamp& o) const;
    };
    static std::optional<Stamp> stampOf(const std::string& path);

    std::string m_passwdPath, m_groupPath;
    std::string m_spec;
    std::optional<UserAccount> m_account;
    Stamp m_passwd, m_group;
};

} // namespace vivarium::agent
