// Builds the libvirt domain XML of a sandbox's microVM from a plain description. Pure:
// no libvirt, no file access, so it is checked against golden files in tests/data/.
// The shape follows what DESIGN.md measured to boot microvm through libvirt 9.0.
// A guest NIC is never added unless the spec asks for one (a template's egress `open`).
#pragma once

#include "LibvirtConnection.h"

#include <QString>

#include <optional>

namespace vivarium {

struct DomainSpec {
    QString name;
    QString uuid; // empty: libvirt picks one
    Accelerator accelerator = Accelerator::Tcg;
    int vcpus = 1;
    int memoryMiB = 256;
    QString kernel;
    QString initrd;
    QString cmdline;
    QString diskPath;     // qcow2 overlay
    QString channelPath;  // host unix socket of the agent's virtio-serial port
    QString consoleLog;   // serial console file
    int tcgCacheMiB = 32; // bounded TCG translation cache (host memory per VM)
    std::optional<std::pair<uint, uint>> dacOwner; // run QEMU as this uid:gid (root daemons)
    QString metadataXml;  // our <vivarium:sandbox> element (namespace declared inside)
    // A user-mode (slirp) NIC: QEMU's own NAT, 10.0.2.15 in the guest, 10.0.2.2 the host.
    // libvirt 9.0 rejects any <interface> on microvm, so the netdev and its virtio-mmio
    // device go in as QEMU arguments (libvirt's qemu:commandline); its MAC is derived from
    // the name, so it stays the same across restarts of one sandbox.
    bool userNetwork = false;
};

QString domainXml(const DomainSpec& spec);

// A locally administered unicast MAC in QEMU's 52:54:00 range, stable for a given name.
QString macAddressFor(const QString& name);

// Escapes a value for an XML text node or attribute.
QString xmlEscape(const QString& text);

} // namespace vivarium
