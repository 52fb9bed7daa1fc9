#include "TarArchive.h"

#include <QFile>

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <vector>

namespace vivarium {

namespace {

QString archiveError(archive* a) {
    const char* e = archive_error_string(a);
    return e ? QString::fromUtf8(e) : QStringLiteral("unknown libarchive error");
}

struct ArchiveReadDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

TarEntry::Type typeOf(archive_entry* e) {
    if (archive_entry_hardlink(e))
        return TarEntry::Type::Hardlink;
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        return TarEntry::Type::File;
    case AE_IFDIR:
        return TarEntry::Type::Directory;
    case AE_IFLNK:
        return TarEntry::Type::Symlink;
    case AE_IFCHR:
        return TarEntry::Type::CharDevice;
    case AE_IFBLK:
        return TarEntry::Type::BlockDevice;
    case AE_IFIFO:
        return TarEntry::Type::Fifo;
    default:
        return TarEntry::Type::Other;
    }
}

unsigned fileTypeBits(TarEntry::Type t) {
    switch (t) {
    case TarEntry::Type::Directory:
        return AE_IFDIR;
    case TarEntry::Type::Symlink:
        return AE_IFLNK;
    case TarEntry::Type::CharDevice:
        return AE_IFCHR;
    case TarEntry::Type::BlockDevice:
        return AE_IFBLK;
    case TarEntry::Type::Fifo:
        return AE_IFIFO;
    default:
        return AE_IFREG;
    }
}

} // namespace

// --- reading ---------------------------------------------------------------------------------

struct TarReader::Impl {
    std::unique_ptr<archive, ArchiveReadDeleter> a;
    QString path;
};

TarReader::~TarReader() = default;

Result<std::unique_ptr<TarReader>> TarReader::open(const QString& path) {
    std::unique_ptr<TarReader> r(new TarReader);
    r->d = std::make_unique<Impl>();
    r->d->path = path;
    r->d->a.reset(archive_read_new());
    archive* a = r->d->a.get();
    if (!a)
        return makeError("io_error", "Out of memory opening " + path);
    // Only what OCI layers use. archive_read_support_filter_all would add lrzip, lzop and
    // others, some through external programs: more parser surface for no gain.
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_xz(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, QFile::encodeName(path).constData(), 256 * 1024) !=
        ARCHIVE_OK)
        return makeError("bad_layer", "Cannot read the layer " + path, archiveError(a));
    return r;
}

Result<bool> TarReader::next(TarEntry& out) {
    archive* a = d->a.get();
    archive_entry* e = nullptr;
    const int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF)
        return false;
    if (rc < ARCHIVE_WARN) // WARN (e.g. an unknown pax keyword) still yields a usable entry
        return makeError("bad_layer", "The layer is not a readable tar archive", archiveError(a));
    out = TarEntry{};
    if (const char* p = archive_entry_pathname(e))
        out.path = QByteArray(p);
    out.type = typeOf(e);
    out.mode = quint32(archive_entry_perm(e)) & 07777;
    out.uid = archive_entry_uid(e);
    out.gid = archive_entry_gid(e);
    out.size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
    out.mtime = archive_entry_mtime(e);
    out.mtimeNsec = archive_entry_mtime_nsec(e);
    if (out.type == TarEntry::Type::Hardlink)
        out.linkTarget = QByteArray(archive_entry_hardlink(e));
    else if (out.type == TarEntry::Type::Symlink && archive_entry_symlink(e))
        out.linkTarget = QByteArray(archive_entry_symlink(e));
    out.devMajor = quint32(archive_entry_rdevmajor(e));
    out.devMinor = quint32(archive_entry_rdevminor(e));
    if (archive_entry_xattr_reset(e) > 0) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK && name)
            out.xattrs.append(
                {QByteArray(name), QByteArray(static_cast<const char*>(value), qsizetype(size))});
    }
    if (archive_entry_sparse_reset(e) > 0) {
        la_int64_t offset = 0, length = 0;
        while (archive_entry_sparse_next(e, &offset, &length) == ARCHIVE_OK)
            out.sparse.append({offset, length});
    }
    return true;
}

Status TarReader::readData(const Sink& sink) {
    archive* a = d->a.get();
    for (;;) {
        const void* buf = nullptr;
        size_t size = 0;
        la_int64_t offset = 0;
        const int rc = archive_read_data_block(a, &buf, &size, &offset);
        if (rc == ARCHIVE_EOF)
            return {};
        if (rc < ARCHIVE_WARN)
            return makeError("bad_layer", "The layer's data is damaged or truncated",
                             archiveError(a));
        if (size == 0)
            continue;
        if (auto s = sink(offset, static_cast<const char*>(buf), size); !s)
            return s;
    }
}

qint64 TarReader::compressedBytes() const {
    return archive_filter_bytes(d->a.get(), -1);
}
qint64 TarReader::uncompressedBytes() const {
    return archive_filter_bytes(d->a.get(), 0);
}

// --- writing ---------------------------------------------------------------------------------

struct TarWriter::Impl {
    std::unique_ptr<archive, ArchiveWriteDeleter> a;
    bool closed = false;
};

