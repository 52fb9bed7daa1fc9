#include "PulledImages.h"

#include "LayerApplier.h"
#include "Log.h"
#include "Paths.h"
#include "RegistryClient.h"
#include "RootfsBuilder.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLockFile>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QTimer>
#include <QtConcurrent/QtConcurrent>

#include <csignal>
#include <sys/stat.h>
#include <unistd.h>

namespace vivarium {

namespace {

constexpr int kParallelDownloads = 3;

QString blobsDir() {
    return Paths::ociDir() + "/blobs/sha256";
}
QString partialDir() {
    return Paths::ociDir() + "/partial";
}
QString imagesRoot() {
    return Paths::ociDir() + "/images";
}
QString tmpDir() {
    return Paths::ociDir() + "/tmp";
}
QString locksDir() {
    return Paths::ociDir() + "/locks";
}
QString refsFile() {
    return Paths::ociDir() + "/refs.json";
}
QString blobPath(const Digest& d) {
    return blobsDir() + "/" + d.hex;
}

Status writeAtomically(const QString& path, const QByteArray& data) {
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(data) != data.size() || !f.commit())
        return makeError("io_error", "Cannot write " + path, f.errorString());
    return {};
}

Result<QByteArray> readFile(const QString& path, qint64 max) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return makeError("io_error", "Cannot read " + path, f.errorString());
    if (f.size() > max)
        return makeError("io_error", path + " is too large");
    return f.readAll();
}

QString shortDigest(const Digest& d) {
    return "sha256:" + d.hex.left(12);
}

} // namespace

QJsonObject LayerProgress::toJson() const {
    return {{"digest", digest.toString()}, {"size", size}, {"done", done}, {"state", state}};
}

QJsonObject PulledImage::toJson() const {
    QJsonArray layerList;
    for (const oci::Descriptor& l : layers)
        layerList.append(QJsonObject{
            {"digest", l.digest.toString()}, {"size", l.size}, {"media_type", l.mediaType}});
    return {{"digest", digest.toString()},
            {"repository", repository},
            {"layers", layerList},
            {"config", config.toJson()},
            {"size", size},
            {"image_bytes", imageBytes},
            {"pulled_at", pulledAt.toUTC().toString(Qt::ISODateWithMs)}};
}

Result<PulledImage> PulledImage::fromJson(const QJsonObject& o) {
    PulledImage p;
    auto d = Digest::parse(o.value("digest").toString());
    if (!d)
        return makeError("corrupt_record", "image.json has no valid digest");
    p.digest = d.value();
    p.repository = o.value("repository").toString();
    for (const QJsonValue& v : o.value("layers").toArray()) {
        oci::Descriptor l;
        auto ld = Digest::parse(v.toObject().value("digest").toString());
        if (!ld)
            return makeError("corrupt_record", "image.json has a layer without a valid digest");
        l.digest = ld.value();
        l.size = v.toObject().value("size").toInteger();
        l.mediaType = v.toObject().value("media_type").toString();
        p.layers << l;
    }
    p.config = oci::RunConfig::fromJson(o.value("config").toObject());
    p.size = o.value("size").toInteger();
    p.imageBytes = o.value("image_bytes").toInteger();
    p.pulledAt = QDateTime::fromString(o.value("pulled_at").toString(), Qt::ISODateWithMs);
    return p;
}

struct PulledImages::Job {
    QString text;
    ImageReference ref;
    PullOptions options;
    QList<Waiter> waiters;
    RegistryClient* client = nullptr;
    bool started = false;
    bool finished = false;
    PulledImage image;
    Digest configDigest;
    QList<LayerProgress> layers;
    QString message;
    int percent = 0;
    QElapsedTimer lastReport;
    int nextLayer = 0;
    int active = 0;
    bool indexSeen = false;
    // Set by cancel() or the destructor; the build polls it.
    std::shared_ptr<std::atomic_bool> cancelled = std::make_shared<std::atomic_bool>(false);
    QHash<int, std::shared_ptr<QLockFile>> locks; // layer index → its download lock
};

PulledImages::PulledImages(QObject* parent) : QObject(parent) {
    m_pool.setMaxThreadCount(1);
    // Build directories of services that are gone (a crash mid-build) are just litter.
    const QDir tmp(tmpDir());
    for (const QString& name : tmp.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const qint64 pid = name.section('-', -2, -2).toLongLong();
        if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH)
            (void)LayerApplier::removePath(tmp.filePath(name)); // best effort: only litter
    }
}

