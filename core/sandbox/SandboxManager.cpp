#include "SandboxManager.h"
#include "SandboxNetwork.h"

#include "EgressPolicy.h"
#include "HostMemory.h"
#include "GuestKernelArgs.h"
#include "Log.h"
#include "Paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QSaveFile>
#include <QFile>
#include <QJsonDocument>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QUuid>
#include <QXmlStreamReader>

#include <unistd.h>

namespace vivarium {

namespace {

QString envOr(const char* name, const QString& fallback) {
    const QByteArray v = qgetenv(name);
    return v.isEmpty() ? fallback : QString::fromLocal8Bit(v);
}

QString newId() {
    return QString::number(QRandomGenerator::global()->generate() | 0x10000000u, 16).left(8);
}

struct Metadata {
    QString id, home;
};
Metadata parseMetadata(const QString& xml) {
    QXmlStreamReader r(xml);
    while (r.readNextStartElement()) {
        if (r.name() == QLatin1String("sandbox"))
            return {r.attributes().value("id").toString(),
                    r.attributes().value("home").toString()};
    }
    return {};
}

} // namespace

ManagerSettings ManagerSettings::fromEnvironment() {
    ManagerSettings s;
    s.libvirtUri = envOr("VIVARIUM_LIBVIRT_URI", s.libvirtUri);
    s.accelerator = envOr("VIVARIUM_ACCEL", s.accelerator);
    s.requireKvm = qEnvironmentVariableIntValue("VIVARIUM_REQUIRE_KVM") == 1;
    if (int v = qEnvironmentVariableIntValue("VIVARIUM_BOOT_TIMEOUT_MS"); v > 0)
        s.bootTimeoutMs = v;
    if (int v = qEnvironmentVariableIntValue("VIVARIUM_BOOT_ATTEMPTS"); v > 0)
        s.bootAttempts = v;
    s.extraCmdline = envOr("VIVARIUM_GUEST_CMDLINE_EXTRA", {});
    if (int v = qEnvironmentVariableIntValue("VIVARIUM_STATS_INTERVAL_MS"); v > 0)
        s.statsIntervalMs = v;
    s.pools = PoolSettings::fromEnvironment();
    if (const QByteArray v = qgetenv("VIVARIUM_MEMORY_RESERVE_MIB"); !v.isEmpty()) {
        bool ok = false;
        const int mib = v.toInt(&ok);
        if (ok && mib >= 0)
            s.memoryReserveMiB = mib;
        else
            qCWarning(lcSandbox) << "ignoring VIVARIUM_MEMORY_RESERVE_MIB=" << v
                                 << "(not a number of MiB)";
    }
    return s;
}

SandboxManager::SandboxManager(ManagerSettings settings, QObject* parent)
    : QObject(parent), m_settings(std::move(settings)), m_images(this),
      m_stats(new StatsSampler(this, m_settings.statsIntervalMs)) {
    QStringList images = ImageStore::builtinImages();
    images.sort();
    TemplateRules rules = TemplateRules::forHost(images);
    rules.imageMiB = [this](const QString& image) {
        const QFileInfo rootfs(m_images.artifacts(image).rootfs);
        return rootfs.exists() ? int((rootfs.size() + (1 << 20) - 1) >> 20) : 0;
    };
    // A template may also name a pulled image, by any reference that resolves to it here.
    rules.imageAvailable = [this](const QString& image) {
        return ImageStore::builtinImages().contains(image) || m_images.pulled().resolve(image).ok();
    };
    m_secrets = new SecretStore(SecretStore::Options::fromEnvironment(), this);
    m_routes = new RouteStore(Paths::configDir() + "/routes", this);
    rules.routeExists = [this](const QString& route) { return m_routes->exists(route); };
    m_templates = new TemplateStore(Paths::configDir() + "/templates", std::move(rules), this);
    m_pool.setMaxThreadCount(4);
    m_pools = new PoolManager(this, m_settings.pools);
    m_tscKhz = hostTscKhz();
    // Pause and resume by anyone (virsh suspend/resume too) keep the sandbox's state true.
    connect(&m_libvirt, &LibvirtConnection::domainSuspended, this, [this](const QString& domain) {
        for (Sandbox* s : std::as_const(m_sandboxes))
            if (s->domainName() == domain)
                s->onDomainSuspended();
    });
    connect(&m_libvirt, &LibvirtConnection::domainResumed, this, [this](const QString& domain) {
        for (Sandbox* s : std::as_const(m_sandboxes))
            if (s->domainName() == domain)
                s->onDomainResumed();
    });
    connect(&m_libvirt, &LibvirtConnection::domainStopped, this,
            [this](const QString& domain, const QString& reason) {
                if (domain == m_probeDomain) {
                    QFile log(Paths::runtimeDir() + "/kvm-probe.log");
                    log.open(QIODevice::ReadOnly);
                    const bool echoed = log.readAll().contains("vivarium-echo");
                    finishKvmProbe(echoed, echoed ? "the guest booted and answered"
                                                  : "the guest stopped (" + reason +
                                                        ") without answering");
                    return;
                }
                for (Sandbox* s : std::as_const(m_sandboxes))
                    if (s->domainName() == domain)
                        s->markStopped(reason);
            });
}

SandboxManager::~SandboxManager() { m_pool.waitForDone(); }

Status SandboxManager::init() {
    if (!Paths::ensureDir(Paths::sandboxesDir()))
        return makeError("io_error", "Cannot create " + Paths::sandboxesDir());
    if (auto s = m_libvirt.open(m_settings.libvirtUri); !s)
        return s;
    chooseAccelerator(); // with require_kvm, sandboxes refuse to boot until KVM is usable
    adopt();
    m_stats->start();
    m_pools->start();
    return {};
}

void SandboxManager::chooseAccelerator() {
    const QString want = m_settings.accelerator;
    if (want == "tcg") {
        m_accelerator = Accelerator::Tcg;
        m_acceleratorReason = "TCG chosen in the settings";
    } else if (want == "kvm") {
        m_accelerator = Accelerator::Kvm;
        m_acceleratorReason = "KVM chosen in the settings";
    } else if (!m_libvirt.kvmOffered()) {
        m_accelerator = Accelerator::Tcg;
        m_acceleratorReason = "libvirt offers no KVM on this host";
    } else {
        // libvirt offers KVM even where a paravirtual /dev/kvm cannot run a stock guest
        // (DESIGN.md): only a probe boot proves it. The verdict is kept per host kernel and
        // QEMU build; until there is one, sandboxes boot on TCG and the probe runs aside.
        QFile probe(probeCacheFile());
        const QJsonObject cached = probe.open(QIODevice::ReadOnly)
                                       ? QJsonDocument::fromJson(probe.readAll()).object()
                                       : QJsonObject();
        if (cached.value("host") == probeHostKey()) {
            const bool passed = cached.value("ok").toBool();
            m_accelerator = passed ? Accelerator::Kvm : Accelerator::Tcg;
            m_acceleratorReason = passed ? "a KVM probe boot succeeded on this host"
                                         : "a KVM probe boot failed on this host (" +
                                               cached.value("reason").toString() + ")";
        } else {
            m_accelerator = Accelerator::Tcg;
            m_acceleratorReason = "KVM is being probed; TCG until the probe boot succeeds";
            QTimer::singleShot(0, this, &SandboxManager::startKvmProbe);
        }
    }
    qCInfo(lcHypervisor) << "accelerator:" << acceleratorName(m_accelerator) << "-"
                         << m_acceleratorReason;
}

void SandboxManager::startKvmProbe() {
    const GuestArtifacts a = m_images.artifacts("tiny");
    if (!QFileInfo::exists(a.kernel) || !QFileInfo::exists(a.initrd)) {
        m_acceleratorReason = "KVM not probed yet: the guest kernel is not prepared";
        return;
    }
    Paths::ensureDir(Paths::runtimeDir());
    m_probeDomain = "vivarium-kvm-probe-" + QString::number(QCoreApplication::applicationPid());
    const QString log = Paths::runtimeDir() + "/kvm-probe.log";
    QFile::remove(log);
    DomainSpec spec;
    spec.name = m_probeDomain;
    spec.accelerator = Accelerator::Kvm;
    spec.kernel = a.kernel;
    spec.initrd = a.initrd;
    spec.cmdline = "console=ttyS0 quiet panic=-1 vivarium.mode=echo";
    spec.consoleLog = log;
    if (geteuid() == 0)
        spec.dacOwner = std::pair{uint(geteuid()), uint(getegid())};
    m_probeTimer = new QTimer(this);
    m_probeTimer->setSingleShot(true);
    connect(m_probeTimer, &QTimer::timeout, this,
            [this] { finishKvmProbe(false, "the probe guest did not finish within 20 s"); });
    m_probeTimer->start(20000);
    qCInfo(lcHypervisor) << "probing KVM with a test boot";
    runLibvirt(this, [xml = domainXml(spec)](LibvirtConnection& c) { return c.createTransient(xml); },
               [this](Status s) {
                   if (!s)
                       finishKvmProbe(false, s.error().detail.isEmpty() ? s.error().message
                                                                        : s.error().detail);
               });
}

void SandboxManager::finishKvmProbe(bool ok, const QString& why) {
    if (m_probeDomain.isEmpty())
        return;
    const QString domain = std::exchange(m_probeDomain, {});
    m_probeTimer->deleteLater();
    m_probeTimer = nullptr;
    if (!ok)
        runLibvirt(this, [domain](LibvirtConnection& c) { return c.destroyDomain(domain); },
                   [](Status) {});
    QSaveFile f(probeCacheFile());
    if (f.open(QIODevice::WriteOnly)) {
        f.write(QJsonDocument(QJsonObject{{"host", probeHostKey()}, {"ok", ok}, {"reason", why}})
                    .toJson());
        f.commit();
    }
    qCInfo(lcHypervisor) << "KVM probe" << (ok ? "succeeded" : "failed:") << why;
    if (ok) {
        m_accelerator = Accelerator::Kvm;
        m_acceleratorReason = "a KVM probe boot succeeded on this host";
    } else {
        m_acceleratorReason = "a KVM probe boot failed on this host (" + why + ")";
    }
    emit acceleratorChanged();
}

QString SandboxManager::probeCacheFile() { return Paths::dataDir() + "/kvm-probe.json"; }

QString SandboxManager::probeHostKey() {
    // A new host kernel or QEMU build may change the verdict.
    QFile release("/proc/sys/kernel/osrelease");
    release.open(QIODevice::ReadOnly);
    const QFileInfo qemu("/usr/bin/qemu-system-x86_64");
    return QString::fromLatin1(release.readAll()).trimmed() + "/" +
           QString::number(qemu.lastModified().toSecsSinceEpoch());
}

QString SandboxManager::metadataFor(const Sandbox& s) const {
    return QString("<vivarium:sandbox xmlns:vivarium='%1' id='%2' home='%3'/>")
        .arg(LibvirtConnection::kMetadataUri, xmlEscape(s.id()), xmlEscape(Paths::dataDir()));
}

QString SandboxManager::domainXmlFor(const Sandbox& s) const {
    const GuestArtifacts a = m_images.artifacts(s.config().image);
    DomainSpec spec;
    spec.name = s.domainName();
    spec.uuid = s.config().uuid;
    spec.accelerator = m_accelerator;
    spec.vcpus = s.config().vcpus;
    spec.memoryMiB = s.config().memoryMiB;
    spec.kernel = a.kernel;
    spec.initrd = a.initrd;
    QStringList cmdline = guestKernelArgs(m_accelerator, m_tscKhz);
    QString host = s.config().name;
    host.replace(QRegularExpression("[^A-Za-z0-9-]"), "-");
    cmdline << "vivarium.hostname=" + host.left(63);
    // Egress `open`: a user-mode NIC, which the agent configures when told so.
    const auto egress = parseEgressMode(s.config().network.value("egress").toString("none"));
    spec.userNetwork = egress && *egress == EgressMode::Open;
    if (spec.userNetwork)
        cmdline << "vivarium.net=user";
    if (!m_settings.extraCmdline.isEmpty())
        cmdline << m_settings.extraCmdline;
    spec.cmdline = cmdline.join(' ');
    spec.diskPath = s.overlayPath();
    spec.channelPath = s.channelPath();
    spec.consoleLog = s.consoleLog();
    // A root daemon talks to the system libvirtd, whose QEMU would run as libvirt-qemu and
    // could not reach the caller's private data dir: run it as the caller instead.
    if (geteuid() == 0)
        spec.dacOwner = std::pair{uint(geteuid()), uint(getegid())};
    spec.metadataXml = metadataFor(s);
    return domainXml(spec);
}

Sandbox* SandboxManager::addSandbox(SandboxConfig config, const QString& dir) {
    auto* s = new Sandbox(std::move(config), dir, this);
    m_sandboxes.insert(s->id(), s);
    connect(s, &Sandbox::stateChanged, this, [this, s] { emit sandboxStateChanged(s); });
    connect(s, &Sandbox::runStarted, this, [this, s](Run* r) { emit runStarted(s, r); });
    connect(s, &Sandbox::runFinished, this, [this, s](Run* r) { emit runFinished(s, r); });
    connect(s, &Sandbox::fileWritten, this,
            [this, s](const QString& path, qint64 size) { emit fileWritten(s, path, size); });
    connect(s->network(), &SandboxNetwork::tunnelsChanged, this, [this, s] { emit tunnelsChanged(s); });
    connect(s, &Sandbox::idleWarning, this, [this, s](const QString& action, int secondsLeft) {
        emit sandboxIdleWarning(s, action, secondsLeft);
    });
    connect(s->network(), &SandboxNetwork::logged, this,
            [this, s](const QJsonObject& e) { emit networkLogged(s, e); });
    return s;
}

void SandboxManager::adopt() {
    auto domains = m_libvirt.listDomains("vivarium-");
    if (!domains) {
        qCWarning(lcSandbox) << domains.error().text();
        return;
    }
    QMap<QString, DomainInfo> ours;
    for (const DomainInfo& d : domains.value()) {
        const Metadata md = parseMetadata(d.metadata);
        if (md.home == Paths::dataDir() && !md.id.isEmpty())
            ours.insert(md.id, d);
    }
    const QDir root(Paths::sandboxesDir());
    for (const QString& id : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile f(root.filePath(id) + "/sandbox.json");
        if (!f.open(QIODevice::ReadOnly))
            continue;
        auto config = SandboxConfig::fromJson(QJsonDocument::fromJson(f.readAll()).object());
        if (!config || config->id != id) {
            qCWarning(lcSandbox) << "skipping sandbox directory" << root.filePath(id)
                                 << "with an unreadable sandbox.json";
            continue;
        }
        const auto d = ours.constFind(id);
        if (config->uuid.isEmpty()) // written before domain UUIDs were kept: take libvirt's
            config->uuid = d != ours.cend() && !d->uuid.isEmpty()
                               ? d->uuid
                               : QUuid::createUuid().toString(QUuid::WithoutBraces);
        Sandbox* s = addSandbox(config.value(), root.filePath(id));
        s->loadRuns();
        if (auto saved = s->saveConfig(); !saved)
            qCWarning(lcSandbox) << saved.error().text();
        if (d != ours.cend() && d->state == DomainState::Running) {
            qCInfo(lcSandbox) << "re-adopting running sandbox" << id;
            s->adoptRunning();
        } else if (d != ours.cend() && d->state == DomainState::Paused) {
            qCInfo(lcSandbox) << "re-adopting paused sandbox" << id;
            s->adoptPaused();
        } else if (d != ours.cend() && d->state == DomainState::ShutOff &&
                   [&] { auto m = m_libvirt.hasManagedSave(d->name); return m && *m; }()) {
            qCInfo(lcSandbox) << "re-adopting hibernated sandbox" << id;
            s->adoptHibernated();
        } else {
            s->markStopped(d == ours.cend() ? "no virtual machine defined" : "shut off");
        }
    }
}

void SandboxManager::create(const CreateOptions& o, Progress progress,
                            std::function<void(Result<Sandbox*>)> done, QObject* context) {
    // The template as it is now: the sandbox keeps a copy, so later edits do not reach it.
    auto tmpl = m_templates->find(o.templateName);
    if (!tmpl) {
        done(tmpl.error());
        return;
    }
    if (!o.image.isEmpty())
        tmpl->image = o.image; // viv create/run --image: pulled first when it is not here
    for (const QString& route : std::as_const(tmpl->routes))
        if (!m_routes->exists(route)) {
            done(makeError("not_found",
                           QString("Template '%1' uses route '%2', which does not exist. Add it "
                                   "with: viv route add %2 --upstream URL --header 'NAME: VALUE'")
                               .arg(tmpl->name, route)));
            return;
        }
    if (!o.name.isEmpty()) {
        static const QRegularExpression valid("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");
        if (!valid.match(o.name).hasMatch()) {
            done(makeError("bad_request",
                           "A sandbox name is 1-63 letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit."));
            return;
        }
        for (Sandbox* s : std::as_const(m_sandboxes))
            if (s->config().name == o.name) {
                done(makeError("name_taken",
                               QString("A sandbox named '%1' exists already (%2).")
                                   .arg(o.name, s->id())));
                return;
            }
    }
    // A warm pool member, when one is ready and nothing asked for a different machine.
    if (o.pool.isEmpty() && o.image.isEmpty() && o.start)
        if (Sandbox* warm = m_pools->claim(tmpl.value(), o.name)) {
            emit sandboxAdded(warm);
            done(warm);
            return;
        }
    // Low host memory: refused before anything is made (no overlay, no domain). The promise
    // holds while the image is prepared, so two creates cannot both count the same free MiB;
    // the sandbox's own start takes it over.
    static quint64 createSerial = 0;
    const QString memoryKey = QString("create-%1").arg(++createSerial);
    if (o.start) {
        const QString label = o.name.isEmpty() ? "from template '" + tmpl->name + "'" : o.name;
        if (auto s = reserveBootMemory(memoryKey, label, tmpl->memoryMiB); !s) {
            done(s.error());
            return;
        }
    }
    QPointer<QObject> ctx(context);
    m_images.ensure(
        tmpl->image, std::move(progress),
        [this, o, tmpl = tmpl.value(), done, ctx, memoryKey](Result<GuestArtifacts> artifacts) {
            if (!ctx) {
                releaseBootMemory(memoryKey);
                return;
            }
            if (!artifacts) {
                releaseBootMemory(memoryKey);
                done(artifacts.error());
                return;
            }
            // The overlay's virtual size is the disk the guest sees: at least the image.
            const qint64 imageBytes = QFileInfo(artifacts->rootfs).size();
            if (tmpl.diskMiB > 0 && qint64(tmpl.diskMiB) << 20 < imageBytes) {
                done(makeError("bad_request",
                               QString("Template '%1' asks for a %2 MiB disk, smaller than image "
                                       "'%3' (%4 MiB); set its disk_mib to at least %4.")
                                   .arg(tmpl.name)
                                   .arg(tmpl.diskMiB)
                                   .arg(tmpl.image)
                                   .arg((imageBytes + (1 << 20) - 1) >> 20)));
                releaseBootMemory(memoryKey);
                return;
            }
            SandboxConfig config;
            do
                config.id = newId();
            while (m_sandboxes.contains(config.id));
            config.uuid = QUuid::createUuid().toString(QUuid::WithoutBraces);
            // A pool member gets the name a claim without one gives it (the guest's hostname
            // is this boot-time name).
            config.name = o.name.isEmpty() ? tmpl.name + "-" + config.id.left(4) : o.name;
            if (!o.pool.isEmpty()) {
                config.pool = o.pool;
                config.poolSignature = PoolManager::signature(tmpl);
            }
            config.templateName = tmpl.name;
            // A pulled image is recorded pinned by digest: a newer pull of its tag must never
            // change the base under this sandbox's disk.
            config.image = artifacts->image.isEmpty() ? tmpl.image : artifacts->image;
            config.vcpus = tmpl.vcpus;
            config.memoryMiB = tmpl.memoryMiB;
            config.diskMiB = tmpl.diskMiB;
            config.env = tmpl.env;
            config.workdir = tmpl.workdir;
            config.user = tmpl.user;
            config.idleTimeoutS = tmpl.idleTimeoutS;
            config.idleAction = tmpl.idleAction;
            config.network = tmpl.networkJson();
            config.created = QDateTime::currentDateTimeUtc();
            const QString dir = Paths::sandboxesDir() + "/" + config.id;
            const QString base = artifacts->rootfs;
            // A larger disk is grown into by the guest agent at boot (an online ext4 resize).
            const QString size = qint64(tmpl.diskMiB) << 20 > imageBytes
                                     ? QString::number(tmpl.diskMiB) + "M"
                                     : QString();
            QtConcurrent::run(&m_pool, [dir, base, size]() -> Status {
                if (!QDir().mkpath(dir))
                    return makeError("io_error", "Cannot create " + dir);
                QProcess p;
                QStringList args{"create", "-q", "-f", "qcow2", "-F", "raw", "-b", base, dir + "/disk.qcow2"};
                if (!size.isEmpty())
                    args << size;
                p.start("qemu-img", args);
                if (!p.waitForFinished(60000) || p.exitCode() != 0)
                    return makeError("disk_failed", "Cannot create the sandbox's disk overlay",
                                     QString::fromUtf8(p.readAllStandardError()).trimmed() +
                                         p.errorString());
                return {};
            }).then(this, [this, config, dir, done, ctx, start = o.start, added = o.added,
                           memoryKey](Status s) {
                releaseBootMemory(memoryKey); // the sandbox's start promises it anew
                if (!ctx)
                    return;
                if (!s) {
                    QDir(dir).removeRecursively();
                    done(s.error());
                    return;
                }
                Sandbox* sandbox = addSandbox(config, dir);
                if (auto saved = sandbox->saveConfig(); !saved) {
                    done(saved.error());
                    return;
                }
                if (sandbox->config().pool.isEmpty())
                    emit sandboxAdded(sandbox);
                if (added)
                    added(sandbox);
                if (!start) {
                    done(sandbox);
                    return;
                }
                QPointer<Sandbox> guard(sandbox);
                sandbox->start([done, guard](Status started) {
                    if (!started)
                        done(started.error());
                    else if (guard)
                        done(guard.data());
                });
            });
        },
        context);
}

void SandboxManager::remove(Sandbox* sandbox, std::function<void(Status)> done) {
    if (auto s = checkVerb(sandbox->id(), sandbox->state(), SandboxVerb::Remove); !s) {
        done(s);
        return;
    }
    sandbox->setRemoving();
    const QString id = sandbox->id();
    runLibvirt(
        sandbox,
        [name = sandbox->domainName(), guard = sandbox->domainGuard()](LibvirtConnection& c)
            -> Status {
            // After any start or restore in flight: it sees `removed` and gives up, or has
            // made the domain that is destroyed here.
            QMutexLocker lock(&guard->mutex);
            auto exists = c.domainExists(name);
            if (!exists)
                return exists.error();
            if (!exists.value())
                return {};
            if (auto s = c.destroyDomain(name); !s)
                return s;
            return c.undefineDomain(name);
        },
        [this, sandbox, id, done](Status s) {
            if (!s) {
                done(s);
                return;
            }
            QDir(sandbox->dir()).removeRecursively();
            m_sandboxes.remove(id);
            sandbox->deleteLater();
            if (sandbox->config().pool.isEmpty())
                emit sandboxRemoved(id);
            done({});
        });
}

Status SandboxManager::reserveBootMemory(const QString& key, const QString& sandbox, int guestMiB) {
    auto available = hostMemAvailableMiB();
    if (!available) {
        qCWarning(lcSandbox) << available.error().text() << "- not checking host memory";
        return {};
    }
    qint64 booting = 0;
    for (auto it = m_bootMemory.cbegin(); it != m_bootMemory.cend(); ++it)
        if (it.key() != key)
            booting += it.value();
    MemoryDemand d;
    d.sandbox = sandbox;
    d.guestMiB = guestMiB;
    d.availableMiB = *available;
    d.bootingMiB = booting;
    d.reserveMiB = m_settings.memoryReserveMiB;
    if (auto s = checkHostMemory(d); !s) {
        qCWarning(lcSandbox) << s.error().message;
        return s;
    }
    m_bootMemory.insert(key, guestMiB + kVmmOverheadMiB);
    return {};
}

void SandboxManager::releaseBootMemory(const QString& key) { m_bootMemory.remove(key); }

bool SandboxManager::isPoolMember(const QString& id) const {
    const Sandbox* s = m_sandboxes.value(id);
    return s && !s->config().pool.isEmpty();
}

Result<Sandbox*> SandboxManager::find(const QString& key) const {
    if (Sandbox* s = m_sandboxes.value(key))
        return s;
    QList<Sandbox*> matches;
    for (Sandbox* s : m_sandboxes)
        if (s->config().name == key)
            return s;
    for (Sandbox* s : m_sandboxes)
        if (!key.isEmpty() && s->id().startsWith(key))
            matches << s;
    if (matches.size() == 1)
        return matches.first();
    if (matches.size() > 1)
        return makeError("ambiguous", QString("'%1' matches several sandboxes; give more of "
                                              "the id.")
                                          .arg(key));
    return makeError("not_found",
                     QString("There is no sandbox '%1'. List them with: viv ls").arg(key));
}

} // namespace vivarium