TarWriter::~TarWriter() {
    if (d && d->a && !d->closed)
        archive_write_close(d->a.get());
}

Result<std::unique_ptr<TarWriter>> TarWriter::create(const QString& path, Compression c) {
    std::unique_ptr<TarWriter> w(new TarWriter);
    w->d = std::make_unique<Impl>();
    w->d->a.reset(archive_write_new());
    archive* a = w->d->a.get();
    archive_write_set_format_pax(a);
    if (c == Compression::Gzip)
        archive_write_add_filter_gzip(a);
    if (archive_write_open_filename(a, QFile::encodeName(path).constData()) != ARCHIVE_OK)
        return makeError("io_error", "Cannot write " + path, archiveError(a));
    return w;
}

namespace {
std::unique_ptr<archive_entry, EntryDeleter> toArchiveEntry(const TarEntry& t) {
    std::unique_ptr<archive_entry, EntryDeleter> e(archive_entry_new());
    archive_entry_copy_pathname(e.get(), t.path.constData());
    archive_entry_set_mode(e.get(), fileTypeBits(t.type) | (t.mode & 07777));
    archive_entry_set_uid(e.get(), t.uid);
    archive_entry_set_gid(e.get(), t.gid);
    archive_entry_set_mtime(e.get(), t.mtime, t.mtimeNsec);
    if (t.type == TarEntry::Type::File || t.type == TarEntry::Type::Hardlink)
        archive_entry_set_size(e.get(), t.size);
    if (t.type == TarEntry::Type::Symlink)
        archive_entry_copy_symlink(e.get(), t.linkTarget.constData());
    if (t.type == TarEntry::Type::Hardlink)
        archive_entry_copy_hardlink(e.get(), t.linkTarget.constData());
    if (t.type == TarEntry::Type::CharDevice || t.type == TarEntry::Type::BlockDevice) {
        archive_entry_set_rdevmajor(e.get(), t.devMajor);
        archive_entry_set_rdevminor(e.get(), t.devMinor);
    }
    for (const auto& [name, value] : t.xattrs)
        archive_entry_xattr_add_entry(e.get(), name.constData(), value.constData(),
                                      size_t(value.size()));
    for (const auto& [offset, length] : t.sparse)
        archive_entry_sparse_add_entry(e.get(), offset, length);
    return e;
}
} // namespace

Status TarWriter::add(const TarEntry& t, const QByteArray& data) {
    if (t.sparse.isEmpty())
        return addStreamed(t, [&data, pos = qsizetype(0)](char* buf, size_t n) mutable {
            std::memcpy(buf, data.constData() + pos, n);
            pos += qsizetype(n);
        });
    // libarchive's pax writer takes a sparse file's logical content and drops the holes
    // itself; the holes are never read, so one zero buffer stands in for all of them.
    archive* a = d->a.get();
    auto e = toArchiveEntry(t);
    if (archive_write_header(a, e.get()) != ARCHIVE_OK)
        return makeError("io_error", "Cannot add " + QString::fromUtf8(t.path), archiveError(a));
    static const std::vector<char> zeros(1 << 20, 0);
    qint64 pos = 0, used = 0;
    for (const auto& [offset, length] : t.sparse) {
        while (pos < offset) {
            const size_t n = size_t(std::min<qint64>(offset - pos, qint64(zeros.size())));
            archive_write_data(a, zeros.data(), n);
            pos += qint64(n);
        }
        archive_write_data(a, data.constData() + used, size_t(length));
        used += length;
        pos += length;
    }
    while (pos < t.size) {
        const size_t n = size_t(std::min<qint64>(t.size - pos, qint64(zeros.size())));
        archive_write_data(a, zeros.data(), n);
        pos += qint64(n);
    }
    if (archive_write_finish_entry(a) != ARCHIVE_OK)
        return makeError("io_error", "Cannot add " + QString::fromUtf8(t.path), archiveError(a));
    return {};
}

Status TarWriter::addStreamed(const TarEntry& t, const std::function<void(char*, size_t)>& fill) {
    archive* a = d->a.get();
    auto e = toArchiveEntry(t);
    if (archive_write_header(a, e.get()) != ARCHIVE_OK)
        return makeError("io_error", "Cannot add " + QString::fromUtf8(t.path), archiveError(a));
    if (t.type == TarEntry::Type::File) {
        std::vector<char> buf(1 << 20);
        qint64 left = t.size;
        while (left > 0) {
            const size_t n = size_t(std::min<qint64>(left, qint64(buf.size())));
            fill(buf.data(), n);
            if (archive_write_data(a, buf.data(), n) < 0)
                return makeError("io_error", "Cannot write " + QString::fromUtf8(t.path),
                                 archiveError(a));
            left -= qint64(n);
        }
    }
    if (archive_write_finish_entry(a) != ARCHIVE_OK)
        return makeError("io_error", "Cannot add " + QString::fromUtf8(t.path), archiveError(a));
    return {};
}

Status TarWriter::close() {
    d->closed = true;
    if (archive_write_close(d->a.get()) != ARCHIVE_OK)
        return makeError("io_error", "Cannot finish the archive", archiveError(d->a.get()));
    return {};
}

} // namespace vivarium
