#include "DomainXml.h"

#include "GuestProtocol.h"

#include <QCryptographicHash>

namespace vivarium {

QString xmlEscape(const QString& text) {
    return text.toHtmlEscaped();
}

QString macAddressFor(const QString& name) {
    const QByteArray h = QCryptographicHash::hash(name.toUtf8(), QCryptographicHash::Sha256);
    return QString("52:54:00:%1:%2:%3")
        .arg(uchar(h[0]), 2, 16, QChar('0'))
        .arg(uchar(h[1]), 2, 16, QChar('0'))
        .arg(uchar(h[2]), 2, 16, QChar('0'));
}

QString domainXml(const DomainSpec& s) {
    const bool kvm = s.accelerator == Accelerator::Kvm;
    QString x;
    // The qemu namespace is declared only when used, so every other domain stays as it was.
    x += QString("<domain type='%1'%2>\n")
             .arg(kvm ? "kvm" : "qemu",
                  s.userNetwork ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" : "");
    x += QString("  <name>%1</name>\n").arg(xmlEscape(s.name));
    if (!s.uuid.isEmpty())
        x += QString("  <uuid>%1</uuid>\n").arg(xmlEscape(s.uuid));
    if (!s.metadataXml.isEmpty())
        x += "  <metadata>\n    " + s.metadataXml + "\n  </metadata>\n";
    x += QString("  <memory unit='MiB'>%1</memory>\n").arg(s.memoryMiB);
    x += QString("  <vcpu>%1</vcpu>\n").arg(s.vcpus);
    x += "  <os>\n";
    x += "    <type arch='x86_64' machine='microvm'>hvm</type>\n";
    x += QString("    <kernel>%1</kernel>\n").arg(xmlEscape(s.kernel));
    x += QString("    <initrd>%1</initrd>\n").arg(xmlEscape(s.initrd));
    x += QString("    <cmdline>%1</cmdline>\n").arg(xmlEscape(s.cmdline));
    x += "  </os>\n";
    // Without <acpi/> libvirt passes -no-acpi and a guest poweroff only halts.
    x += "  <features>\n    <acpi/>\n";
    if (!kvm && s.tcgCacheMiB > 0)
        x += QString("    <tcg>\n      <tb-cache unit='MiB'>%1</tb-cache>\n    </tcg>\n")
                 .arg(s.tcgCacheMiB);
    x += "  </features>\n";
    if (kvm)
        x += "  <cpu mode='host-passthrough'/>\n";
    x += "  <on_poweroff>destroy</on_poweroff>\n";
    x += "  <on_reboot>restart</on_reboot>\n";
    x += "  <on_crash>destroy</on_crash>\n";
    x += "  <devices>\n";
    if (!s.diskPath.isEmpty()) {
        x += "    <disk type='file' device='disk'>\n";
        x += "      <driver name='qemu' type='qcow2' cache='writeback' discard='unmap'/>\n";
        x += QString("      <source file='%1'/>\n").arg(xmlEscape(s.diskPath));
        x += "      <target dev='vda' bus='virtio'/>\n";
        x += "      <address type='virtio-mmio'/>\n";
        x += "    </disk>\n";
    }
    if (!s.channelPath.isEmpty()) {
        x += "    <controller type='virtio-serial' index='0'>\n";
        x += "      <address type='virtio-mmio'/>\n";
        x += "    </controller>\n";
        x += "    <channel type='unix'>\n";
        x += QString("      <source mode='bind' path='%1'/>\n").arg(xmlEscape(s.channelPath));
        x += QString("      <target type='virtio' name='%1'/>\n")
                 .arg(QString::fromLatin1(protocol::kPortName.data(), protocol::kPortName.size()));
        x += "    </channel>\n";
    }
    x += "    <serial type='file'>\n";
    x += QString("      <source path='%1'/>\n").arg(xmlEscape(s.consoleLog));
    x += "    </serial>\n";
    x += "    <memballoon model='none'/>\n";
    x += "    <controller type='usb' model='none'/>\n";
    x += "  </devices>\n";
    if (s.dacOwner)
        x += QString("  <seclabel type='static' model='dac' relabel='no'>\n"
                     "    <label>+%1:+%2</label>\n  </seclabel>\n")
                 .arg(s.dacOwner->first)
                 .arg(s.dacOwner->second);
    if (s.userNetwork) {
        // Appended after libvirt's own devices, so the NIC takes the next free virtio-mmio
        // transport (microvm has 24 here) and the disk stays /dev/vda. No restrict=on: that
        // would cut the outside off too; QEMU 7.2 has no switch that hides only the host
        // (10.0.2.2 reaches the host's loopback), see docs/egress.md.
        x += "  <qemu:commandline>\n";
        x += "    <qemu:arg value='-netdev'/>\n";
        x += "    <qemu:arg value='user,id=vivnet0,ipv6=off'/>\n";
        x += "    <qemu:arg value='-device'/>\n";
        x += QString("    <qemu:arg value='virtio-net-device,netdev=vivnet0,mac=%1'/>\n")
                 .arg(macAddressFor(s.name));
        x += "  </qemu:commandline>\n";
    }
    x += "</domain>\n";
    return x;
}

} // namespace vivarium
