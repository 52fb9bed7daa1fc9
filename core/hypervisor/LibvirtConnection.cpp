#include "LibvirtConnection.h"

#include "Log.h"

#include <QFile>
#include <QMetaObject>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <mutex>
#include <thread>

namespace vivarium {

namespace {

// libvirt's default event loop runs on one process-wide thread, started once.
void ensureEventLoop() {
    static std::once_flag once;
    std::call_once(once, [] {
        // Errors are returned as values (lastError); libvirt must not also print them.
        virSetErrorFunc(nullptr, [](void*, virErrorPtr) {});
        virEventRegisterDefaultImpl();
        std::thread([] {
            for (;;)
                virEventRunDefaultImpl();
        }).detach();
    });
}

DomainState toState(int s) {
    switch (s) {
    case VIR_DOMAIN_RUNNING: return DomainState::Running;
    case VIR_DOMAIN_PAUSED: case VIR_DOMAIN_PMSUSPENDED: return DomainState::Paused;
    case VIR_DOMAIN_SHUTOFF: return DomainState::ShutOff;
    case VIR_DOMAIN_CRASHED: return DomainState::Crashed;
    case VIR_DOMAIN_SHUTDOWN: return DomainState::ShuttingDown;
    default: return DomainState::Other;
    }
}

struct DomainRef {
    virDomainPtr d = nullptr;
    ~DomainRef() {
        if (d)
            virDomainFree(d);
    }
};

} // namespace

QString domainStateName(DomainState state) {
    switch (state) {
    case DomainState::Running: return "running";
    case DomainState::Paused: return "paused";
    case DomainState::ShutOff: return "shut off";
    case DomainState::Crashed: return "crashed";
    case DomainState::ShuttingDown: return "shutting down";
    case DomainState::Other: return "other";
    case DomainState::Unknown: break;
    }
    return "unknown";
}

QString acceleratorName(Accelerator a) { return a == Accelerator::Kvm ? "kvm" : "tcg"; }

struct LibvirtCallbacks {
    static int lifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void* opaque) {
        auto* self = static_cast<LibvirtConnection*>(opaque);
        const QString name = QString::fromUtf8(virDomainGetName(dom));
        if (event == VIR_DOMAIN_EVENT_STOPPED) {
            QString reason;
            switch (detail) {
            case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: reason = "shutdown"; break;
            case VIR_DOMAIN_EVENT_STOPPED_DESTROYED: reason = "destroyed"; break;
            case VIR_DOMAIN_EVENT_STOPPED_CRASHED: reason = "crashed"; break;
            case VIR_DOMAIN_EVENT_STOPPED_FAILED: reason = "failed"; break;
            case VIR_DOMAIN_EVENT_STOPPED_SAVED: reason = "saved"; break; // memory to disk
            default: reason = "stopped"; break;
            }
            QMetaObject::invokeMethod(
                self, [self, name, reason] { emit self->domainStopped(name, reason); },
                Qt::QueuedConnection);
        } else if (event == VIR_DOMAIN_EVENT_STARTED) {
            QMetaObject::invokeMethod(
                self, [self, name] { emit self->domainStarted(name); }, Qt::QueuedConnection);
        } else if (event == VIR_DOMAIN_EVENT_SUSPENDED) {
            QMetaObject::invokeMethod(
                self, [self, name] { emit self->domainSuspended(name); }, Qt::QueuedConnection);
        } else if (event == VIR_DOMAIN_EVENT_RESUMED) {
            QMetaObject::invokeMethod(
                self, [self, name] { emit self->domainResumed(name); }, Qt::QueuedConnection);
        }
        return 0;
    }
    static void closed(virConnectPtr, int reason, void* opaque) {
        auto* self = static_cast<LibvirtConnection*>(opaque);
        const QString why = reason == VIR_CONNECT_CLOSE_REASON_EOF        ? "end of file"
                            : reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE ? "keepalive timeout"
                                                                           : "error";
        QMetaObject::invokeMethod(
            self, [self, why] { emit self->connectionClosed(why); }, Qt::QueuedConnection);
    }
};

LibvirtConnection::LibvirtConnection(QObject* parent) : QObject(parent) {}

LibvirtConnection::~LibvirtConnection() {
    if (m_conn) {
        if (m_lifecycleCallback >= 0)
            virConnectDomainEventDeregisterAny(m_conn, m_lifecycleCallback);
        virConnectUnregisterCloseCallback(m_conn, &LibvirtCallbacks::closed);
        virConnectClose(m_conn);
    }
}

Error LibvirtConnection::lastError(const QString& what) const {
    const char* msg = virGetLastErrorMessage();
    return makeError("libvirt", what, QString::fromUtf8(msg ? msg : "unknown libvirt error"));
}

