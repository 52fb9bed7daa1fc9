// The guest side of egress `open`: a user-mode NIC (QEMU's slirp behind a virtio-mmio
// virtio-net device), set up by PID 1 only when the kernel command line says
// `vivarium.net=user`. The driver modules are loaded while the initramfs is still the root
// (they live there, listed in /etc/vivarium/modules.net); once the sandbox's disk is the root,
// the interface comes up with QEMU's fixed user-network addresses, a default route, and
// /etc/resolv.conf naming QEMU's DNS forwarder.
// Without the setting nothing here touches the guest (no module, no interface, no file).
// Every failure is a log line on the console: a sandbox whose network failed still boots and
// answers the host over its agent channel, and PID 1 never dies for it.
#pragma once

#include "KernelCommandLine.h"
#include "Logger.h"
#include "Result.h"

#include <chrono>
#include <string>

namespace vivarium::agent {

class NetworkSetup {
public:
    // QEMU's user-network defaults (-netdev user without net=/host=/dns=).
    static constexpr const char* kAddress = "10.0.2.15";
    static constexpr const char* kNetmask = "255.255.255.0";
    static constexpr int kPrefixLength = 24;
    static constexpr const char* kGateway = "10.0.2.2";
    static constexpr const char* kNameserver = "10.0.2.3";
    static constexpr const char* kModuleList = "/etc/vivarium/modules.net";
    static constexpr const char* kModuleDir = "/lib/modules/vivarium/";
    static constexpr std::chrono::seconds kInterfaceWait{5};

    NetworkSetup(Logger& log, const KernelCommandLine& cmdline);

    bool enabled() const { return m_enabled; }

    // In the initramfs, before switching root: loads the NIC driver modules. No-op when off.
    void loadDrivers();
    // On the sandbox's root: interface up, address, default route, resolv.conf. No-op when off.
    void configure();

    // The NIC to configure under `sysClassNet`: the first (by name) whose driver is
    // virtio_net, else the first that is not the loopback; empty when there is none.
    static std::string findInterface(const std::string& sysClassNet = "/sys/class/net");

private:
    Status bringUp(const std::string& interface);
    Status writeResolvConf();

    Logger& m_log;
    bool m_enabled = false;
};

} // namespace vivarium::agent
