// Crafting image layers in tests: tar entries (ordinary and hostile) written with the
// project's own libarchive wrapper, and reading back what ended up in an ext4 image through
// `debugfs` (which reads the image file without mounting it).
#pragma once

#include "TarArchive.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>

namespace testlayers {

using vivarium::TarEntry;
using vivarium::TarWriter;

inline TarEntry file(const QByteArray& path, qint64 size, quint32 mode = 0644, qint64 uid = 0,
                     qint64 gid = 0) {
    TarEntry e;
    e.path = path;
    e.type = TarEntry::Type::File;
    e.mode = mode;
    e.uid = uid;
    e.gid = gid;
    e.size = size;
    e.mtime = 1700000000;
    return e;
}
inline TarEntry dir(const QByteArray& path, quint32 mode = 0755, qint64 uid = 0, qint64 gid = 0) {
    TarEntry e = file(path, 0, mode, uid, gid);
    e.type = TarEntry::Type::Directory;
    return e;
}
inline TarEntry sym(const QByteArray& path, const QByteArray& target) {
    TarEntry e = file(path, 0, 0777);
    e.type = TarEntry::Type::Symlink;
    e.linkTarget = target;
    return e;
}
inline TarEntry hardlink(const QByteArray& path, const QByteArray& target) {
    TarEntry e = file(path, 0, 0644);
    e.type = TarEntry::Type::Hardlink;
    e.linkTarget = target;
    return e;
}
inline TarEntry device(const QByteArray& path, bool block, quint32 major, quint32 minor,
                       quint32 mode = 0666) {
    TarEntry e = file(path, 0, mode);
    e.type = block ? TarEntry::Type::BlockDevice : TarEntry::Type::CharDevice;
    e.devMajor = major;
    e.devMinor = minor;
    return e;
}

struct Item {
    TarEntry entry;
    QByteArray data;
};

// Writes the items as one layer; returns an empty string on failure.
inline QString writeLayer(const QString& path, const QList<Item>& items,
                          TarWriter::Compression c = TarWriter::Compression::Gzip) {
    auto w = TarWriter::create(path, c);
    if (!w)
        return {};
    for (Item it : items) {
        if (it.entry.type == TarEntry::Type::File && it.entry.sparse.isEmpty())
            it.entry.size = it.data.size();
        if (!(*w)->add(it.entry, it.data))
            return {};
    }
    if (!(*w)->close())
        return {};
    return path;
}

inline Item f(const QByteArray& path, const QByteArray& data, quint32 mode = 0644, qint64 uid = 0,
              qint64 gid = 0) {
    return {file(path, data.size(), mode, uid, gid), data};
}

inline QByteArray debugfs(const QString& image, const QByteArray& request) {
    QProcess p;
    p.start("debugfs", {"-R", QString::fromUtf8(request), image});
    p.waitForFinished(60000);
    return p.readAllStandardOutput() + p.readAllStandardError();
}

struct Stat {
    bool exists = false;
    QString type;
    quint32 mode = 0;
    quint32 uid = 0, gid = 0;
    QString device; // "01:03"
    qint64 size = -1;
    int links = 0;
};

inline Stat statIn(const QString& image, const QByteArray& path) {
    const QByteArray out = debugfs(image, "stat \"" + path + "\"");
    Stat s;
    const QString text = QString::fromUtf8(out);
    const auto type =
        QRegularExpression("Type: (\\S[^ ]*(?: special)?)\\s+Mode:\\s+(\\d+)").match(text);
    if (!type.hasMatch())
        return s;
    s.exists = true;
    s.type = type.captured(1);
    s.mode = type.captured(2).toUInt(nullptr, 8);
    const auto user = QRegularExpression("User:\\s+(\\d+)\\s+Group:\\s+(\\d+)").match(text);
    s.uid = user.captured(1).toUInt();
    s.gid = user.captured(2).toUInt();
    const auto size = QRegularExpression("Size: (\\d+)").match(text);
    s.size = size.hasMatch() ? size.captured(1).toLongLong() : -1;
    const auto dev = QRegularExpression("Device major/minor number: (\\S+)").match(text);
    s.device = dev.captured(1);
    const auto links = QRegularExpression("Links: (\\d+)").match(text);
    s.links = links.captured(1).toInt();
    return s;
}

inline QByteArray catIn(const QString& image, const QByteArray& path) {
    QProcess p;
    p.start("debugfs", {"-R", "cat \"" + QString::fromUtf8(path) + "\"", image});
    p.waitForFinished(60000);
    return p.readAllStandardOutput();
}

inline quint64 inodeOf(const QString& image, const QByteArray& path) {
    const QByteArray out = debugfs(image, "stat \"" + path + "\"");
    const auto m = QRegularExpression("Inode: (\\d+)").match(QString::fromUtf8(out));
    return m.captured(1).toULongLong();
}

} // namespace testlayers
