// Owns every sandbox of this data directory: creates them (image, overlay, domain), removes
// them, re-adopts them after a restart from their libvirt metadata and run records, and
// routes libvirt lifecycle events to them. Chooses the accelerator (KVM when a probe boot
// works, else TCG). libvirt calls run on a worker pool and come back queued to this thread.
#pragma once

#include "DomainXml.h"
#include "ImageStore.h"
#include "PoolManager.h"
#include "LibvirtConnection.h"
#include "RouteStore.h"
#include "Sandbox.h"
#include "SecretStore.h"
#include "StatsSampler.h"
#include "TemplateStore.h"

#include <QFuture>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>
#include <QtConcurrent/QtConcurrent>

namespace vivarium {

struct ManagerSettings {
    QString libvirtUri = "qemu:///session";
    QString accelerator = "auto"; // auto | kvm | tcg
    bool requireKvm = false;
    int bootTimeoutMs = 30000;
    int bootAttempts = 3;
    int stopTimeoutMs = 15000;
    QString extraCmdline; // appended to every guest's kernel command line
    int statsIntervalMs = 2000; // how often every sandbox's CPU, memory and disk is sampled
    // Host memory kept free: a boot that would eat into it is refused (host_memory_low).
    int memoryReserveMiB = 512;
    PoolSettings pools;

    static ManagerSettings fromEnvironment();
};

class SandboxManager : public QObject {
    Q_OBJECT
public:
    explicit SandboxManager(ManagerSettings settings, QObject* parent = nullptr);
    ~SandboxManager() override;

    // Connects to libvirt, picks the accelerator and re-adopts existing sandboxes.
    Status init();

    struct CreateOptions {
        QString templateName = "default";
        QString name;
        bool start = true;
        QString image; // replaces the template's image: a built-in name or an image reference
        // Warm pools (PoolManager): `pool` makes an unlisted member of that template's pool;
        // `added` is told when the sandbox exists (before it boots).
        QString pool;
        std::function<void(Sandbox*)> added;
    };
    using Progress = ImageStore::Progress;
    void create(const CreateOptions& options, Progress progress,
                std::function<void(Result<Sandbox*>)> done, QObject* context);
    void remove(Sandbox* sandbox, std::function<void(Status)> done);
    // A new sandbox from snapshot `snapshot` of `origin` (Snapshots): a copy of the snapshot's
    // disk, the origin's settings then, and its memory when the snapshot has some (the fork
    // then runs with the snapshot's processes); else, or when that memory cannot be given
    // the new domain, a fresh boot. It does not depend on the snapshot afterwards.
    struct ForkOptions {
        QString name;
        bool start = true; // a disk-only fork; a memory fork always runs
    };
    struct Forked {
        Sandbox* sandbox = nullptr;
        bool memoryRestored = false;
        QString note; // why the memory was not restored
    };
    void fork(Sandbox* origin, const QString& snapshot, const ForkOptions& options,
              std::function<void(Result<Forked>)> done, QObject* context);

    // By id, by unique id prefix or by name.
    Result<Sandbox*> find(const QString& idOrName) const;
    QList<Sandbox*> sandboxes() const { return m_sandboxes.values(); }

    Accelerator accelerator() const { return m_accelerator; }
    QString acceleratorReason() const { return m_acceleratorReason; }
    bool requireKvm() const { return m_settings.requireKvm; }
    int bootTimeoutMs() const { return m_settings.bootTimeoutMs; }
    int bootAttempts() const { return m_settings.bootAttempts; }
    int stopTimeoutMs() const { return m_settings.stopTimeoutMs; }
    LibvirtConnection& libvirt() { return m_libvirt; }
    StatsSampler& stats() { return *m_stats; }
    const StatsSampler& stats() const { return *m_stats; }
    ImageStore& images() { return m_images; }
    TemplateStore& templates() { return *m_templates; }
    // Route secrets (keyring or private file) and credential routes (<config>/routes).
    SecretStore& secrets() { return *m_secrets; }
    RouteStore& routes() { return *m_routes; }
    PoolManager& pools() { return *m_pools; }
    // Whether `id` is an unclaimed warm-pool member (not shown to clients).
    bool isPoolMember(const QString& id) const;

    QString domainXmlFor(const Sandbox& sandbox) const;

    // Low host memory: refuses a boot of `guestMiB` that does not fit in MemAvailable minus
    // the reserve and what sandboxes still booting were promised; else promises it under
    // `key` until releaseBootMemory(key) (a sandbox leaving Booting releases its own id).
    Status reserveBootMemory(const QString& key, const QString& sandbox, int guestMiB);
    void releaseBootMemory(const QString& key);

    // Runs `work` against the libvirt connection on the worker pool; `then` runs on this
    // thread afterwards, unless `context` is gone.
    template <typename R>
    void runLibvirt(QObject* context, std::function<R(LibvirtConnection&)> work,
                    std::function<void(R)> then) {
        QtConcurrent::run(&m_pool, [this, work] { return work(m_libvirt); })
            .then(context, [then](R r) { then(std::move(r)); });
    }
    void runLibvirt(QObject* context, std::function<Status(LibvirtConnection&)> work,
                    std::function<void(Status)> then) {
        runLibvirt<Status>(context, std::move(work), std::move(then));
    }

signals:
    void acceleratorChanged();
    void sandboxAdded(vivarium::Sandbox* sandbox);
    void sandboxRemoved(const QString& id);
    void sandboxStateChanged(vivarium::Sandbox* sandbox);
    void runStarted(vivarium::Sandbox* sandbox, vivarium::Run* run);
    void runFinished(vivarium::Sandbox* sandbox, vivarium::Run* run);
    void fileWritten(vivarium::Sandbox* sandbox, const QString& path, qint64 size);
    void tunnelsChanged(vivarium::Sandbox* sandbox);
    void networkLogged(vivarium::Sandbox* sandbox, const QJsonObject& entry);
    void snapshotsChanged(vivarium::Sandbox* sandbox); // taken or removed (Snapshots)
    void sandboxIdleWarning(vivarium::Sandbox* sandbox, const QString& action, int secondsLeft);

private:
    Sandbox* addSandbox(SandboxConfig config, const QString& dir);
    void chooseAccelerator();
    void startKvmProbe();
    void finishKvmProbe(bool ok, const QString& why);
    static QString probeCacheFile();
    static QString probeHostKey();
    void adopt();
    QString metadataFor(const Sandbox& s) const;

    ManagerSettings m_settings;
    LibvirtConnection m_libvirt;
    ImageStore m_images;
    QThreadPool m_pool;
    QMap<QString, Sandbox*> m_sandboxes;
    Accelerator m_accelerator = Accelerator::Tcg;
    QString m_acceleratorReason;
    QString m_tscKhz;
    QString m_probeDomain;
    QTimer* m_probeTimer = nullptr;
    StatsSampler* m_stats;
    TemplateStore* m_templates;
    SecretStore* m_secrets;
    RouteStore* m_routes;
    PoolManager* m_pools = nullptr;
    QHash<QString, int> m_bootMemory; // MiB promised to boots not yet in MemAvailable
};

} // namespace vivarium
