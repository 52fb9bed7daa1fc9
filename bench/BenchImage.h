// The image-import benchmark's test images: a Debian-like root file system taken from the
// host's /usr (real executables, shared libraries, Python's standard library, headers: they
// compress the way real images do), split into gzip layers of different sizes and written as
// an OCI image layout holding two tagged images that share all but their top layer. Tar
// streams are written with the project's libarchive wrapper (TarWriter); the layout is built
// once and reused while its record says it was built for the same size by the same version.
// It only writes files under the directory it is given; it never talks to a registry.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

namespace bench {

struct BenchLayer {
    QString name;     // what it holds ("base", "libraries", ...)
    QString digest;   // sha256:… of the gzip blob
    qint64 size = 0;  // gzip bytes
    QString diffId;   // sha256:… of the uncompressed tar
    qint64 tarBytes = 0;
    qint64 fileBytes = 0; // regular files' data
    int files = 0, dirs = 0, symlinks = 0, hardlinks = 0, whiteouts = 0;
    QJsonObject toJson() const;
    static BenchLayer fromJson(const QJsonObject& o);
};

struct BenchImage {
    QString tag; // in the layout's index.json ("1", "2")
    QString manifestDigest;
    QList<BenchLayer> layers;
    qint64 compressedBytes() const;
    qint64 fileBytes() const;
    int entries() const;
};

struct BenchImages {
    QString layoutDir;
    BenchImage first, second; // second = first's layers but the top one
    QJsonObject toJson() const;
};

// Builds the layout in `dir` (or reuses it). `targetBytes`: roughly the compressed size of
// one image (the layer budgets scale with it). Takes a minute for 100 MB (gzip on one core).
std::optional<BenchImages> prepareBenchImages(const QString& dir, qint64 targetBytes,
                                              QString* error);

} // namespace bench
