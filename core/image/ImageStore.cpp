#include "ImageStore.h"

#include "Log.h"
#include "Paths.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QPointer>

#include <sys/stat.h>

namespace vivarium {

ImageStore::ImageStore(QObject* parent) : QObject(parent) {}

GuestArtifacts ImageStore::artifacts(const QString& image) const {
    // The uncompressed PVH vmlinux boots well over a second faster under TCG than the
    // bzImage, which the guest must first decompress (resources/guest/README.md).
    const QString vmlinux = Paths::kernelDir() + "/vmlinux";
    QString rootfs = Paths::imagesDir() + "/" + image + "/rootfs.img";
    if (!builtinImages().contains(image)) {
        if (const QString pinned = PulledImages::rootfsOf(image); !pinned.isEmpty())
            rootfs = pinned;
        else if (auto local = m_pulled.resolve(image))
            rootfs = local->rootfs;
    }
    return {QFileInfo::exists(vmlinux) ? vmlinux : Paths::kernelDir() + "/vmlinuz",
            Paths::kernelDir() + "/initramfs.cpio.gz", rootfs, image};
}

Result<QString> ImageStore::resolve(const QString& image) const {
    if (builtinImages().contains(image))
        return image;
    auto local = m_pulled.resolve(image);
    if (!local)
        return local.error();
    return local->pinned();
}

std::optional<oci::RunConfig> ImageStore::runConfig(const QString& image) {
    if (builtinImages().contains(image))
        return std::nullopt;
    return m_pulled.runConfig(image);
}

QJsonObject ImageInfo::toJson() const {
    QJsonObject o{{"name", name}, {"description", description}, {"built", built},
                  {"kind", pulled ? "pulled" : "builtin"}};
    if (built) {
        o["disk_bytes"] = diskBytes;
        o["built_at"] = builtAt.toUTC().toString(Qt::ISODateWithMs);
    }
    if (pulled) {
        QJsonArray refs;
        for (const QString& r : pulled->refs)
            refs.append(r);
        o["refs"] = refs;
        o["digest"] = pulled->digest.toString();
        o["pinned"] = pulled->pinned();
        o["size"] = pulled->size;
        o["layers"] = int(pulled->layers.size());
        o["config"] = pulled->config.toJson();
    }
    return o;
}

QList<ImageInfo> ImageStore::list() const {
    QList<ImageInfo> images;
    for (const QString& name : builtinImages()) {
        ImageInfo info;
        info.name = name;
        info.description = name == "tiny" ? QStringLiteral("BusyBox, for quick tests")
                                          : QStringLiteral("Debian 12 (minbase) with python3");
        info.rootfs = artifacts(name).rootfs;
        struct stat st {};
        if (::stat(QFile::encodeName(info.rootfs).constData(), &st) == 0) {
            info.built = true;
            info.diskBytes = qint64(st.st_blocks) * 512; // sparse: what it really takes
            info.builtAt = QFileInfo(info.rootfs).lastModified();
        }
        images << info;
    }
    for (const PulledImage& p : m_pulled.list())
        images << ImageInfo::fromPulled(p);
    return images;
}

ImageInfo ImageInfo::fromPulled(const PulledImage& p) {
    ImageInfo info;
    // A reference people recognise; the pinned name when no tag names it any more.
    auto ref = p.refs.isEmpty() ? Result<ImageReference>(makeError("", ""))
                                : ImageReference::parse(p.refs.first());
    info.name = ref ? ref->familiar() : p.pinned();
    info.description = p.repository;
    info.rootfs = p.rootfs;
    info.built = true;
    info.diskBytes = p.diskBytes;
    info.builtAt = p.pulledAt;
    info.pulled = p;
    return info;
}

QList<QStringList> ImageStore::pendingSteps(const QString& image) const {
    const GuestArtifacts a = artifacts(image);
    const QString agent = Paths::helperProgram("vivarium-agent");
    QList<QStringList> steps;
    if (!QFileInfo::exists(Paths::kernelDir() + "/vmlinuz"))
        steps << QStringList{"kernel", Paths::kernelDir()};
    const QFileInfo initrd(a.initrd);
    if (!initrd.exists() || steps.size() ||
        (!agent.isEmpty() && QFileInfo(agent).lastModified() > initrd.lastModified()))
        steps << QStringList{"initramfs", agent, Paths::kernelDir(), a.initrd};
    if (!QFileInfo::exists(a.rootfs) && builtinImages().contains(image))
        steps << QStringList{"rootfs", image, a.rootfs};
    return steps;
}

void ImageStore::ensure(const QString& image, Progress progress, Done done, QObject* context) {
    if (!builtinImages().contains(image)) {
        if (!PulledImages::looksLikeReference(image)) {
            done(makeError("unknown_image",
                           QString("There is no image named '%1'. Built-in images: %2; or give "
                                   "an image reference such as python:3.12-slim.")
                               .arg(image, builtinImages().join(", "))));
            return;
        }
        if (auto local = m_pulled.resolve(image)) {
            m_queue.push_back({local->pinned(), std::move(progress), std::move(done), context});
        } else {
            // Like `docker run`: an image that is not here yet is pulled first.
            QPointer<QObject> ctx(context);
            m_pulled.pull(
                image, {},
                [progress](const PullProgress& p) {
                    if (progress)
                        progress(p.percent * 9 / 10, "pulling: " + p.message);
                },
                [this, progress, done, ctx](Result<PulledImage> pulled) {
                    if (!ctx)
                        return;
                    if (!pulled)
                        return done(pulled.error());
                    ensure(pulled->pinned(), progress, done, ctx);
                },
                context);
            return;
        }
        if (!m_process)
            runNext();
        return;
    }
    m_queue.push_back({image, std::move(progress), std::move(done), context});
    if (!m_process)
        runNext();
}

void ImageStore::runNext() {
    while (!m_queue.empty()) {
        Request& r = m_queue.front();
        const QList<QStringList> steps = pendingSteps(r.image);
        if (steps.isEmpty()) {
            finishFront(artifacts(r.image));
            continue;
        }
        const QString tool = Paths::helperProgram("vivarium-image");
        if (tool.isEmpty()) {
            finishFront(makeError("missing_helper",
                                  "Cannot build guest images: the vivarium-image helper is not "
                                  "installed next to vivariumd. Reinstall Vivarium."));
            continue;
        }
        if (Paths::helperProgram("vivarium-agent").isEmpty()) {
            finishFront(makeError("missing_helper",
                                  "Cannot build the guest initramfs: vivarium-agent is not "
                                  "installed next to vivariumd. Reinstall Vivarium."));
            continue;
        }
        if (m_stepsTotal == 0) {
            m_stepsTotal = int(steps.size());
            m_stepsDone = 0;
        }
        m_step = steps.first();
        m_process = new QProcess(this);
        m_process->setProgram(tool);
        m_stderr.clear();
        connect(m_process, &QProcess::readyReadStandardOutput, this, [this] {
            while (m_process->canReadLine()) {
                const QString line = QString::fromUtf8(m_process->readLine()).trimmed();
                if (!line.startsWith("progress ") || m_queue.empty())
                    continue;
                const QString rest = line.mid(9);
                const int space = rest.indexOf(' ');
                const int stepPercent = rest.left(space).toInt();
                const int overall = std::min(
                    99, (m_stepsDone * 100 + std::clamp(stepPercent, 0, 100)) /
                            std::max(1, m_stepsTotal));
                const QString msg = space > 0 ? rest.mid(space + 1) : QString();
                for (const Request& q : m_queue)
                    if (q.context && q.progress && q.image == m_queue.front().image)
                        q.progress(overall, msg);
            }
        });
        connect(m_process, &QProcess::readyReadStandardError, this,
                [this] { m_stderr += m_process->readAllStandardError(); });
        connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus st) {
            m_process->deleteLater();
            m_process = nullptr;
            if (st != QProcess::NormalExit || code != 0) {
                const QString step = m_step.value(0);
                finishFront(makeError("image_build_failed",
                                      QString("Building the guest %1 failed (exit %2). See the "
                                              "detail; fix it and try again.")
                                          .arg(step)
                                          .arg(code),
                                      QString::fromUtf8(m_stderr.right(4000)).trimmed()));
                runNext();
                return;
            }
            // Recompute what is still missing; a step that "succeeded" without producing
            // its artifact would repeat forever, so that is an error.
            ++m_stepsDone;
            if (pendingSteps(m_queue.front().image).value(0) == m_step) {
                finishFront(makeError("image_build_failed",
                                      "The guest " + m_step.value(0) +
                                          " step finished without producing its output."));
            }
            runNext();
        });
        qCInfo(lcImage) << "building:" << m_step.join(' ');
        m_process->setArguments(m_step);
        m_process->start();
        return;
    }
}

void ImageStore::finishFront(Result<GuestArtifacts> result) {
    m_stepsTotal = 0;
    Request r = std::move(m_queue.front());
    m_queue.pop_front();
    if (r.context)
        r.done(std::move(result));
}

} // namespace vivarium
