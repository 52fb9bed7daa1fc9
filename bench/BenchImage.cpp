#include "BenchImage.h"

#include "TarArchive.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSet>

#include <cstdio>
#include <functional>

#include <sys/stat.h>
#include <unistd.h>

namespace bench {

namespace {

using vivarium::TarEntry;
using vivarium::TarWriter;

// Bump when the layers' recipe changes: a cached layout of another version is rebuilt.
constexpr int kRecipeVersion = 1;

QJsonArray layersJson(const QList<BenchLayer>& layers) {
    QJsonArray a;
    for (const BenchLayer& l : layers)
        a.append(l.toJson());
    return a;
}

QString sha256OfFile(const QString& path) {
    QFile f(path);
    QCryptographicHash h(QCryptographicHash::Sha256);
    if (!f.open(QIODevice::ReadOnly) || !h.addData(&f))
        return {};
    return "sha256:" + QString::fromLatin1(h.result().toHex());
}

// A symlink's own text (QFileInfo would make it absolute).
QByteArray readLink(const QString& host) {
    QByteArray buf(4096, '\0');
    const ssize_t n = ::readlink(QFile::encodeName(host).constData(), buf.data(), buf.size());
    return n > 0 ? buf.left(n) : QByteArray();
}

QString sha256(const QByteArray& data) {
    return "sha256:" +
           QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

// One layer's tar stream: parent directories added once, hardlinks kept as hardlinks (by
// inode), symlinks as symlinks, files with their host mode and mtime, owned by root.
class LayerWriter {
public:
    LayerWriter(QString name, QString tarPath) : m_tarPath(std::move(tarPath)) {
        m_layer.name = std::move(name);
    }

    bool open(QString* error) {
        auto w = TarWriter::create(m_tarPath, TarWriter::Compression::None);
        if (!w) {
            *error = "cannot write " + m_tarPath + ": " + w.error().text();
            return false;
        }
        m_writer = std::move(w.value());
        return true;
    }

    struct Selection {
        qint64 budget = 0;           // stop once this much file data is in
        qint64 maxFile = 16ll << 20; // skip larger files
        QStringList names;           // wildcards for files and symlinks; empty: all
        bool subdirectories = true;
        static Selection upTo(qint64 budget) {
            Selection s;
            s.budget = budget;
            return s;
        }
    };
    // Adds the host tree `hostDir` as `imageDir`, walking names in sorted order.
    bool addHostTree(const QString& hostDir, const QByteArray& imageDir, const Selection& sel,
                     QString* error) {
        qint64 used = 0;
        return walk(hostDir, imageDir, sel, &used, error);
    }

    bool addFile(const QByteArray& path, const QByteArray& data, quint32 mode = 0644) {
        TarEntry e = entry(path, TarEntry::Type::File, mode);
        e.size = data.size();
        m_layer.fileBytes += data.size();
        ++m_layer.files;
        return add(e, data);
    }
    bool addDir(const QByteArray& path, quint32 mode = 0755) {
        if (m_dirs.contains(path))
            return true;
        if (!parents(path))
            return false;
        m_dirs.insert(path);
        ++m_layer.dirs;
        return add(entry(path, TarEntry::Type::Directory, mode));
    }
    bool addSymlink(const QByteArray& path, const QByteArray& target) {
        TarEntry e = entry(path, TarEntry::Type::Symlink, 0777);
        e.linkTarget = target;
        ++m_layer.symlinks;
        return add(e);
    }
    bool addHardlink(const QByteArray& path, const QByteArray& target) {
        TarEntry e = entry(path, TarEntry::Type::Hardlink, 0644);
        e.linkTarget = target;
        ++m_layer.hardlinks;
        return add(e);
    }
    // An OCI whiteout: `path` is deleted by this layer.
    bool addWhiteout(const QByteArray& path) {
        const int slash = path.lastIndexOf('/');
        const QByteArray wh = path.left(slash + 1) + ".wh." + path.mid(slash + 1);
        ++m_layer.whiteouts;
        return add(entry(wh, TarEntry::Type::File, 0644));
    }
    const QList<QByteArray>& filesAdded() const { return m_filePaths; }
    QString error() const { return m_error; }

    // Closes the tar, records its digest (the diff_id), gzips it into `blobsDir` (named by
    // its digest) and deletes the tar.
    std::optional<BenchLayer> finish(const QString& blobsDir, QString* error) {
        if (!m_error.isEmpty()) {
            *error = m_error;
            return std::nullopt;
        }
        if (auto s = m_writer->close(); !s) {
            *error = "cannot finish " + m_tarPath + ": " + s.error().text();
            return std::nullopt;
        }
        m_writer.reset();
        m_layer.tarBytes = QFileInfo(m_tarPath).size();
        m_layer.diffId = sha256OfFile(m_tarPath);
        // gzip -n: no name or time in the header, so the same tree gives the same blob.
        const QString gz = m_tarPath + ".gz";
        QProcess p;
        p.setStandardInputFile(m_tarPath);
        p.setStandardOutputFile(gz);
        p.start("gzip", {"-n", "-6", "-c"});
        if (!p.waitForFinished(30 * 60 * 1000) || p.exitStatus() != QProcess::NormalExit ||
            p.exitCode() != 0) {
            *error = "gzip of " + m_tarPath + " failed: " +
                     QString::fromLocal8Bit(p.readAllStandardError()).trimmed() +
                     p.errorString();
            return std::nullopt;
        }
        QFile::remove(m_tarPath);
        m_layer.digest = sha256OfFile(gz);
        m_layer.size = QFileInfo(gz).size();
        const QString blob = blobsDir + "/" + m_layer.digest.mid(7);
        QFile::remove(blob);
        if (!QFile::rename(gz, blob)) {
            *error = "cannot move " + gz + " to " + blob;
            return std::nullopt;
        }
        return m_layer;
    }

private:
    TarEntry entry(const QByteArray& path, TarEntry::Type type, quint32 mode) const {
        TarEntry e;
        e.path = path;
        e.type = type;
        e.mode = mode;
        e.mtime = 1700000000;
        return e;
    }
    bool add(const TarEntry& e, const QByteArray& data = {}) {
        if (!m_error.isEmpty())
            return false;
        if (e.type != TarEntry::Type::Directory && !parents(e.path))
            return false;
        if (auto s = m_writer->add(e, data); !s) {
            m_error = "cannot add " + QString::fromUtf8(e.path) + " to " + m_tarPath + ": " +
                      s.error().text();
            return false;
        }
        if (e.type == TarEntry::Type::File)
            m_filePaths << e.path;
        return true;
    }
    bool parents(const QByteArray& path) {
        const int slash = path.lastIndexOf('/');
        return slash <= 0 || addDir(path.left(slash));
    }

    bool walk(const QString& hostDir, const QByteArray& imageDir, const Selection& sel,
              qint64* used, QString* error) {
        const QStringList names = QDir(hostDir).entryList(
            QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System, QDir::Name);
        for (const QString& name : names) {
            if (*used >= sel.budget)
                return true;
            const QString host = hostDir + "/" + name;
            const QByteArray path = imageDir + "/" + QFile::encodeName(name);
            struct stat st {};
            if (::lstat(QFile::encodeName(host).constData(), &st) != 0)
                continue;
            const quint32 mode = st.st_mode & 07777;
            if (!S_ISDIR(st.st_mode) && !sel.names.isEmpty() &&
                !QDir::match(sel.names, name))
                continue;
            if (S_ISDIR(st.st_mode)) {
                if (!sel.subdirectories)
                    continue;
                if (!addDir(path, mode)) {
                    *error = m_error;
                    return false;
                }
                if (!walk(host, path, sel, used, error))
                    return false;
            } else if (S_ISLNK(st.st_mode)) {
                if (!addSymlink(path, readLink(host))) {
                    *error = m_error;
                    return false;
                }
            } else if (S_ISREG(st.st_mode)) {
                if (st.st_size > sel.maxFile)
                    continue;
                const auto key = qMakePair(quint64(st.st_dev), quint64(st.st_ino));
                if (st.st_nlink > 1 && m_inodes.contains(key)) {
                    if (!addHardlink(path, m_inodes.value(key))) {
                        *error = m_error;
                        return false;
                    }
                    continue;
                }
                QFile f(host);
                if (!f.open(QIODevice::ReadOnly))
                    continue; // unreadable on this host: not part of the image
                TarEntry e = entry(path, TarEntry::Type::File, mode);
                e.mtime = st.st_mtim.tv_sec;
                const QByteArray data = f.readAll();
                e.size = data.size();
                if (!add(e, data)) {
                    *error = m_error;
                    return false;
                }
                ++m_layer.files;
                m_layer.fileBytes += data.size();
                *used += data.size();
                if (st.st_nlink > 1)
                    m_inodes.insert(key, path);
            }
            // sockets, FIFOs and devices under /usr are not image material
        }
        return true;
    }

    QString m_tarPath;
    std::unique_ptr<TarWriter> m_writer;
    BenchLayer m_layer;
    QSet<QByteArray> m_dirs;
    QHash<QPair<quint64, quint64>, QByteArray> m_inodes;
    QList<QByteArray> m_filePaths;
    QString m_error;
};

bool writeBlob(const QString& blobsDir, const QByteArray& data, QString* digest, QString* error) {
    *digest = sha256(data);
    QFile f(blobsDir + "/" + digest->mid(7));
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) || f.write(data) != data.size()) {
        *error = "cannot write " + f.fileName();
        return false;
    }
    return true;
}

QJsonObject descriptor(const QString& mediaType, const QString& digest, qint64 size) {
    return {{"mediaType", mediaType}, {"digest", digest}, {"size", size}};
}

// Config + manifest blobs for `layers`; returns the manifest's descriptor for index.json.
std::optional<QJsonObject> writeImage(const QString& blobsDir, const QList<BenchLayer>& layers,
                                      const QString& tag, QString* manifestDigest,
                                      QString* error) {
    QJsonArray diffIds, layerDescs, history;
    for (const BenchLayer& l : layers) {
        diffIds.append(l.diffId);
        layerDescs.append(
            descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l.digest, l.size));
        history.append(QJsonObject{{"created", "2026-01-01T00:00:00Z"},
                                   {"created_by", "vivarium-bench: " + l.name}});
    }
    const QByteArray config =
        QJsonDocument(
            QJsonObject{
                {"created", "2026-01-01T00:00:00Z"},
                {"architecture", "amd64"},
                {"os", "linux"},
                {"config",
                 QJsonObject{{"Env", QJsonArray{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                                "/usr/bin:/sbin:/bin"}},
                             {"Cmd", QJsonArray{"/bin/sh"}},
                             {"WorkingDir", "/"}}},
                {"rootfs", QJsonObject{{"type", "layers"}, {"diff_ids", diffIds}}},
                {"history", history}})
            .toJson(QJsonDocument::Compact);
    QString configDigest;
    if (!writeBlob(blobsDir, config, &configDigest, error))
        return std::nullopt;
    const QByteArray manifest =
        QJsonDocument(
            QJsonObject{{"schemaVersion", 2},
                        {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                        {"config", descriptor("application/vnd.oci.image.config.v1+json",
                                              configDigest, config.size())},
                        {"layers", layerDescs}})
            .toJson(QJsonDocument::Compact);
    if (!writeBlob(blobsDir, manifest, manifestDigest, error))
        return std::nullopt;
    QJsonObject d = descriptor("application/vnd.oci.image.manifest.v1+json", *manifestDigest,
                               manifest.size());
    d["annotations"] = QJsonObject{{"org.opencontainers.image.ref.name", tag}};
    return d;
}

std::optional<BenchImages> readRecord(const QString& dir, qint64 targetBytes) {
    QFile f(dir + "/bench-images.json");
    if (!f.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object();
    if (o.value("recipe").toInt() != kRecipeVersion ||
        o.value("target_bytes").toInteger() != targetBytes)
        return std::nullopt;
    BenchImages images;
    images.layoutDir = dir;
    for (auto [key, image] : {std::pair{"first", &images.first}, {"second", &images.second}}) {
        const QJsonObject io = o.value(key).toObject();
        image->tag = io.value("tag").toString();
        image->manifestDigest = io.value("manifest").toString();
        for (const QJsonValue& v : io.value("layers").toArray()) {
            image->layers << BenchLayer::fromJson(v.toObject());
            if (!QFileInfo::exists(dir + "/blobs/sha256/" + image->layers.last().digest.mid(7)))
                return std::nullopt;
        }
        if (image->layers.isEmpty() ||
            !QFileInfo::exists(dir + "/blobs/sha256/" + image->manifestDigest.mid(7)))
            return std::nullopt;
    }
    return images;
}

} // namespace

QJsonObject BenchLayer::toJson() const {
    return {{"name", name},         {"digest", digest},   {"size", size},
            {"diff_id", diffId},    {"tar_bytes", tarBytes}, {"file_bytes", fileBytes},
            {"files", files},       {"dirs", dirs},       {"symlinks", symlinks},
            {"hardlinks", hardlinks}, {"whiteouts", whiteouts}};
}

BenchLayer BenchLayer::fromJson(const QJsonObject& o) {
    BenchLayer l;
    l.name = o.value("name").toString();
    l.digest = o.value("digest").toString();
    l.size = o.value("size").toInteger();
    l.diffId = o.value("diff_id").toString();
    l.tarBytes = o.value("tar_bytes").toInteger();
    l.fileBytes = o.value("file_bytes").toInteger();
    l.files = o.value("files").toInt();
    l.dirs = o.value("dirs").toInt();
    l.symlinks = o.value("symlinks").toInt();
    l.hardlinks = o.value("hardlinks").toInt();
    l.whiteouts = o.value("whiteouts").toInt();
    return l;
}

qint64 BenchImage::compressedBytes() const {
    qint64 n = 0;
    for (const BenchLayer& l : layers)
        n += l.size;
    return n;
}

qint64 BenchImage::fileBytes() const {
    qint64 n = 0;
    for (const BenchLayer& l : layers)
        n += l.fileBytes;
    return n;
}

int BenchImage::entries() const {
    int n = 0;
    for (const BenchLayer& l : layers)
        n += l.files + l.dirs + l.symlinks + l.hardlinks + l.whiteouts;
    return n;
}

QJsonObject BenchImages::toJson() const {
    auto one = [](const BenchImage& i) {
        return QJsonObject{{"tag", i.tag},
                           {"manifest", i.manifestDigest},
                           {"compressed_bytes", i.compressedBytes()},
                           {"file_bytes", i.fileBytes()},
                           {"entries", i.entries()},
                           {"layers", layersJson(i.layers)}};
    };
    return {{"first", one(first)}, {"second", one(second)}};
}

std::optional<BenchImages> prepareBenchImages(const QString& dir, qint64 targetBytes,
                                              QString* error) {
    if (auto cached = readRecord(dir, targetBytes))
        return cached;
    std::printf("  building the test images in %s (once; gzip takes a minute)\n",
                qPrintable(dir));
    std::fflush(stdout);
    QDir(dir).removeRecursively();
    const QString blobs = dir + "/blobs/sha256";
    if (!QDir().mkpath(blobs)) {
        *error = "cannot create " + blobs;
        return std::nullopt;
    }
    // Budgets of file data per layer for a ~100 MB (compressed) image; executables and
    // libraries gzip to about 40 %, Python sources and headers to 20-30 %.
    const double scale = double(targetBytes) / 100e6;
    auto mb = [scale](double m) { return qint64(m * scale * 1e6); };
    QList<BenchLayer> shared;
    QByteArray whiteoutTarget;
    int n = 0;
    auto layer = [&](const QString& name, const std::function<bool(LayerWriter&)>& fill)
        -> std::optional<BenchLayer> {
        std::printf("    layer %s\n", qPrintable(name));
        std::fflush(stdout);
        LayerWriter w(name, dir + QString("/layer-%1.tar").arg(++n));
        if (!w.open(error) || !fill(w)) {
            if (error->isEmpty())
                *error = w.error().isEmpty() ? "cannot write layer " + name : w.error();
            return std::nullopt;
        }
        if (name == "headers" && !w.filesAdded().isEmpty())
            whiteoutTarget = w.filesAdded().first();
        return w.finish(blobs, error);
    };

    // 1. base: a usr-merged Debian skeleton, /etc, and /usr/bin (with its real hardlinks).
    auto base = layer("base", [&](LayerWriter& w) {
        for (const char* d : {"etc", "home", "media", "mnt", "opt", "srv", "usr/local/bin",
                              "usr/sbin", "usr/lib64", "var/cache", "var/lib", "var/log"})
            w.addDir(d);
        w.addDir("root", 0700);
        w.addDir("tmp", 01777);
        for (auto [link, target] : {std::pair{"bin", "usr/bin"},
                                    {"sbin", "usr/sbin"},
                                    {"lib", "usr/lib"},
                                    {"lib64", "usr/lib64"}})
            w.addSymlink(link, target);
        w.addSymlink("usr/lib64/ld-linux-x86-64.so.2",
                     "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        w.addFile("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
                                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                                "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        w.addFile("etc/group", "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n");
        w.addFile("etc/hostname", "bench\n");
        QFile osRelease("/etc/os-release");
        if (osRelease.open(QIODevice::ReadOnly))
            w.addFile("usr/lib/os-release", osRelease.readAll());
        w.addSymlink("etc/os-release", "../usr/lib/os-release");
        if (!w.addHostTree("/usr/bin", "usr/bin", LayerWriter::Selection::upTo(mb(85)), error))
            return false;
        // At least one hardlink whatever the host has.
        return !w.filesAdded().isEmpty() &&
               w.addHardlink("usr/sbin/bench-hardlink", w.filesAdded().last());
    });
    if (!base)
        return std::nullopt;
    shared << *base;
    // 2. shared libraries, 3. Python's standard library, 4. headers (many small files).
    // The libraries are the shared objects (and their symlinks) at the top of the multiarch
    // directory, as a runtime image has them, not the compilers' trees below it.
    struct {
        const char* name;
        const char* host;
        LayerWriter::Selection selection;
    } middle[] = {{"libraries", "/usr/lib/x86_64-linux-gnu", LayerWriter::Selection::upTo(mb(100))},
                  {"python", "/usr/lib/python3.11", LayerWriter::Selection::upTo(mb(45))},
                  {"headers", "/usr/include", LayerWriter::Selection::upTo(mb(25))}};
    middle[0].selection.names = QStringList{"*.so*"};
    middle[0].selection.subdirectories = false;
    for (const auto& m : middle) {
        auto l = layer(m.name, [&](LayerWriter& w) {
            return w.addHostTree(m.host, QByteArray(m.host).mid(1), m.selection, error);
        });
        if (!l)
            return std::nullopt;
        shared << *l;
    }
    // 5. the top layers, one per image: an "application" over the shared base, each deleting
    // one file of a lower layer (a whiteout), as an `rm` in a Dockerfile does.
    auto top = [&](const QString& name, const char* host, double budget) {
        return layer(name, [&](LayerWriter& w) {
            if (!w.addHostTree(host, "opt/app", LayerWriter::Selection::upTo(mb(budget)), error))
                return false;
            w.addFile("opt/app/VERSION", name.toUtf8() + "\n");
            return whiteoutTarget.isEmpty() || w.addWhiteout(whiteoutTarget);
        });
    };
    auto top1 = top("app-1", "/usr/libexec", 14);
    auto top2 = top("app-2", "/usr/lib/gcc/x86_64-linux-gnu/12", 10);
    if (!top1 || !top2)
        return std::nullopt;

    BenchImages images;
    images.layoutDir = dir;
    images.first = {"1", {}, shared + QList<BenchLayer>{*top1}};
    images.second = {"2", {}, shared + QList<BenchLayer>{*top2}};
    QJsonArray manifests;
    for (BenchImage* image : {&images.first, &images.second}) {
        auto d = writeImage(blobs, image->layers, image->tag, &image->manifestDigest, error);
        if (!d)
            return std::nullopt;
        manifests.append(*d);
    }
    auto writeFile = [&](const QString& name, const QByteArray& data) {
        QFile f(dir + "/" + name);
        if (f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size())
            return true;
        *error = "cannot write " + f.fileName();
        return false;
    };
    QJsonObject record = images.toJson();
    record["recipe"] = kRecipeVersion;
    record["target_bytes"] = targetBytes;
    if (!writeFile("oci-layout", R"({"imageLayoutVersion":"1.0.0"})") ||
        !writeFile("index.json",
                   QJsonDocument(QJsonObject{{"schemaVersion", 2},
                                             {"mediaType", "application/vnd.oci.image.index.v1+json"},
                                             {"manifests", manifests}})
                       .toJson(QJsonDocument::Compact)) ||
        !writeFile("bench-images.json", QJsonDocument(record).toJson()))
        return std::nullopt;
    return images;
}

} // namespace bench
