// See Pid1.h.
#include "Pid1.h"

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <net/if.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

#include "BoundedRead.h"
#include "GuestProtocol.h"
#include "NetworkSetup.h"

namespace vivarium::agent {

namespace {

constexpr const char* kModuleList = "/etc/vivarium/modules.order";
constexpr const char* kModuleDir = "/lib/modules/vivarium/";
constexpr const char* kNewRoot = "/newroot";

std::string errorText(const std::string& what) {
    return what + ": " + std::strerror(errno);
}

// Polls `ready` every 10 ms until it holds or `limit` passes.
bool waitUntil(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (ready())
            return true;
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        const timespec ts{0, 10 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::string readSmall(const std::string& path, std::size_t limit = 64 * 1024) {
    auto text = readBounded(path, limit);
    return text ? std::move(text).value() : std::string();
}

// mount(2) that treats "already mounted" as success.
bool mountFs(const char* source, const char* target, const char* type, unsigned long flags,
             const char* data) {
    ::mkdir(target, 0755);
    return ::mount(source, target, type, flags, data) == 0 || errno == EBUSY;
}

// Reaps until no child is left or `limit` passes, waking on SIGCHLD (blocked, taken with
// sigtimedwait) rather than sleeping blindly. True when no child is left.
bool reapAll(std::chrono::milliseconds limit) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &set, nullptr);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        pid_t pid;
        while ((pid = ::waitpid(-1, nullptr, WNOHANG)) > 0) {
        }
        if (pid < 0 && errno == ECHILD)
            return true;
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero())
            return false;
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
        const timespec ts{time_t(ns / 1000000000), long(ns % 1000000000)};
        ::sigtimedwait(&set, nullptr, &ts);
    }
}

} // namespace

Channel Pid1::boot(const std::string& cmdlinePath) {
    // The kernel may send these to PID 1 (Ctrl-Alt-Del, console hangup); the guest stops
    // only when the host says so.
    ::signal(SIGTERM, SIG_IGN);
    ::signal(SIGINT, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    ::umask(022);
    ::chdir("/");

    mountEarly();
    auto cmdline = KernelCommandLine::load(cmdlinePath);
    if (!cmdline)
        fatal("cannot read the kernel command line: " + cmdline.error().message);
    loadModules();

    if (cmdline->value("mode") == "echo") {
        m_log.raw("vivarium-echo\n");
        ::sync();
        ::reboot(RB_POWER_OFF);
        for (;;)
            ::pause();
    }

    // Egress `open`: the NIC's modules are in the initramfs, so they load before the switch.
    NetworkSetup network(m_log, *cmdline);
    network.loadDrivers();
    if (auto s = switchToRootDisk(*cmdline); !s)
        fatal(s.error().message);
    const std::string hostname = cmdline->value("hostname", "sandbox");
    if (!hostname.empty() && hostname.size() <= 64)
        m_hostname = hostname;
    setUpRoot();
    network.configure();

    auto port = findAgentPort();
    if (!port)
        fatal(port.error().message);
    auto channel = Channel::openPort(*port);
    if (!channel)
        fatal(channel.error().message);
    return std::move(*channel);
}

void Pid1::mountEarly() {
    mountFs("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    mountFs("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
    const bool dev = mountFs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");

    // stdin from /dev/null; stdout and stderr (and this log) to the kernel console, so that
    // anything printed by accident goes where a person can see it, and fds 0-2 are never
    // free for a pipe to land on.
    m_console.reset(::open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC));
    UniqueFd null(::open("/dev/null", O_RDWR | O_NOCTTY | O_CLOEXEC));
    const int out = m_console ? m_console.get() : null.get();
    if (null.get() >= 0)
        ::dup2(null.get(), 0);
    if (out >= 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
    }
    m_log.setFd(m_console.get());
    if (!dev)
        m_log.line(errorText("cannot mount /dev"));
}

void Pid1::loadModules() {
    const std::string list = readSmall(kModuleList);
    std::size_t start = 0;
    while (start < list.size()) {
        std::size_t end = list.find('\n', start);
        if (end == std::string::npos)
            end = list.size();
        std::string name = list.substr(start, end - start);
        start = end + 1;
        while (!name.empty() && (name.back() == ' ' || name.back() == '\r' || name.back() == '\t'))
            name.pop_back();
        if (name.empty() || name[0] == '#')
            continue;
        if (name.find('/') != std::string::npos || name == "." || name == "..") {
            m_log.line("ignored module entry " + name);
            continue;
        }
        const std::string path = kModuleDir + name;
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            m_log.line(errorText("module " + path));
            continue;
        }
        // Compressed modules are decompressed by the kernel when it is built to.
        const std::string_view n(name);
        const bool compressed = n.ends_with(".xz") || n.ends_with(".zst") || n.ends_with(".gz");
        constexpr int kCompressedFile = 4; // MODULE_INIT_COMPRESSED_FILE
        if (::syscall(SYS_finit_module, fd.get(), "", compressed ? kCompressedFile : 0) != 0 &&
            errno != EEXIST)
            m_log.line(errorText("cannot load module " + name));
    }
}

