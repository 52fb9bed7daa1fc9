#include "DomainXml.h"

#include "GuestProtocol.h"

namespace vivarium {

QString xmlEscape(const QString& text) {
    return text.toHtmlEscaped();
}

QString domainXml(const DomainSpec& s) {
    const bool kvm = s.accelerator == Accelerator::Kvm;
    QString x;
    x += QString("<domain type='%1'>\n").arg(kvm ? "kvm" : "qemu");
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
    x += "</domain>\n";
    return x;
}

} // namespace vivarium