PulledImages::~PulledImages() {
    for (const auto& job : m_jobs)
        job->cancelled->store(true);
    m_pool.waitForDone();
}

bool PulledImages::looksLikeReference(const QString& text) {
    return ImageReference::parse(text).ok();
}

QString PulledImages::rootfsOf(const QString& pinned) {
    const int at = pinned.indexOf("@sha256:");
    if (at < 0)
        return {};
    auto d = Digest::parse(pinned.mid(at + 1));
    return d ? imagesRoot() + "/" + d->hex + "/rootfs.img" : QString();
}

QMap<QString, QString> PulledImages::readRefs() const {
    QFile f(refsFile());
    QMap<QString, QString> refs;
    if (!f.open(QIODevice::ReadOnly))
        return refs;
    const QJsonObject o = QJsonDocument::fromJson(f.readAll()).object().value("refs").toObject();
    for (auto it = o.begin(); it != o.end(); ++it)
        refs.insert(it.key(), it.value().toString());
    return refs;
}

Status PulledImages::writeRefs(const QMap<QString, QString>& refs) {
    QJsonObject o;
    for (auto it = refs.begin(); it != refs.end(); ++it)
        o[it.key()] = it.value();
    Paths::ensureDir(Paths::ociDir());
    return writeAtomically(refsFile(), QJsonDocument(QJsonObject{{"refs", o}}).toJson());
}

Status PulledImages::saveRef(const QString& ref, const Digest& digest) {
    QMap<QString, QString> refs = readRefs();
    refs.insert(ref, digest.toString());
    return writeRefs(refs);
}

namespace {
Result<PulledImage> loadImage(const Digest& digest, const QMap<QString, QString>& refs) {
    const QString dir = imagesRoot() + "/" + digest.hex;
    auto bytes = readFile(dir + "/image.json", 16 * 1024 * 1024);
    if (!bytes || !QFileInfo::exists(dir + "/rootfs.img"))
        return makeError("not_pulled", "The image " + digest.toString() + " is not here.");
    auto image = PulledImage::fromJson(QJsonDocument::fromJson(bytes.value()).object());
    if (!image)
        return image.error();
    image->rootfs = dir + "/rootfs.img";
    for (auto it = refs.begin(); it != refs.end(); ++it)
        if (it.value() == digest.toString())
            image->refs << it.key();
    struct stat st {};
    if (::stat(QFile::encodeName(image->rootfs).constData(), &st) == 0)
        image->diskBytes = qint64(st.st_blocks) * 512;
    return image;
}
} // namespace

QList<PulledImage> PulledImages::list() const {
    const QMap<QString, QString> refs = readRefs();
    QList<PulledImage> out;
    for (const QString& hex : QDir(imagesRoot()).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        auto d = Digest::parse("sha256:" + hex);
        if (!d)
            continue;
        if (auto image = loadImage(d.value(), refs))
            out << image.value();
    }
    std::sort(out.begin(), out.end(),
              [](const PulledImage& a, const PulledImage& b) { return a.pulledAt > b.pulledAt; });
    return out;
}

Result<PulledImage> PulledImages::resolve(const QString& text) const {
    auto ref = ImageReference::parse(text);
    if (!ref)
        return ref.error();
    const QMap<QString, QString> refs = readRefs();
    if (!ref->digest.isEmpty()) {
        auto image = loadImage(Digest::parse(ref->digest).value(), refs);
        if (image)
            return image;
    } else if (const QString d = refs.value(ref->canonical()); !d.isEmpty()) {
        if (auto digest = Digest::parse(d))
            if (auto image = loadImage(digest.value(), refs))
                return image;
    }
    return makeError("not_pulled", QString("The image %1 has not been pulled. Pull it with: viv "
                                           "image pull %1")
                                       .arg(ref->familiar()));
}

std::optional<oci::RunConfig> PulledImages::runConfig(const QString& pinned) {
    if (auto it = m_configs.constFind(pinned); it != m_configs.cend())
        return it.value();
    const int at = pinned.indexOf("@sha256:");
    if (at < 0)
        return std::nullopt;
    auto d = Digest::parse(pinned.mid(at + 1));
    if (!d)
        return std::nullopt;
    auto image = loadImage(d.value(), {});
    if (!image)
        return std::nullopt;
    m_configs.insert(pinned, image->config);
    return image->config;
}