Status LibvirtConnection::open(const QString& uri) {
    ensureEventLoop();
    m_uri = uri;
    m_conn = virConnectOpen(uri.toUtf8().constData());
    if (!m_conn)
        return makeError("libvirt_unreachable",
                         QString("Cannot connect to libvirt at %1. Is libvirtd running? "
                                 "(as root: start 'virtlogd -d' and 'libvirtd -d')")
                             .arg(uri),
                         QString::fromUtf8(virGetLastErrorMessage()));
    virConnectSetKeepAlive(m_conn, 5, 3);
    virConnectRegisterCloseCallback(m_conn, &LibvirtCallbacks::closed, this, nullptr);
    m_lifecycleCallback = virConnectDomainEventRegisterAny(
        m_conn, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(&LibvirtCallbacks::lifecycle), this, nullptr);
    qCInfo(lcHypervisor) << "connected to" << uri;
    return {};
}

bool LibvirtConnection::isOpen() const { return m_conn && virConnectIsAlive(m_conn) == 1; }

bool LibvirtConnection::kvmOffered() {
    if (!m_conn)
        return false;
    char* caps = virConnectGetDomainCapabilities(m_conn, nullptr, "x86_64", "microvm", "kvm", 0);
    if (!caps)
        return false;
    free(caps);
    return true;
}

Status LibvirtConnection::defineDomain(const QString& xml) {
    virDomainPtr d = virDomainDefineXML(m_conn, xml.toUtf8().constData());
    if (!d)
        return lastError("Cannot define the virtual machine");
    virDomainFree(d);
    return {};
}

Status LibvirtConnection::createTransient(const QString& xml) {
    virDomainPtr d = virDomainCreateXML(m_conn, xml.toUtf8().constData(), 0);
    if (!d)
        return lastError("Cannot start the virtual machine");
    virDomainFree(d);
    return {};
}

#define VIV_LOOKUP(name, what)                                                                     \
    DomainRef ref;                                                                                 \
    ref.d = virDomainLookupByName(m_conn, name.toUtf8().constData());                              \
    if (!ref.d)                                                                                    \
        return lastError(QString(what) + " " + name);

Status LibvirtConnection::startDomain(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    if (virDomainCreate(ref.d) < 0)
        return lastError("Cannot start virtual machine " + name);
    return {};
}

Status LibvirtConnection::destroyDomain(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    if (virDomainIsActive(ref.d) == 1 && virDomainDestroy(ref.d) < 0)
        return lastError("Cannot stop virtual machine " + name);
    return {};
}

Status LibvirtConnection::undefineDomain(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    if (virDomainUndefineFlags(ref.d, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                          VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) < 0)
        return lastError("Cannot remove virtual machine " + name);
    return {};
}

Status LibvirtConnection::suspendDomain(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    if (virDomainSuspend(ref.d) < 0)
        return lastError("Cannot pause virtual machine " + name);
    return {};
}

Status LibvirtConnection::resumeDomain(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    if (virDomainResume(ref.d) < 0)
        return lastError("Cannot resume virtual machine " + name);
    return {};
}

Status LibvirtConnection::managedSave(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    // BYPASS_CACHE: the image is read once at the next start, not worth the page cache.
    if (virDomainManagedSave(ref.d, VIR_DOMAIN_SAVE_BYPASS_CACHE) < 0)
        return lastError("Cannot write the memory of virtual machine " + name + " to disk");
    return {};
}

Result<bool> LibvirtConnection::hasManagedSave(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    const int r = virDomainHasManagedSaveImage(ref.d, 0);
    if (r < 0)
        return lastError("Cannot ask whether virtual machine " + name + " is hibernated");
    return r == 1;
}

Status LibvirtConnection::removeManagedSave(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    if (virDomainManagedSaveRemove(ref.d, 0) < 0)
        return lastError("Cannot discard the saved memory of virtual machine " + name);
    return {};
}

Status LibvirtConnection::saveDomain(const QString& name, const QString& path) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    if (virDomainSaveFlags(ref.d, QFile::encodeName(path).constData(), nullptr,
                           VIR_DOMAIN_SAVE_RUNNING) < 0)
        return lastError("Cannot save the memory of virtual machine " + name + " to " + path);
    return {};
}

Status LibvirtConnection::restoreDomain(const QString& path, const QString& xml) {
    const QByteArray dxml = xml.toUtf8();
    if (virDomainRestoreFlags(m_conn, QFile::encodeName(path).constData(),
                              xml.isEmpty() ? nullptr : dxml.constData(),
                              VIR_DOMAIN_SAVE_RUNNING) < 0)
        return lastError("Cannot restore a virtual machine from " + path);
    return {};
}

