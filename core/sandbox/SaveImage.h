// libvirt's QEMU save file (virsh save, virDomainSave): reads its header and writes a copy of
// it with another domain XML in the header, so a fork restores the saved memory as a new
// domain (libvirt refuses `restore --xml` with another UUID). The layout (libvirt
// src/qemu/qemu_saveimage.h, version 2): 16-byte magic "LibvirtQemudSave", little-endian u32
// version, data_len, was_running, compressed, cookieOffset, 14 unused u32 (92 bytes); then
// data_len bytes: the XML (NUL-terminated; cookieOffset bytes), the cookie (NUL-terminated),
// zero padding; QEMU's migration stream follows. Only the XML and the cookie offset change;
// data_len stays, so the stream is copied byte for byte where it was. Any other version, a
// partial file ("LibvirtQemudPart") or a new XML that does not fit is refused.
#pragma once

#include "Result.h"

#include <QByteArray>
#include <QString>

namespace vivarium::saveimage {

inline constexpr char kMagic[] = "LibvirtQemudSave";
inline constexpr int kMagicSize = 16;
inline constexpr int kHeaderSize = kMagicSize + 19 * 4; // 92
inline constexpr quint32 kVersion = 2;
// A sane bound for the XML + cookie area (libvirt pads with 64 KiB).
inline constexpr quint32 kMaxDataLen = 16u << 20;

struct Header {
    quint32 version = 0;
    quint32 dataLen = 0;
    quint32 wasRunning = 0;
    quint32 compressed = 0;
    quint32 cookieOffset = 0;
    QByteArray xml;    // without its NUL
    QByteArray cookie; // without its NUL; empty when there is none
    qint64 streamOffset() const { return kHeaderSize + qint64(dataLen); }
};

// Parses the header of `bytes` (at least the header and its data area).
Result<Header> parseHeader(const QByteArray& bytes);
Result<Header> readHeader(const QString& path);
// The header bytes (kHeaderSize + dataLen) for `h` with `xml` in place of its XML.
Result<QByteArray> buildHeader(const Header& h, const QByteArray& xml);
// Copies the save file `from` to `to` (through a temporary, renamed when complete) with
// `xml` as its domain XML.
Status copyWithXml(const QString& from, const QString& to, const QByteArray& xml);

} // namespace vivarium::saveimage