void PulledImages::pull(const QString& text, PullOptions options, Progress progress, Done done,
                        QObject* context) {
    auto ref = ImageReference::parse(text);
    if (!ref) {
        done(ref.error());
        return;
    }
    for (const auto& job : m_jobs)
        if (job->ref.canonical() == ref->canonical() && !job->finished) {
            job->options.insecure = job->options.insecure || options.insecure;
            job->waiters << Waiter{std::move(progress), std::move(done), context};
            return;
        }
    auto job = std::make_shared<Job>();
    job->text = text;
    job->ref = ref.value();
    job->options = options;
    job->waiters << Waiter{std::move(progress), std::move(done), context};
    m_jobs.push_back(job);
    if (m_jobs.size() == 1)
        startNext();
}

void PulledImages::startNext() {
    if (m_jobs.empty())
        return;
    const auto job = m_jobs.front();
    if (job->started)
        return;
    job->started = true;
    job->lastReport.start();
    for (const QString& dir : {blobsDir(), partialDir(), imagesRoot(), tmpDir(), locksDir()})
        if (!Paths::ensureDir(dir))
            return finish(job, makeError("io_error", "Cannot create " + dir));
    job->message = "resolving " + job->ref.familiar();
    report(job, true);
    qCInfo(lcImage) << "pulling" << job->ref.canonical();
    // A Docker credential helper is a program that may take its time: not on this thread.
    QtConcurrent::run([registry = job->ref.registry] {
        return RegistryCredentials().find(registry);
    }).then(this, [this, job](Result<std::optional<RegistryCredential>> credential) {
        if (job->finished)
            return; // cancelled meanwhile
        if (!credential)
            return finish(job, credential.error());
        RegistryClient::Options o;
        o.insecure = job->options.insecure;
        o.credential = credential.value();
        job->client = new RegistryClient(job->ref, o, this);
        fetchManifest(job);
    });
}

void PulledImages::fetchManifest(const std::shared_ptr<Job>& job) {
    job->client->fetchManifest(
        job->ref.manifestRef(), [this, job](Result<RegistryClient::Fetched> f) {
            if (!f)
                return finish(job, f.error());
            auto doc = oci::parseDocument(f->bytes, f->contentType);
            if (!doc)
                return finish(job, doc.error());
            if (doc->kind == oci::Document::Kind::Index) {
                auto entry = oci::pickPlatform(doc->manifests);
                if (!entry)
                    return finish(job, entry.error());
                job->client->fetchManifest(
                    entry->digest.toString(), [this, job](Result<RegistryClient::Fetched> m) {
                        if (!m)
                            return finish(job, m.error());
                        auto manifest = oci::parseDocument(m->bytes, m->contentType);
                        if (!manifest)
                            return finish(job, manifest.error());
                        if (manifest->kind != oci::Document::Kind::Manifest)
                            return finish(job, makeError("bad_manifest",
                                                         "The image index points at "
                                                         "another index, not at a manifest."));
                        job->image.digest = m->digest;
                        job->image.layers = manifest->manifest.layers;
                        job->configDigest = manifest->manifest.config.digest;
                        if (auto s = writeAtomically(blobPath(m->digest), m->bytes); !s)
                            return finish(job, s.error());
                        step(job);
                    });
                return;
            }
            job->image.digest = f->digest;
            job->image.layers = doc->manifest.layers;
            job->configDigest = doc->manifest.config.digest;
            if (auto s = writeAtomically(blobPath(f->digest), f->bytes); !s)
                return finish(job, s.error());
            step(job);
        });
}

// The manifest is known: record the tag if the image is already here, else get the config.
void PulledImages::step(const std::shared_ptr<Job>& job) {
    job->image.repository = job->ref.registry + "/" + job->ref.repository;
    const QString tagRef =
        job->ref.digest.isEmpty() ? job->ref.canonical() : job->ref.pinned(job->image.digest);
    if (auto existing = loadImage(job->image.digest, {})) {
        if (auto s = saveRef(tagRef, job->image.digest); !s)
            return finish(job, s.error());
        job->message = "up to date";
        return finish(job, resolve(job->image.pinned()));
    }
    auto useConfig = [this, job](const QByteArray& bytes) {
        auto config = oci::RunConfig::parse(bytes);
        if (!config)
            return finish(job, config.error());
        job->image.config = config.value();
        for (const oci::Descriptor& l : std::as_const(job->image.layers)) {
            LayerProgress p;
            p.digest = l.digest;
            p.size = l.size;
            job->image.size += l.size;
            const bool cached = QFileInfo(blobPath(l.digest)).size() == l.size;
            p.state = cached ? "cached" : "waiting";
            p.done = cached ? l.size : 0;
            job->layers << p;
        }
        fetchLayers(job);
    };
    if (QFileInfo::exists(blobPath(job->configDigest))) {
        auto bytes = readFile(blobPath(job->configDigest), oci::kMaxConfigBytes);
        if (!bytes)
            return finish(job, bytes.error());
        return useConfig(bytes.value());
    }
    job->message = "fetching the image config";
    report(job, true);
    job->client->fetchBlob(
        job->configDigest, oci::kMaxConfigBytes, [this, job, useConfig](Result<QByteArray> b) {
            if (!b)
                return finish(job, b.error());
            if (auto s = writeAtomically(blobPath(job->configDigest), b.value()); !s)
                return finish(job, s.error());
            useConfig(b.value());
        });
}