Result<DomainState> LibvirtConnection::domainState(const QString& name) {
    VIV_LOOKUP(name, "Cannot find virtual machine");
    int state = 0, reason = 0;
    if (virDomainGetState(ref.d, &state, &reason, 0) < 0)
        return lastError("Cannot read the state of " + name);
    return toState(state);
}

Result<bool> LibvirtConnection::domainExists(const QString& name) {
    virDomainPtr d = virDomainLookupByName(m_conn, name.toUtf8().constData());
    if (!d) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_DOMAIN)
            return false;
        return lastError("Cannot look up " + name);
    }
    virDomainFree(d);
    return true;
}

Result<QList<DomainInfo>> LibvirtConnection::listDomains(const QString& namePrefix) {
    virDomainPtr* domains = nullptr;
    const int n = virConnectListAllDomains(m_conn, &domains, 0);
    if (n < 0)
        return lastError("Cannot list virtual machines");
    QList<DomainInfo> out;
    for (int i = 0; i < n; ++i) {
        const QString name = QString::fromUtf8(virDomainGetName(domains[i]));
        if (name.startsWith(namePrefix)) {
            DomainInfo info;
            info.name = name;
            char uuid[VIR_UUID_STRING_BUFLEN];
            if (virDomainGetUUIDString(domains[i], uuid) == 0)
                info.uuid = QString::fromLatin1(uuid);
            int state = 0, reason = 0;
            if (virDomainGetState(domains[i], &state, &reason, 0) == 0)
                info.state = toState(state);
            if (char* md = virDomainGetMetadata(domains[i], VIR_DOMAIN_METADATA_ELEMENT,
                                                kMetadataUri, 0)) {
                info.metadata = QString::fromUtf8(md);
                free(md);
            }
            out.append(info);
        }
        virDomainFree(domains[i]);
    }
    free(domains);
    return out;
}

qint64 LibvirtConnection::vmmResidentBytes(const QString& name) {
    // libvirt writes the QEMU pid file under its run dir; the session and system daemons
    // differ, so try both.
    for (const QString& dir : {QString("/run/libvirt/qemu"),
                               QString::fromLocal8Bit(qgetenv("XDG_RUNTIME_DIR")) +
                                   "/libvirt/qemu/run"}) {
        QFile pidFile(dir + "/" + name + ".pid");
        if (!pidFile.open(QIODevice::ReadOnly))
            continue;
        const QByteArray pid = pidFile.readAll().trimmed();
        QFile status("/proc/" + pid + "/status");
        if (!status.open(QIODevice::ReadOnly))
            continue;
        for (const QByteArray& line : status.readAll().split('\n'))
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return 0;
}

Result<QList<DomainStats>> LibvirtConnection::domainStats(const QStringList& names) {
    // Listing the active domains and asking for ours is two round trips whatever their
    // number, and never touches other users' domains (no job taken on them).
    virDomainPtr* all = nullptr;
    const int n = virConnectListAllDomains(m_conn, &all, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    if (n < 0)
        return lastError("Cannot list virtual machines");
    QList<virDomainPtr> ours;
    for (int i = 0; i < n; ++i) {
        if (names.contains(QString::fromUtf8(virDomainGetName(all[i]))))
            ours.append(all[i]);
        else
            virDomainFree(all[i]);
    }
    free(all);
    QList<DomainStats> out;
    if (ours.isEmpty())
        return out;
    ours.append(nullptr); // virDomainListGetStats takes a NULL-terminated array
    virDomainStatsRecordPtr* records = nullptr;
    // NOWAIT: a domain busy in another job (booting, stopping) reports what it can now
    // instead of holding this worker thread until the job ends.
    const int got = virDomainListGetStats(ours.data(),
                                          VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON,
                                          &records, VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
    Result<QList<DomainStats>> result = out;
    if (got < 0) {
        result = lastError("Cannot read the statistics of the virtual machines");
    } else {
        auto get = [](virDomainStatsRecordPtr r, const char* field) -> std::optional<quint64> {
            unsigned long long v = 0;
            if (virTypedParamsGetULLong(r->params, r->nparams, field, &v) == 1)
                return quint64(v);
            return std::nullopt;
        };
        for (int i = 0; i < got; ++i) {
            virDomainStatsRecordPtr r = records[i];
            DomainStats d;
            d.name = QString::fromUtf8(virDomainGetName(r->dom));
            d.domainId = int(virDomainGetID(r->dom));
            d.cpuTimeNs = get(r, "cpu.time");
            if (const auto rss = get(r, "balloon.rss")) // KiB
                d.residentBytes = *rss * 1024;
            if (const auto max = get(r, "balloon.maximum")) // KiB
                d.guestMemoryBytes = *max * 1024;
            result->append(d);
        }
        virDomainStatsRecordListFree(records);
    }
    for (virDomainPtr d : ours)
        if (d)
            virDomainFree(d);
    return result;
}

} // namespace vivarium
