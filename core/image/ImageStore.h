// Guest artifacts on disk: the kernel and its modules (from Debian's kernel package), the
// initramfs carrying vivarium-agent, and one ext4 root filesystem per image (the base that
// sandbox overlays point at). Missing or stale artifacts are built on first use by the
// `vivarium-image` helper, one build at a time, with progress reported to every waiter.
// Images pulled from registries (PulledImages) are named by reference; ensure() pulls one that
// is not here yet, and artifacts() of a pinned name (registry/repo@sha256:…) is its rootfs.
#pragma once

#include "PulledImages.h"
#include "Result.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <deque>
#include <functional>

namespace vivarium {

struct GuestArtifacts {
    QString kernel;
    QString initrd;
    QString rootfs;
    QString image; // what a sandbox records: a built-in name, or a pulled image pinned by digest
};

// What a user sees of one image: whether it is built, and what it costs on disk.
struct ImageInfo {
    QString name;
    QString description;
    QString rootfs;      // path of its root filesystem
    bool built = false;  // false: built on first use
    qint64 diskBytes = 0; // allocated bytes of the root filesystem
    QDateTime builtAt;
    std::optional<PulledImage> pulled; // set for images pulled from a registry

    static ImageInfo fromPulled(const PulledImage& image);
    QJsonObject toJson() const;
};

class ImageStore : public QObject {
    Q_OBJECT
public:
    using Progress = std::function<void(int percent, const QString& message)>;
    using Done = std::function<void(Result<GuestArtifacts>)>;

    explicit ImageStore(QObject* parent = nullptr);

    static QStringList builtinImages() { return {"tiny", "default"}; }
    // Every image this store knows, built or not (a few stat calls).
    QList<ImageInfo> list() const;
    GuestArtifacts artifacts(const QString& image) const;
    PulledImages& pulled() { return m_pulled; }
    // The image config (exec defaults) of a pulled image; nothing for built-in images.
    std::optional<oci::RunConfig> runConfig(const QString& image);
    // The sandbox-facing name of `image`: a built-in name as is, a pulled reference pinned.
    Result<QString> resolve(const QString& image) const;
    // What is missing or stale for `image`, as vivarium-image argument lists.
    QList<QStringList> pendingSteps(const QString& image) const;

    // Calls `done` (on this object's thread) once every artifact of `image` is in place.
    void ensure(const QString& image, Progress progress, Done done, QObject* context);

private:
    struct Request {
        QString image;
        Progress progress;
        Done done;
        QPointer<QObject> context;
    };
    void runNext();
    void finishFront(Result<GuestArtifacts> result);

    std::deque<Request> m_queue;
    QProcess* m_process = nullptr;
    QStringList m_step;    // the vivarium-image arguments running now
    int m_stepsDone = 0;   // for the front request, to scale progress over all its steps
    int m_stepsTotal = 0;  // 0: the front request has not started building
    QByteArray m_stderr;
    PulledImages m_pulled;
};

} // namespace vivarium
