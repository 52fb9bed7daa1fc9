// Who an exec runs as: resolved by reading /etc/passwd and /etc/group directly, because
// a static glibc's getpwnam needs NSS modules that a minimal guest does not have.
// Only reads files; switching credentials happens in ExecSession's child.
#pragma once

#include "Result.h"

#include <sys/types.h>

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
    // Error{"bad_user"}.
    static Result<UserAccount> resolve(std::string_view spec,
                                       const std::string& passwdPath = "/etc/passwd",
                                       const std::string& groupPath = "/etc/group");
};

} // namespace vivarium::agent
