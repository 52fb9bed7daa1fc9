// The one wrapper around libarchive (nothing else includes archive.h): reads tar streams,
// plain or gzip/zstd-compressed, as a sequence of entries with their data in blocks (holes
// of sparse files skipped), and writes them (tests craft layers with it). Only the tar
// formats and the compressions OCI layers use are enabled, to keep the parser surface small.
// It never touches the file system beyond the archive file itself: deciding where an entry
// goes, and whether it may, is LayerApplier's job.
#pragma once

#include "Result.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <functional>
#include <memory>

namespace vivarium {

struct TarEntry {
    enum class Type { File, Directory, Symlink, Hardlink, CharDevice, BlockDevice, Fifo, Other };

    QByteArray path; // as stored: bytes, not necessarily UTF-8, not yet cleaned
    Type type = Type::File;
    quint32 mode = 0644; // permission bits with setuid/setgid/sticky (07777)
    qint64 uid = 0;
    qint64 gid = 0;
    qint64 size = 0;  // apparent size (a sparse file's holes count)
    qint64 mtime = 0; // seconds since the epoch
    long mtimeNsec = 0;
    QByteArray linkTarget; // symlink target, or the path a hardlink points at
    quint32 devMajor = 0;
    quint32 devMinor = 0;
    QList<QPair<QByteArray, QByteArray>> xattrs; // name ("user.x", "security.capability"), value
    // Data regions of a sparse file (offset, length); empty for ordinary files.
    QList<QPair<qint64, qint64>> sparse;
};

class TarReader {
public:
    ~TarReader();
    TarReader(const TarReader&) = delete;
    TarReader& operator=(const TarReader&) = delete;

    // Opens a tar file; gzip, zstd and uncompressed tar are recognised by their content.
    static Result<std::unique_ptr<TarReader>> open(const QString& path);

    // The next entry: true with `entry` filled, false at the end of the archive.
    Result<bool> next(TarEntry& entry);

    // Streams the current entry's data: `sink(offset, data, size)` per block, in order. The
    // holes of a sparse file are skipped (offsets jump). Stops at the first error of `sink`.
    using Sink = std::function<Status(qint64 offset, const char* data, size_t size)>;
    Status readData(const Sink& sink);

    // Bytes read from the file so far, and bytes of tar stream they decompressed into: the
    // ratio tells a decompression bomb from a layer.
    qint64 compressedBytes() const;
    qint64 uncompressedBytes() const;

private:
    TarReader() = default;
    struct Impl;
    std::unique_ptr<Impl> d;
};

class TarWriter {
public:
    enum class Compression { None, Gzip };
    ~TarWriter();
    TarWriter(const TarWriter&) = delete;
    TarWriter& operator=(const TarWriter&) = delete;

    // A pax tar (xattrs and sparse maps included) at `path`.
    static Result<std::unique_ptr<TarWriter>> create(const QString& path, Compression compression);
    // Adds `entry` with `data` as its content (files only). A sparse entry's data is the
    // concatenation of its regions, in order.
    Status add(const TarEntry& entry, const QByteArray& data = {});
    // Adds a regular file whose content is `size` bytes produced by `fill(buffer, n)` in
    // pieces (so tests can write large files without holding them in memory).
    Status addStreamed(const TarEntry& entry, const std::function<void(char*, size_t)>& fill);
    Status close();

private:
    TarWriter() = default;
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace vivarium
