#include "LayerApplier.h"

#include "TarArchive.h"

#include <QFile>

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vivarium {

size_t qHash(const LayerApplier::InodeKey& k, size_t seed) noexcept {
    return ::qHash(quint64(k.ino), seed) ^ ::qHash(quint64(k.dev), seed);
}

namespace {

constexpr int kMaxPathBytes = 4096;
constexpr int kMaxNameBytes = 255;

class Fd {
public:
    explicit Fd(int fd = -1) : m_fd(fd) {}
    ~Fd() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Fd(Fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            if (m_fd >= 0)
                ::close(m_fd);
            m_fd = std::exchange(o.m_fd, -1);
        }
        return *this;
    }
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }
    explicit operator bool() const { return m_fd >= 0; }

private:
    int m_fd;
};

QString errnoText() {
    return QString::fromLocal8Bit(std::strerror(errno));
}

QString show(const QByteArray& path) {
    QString s = QString::fromUtf8(path.left(300));
    if (path.size() > 300)
        s += "…";
    return s;
}

// openat2 below `root`: every symlink and ".." stays inside it.
int openInRoot(int root, const QByteArray& path, int flags) {
    open_how how{};
    how.flags = quint64(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    const QByteArray p = path.isEmpty() ? QByteArray(".") : path;
    int fd;
    do
        fd = int(::syscall(SYS_openat2, root, p.constData(), &how, sizeof how));
    while (fd < 0 && errno == EAGAIN);
    return fd;
}

QByteArray joined(const QList<QByteArray>& components) {
    QByteArray out;
    for (const QByteArray& c : components) {
        if (!out.isEmpty())
            out += '/';
        out += c;
    }
    return out;
}

quint32 hostMode(const InodeRecord& r) {
    // The owner must be able to read (and search) everything for mke2fs -d; setuid, setgid
    // and sticky bits never exist on the host copy.
    const quint32 perm = r.mode & 0777;
    return r.kind == InodeRecord::Kind::Directory ? (perm | 0700) : (perm | 0600);
}

InodeRecord recordOf(const TarEntry& e) {
    InodeRecord r;
    switch (e.type) {
    case TarEntry::Type::Directory:
        r.kind = InodeRecord::Kind::Directory;
        break;
    case TarEntry::Type::Symlink:
        r.kind = InodeRecord::Kind::Symlink;
        break;
    case TarEntry::Type::CharDevice:
        r.kind = InodeRecord::Kind::CharDevice;
        break;
    case TarEntry::Type::BlockDevice:
        r.kind = InodeRecord::Kind::BlockDevice;
        break;
    case TarEntry::Type::Fifo:
        r.kind = InodeRecord::Kind::Fifo;
        break;
    default:
        r.kind = InodeRecord::Kind::Regular;
    }
    r.mode = e.type == TarEntry::Type::Symlink ? 0777 : (e.mode & 07777);
    r.uid = quint32(std::clamp<qint64>(e.uid, 0, 0xfffffffe));
    r.gid = quint32(std::clamp<qint64>(e.gid, 0, 0xfffffffe));
    r.devMajor = e.devMajor;
    r.devMinor = e.devMinor;
    r.xattrs = e.xattrs;
    return r;
}

} // namespace

Result<QList<QByteArray>> cleanLayerPath(const QByteArray& path) {
    if (path.size() > kMaxPathBytes)
        return makeError(
            "bad_layer",
            QString("the path '%1' is longer than %2 bytes").arg(show(path)).arg(kMaxPathBytes));
    if (path.contains('\n') || path.contains('\0'))
        return makeError("bad_layer",
                         QString("the path '%1' contains a newline, which is not supported")
                             .arg(show(path).replace('\n', "\\n")));
    QList<QByteArray> out;
    for (const QByteArray& c : path.split('/')) {
        if (c.isEmpty() || c == ".")
            continue;
        if (c == "..") {
            if (out.isEmpty())
                return makeError(
                    "bad_layer",
                    QString("the path '%1' climbs out of the image root").arg(show(path)));
            out.removeLast();
            continue;
        }
        if (c.size() > kMaxNameBytes)
            return makeError("bad_layer", QString("a name in '%1' is longer than %2 bytes")
                                              .arg(show(path))
                                              .arg(kMaxNameBytes));
        out << c;
    }
    return out;
}