void PulledImages::fetchLayers(const std::shared_ptr<Job>& job) {
    if (job->finished)
        return;
    while (job->active < kParallelDownloads && job->nextLayer < job->layers.size()) {
        const int i = job->nextLayer++;
        LayerProgress& l = job->layers[i];
        if (l.state == "cached")
            continue;
        // The same layer twice in one image: the first download serves both.
        bool duplicate = false;
        for (int j = 0; j < i; ++j)
            duplicate = duplicate || job->layers[j].digest == l.digest;
        if (duplicate) {
            l.state = "cached";
            l.done = l.size;
            continue;
        }
        ++job->active;
        fetchLayer(job, i);
    }
    if (job->active == 0 && job->nextLayer >= job->layers.size())
        build(job);
}

// One layer's download, under its lock: another service sharing the cache may be fetching
// the same blob, and two writers on one partial file would corrupt it.
void PulledImages::fetchLayer(const std::shared_ptr<Job>& job, int i) {
    if (job->finished)
        return;
    LayerProgress& l = job->layers[i];
    auto lock = std::make_shared<QLockFile>(locksDir() + "/" + l.digest.hex + ".lock");
    lock->setStaleLockTime(0); // a download may take long; only a dead holder makes it stale
    if (!lock->tryLock(0)) {
        if (lock->error() != QLockFile::LockFailedError) {
            --job->active;
            return finish(job, makeError("io_error",
                                         "Cannot lock " + locksDir() + "/" + l.digest.hex +
                                             ".lock (is the image cache writable?)"));
        }
        if (l.state != "held") {
            l.state = "held";
            job->message = "waiting for another download of " + shortDigest(l.digest) +
                           " (another Vivarium service shares this cache)";
            report(job, true);
        }
        // Held by another process: look again shortly (a lock file gives no wake-up).
        QTimer::singleShot(200, this, [this, job, i] { fetchLayer(job, i); });
        return;
    }
    if (QFileInfo(blobPath(l.digest)).size() == l.size) { // the other service finished it
        lock->unlock();
        --job->active;
        l.state = "cached";
        l.done = l.size;
        report(job, true);
        return fetchLayers(job);
    }
    job->locks.insert(i, lock);
    l.state = "downloading";
    l.done = QFileInfo(partialDir() + "/" + l.digest.hex).size();
    job->message = "downloading " + shortDigest(l.digest);
    report(job, true);
    job->client->downloadBlob(
        l.digest, l.size, partialDir() + "/" + l.digest.hex, blobPath(l.digest),
        [this, job, i](qint64 done) {
            job->layers[i].done = done;
            report(job);
        },
        [this, job, i](Status s) {
            --job->active;
            job->locks.remove(i); // unlocks
            if (job->finished)
                return;
            if (!s) {
                job->client->abortAll(); // the others' partial files stay for a retry
                return finish(job, s.error());
            }
            job->layers[i].state = "downloaded";
            job->layers[i].done = job->layers[i].size;
            report(job, true);
            fetchLayers(job);
        });
}