Status Pid1::switchToRootDisk(const KernelCommandLine& cmdline) {
    const std::string device = cmdline.value("root", "/dev/vda");
    const std::string fsType = cmdline.value("rootfstype", "ext4");
    if (!waitUntil([&] { return exists(device); }, kDeviceWait))
        return Error{"no_disk", "root disk " + device + " did not appear within " +
                                    std::to_string(kDeviceWait.count()) + " s"};
    ::mkdir(kNewRoot, 0755);
    if (::mount(device.c_str(), kNewRoot, fsType.c_str(), 0, nullptr) != 0)
        return Error{"no_disk", errorText("cannot mount " + device + " (" + fsType + ")")};
    if (fsType == "ext4")
        growRootFilesystem(device);
    for (const char* dir : {"/dev", "/proc", "/sys"}) {
        const std::string target = std::string(kNewRoot) + dir;
        ::mkdir(target.c_str(), 0755);
        if (::mount(dir, target.c_str(), nullptr, MS_MOVE, nullptr) != 0)
            return Error{"no_disk", errorText(std::string("cannot move ") + dir)};
    }
    // switch_root: the initramfs stays in memory underneath (it is small) but unreachable.
    if (::chdir(kNewRoot) != 0 || ::mount(".", "/", nullptr, MS_MOVE, nullptr) != 0 ||
        ::chroot(".") != 0 || ::chdir("/") != 0)
        return Error{"no_disk", errorText("cannot switch root")};
    return {};
}