LayerApplier::LayerApplier(QString root, LayerLimits limits)
    : m_root(std::move(root)), m_limits(limits) {}

LayerApplier::~LayerApplier() {
    if (m_rootFd >= 0)
        ::close(m_rootFd);
}

const InodeRecord* LayerApplier::record(dev_t dev, ino_t ino) const {
    auto it = m_records.constFind(InodeKey{dev, ino});
    return it == m_records.cend() ? nullptr : &it.value();
}

void LayerApplier::setRecord(dev_t dev, ino_t ino, const InodeRecord& r) {
    m_records.insert(InodeKey{dev, ino}, r);
}

Status LayerApplier::open() {
    const QByteArray root = QFile::encodeName(m_root);
    if (::mkdir(root.constData(), 0700) != 0)
        return makeError("io_error", "Cannot create the staging directory " + m_root, errnoText());
    m_rootFd = ::open(root.constData(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (m_rootFd < 0)
        return makeError("io_error", "Cannot open " + m_root, errnoText());
    // Probe once: a kernel without openat2 (before 5.6) cannot extract safely.
    Fd probe(openInRoot(m_rootFd, ".", O_PATH | O_DIRECTORY));
    if (!probe)
        return makeError("unsupported_host",
                         "This kernel cannot resolve paths safely inside an image (openat2 with "
                         "RESOLVE_IN_ROOT needs Linux 5.6 or later).",
                         errnoText());
    InodeRecord r;
    r.kind = InodeRecord::Kind::Directory;
    r.mode = 0755;
    struct stat st {};
    ::fstat(m_rootFd, &st);
    m_records.insert(InodeKey{st.st_dev, st.st_ino}, r);
    return {};
}

Status LayerApplier::checkRatio(const TarReader& reader) const {
    const qint64 out = reader.uncompressedBytes();
    const qint64 in = std::max<qint64>(1, reader.compressedBytes());
    if (out > m_limits.ratioFloor && out / in > m_limits.maxRatio)
        return makeError("bad_layer",
                         QString("it expands more than %1-fold (%2 MiB from %3 KiB): that is a "
                                 "decompression bomb, not an image layer")
                             .arg(m_limits.maxRatio)
                             .arg(out >> 20)
                             .arg(in >> 10));
    return {};
}

Status LayerApplier::apply(const QString& layerPath, const QString& label,
                           const std::atomic_bool* cancel) {
    m_label = label;
    m_thisLayer.clear();
    auto reader = TarReader::open(layerPath);
    if (!reader)
        return reader.error().wrap(label);
    for (;;) {
        if (cancel && cancel->load())
            return makeError("cancelled", "The image build was cancelled.");
        TarEntry entry;
        auto more = (*reader)->next(entry);
        if (!more)
            return more.error().wrap(label);
        if (!more.value())
            break;
        if (++m_entries > m_limits.maxEntries)
            return makeError("image_too_large", QString("%1: the image has more than %2 entries.")
                                                    .arg(label)
                                                    .arg(m_limits.maxEntries));
        if (auto s = checkRatio(**reader); !s)
            return s.error().wrap(label);
        if (auto s = applyEntry(**reader, entry, label); !s)
            return s;
    }
    if (auto s = checkRatio(**reader); !s)
        return s.error().wrap(label);
    return {};
}

Result<int> LayerApplier::resolveDir(const QList<QByteArray>& components, bool create) {
    int fd = openInRoot(m_rootFd, joined(components), O_PATH | O_DIRECTORY);
    if (fd >= 0 || errno != ENOENT || !create) {
        if (fd < 0)
            return makeError(
                errno == ENOENT || errno == ENOTDIR ? "not_found" : "bad_layer",
                QString("cannot open the directory '%1'").arg(show(joined(components))),
                errnoText());
        return fd;
    }
    // Create what is missing, one component at a time, each lookup from the root again.
    Fd parent(openInRoot(m_rootFd, ".", O_PATH | O_DIRECTORY));
    for (int i = 0; i < components.size(); ++i) {
        const QList<QByteArray> prefix = components.mid(0, i + 1);
        Fd next(openInRoot(m_rootFd, joined(prefix), O_PATH | O_DIRECTORY));
        if (!next && errno == ENOENT) {
            if (::mkdirat(parent.get(), components[i].constData(), 0700) != 0)
                return makeError("bad_layer",
                                 QString("cannot create the directory '%1' (a dangling symlink "
                                         "or a file is in the way)")
                                     .arg(show(joined(prefix))),
                                 errnoText());
            InodeRecord r;
            r.kind = InodeRecord::Kind::Directory;
            r.mode = 0755;
            if (auto s = record(parent.get(), components[i], r, true); !s)
                return s.error();
            next = Fd(openInRoot(m_rootFd, joined(prefix), O_PATH | O_DIRECTORY));
        }
        if (!next)
            return makeError("bad_layer",
                             QString("'%1' is not a directory").arg(show(joined(prefix))),
                             errnoText());
        parent = std::move(next);
    }
    return parent.release();
}

Status LayerApplier::ensureDirectory(const QByteArray& path) {
    auto components = cleanLayerPath(path);
    if (!components)
        return components.error();
    if (components->isEmpty())
        return {}; // the root
    auto fd = resolveDir(components.value(), true);
    if (!fd)
        return fd.error();
    ::close(fd.value());
    return {};
}

Status LayerApplier::record(int dirFd, const QByteArray& name, const InodeRecord& r,
                            bool thisLayer) {
    struct stat st {};
    if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return makeError("io_error", "Cannot stat " + show(name) + " in the staging tree",
                         errnoText());
    const InodeKey key{st.st_dev, st.st_ino};
    m_records.insert(key, r);
    if (thisLayer)
        m_thisLayer.insert(key);
    return {};
}

Status LayerApplier::removeTree(int dirFd, const QByteArray& name) {
    struct stat st {};
    if (::fstatat(dirFd, name.constData(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? Status{}
                               : makeError("io_error", "Cannot stat " + show(name), errnoText());
    if (!S_ISDIR(st.st_mode)) {
        if (::unlinkat(dirFd, name.constData(), 0) != 0)
            return makeError("io_error", "Cannot remove " + show(name), errnoText());
        return {};
    }
    Fd dir(::openat(dirFd, name.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir)
        return makeError("io_error", "Cannot open " + show(name), errnoText());
    QList<QByteArray> children;
    {
        DIR* d = ::fdopendir(::dup(dir.get()));
        if (!d)
            return makeError("io_error", "Cannot list " + show(name), errnoText());
        while (dirent* e = ::readdir(d)) {
            const QByteArray child(e->d_name);
            if (child != "." && child != "..")
                children << child;
        }
        ::closedir(d);
    }
    for (const QByteArray& c : std::as_const(children))
        if (auto s = removeTree(dir.get(), c); !s)
            return s;
    if (::unlinkat(dirFd, name.constData(), AT_REMOVEDIR) != 0)
        return makeError("io_error", "Cannot remove " + show(name), errnoText());
    return {};
}

Status LayerApplier::removePath(const QString& path) {
    const QByteArray p = QFile::encodeName(path);
    const int slash = int(p.lastIndexOf('/'));
    if (slash < 0 || slash == p.size() - 1)
        return makeError("io_error", "Refusing to remove " + path);
    Fd parent(
        ::open(slash == 0 ? "/" : p.left(slash).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent)
        return errno == ENOENT
                   ? Status{}
                   : makeError("io_error", "Cannot open the parent of " + path, errnoText());
    return removeTree(parent.get(), p.mid(slash + 1));
}

Status LayerApplier::whiteout(const QList<QByteArray>& parent, const QByteArray& leaf) {
    auto dir = resolveDir(parent, false);
    if (!dir) // nothing there to white out
        return dir.error().code == "not_found" ? Status{} : Status(dir.error());
    Fd dirFd(dir.value());
    // resolveDir gives an O_PATH descriptor; listing and unlinking need a real one.
    Fd real(::openat(dirFd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!real)
        return makeError("io_error", "Cannot open " + show(joined(parent)), errnoText());
    auto spared = [&](const QByteArray& name) {
        struct stat st {};
        return ::fstatat(real.get(), name.constData(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
               m_thisLayer.contains(InodeKey{st.st_dev, st.st_ino});
    };
    if (leaf == ".wh..wh..opq") {
        QList<QByteArray> children;
        DIR* d = ::fdopendir(::dup(real.get()));
        if (!d)
            return makeError("io_error", "Cannot list " + show(joined(parent)), errnoText());
        while (dirent* e = ::readdir(d)) {
            const QByteArray child(e->d_name);
            if (child != "." && child != "..")
                children << child;
        }
        ::closedir(d);
        for (const QByteArray& c : std::as_const(children))
            if (!spared(c))
                if (auto s = removeTree(real.get(), c); !s)
                    return s;
        return {};
    }
    const QByteArray name = leaf.mid(4);
    if (name.isEmpty() || name == "." || name == "..")
        return makeError("bad_layer", "a whiteout names no file: '" + show(leaf) + "'");
    if (spared(name))
        return {};
    return removeTree(real.get(), name);
}

Status LayerApplier::applyEntry(TarReader& reader, const TarEntry& e, const QString& label) {
    auto fail = [&](const QString& why, const QString& detail = {}) {
        return makeError("bad_layer", QString("%1: entry '%2': %3").arg(label, show(e.path), why),
                         detail);
    };
    auto clean = cleanLayerPath(e.path);
    if (!clean)
        return makeError("bad_layer", label + ": " + clean.error().message);
    QList<QByteArray> parts = clean.value();
    if (parts.isEmpty()) { // the root itself: only its metadata counts
        if (e.type == TarEntry::Type::Directory) {
            InodeRecord r = recordOf(e);
            if (auto s = record(m_rootFd, ".", r, false); !s)
                return s;
            ::fchmodat(m_rootFd, ".", hostMode(r), 0);
        }
        return {};
    }
    const QByteArray leaf = parts.takeLast();
    // aufs bookkeeping (.wh..wh.plnk/… and the like) is not part of the image.
    for (const QByteArray& p : std::as_const(parts))
        if (p.startsWith(".wh..wh."))
            return {};
    if (leaf.startsWith(".wh.")) {
        if (leaf.startsWith(".wh..wh.") && leaf != ".wh..wh..opq")
            return {};
        if (auto s = whiteout(parts, leaf); !s)
            return fail("cannot apply the whiteout", s.error().text());
        return {};
    }
    if (e.type == TarEntry::Type::Other)
        return {}; // sockets and unknown types: a runtime skips them too

    auto dirResult = resolveDir(parts, true);
    if (!dirResult)
        return fail(dirResult.error().message, dirResult.error().detail);
    Fd pathDir(dirResult.value());
    Fd dir(::openat(pathDir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir)
        return fail("cannot open its directory", errnoText());
    const char* name = leaf.constData();
    InodeRecord r = recordOf(e);

    struct stat existing {};
    const bool exists = ::fstatat(dir.get(), name, &existing, AT_SYMLINK_NOFOLLOW) == 0;
    if (e.type == TarEntry::Type::Directory && exists && S_ISDIR(existing.st_mode)) {
        // A directory over a directory merges: only its metadata changes.
        ::fchmodat(dir.get(), name, hostMode(r), 0);
        return record(dir.get(), leaf, r, true);
    }

    if (e.type == TarEntry::Type::Hardlink) {
        auto target = cleanLayerPath(e.linkTarget);
        if (!target)
            return fail("its hardlink target " + target.error().message);
        QList<QByteArray> tparts = target.value();
        if (tparts.isEmpty())
            return fail("it is a hardlink to the image root");
        const QByteArray tleaf = tparts.takeLast();
        auto tdirResult = resolveDir(tparts, false);
        if (!tdirResult)
            return fail("its hardlink target '" + show(e.linkTarget) +
                        "' does not exist in the image");
        Fd tdir(tdirResult.value());
        struct stat tst {};
        if (::fstatat(tdir.get(), tleaf.constData(), &tst, AT_SYMLINK_NOFOLLOW) != 0)
            return fail("its hardlink target '" + show(e.linkTarget) +
                        "' does not exist in the image");
        if (S_ISDIR(tst.st_mode))
            return fail("it is a hardlink to a directory");
        if (exists && tst.st_dev == existing.st_dev && tst.st_ino == existing.st_ino)
            return {}; // already that file
        if (exists)
            if (auto s = removeTree(dir.get(), leaf); !s)
                return s;
        if (::linkat(tdir.get(), tleaf.constData(), dir.get(), name, 0) != 0)
            return fail("cannot create the hardlink", errnoText());
        // A hardlink shares its target's inode: keep its kind, take the header's owner/mode.
        if (const InodeRecord* old = record(tst.st_dev, tst.st_ino)) {
            InodeRecord merged = *old;
            if (merged.kind != InodeRecord::Kind::Symlink) {
                merged.uid = r.uid;
                merged.gid = r.gid;
                merged.mode = r.mode;
            }
            if (!e.xattrs.isEmpty())
                merged.xattrs = e.xattrs;
            r = merged;
        }
        return record(dir.get(), leaf, r, true);
    }

    if (exists)
        if (auto s = removeTree(dir.get(), leaf); !s)
            return s;

    const timespec times[2] = {{e.mtime, e.mtimeNsec}, {e.mtime, e.mtimeNsec}};
    switch (e.type) {
    case TarEntry::Type::Directory:
        if (::mkdirat(dir.get(), name, hostMode(r)) != 0)
            return fail("cannot create the directory", errnoText());
        ::fchmodat(dir.get(), name, hostMode(r), 0); // past the umask
        break;
    case TarEntry::Type::Symlink:
        if (e.linkTarget.isEmpty() || e.linkTarget.size() >= kMaxPathBytes ||
            e.linkTarget.contains('\0'))
            return fail("its symlink target is empty or too long");
        if (::symlinkat(e.linkTarget.constData(), dir.get(), name) != 0)
            return fail("cannot create the symlink", errnoText());
        ::utimensat(dir.get(), name, times, AT_SYMLINK_NOFOLLOW);
        break;
    case TarEntry::Type::CharDevice:
    case TarEntry::Type::BlockDevice:
    case TarEntry::Type::Fifo: {
        // Never a device node on the host: an empty placeholder that the ext4 writer
        // replaces with the real node inside the image.
        Fd f(::openat(dir.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!f)
            return fail("cannot create its placeholder", errnoText());
        break;
    }
    default: {
        if (e.size < 0 || e.size > m_limits.maxBytes - m_bytes)
            return makeError("image_too_large",
                             QString("%1: entry '%2' is %3 MiB, and the image may not exceed %4 "
                                     "MiB of files (sparse files count at full size).")
                                 .arg(label, show(e.path))
                                 .arg(e.size >> 20)
                                 .arg(m_limits.maxBytes >> 20));
        m_bytes += e.size;
        Fd f(::openat(dir.get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!f)
            return fail("cannot create the file", errnoText());
        const qint64 size = e.size;
        Status data = reader.readData([&](qint64 offset, const char* p, size_t n) -> Status {
            if (offset < 0 || offset + qint64(n) > size)
                return makeError("bad_layer", "the entry's data runs past its declared size");
            while (n > 0) {
                const ssize_t w = ::pwrite(f.get(), p, n, offset);
                if (w < 0) {
                    if (errno == EINTR)
                        continue;
                    return makeError("io_error", "Cannot write the staging tree", errnoText());
                }
                p += w;
                n -= size_t(w);
                offset += w;
            }
            return checkRatio(reader);
        });
        if (!data)
            return fail(data.error().message, data.error().detail);
        if (::ftruncate(f.get(), size) != 0) // trailing holes of a sparse file
            return fail("cannot size the file", errnoText());
        ::fchmod(f.get(), hostMode(r));
        ::futimens(f.get(), times);
        break;
    }
    }
    return record(dir.get(), leaf, r, true);
}

} // namespace vivarium