Result<PulledImage> PulledImages::buildImage(const QString& imageDir, const PulledImage& meta,
                                             const QStringList& layerPaths,
                                             const std::function<void(int, int)>& onLayer,
                                             const std::atomic_bool* cancel) {
    const QString work = QString("%1/build-%2-%3-%4")
                             .arg(tmpDir(), meta.digest.hex.left(12))
                             .arg(QCoreApplication::applicationPid())
                             .arg(QRandomGenerator::global()->generate() % 100000);
    auto cleanup = qScopeGuard([&] { (void)LayerApplier::removePath(work); });
    if (!QDir().mkpath(work + "/out") || !QDir().mkpath(work + "/scratch"))
        return makeError("io_error", "Cannot create " + work);
    LayerApplier applier(work + "/tree");
    if (auto s = applier.open(); !s)
        return s.error();
    const int n = int(layerPaths.size());
    for (int i = 0; i < n; ++i) {
        onLayer(i, n);
        const QString label = QString("Layer %1 of %2 (%3)")
                                  .arg(i + 1)
                                  .arg(n)
                                  .arg(shortDigest(meta.layers.value(i).digest));
        if (auto s = applier.apply(layerPaths[i], label, cancel); !s)
            return s.error();
    }
    onLayer(n, n);
    QStringList startDirs;
    if (!meta.config.workingDir.isEmpty())
        startDirs << meta.config.workingDir;
    auto fs = RootfsBuilder::build(applier, work + "/out/rootfs.img", work + "/scratch", cancel,
                                   startDirs);
    if (!fs)
        return fs.error();
    PulledImage image = meta;
    image.imageBytes = fs->imageBytes;
    image.pulledAt = QDateTime::currentDateTimeUtc();
    if (auto s = writeAtomically(work + "/out/image.json", QJsonDocument(image.toJson()).toJson());
        !s)
        return s.error();
    if (QFileInfo::exists(imageDir + "/image.json"))
        return image; // another service built it meanwhile; keep theirs
    if (auto s = LayerApplier::removePath(imageDir); !s) // a leftover without image.json
        return s.error();
    if (::rename(QFile::encodeName(work + "/out").constData(),
                 QFile::encodeName(imageDir).constData()) != 0)
        return makeError("io_error", "Cannot move the built image into " + imageDir,
                         QString::fromLocal8Bit(strerror(errno)));
    return image;
}

void PulledImages::build(const std::shared_ptr<Job>& job) {
    QStringList paths;
    for (const oci::Descriptor& l : std::as_const(job->image.layers))
        paths << blobPath(l.digest);
    const QString imageDir = imagesRoot() + "/" + job->image.digest.hex;
    QPointer<PulledImages> self(this);
    auto onLayer = [self, job](int i, int n) {
        QMetaObject::invokeMethod(
            self.data(),
            [self, job, i, n] {
                if (!self || job->finished)
                    return;
                for (int k = 0; k < job->layers.size(); ++k)
                    job->layers[k].state = k < i    ? "extracted"
                                           : k == i ? "extracting"
                                                    : job->layers[k].state;
                job->message = i < n ? QString("extracting layer %1 of %2").arg(i + 1).arg(n)
                                     : QString("writing the root file system");
                job->percent = 90 + 9 * i / std::max(1, n);
                self->report(job, true);
            },
            Qt::QueuedConnection);
    };
    job->message = "extracting";
    QtConcurrent::run(&m_pool, [imageDir, meta = job->image, paths, onLayer,
                                cancel = job->cancelled] {
        return buildImage(imageDir, meta, paths, onLayer, cancel.get());
    }).then(this, [this, job](Result<PulledImage> built) {
        if (job->finished)
            return; // cancelled while it was built
        if (!built)
            return finish(job, built.error());
        const QString tagRef =
            job->ref.digest.isEmpty() ? job->ref.canonical() : job->ref.pinned(job->image.digest);
        if (auto s = saveRef(tagRef, job->image.digest); !s)
            return finish(job, s.error());
        job->message = "done";
        finish(job, resolve(job->image.pinned()));
    });
}

void PulledImages::report(const std::shared_ptr<Job>& job, bool force) {
    if (!force && job->lastReport.elapsed() < 100)
        return;
    job->lastReport.restart();
    qint64 total = 0, done = 0;
    for (const LayerProgress& l : std::as_const(job->layers)) {
        total += l.size;
        done += l.done;
    }
    if (!job->layers.isEmpty() && job->percent < 90)
        job->percent = 5 + int(85 * done / std::max<qint64>(1, total));
    PullProgress p{job->percent, job->message, job->layers};
    for (const Waiter& w : std::as_const(job->waiters))
        if (w.context && w.progress)
            w.progress(p);
}

