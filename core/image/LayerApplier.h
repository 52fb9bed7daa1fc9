// Applies image layers (tar streams from untrusted registries) in order to a staging
// directory, the way a container runtime builds a root filesystem: later layers replace
// earlier entries, `.wh.NAME` deletes NAME from the layers below, `.wh..wh..opq` empties a
// directory of what the layers below put there.
//
// Layers are hostile input. Every path is cleaned first: an entry or hardlink target that
// climbs out with `..` is refused. Every lookup starts at the staging root and goes through
// openat2(RESOLVE_IN_ROOT), so a symlink in the image (even `/etc -> /`, or one planted by an
// earlier entry of the same layer) resolves inside the image and never to the host; the last
// component is never followed. Device nodes are never created on the host. Sizes are bounded
// (apparent bytes including sparse holes, entry count, decompression ratio), so a bomb fails
// with a clear error instead of filling the disk.
//
// Ownership, modes, xattrs and device numbers are not applied to the host files (an
// unprivileged service could not, and a root one must not make setuid files on the host):
// they are recorded per staging inode, and RootfsBuilder writes them into the ext4 image.
// Host files get the owner's read/write (and search, for directories) so the builder can read
// them. This class only writes below its root; it runs on a worker thread.
#pragma once

#include "Result.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QPair>
#include <QSet>
#include <QString>

#include <atomic>
#include <sys/types.h>

namespace vivarium {

class TarReader;
struct TarEntry;

struct LayerLimits {
    qint64 maxBytes = 32LL << 30;    // apparent size of every file of the image together
    qint64 maxEntries = 2'000'000;   // tar entries over all layers
    int maxRatio = 200;              // tar bytes per compressed byte, checked once past…
    qint64 ratioFloor = 256LL << 20; // …this many tar bytes
};

// What the image says about one inode, to be written into the ext4 image.
struct InodeRecord {
    enum class Kind { Regular, Directory, Symlink, CharDevice, BlockDevice, Fifo };
    Kind kind = Kind::Regular;
    quint32 mode = 0644; // permission bits with setuid/setgid/sticky
    quint32 uid = 0;
    quint32 gid = 0;
    quint32 devMajor = 0, devMinor = 0;
    QList<QPair<QByteArray, QByteArray>> xattrs;
    bool placeholder() const {
        return kind == Kind::CharDevice || kind == Kind::BlockDevice || kind == Kind::Fifo;
    }
};

class LayerApplier {
public:
    struct InodeKey {
        dev_t dev = 0;
        ino_t ino = 0;
        bool operator==(const InodeKey& o) const { return dev == o.dev && ino == o.ino; }
    };

    LayerApplier(QString root, LayerLimits limits = {});
    ~LayerApplier();
    LayerApplier(const LayerApplier&) = delete;
    LayerApplier& operator=(const LayerApplier&) = delete;

    // Creates the (empty, new) root directory.
    Status open();
    // Applies one layer. `label` names it in errors ("layer 2 (sha256:ab12…)").
    Status apply(const QString& layerPath, const QString& label,
                 const std::atomic_bool* cancel = nullptr);

    // Makes sure the directory `path` (taken inside the image, like a layer path) exists,
    // creating what is missing as root:root 0755 (as Docker creates a missing WorkingDir).
    Status ensureDirectory(const QByteArray& path);

    QString root() const { return m_root; }
    int rootFd() const { return m_rootFd; }
    const InodeRecord* record(dev_t dev, ino_t ino) const;
    void setRecord(dev_t dev, ino_t ino, const InodeRecord& r);
    qint64 bytes() const { return m_bytes; }
    qint64 entries() const { return m_entries; }

    // Deletes a staging tree without following any symlink in it.
    static Status removePath(const QString& path);
    static Status removeTree(int dirFd, const QByteArray& name);

private:
    Status applyEntry(TarReader& reader, const TarEntry& entry, const QString& label);
    Result<int> resolveDir(const QList<QByteArray>& components, bool create);
    Status whiteout(const QList<QByteArray>& parent, const QByteArray& leaf);
    Status record(int dirFd, const QByteArray& name, const InodeRecord& r, bool thisLayer);
    Status checkRatio(const TarReader& reader) const;

    QString m_root;
    LayerLimits m_limits;
    int m_rootFd = -1;
    QHash<InodeKey, InodeRecord> m_records;
    QSet<InodeKey> m_thisLayer; // inodes the current layer created (its whiteouts spare them)
    qint64 m_bytes = 0;
    qint64 m_entries = 0;
    QString m_label;
};

size_t qHash(const LayerApplier::InodeKey& k, size_t seed = 0) noexcept;

// Cleans a layer path: "./a//b/" → {"a","b"}; "a/../b" → {"b"}. Climbing above the root
// ("../x", "a/../../x") is an error; an absolute path is taken relative to the image root,
// as container runtimes do. Names with a newline are refused (the ext4 writer cannot name
// them).
Result<QList<QByteArray>> cleanLayerPath(const QByteArray& path);

} // namespace vivarium
