// Images pulled from registries: the pull itself (manifest → linux/amd64 → config → layers,
// every blob verified, layers cached by digest and shared between images), the build of each
// image's ext4 root filesystem, and the local catalogue (which reference names which image,
// what each image's config says about running it).
//
// On disk, under Paths::ociDir():
//   blobs/sha256/<hex>         verified blobs only (manifests, configs, layers)
//   partial/<hex>              downloads in progress; the next pull resumes them (Range)
//   images/<manifest hex>/     image.json + rootfs.img, renamed into place when complete
//   refs.json                  {"refs": {"<registry/repo:tag>": "sha256:<manifest>"}}
//   tmp/                       build directories (staging trees), removed after each build
// Nothing half-written is ever under blobs/ or images/: a failed pull leaves partial files
// and nothing else, and a retry picks up from there.
//
// A sandbox made from a pulled image records it pinned (registry/repo@sha256:…), so pulling
// a newer image under the same tag never changes the base of an existing sandbox's disk.
// Pulls run one at a time (a second request for the same reference joins the first); the
// network work is asynchronous on this object's thread, the build and the credential lookup
// (which may run a Docker credential helper) on worker threads. A pull can be cancelled: its
// downloads stop, their partial files stay for the next pull to resume (they never count as
// cached), and every waiter gets `cancelled`.
//
// Several services may share one cache (two users' sessions, a test beside a desktop): a
// layer's download holds locks/<hex>.lock (QLockFile, released when the process dies), and
// a service that finds it held waits until the layer is there or the lock is free (then it
// resumes the partial file).
#pragma once

#include "ImageReference.h"
#include "OciManifest.h"
#include "RegistryCredentials.h"
#include "Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>

namespace vivarium {

class RegistryClient;

struct LayerProgress {
    Digest digest;
    qint64 size = 0;
    qint64 done = 0;
    // waiting, held (another service sharing the cache is downloading it), downloading,
    // cached, downloaded, extracting, extracted
    QString state;
    QJsonObject toJson() const;
};

struct PullProgress {
    int percent = 0;
    QString message;
    QList<LayerProgress> layers;
};

// One pulled image as the catalogue lists it.
struct PulledImage {
    Digest digest;      // the manifest's
    QString repository; // registry/repo
    QStringList refs;   // references (registry/repo:tag) that name it now
    QList<oci::Descriptor> layers;
    oci::RunConfig config;
    qint64 size = 0;       // compressed layers
    qint64 diskBytes = 0;  // what rootfs.img takes on the host
    qint64 imageBytes = 0; // its file system's size
    QDateTime pulledAt;
    QString rootfs; // path of rootfs.img

    QString pinned() const { return repository + "@" + digest.toString(); }
    QJsonObject toJson() const;
    static Result<PulledImage> fromJson(const QJsonObject& o);
};

class PulledImages : public QObject {
    Q_OBJECT
public:
    using Progress = std::function<void(const PullProgress&)>;
    using Done = std::function<void(Result<PulledImage>)>;

    explicit PulledImages(QObject* parent = nullptr);
    ~PulledImages() override;

    QList<PulledImage> list() const;
    // A reference (tag or digest, any spelling) or a pinned name → the local image.
    // `not_pulled` when it is a valid reference that is not here.
    Result<PulledImage> resolve(const QString& reference) const;
    static bool looksLikeReference(const QString& text);
    // Where a pinned image's root filesystem is (empty if `pinned` is not one).
    static QString rootfsOf(const QString& pinned);
    // The image config of a pinned image, cached after the first read.
    std::optional<oci::RunConfig> runConfig(const QString& pinned);

    struct PullOptions {
        bool insecure = false;
    };
    void pull(const QString& reference, PullOptions options, Progress progress, Done done,
              QObject* context);

    // Stops the pull of `reference` (queued or running): its waiters get `cancelled`.
    // `not_pulling` when no pull of it is in progress.
    Status cancel(const QString& reference);
    bool isPulling(const QString& reference) const;

    // Forgets `reference`. When no other reference names the image, the image and the blobs
    // no other image uses are deleted, unless `usedBy(pinned)` names a user (then in_use).
    Status remove(const QString& reference,
                  const std::function<QStringList(const PulledImage&)>& usedBy);

    // Checks the credential against the registry, then stores it (0600).
    void login(const QString& registry, const QString& username, const QString& password,
               bool insecure, std::function<void(Status)> done, QObject* context);

    // Limits for layers (tests lower them).
    static Result<PulledImage> buildImage(const QString& imageDir, const PulledImage& meta,
                                          const QStringList& layerPaths,
                                          const std::function<void(int index, int count)>& onLayer,
                                          const std::atomic_bool* cancel);

private:
    struct Waiter {
        Progress progress;
        Done done;
        QPointer<QObject> context;
    };
    struct Job;
    void startNext();
    void fetchManifest(const std::shared_ptr<Job>& job);
    void step(const std::shared_ptr<Job>& job);
    void fetchLayers(const std::shared_ptr<Job>& job);
    void fetchLayer(const std::shared_ptr<Job>& job, int index);
    void build(const std::shared_ptr<Job>& job);
    void finish(const std::shared_ptr<Job>& job, Result<PulledImage> result);
    void report(const std::shared_ptr<Job>& job, bool force = false);
    Status saveRef(const QString& ref, const Digest& digest);
    QMap<QString, QString> readRefs() const;
    Status writeRefs(const QMap<QString, QString>& refs);
    Status collectGarbage();

    std::deque<std::shared_ptr<Job>> m_jobs; // front: running
    QThreadPool m_pool;
    QMap<QString, oci::RunConfig> m_configs; // by pinned name
};

} // namespace vivarium
