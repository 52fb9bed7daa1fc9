// What the agent does only when it is PID 1 in a microVM: early mounts in the initramfs,
// kernel modules, waiting for the root disk (and growing its filesystem to fill a disk larger
// than the image), switching root to it, the new root's mounts, hostname, loopback, finding
// the agent's virtio port, and powering off.
// PID 1 must never exit (the kernel panics), so every fatal path here ends in a logged
// power-off. Nothing here runs in test mode.
#pragma once

#include "Channel.h"
#include "KernelCommandLine.h"
#include "Logger.h"
#include "Result.h"
#include "ShutdownAction.h"
#include "UniqueFd.h"

#include <chrono>
#include <string>

namespace vivarium::agent {

class Pid1 {
public:
    // Bounded waits for devices that appear asynchronously after boot: no event source
    // exists this early, so these are polled.
    static constexpr std::chrono::seconds kDeviceWait{10};

    explicit Pid1(Logger& log) : m_log(log) {}

    // Boots the guest up to an open agent channel. Powers off (never returns) on failure,
    // and in `vivarium.mode=echo` after printing the benchmark marker.
    Channel boot(const std::string& cmdlinePath);
    const std::string& hostname() const { return m_hostname; }

    // Terminates every process (SIGTERM, up to 2 s, then SIGKILL), syncs, remounts / read-only
    // and powers off or reboots.
    [[noreturn]] void shutdown(ShutdownAction action);
    [[noreturn]] void fatal(const std::string& message);

private:
    void mountEarly();
    void loadModules();
    Status switchToRootDisk(const KernelCommandLine& cmdline);
    void growRootFilesystem(const std::string& device);
    void setUpRoot();
    Result<std::string> findAgentPort();

    Logger& m_log;
    UniqueFd m_console;
    std::string m_hostname = "sandbox";
};

} // namespace vivarium::agent