void Pid1::growRootFilesystem(const std::string& device) {
    // A sandbox's disk may be larger than its image (a template's disk_mib): the host makes
    // the overlay that size, and the filesystem grows into it here, online, as resize2fs
    // does for a mounted ext4. Nothing happens when the two already match.
    UniqueFd dev(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
    std::uint64_t deviceBytes = 0;
    unsigned char sb[1024];
    if (!dev || ::ioctl(dev.get(), BLKGETSIZE64, &deviceBytes) != 0 ||
        ::pread(dev.get(), sb, sizeof sb, 1024) != ssize_t(sizeof sb)) {
        m_log.line(errorText("cannot read the size of " + device));
        return;
    }
    auto le32 = [&](std::size_t at) {
        std::uint32_t v;
        std::memcpy(&v, sb + at, 4);
        return le32toh(v);
    };
    constexpr std::uint16_t kExt4Magic = 0xEF53;
    constexpr std::uint32_t kIncompat64Bit = 0x80;
    if ((le32(0x38) & 0xffff) != kExt4Magic || le32(0x18) > 6)
        return;
    const std::uint64_t blockSize = 1024ULL << le32(0x18);
    std::uint64_t blocks = le32(0x04);
    if (le32(0x60) & kIncompat64Bit)
        blocks |= std::uint64_t(le32(0x150)) << 32;
    std::uint64_t wanted = deviceBytes / blockSize;
    if (wanted <= blocks)
        return;
    UniqueFd root(::open(kNewRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    constexpr unsigned long kResizeFs = _IOW('f', 16, std::uint64_t); // EXT4_IOC_RESIZE_FS
    if (!root || ::ioctl(root.get(), kResizeFs, &wanted) != 0)
        m_log.line(errorText("cannot grow the root filesystem to " +
                             std::to_string(deviceBytes >> 20) + " MiB"));
}

void Pid1::setUpRoot() {
    ::mkdir("/dev/pts", 0755);
    if (::mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                "gid=5,mode=0620,ptmxmode=0666") != 0 &&
        errno != EBUSY)
        m_log.line(errorText("cannot mount /dev/pts"));
    if (!mountFs("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"))
        m_log.line(errorText("cannot mount /dev/shm"));
    if (!mountFs("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"))
        m_log.line(errorText("cannot mount /run"));
    // /tmp stays on the disk so files left there persist with the sandbox.
    ::mkdir("/tmp", 01777);
    ::chmod("/tmp", 01777);
    // devtmpfs lacks these; shells and process substitution expect them.
    ::symlink("/proc/self/fd", "/dev/fd");
    ::symlink("/proc/self/fd/0", "/dev/stdin");
    ::symlink("/proc/self/fd/1", "/dev/stdout");
    ::symlink("/proc/self/fd/2", "/dev/stderr");

    if (::sethostname(m_hostname.data(), m_hostname.size()) != 0)
        m_log.line(errorText("cannot set the hostname"));

    // Loopback up: the kernel then assigns 127.0.0.1 and ::1 itself.
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    if (!sock || ::ioctl(sock.get(), SIOCGIFFLAGS, &ifr) != 0) {
        m_log.line(errorText("cannot query lo"));
    } else {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (::ioctl(sock.get(), SIOCSIFFLAGS, &ifr) != 0)
            m_log.line(errorText("cannot bring up lo"));
    }

    // Name resolution of localhost and our own name without DNS; never rewrite the
    // image's own entries.
    const std::string hosts = readSmall("/etc/hosts", 1024 * 1024);
    auto hasName = [&](std::string_view name) {
        std::size_t pos = 0;
        while ((pos = hosts.find(name, pos)) != std::string::npos) {
            const bool startOk =
                pos == 0 || std::isspace(static_cast<unsigned char>(hosts[pos - 1]));
            const std::size_t after = pos + name.size();
            const bool endOk =
                after == hosts.size() || std::isspace(static_cast<unsigned char>(hosts[after]));
            if (startOk && endOk)
                return true;
            pos = after;
        }
        return false;
    };
    std::string add;
    if (!hosts.empty() && hosts.back() != '\n')
        add += "\n";
    if (!hasName("localhost"))
        add += "127.0.0.1\tlocalhost\n::1\tlocalhost\n";
    if (!hasName(m_hostname))
        add += "127.0.1.1\t" + m_hostname + "\n";
    if (add.size() > 1 || (add.size() == 1 && add != "\n")) {
        ::mkdir("/etc", 0755);
        UniqueFd fd(::open("/etc/hosts", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (!fd || ::write(fd.get(), add.data(), add.size()) != ssize_t(add.size()))
            m_log.line(errorText("cannot update /etc/hosts"));
    }
}

Result<std::string> Pid1::findAgentPort() {
    std::string found;
    auto lookup = [&] {
        DIR* dir = ::opendir("/sys/class/virtio-ports");
        if (!dir)
            return false;
        while (dirent* e = ::readdir(dir)) {
            if (e->d_name[0] == '.')
                continue;
            std::string name =
                readSmall(std::string("/sys/class/virtio-ports/") + e->d_name + "/name", 256);
            while (!name.empty() && (name.back() == '\n' || name.back() == '\0'))
                name.pop_back();
            if (name == protocol::kPortName) {
                found = std::string("/dev/") + e->d_name;
                break;
            }
        }
        ::closedir(dir);
        return !found.empty() && exists(found);
    };
    if (!waitUntil(lookup, kDeviceWait))
        return Error{"no_port", "virtio port " + std::string(protocol::kPortName) +
                                    " did not appear within " +
                                    std::to_string(kDeviceWait.count()) + " s"};
    return found;
}

void Pid1::shutdown(ShutdownAction action) {
    m_log.line(action == ShutdownAction::Reboot ? "rebooting" : "powering off");
    ::kill(-1, SIGTERM);
    if (!reapAll(std::chrono::seconds(2))) {
        ::kill(-1, SIGKILL);
        reapAll(std::chrono::seconds(1));
    }
    ::sync();
    if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY, nullptr) != 0)
        m_log.line(errorText("cannot remount / read-only"));
    ::reboot(action == ShutdownAction::Reboot ? RB_AUTOBOOT : RB_POWER_OFF);
    // Only reached if reboot(2) failed; PID 1 must not return.
    m_log.line(errorText("reboot failed"));
    for (;;)
        ::pause();
}

void Pid1::fatal(const std::string& message) {
    m_log.line("fatal: " + message);
    shutdown(ShutdownAction::PowerOff);
}

} // namespace vivarium::agent