void PulledImages::finish(const std::shared_ptr<Job>& job, Result<PulledImage> result) {
    if (job->finished)
        return;
    job->finished = true;
    job->cancelled->store(!result); // a build still running for a failed pull stops
    if (job->client) {
        job->client->abortAll();
        job->client->deleteLater();
        job->client = nullptr;
    }
    job->locks.clear();
    if (result) {
        qCInfo(lcImage) << "pulled" << job->ref.canonical() << result->digest.toString();
        job->percent = 100;
        report(job, true);
    } else {
        qCWarning(lcImage) << "pull of" << job->ref.canonical()
                           << "failed:" << result.error().text();
    }
    for (const Waiter& w : std::as_const(job->waiters))
        if (w.context)
            w.done(result);
    if (auto it = std::find(m_jobs.begin(), m_jobs.end(), job); it != m_jobs.end())
        m_jobs.erase(it);
    QTimer::singleShot(0, this, &PulledImages::startNext);
}

bool PulledImages::isPulling(const QString& text) const {
    auto ref = ImageReference::parse(text);
    return ref && std::any_of(m_jobs.begin(), m_jobs.end(), [&](const auto& job) {
               return !job->finished && job->ref.canonical() == ref->canonical();
           });
}

Status PulledImages::cancel(const QString& text) {
    auto ref = ImageReference::parse(text);
    if (!ref)
        return ref.error();
    for (const auto& job : m_jobs) {
        if (job->finished || job->ref.canonical() != ref->canonical())
            continue;
        qCInfo(lcImage) << "pull of" << job->ref.canonical() << "cancelled";
        job->cancelled->store(true);
        finish(job, makeError("cancelled",
                              QString("The pull of %1 was cancelled. Layers downloaded so far "
                                      "are kept; pulling again resumes them.")
                                  .arg(ref->familiar())));
        return {};
    }
    return makeError("not_pulling",
                     QString("No pull of %1 is in progress.").arg(ref->familiar()));
}

Status PulledImages::remove(const QString& text,
                            const std::function<QStringList(const PulledImage&)>& usedBy) {
    auto image = resolve(text);
    if (!image)
        return image.error();
    if (const QStringList users = usedBy ? usedBy(image.value()) : QStringList(); !users.isEmpty())
        return makeError("in_use", QString("The image %1 is in use by %2; remove those first.")
                                       .arg(text, users.join(", ")));
    auto ref = ImageReference::parse(text);
    QMap<QString, QString> refs = readRefs();
    const QString digest = image->digest.toString();
    if (ref && ref->digest.isEmpty()) {
        refs.remove(ref->canonical());
    } else {
        for (auto it = refs.begin(); it != refs.end();)
            it = it.value() == digest ? refs.erase(it) : std::next(it);
    }
    const bool stillNamed =
        std::any_of(refs.begin(), refs.end(), [&](const QString& d) { return d == digest; });
    if (auto s = writeRefs(refs); !s)
        return s;
    if (stillNamed)
        return {};
    m_configs.remove(image->pinned());
    if (auto s = LayerApplier::removePath(imagesRoot() + "/" + image->digest.hex); !s)
        return s;
    return collectGarbage();
}

Status PulledImages::collectGarbage() {
    if (!m_jobs.empty())
        return {}; // a pull in progress owns blobs no image names yet
    QSet<QString> keep;
    for (const PulledImage& image : list()) {
        keep << image.digest.hex;
        for (const oci::Descriptor& l : image.layers)
            keep << l.digest.hex;
        // The config's digest is in the manifest blob.
        if (auto manifest = readFile(blobPath(image.digest), oci::kMaxManifestBytes))
            if (auto doc = oci::parseDocument(manifest.value(), {});
                doc && doc->kind == oci::Document::Kind::Manifest)
                keep << doc->manifest.config.digest.hex;
    }
    const QDir blobs(blobsDir());
    for (const QString& hex : blobs.entryList(QDir::Files))
        if (!keep.contains(hex))
            QFile::remove(blobs.filePath(hex));
    return {};
}

void PulledImages::login(const QString& registry, const QString& username, const QString& password,
                         bool insecure, std::function<void(Status)> done, QObject* context) {
    ImageReference ref;
    ref.registry = normaliseRegistry(registry);
    if (ref.registry.isEmpty())
        return done(makeError("bad_request", "Name the registry to log in to."));
    RegistryClient::Options o;
    o.insecure = insecure;
    o.credential = RegistryCredential{username, password, "viv image login"};
    auto* client = new RegistryClient(ref, o, this);
    QPointer<QObject> ctx(context);
    client->checkLogin([client, ref, username, password, done, ctx](Status s) {
        client->deleteLater();
        if (!ctx)
            return;
        if (!s)
            return done(s);
        done(RegistryCredentials().save(ref.registry, username, password));
    });
}

} // namespace vivarium
