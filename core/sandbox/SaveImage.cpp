#include "SaveImage.h"

#include "SnapshotStore.h"

#include <QFile>
#include <QSaveFile>
#include <QtEndian>

#include <cstring>

namespace vivarium::saveimage {

namespace {

quint32 u32At(const QByteArray& b, int offset) {
    return qFromLittleEndian<quint32>(b.constData() + offset);
}

void putU32(QByteArray& b, int offset, quint32 v) {
    qToLittleEndian<quint32>(v, b.data() + offset);
}

Error unusable(const QString& why) {
    return makeError("bad_save_image", "The saved memory cannot be given a new domain: " + why);
}

} // namespace

Result<Header> parseHeader(const QByteArray& bytes) {
    if (bytes.size() < kHeaderSize)
        return unusable("the file is shorter than a libvirt save header");
    if (std::memcmp(bytes.constData(), "LibvirtQemudPart", kMagicSize) == 0)
        return unusable("it is a partial save (libvirt did not finish writing it)");
    if (std::memcmp(bytes.constData(), kMagic, kMagicSize) != 0)
        return unusable("it is not a libvirt QEMU save file");
    Header h;
    h.version = u32At(bytes, kMagicSize);
    h.dataLen = u32At(bytes, kMagicSize + 4);
    h.wasRunning = u32At(bytes, kMagicSize + 8);
    h.compressed = u32At(bytes, kMagicSize + 12);
    h.cookieOffset = u32At(bytes, kMagicSize + 16);
    if (h.version != kVersion)
        return unusable(QString("its format version is %1; this build knows version %2")
                            .arg(h.version)
                            .arg(kVersion));
    if (h.dataLen == 0 || h.dataLen > kMaxDataLen)
        return unusable(QString("its XML area is %1 bytes").arg(h.dataLen));
    if (bytes.size() < kHeaderSize + qint64(h.dataLen))
        return unusable("the file ends inside its XML area");
    const char* data = bytes.constData() + kHeaderSize;
    const qsizetype xmlEnd = qsizetype(::strnlen(data, h.dataLen));
    if (xmlEnd == qsizetype(h.dataLen))
        return unusable("its domain XML is not terminated");
    h.xml = QByteArray(data, xmlEnd);
    if (h.cookieOffset != 0) {
        if (h.cookieOffset <= quint32(xmlEnd) || h.cookieOffset >= h.dataLen)
            return unusable("its cookie offset points outside its XML area");
        const char* cookie = data + h.cookieOffset;
        const qsizetype room = qsizetype(h.dataLen - h.cookieOffset);
        const qsizetype cookieLen = qsizetype(::strnlen(cookie, size_t(room)));
        if (cookieLen == room)
            return unusable("its cookie is not terminated");
        h.cookie = QByteArray(cookie, cookieLen);
    }
    return h;
}

Result<Header> readHeader(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError("io_error", "Cannot open the saved memory " + path, f.errorString());
    QByteArray head = f.read(kHeaderSize);
    if (head.size() == kHeaderSize && std::memcmp(head.constData(), kMagic, kMagicSize) == 0) {
        const quint32 dataLen = u32At(head, kMagicSize + 4);
        if (dataLen > 0 && dataLen <= kMaxDataLen)
            head += f.read(dataLen);
    }
    return parseHeader(head);
}

Result<QByteArray> buildHeader(const Header& h, const QByteArray& xml) {
    if (xml.contains('\0'))
        return unusable("the new domain XML contains a NUL byte");
    // XML + NUL, then the cookie + NUL, then zeros up to the same data_len.
    const qint64 need = xml.size() + 1 + (h.cookieOffset ? h.cookie.size() + 1 : 0);
    if (need > qint64(h.dataLen))
        return unusable(QString("the new domain XML needs %1 bytes and the file has room for %2")
                            .arg(need)
                            .arg(h.dataLen));
    QByteArray out(kHeaderSize + qsizetype(h.dataLen), '\0');
    std::memcpy(out.data(), kMagic, kMagicSize);
    putU32(out, kMagicSize, h.version);
    putU32(out, kMagicSize + 4, h.dataLen);
    putU32(out, kMagicSize + 8, h.wasRunning);
    putU32(out, kMagicSize + 12, h.compressed);
    const quint32 cookieOffset = h.cookieOffset ? quint32(xml.size() + 1) : 0;
    putU32(out, kMagicSize + 16, cookieOffset);
    std::memcpy(out.data() + kHeaderSize, xml.constData(), size_t(xml.size()));
    if (cookieOffset)
        std::memcpy(out.data() + kHeaderSize + cookieOffset, h.cookie.constData(),
                    size_t(h.cookie.size()));
    return out;
}

Status copyWithXml(const QString& from, const QString& to, const QByteArray& xml) {
    auto h = readHeader(from);
    if (!h)
        return h.error();
    auto header = buildHeader(h.value(), xml);
    if (!header)
        return header.error();
    QFile in(from);
    if (!in.open(QIODevice::ReadOnly) || !in.seek(h->streamOffset()))
        return makeError("io_error", "Cannot read the saved memory " + from, in.errorString());
    QSaveFile out(to);
    if (!out.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot create " + to, out.errorString());
    if (out.write(header.value()) != header->size()) {
        out.cancelWriting();
        return makeError("io_error", "Cannot write " + to + ". Free some disk space and try again.",
                         out.errorString());
    }
    if (auto s = copyData(in, out, "the saved memory at " + to); !s) {
        out.cancelWriting();
        return makeError("io_error", s.error().message + ". Free some disk space and try again.",
                         s.error().detail);
    }
    if (!out.commit())
        return makeError("io_error",
                         "Cannot finish " + to + ". Free some disk space and try again.",
                         out.errorString());
    return {};
}

} // namespace vivarium::saveimage
