// See NetworkSetup.h.
#include "NetworkSetup.h"

#include "BoundedRead.h"
#include "UniqueFd.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

namespace vivarium::agent {

namespace {

std::string errorText(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

sockaddr ipv4(const char* dotted) {
    sockaddr_in in{};
    in.sin_family = AF_INET;
    ::inet_pton(AF_INET, dotted, &in.sin_addr);
    sockaddr out{};
    std::memcpy(&out, &in, sizeof in);
    return out;
}

} // namespace

NetworkSetup::NetworkSetup(Logger& log, const KernelCommandLine& cmdline) : m_log(log) {
    const std::string mode = cmdline.value("net", "none");
    m_enabled = mode == "user";
    if (!m_enabled && mode != "none")
        m_log.line("ignored vivarium.net=" + mode + " (known: user, none); no network set up");
}

void NetworkSetup::loadDrivers() {
    if (!m_enabled)
        return;
    auto list = readBounded(kModuleList, 64 * 1024);
    if (!list) {
        // Built-in drivers need no list; findInterface() below tells whether a NIC exists.
        m_log.line("no " + std::string(kModuleList) + " in the initramfs (" + list.error().message +
                   "); rebuild the guest kernel directory if the network does not come up");
        return;
    }
    std::string_view rest = *list;
    while (!rest.empty()) {
        const std::size_t end = std::min(rest.find('\n'), rest.size());
        std::string name(rest.substr(0, end));
        rest.remove_prefix(std::min(end + 1, rest.size()));
        while (!name.empty() && (name.back() == ' ' || name.back() == '\r' || name.back() == '\t'))
            name.pop_back();
        if (name.empty() || name[0] == '#')
            continue;
        if (name.find('/') != std::string::npos || name == "." || name == "..") {
            m_log.line("ignored network module entry " + name);
            continue;
        }
        const std::string path = kModuleDir + name;
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            m_log.line(errorText("network module " + path));
            continue;
        }
        // vivarium-image stores modules decompressed, so no MODULE_INIT_COMPRESSED_FILE.
        if (::syscall(SYS_finit_module, fd.get(), "", 0) != 0 && errno != EEXIST)
            m_log.line(errorText("cannot load network module " + name));
    }
}

std::string NetworkSetup::findInterface(const std::string& sysClassNet) {
    std::vector<std::string> names;
    if (DIR* dir = ::opendir(sysClassNet.c_str())) {
        while (dirent* e = ::readdir(dir))
            if (e->d_name[0] != '.' && std::string_view(e->d_name) != "lo")
                names.emplace_back(e->d_name);
        ::closedir(dir);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        char target[256];
        const std::string link = sysClassNet + "/" + name + "/device/driver";
        const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
        if (n <= 0)
            continue;
        const std::string_view driver(target, std::size_t(n));
        if (driver.substr(driver.rfind('/') + 1) == "virtio_net")
            return name;
    }
    return names.empty() ? std::string() : names.front();
}

void NetworkSetup::configure() {
    if (!m_enabled)
        return;
    // The driver binds while its module loads; the bound only covers a slow device probe.
    std::string interface;
    const auto deadline = std::chrono::steady_clock::now() + kInterfaceWait;
    while ((interface = findInterface()).empty() && std::chrono::steady_clock::now() < deadline) {
        const timespec ts{0, 20 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
    if (interface.empty()) {
        m_log.line("vivarium.net=user but no network interface appeared within " +
                   std::to_string(kInterfaceWait.count()) +
                   " s (is the virtio_net module in the initramfs?); the sandbox has no network");
        return;
    }
    if (auto s = bringUp(interface); !s) {
        m_log.line(s.error().message);
        return;
    }
    if (auto s = writeResolvConf(); !s)
        m_log.line(s.error().message);
    m_log.line("network: " + interface + " " + kAddress + "/" + std::to_string(kPrefixLength) +
               " via " + kGateway + ", DNS " + kNameserver);
}

Status NetworkSetup::bringUp(const std::string& interface) {
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock)
        return Error{"network", errorText("cannot open a socket to configure " + interface)};
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    ifr.ifr_addr = ipv4(kAddress);
    if (::ioctl(sock.get(), SIOCSIFADDR, &ifr) != 0)
        return Error{"network", errorText("cannot set the address of " + interface)};
    ifr.ifr_netmask = ipv4(kNetmask);
    if (::ioctl(sock.get(), SIOCSIFNETMASK, &ifr) != 0)
        return Error{"network", errorText("cannot set the netmask of " + interface)};
    if (::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0)
        return Error{"network", errorText("cannot query " + interface)};
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0)
        return Error{"network", errorText("cannot bring up " + interface)};

    // Up with an address, the kernel has the 10.0.2.0/24 route; the default goes via QEMU.
    rtentry route{};
    route.rt_dst = ipv4("0.0.0.0");
    route.rt_genmask = ipv4("0.0.0.0");
    route.rt_gateway = ipv4(kGateway);
    route.rt_flags = RTF_UP | RTF_GATEWAY;
    std::string device = interface;
    route.rt_dev = device.data();
    if (::ioctl(sock.get(), SIOCADDRT, &route) != 0 && errno != EEXIST)
        return Error{"network", errorText(std::string("cannot add the default route via ") +
                                          kGateway + " on " + interface)};
    return {};
}

Status NetworkSetup::writeResolvConf() {
    // The root is the sandbox's own disk, so this persists; it is rewritten at every boot
    // with the setting on, and never written without it. A rename replaces a symlink (to a
    // resolver's file under /run) instead of writing through it.
    const std::string text = std::string("# Written by vivarium-agent at boot: egress open, QEMU "
                                         "user networking.\nnameserver ") +
                             kNameserver + "\n";
    ::mkdir("/etc", 0755);
    const char* temp = "/etc/.resolv.conf.vivarium";
    UniqueFd fd(::open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd || ::write(fd.get(), text.data(), text.size()) != ssize_t(text.size())) {
        const Error e{"network", errorText("cannot write /etc/resolv.conf")};
        ::unlink(temp);
        return e;
    }
    fd.reset();
    if (::rename(temp, "/etc/resolv.conf") != 0) {
        const Error e{"network", errorText("cannot replace /etc/resolv.conf")};
        ::unlink(temp);
        return e;
    }
    return {};
}

} // namespace vivarium::agent
