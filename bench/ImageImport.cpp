// image-import: a ~100 MB multi-layer OCI image (BenchImage.h) in a real docker-registry on a
// loopback port (tests/support/LocalRegistry, pushed with skopeo), imported by our service and
// by the container tools in the same run, round after round, from an empty cache each round.
//
// Ours: API image.pull on the isolated vivariumd, request -> the pull's done answer.
// PulledImages answers only after the image's ext4 root file system (LayerApplier +
// RootfsBuilder) has been renamed into place, so the answer is the moment the bootable disk
// exists; the bench checks that the rootfs.img is there. The service's image cache
// (VIVARIUM_CACHE_DIR/oci) is emptied through image.remove before each round.
// Baseline: `skopeo copy docker://… oci:DIR:tag` + `umoci unpack --rootless --image DIR:tag
// BUNDLE` from an empty DIR. It ends in an unpacked directory and ours in a disk image, so
// baseline + `mke2fs -d` of the bundle (RootfsBuilder's flags) is reported beside it.
// Second import: the second image (every layer but the top one shared) with the first's
// layers cached, on both sides. Bytes fetched from the registry are counted by a TCP proxy in
// front of it (on its own thread), which both sides pull through: everything the registry
// sent, HTTP headers included.
#include "Benchmarks.h"
#include "BenchImage.h"
#include "Helpers.h"

#include "LocalRegistry.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>

#include <atomic>

#include <sys/resource.h>
#include <sys/stat.h>

namespace bench {

namespace {

constexpr int kImportTimeoutMs = 20 * 60 * 1000;
constexpr const char* kRepo = "bench/import";

// ---- the counting proxy --------------------------------------------------------------------

struct ProxyCounters {
    std::atomic<qint64> fromRegistry{0}, toRegistry{0};
    std::atomic<int> connections{0};
};

// Lives on the proxy's thread: accepts clients and pipes each to its own registry connection.
class ProxyWorker : public QObject {
public:
    ProxyWorker(quint16 upstream, ProxyCounters* counters)
        : m_upstream(upstream), m_counters(counters) {}

    quint16 listen() {
        auto* server = new QTcpServer(this);
        connect(server, &QTcpServer::newConnection, this, [this, server] {
            while (QTcpSocket* client = server->nextPendingConnection())
                pipe(client);
        });
        return server->listen(QHostAddress::LocalHost, 0) ? server->serverPort() : 0;
    }

private:
    void pipe(QTcpSocket* client) {
        ++m_counters->connections;
        auto* up = new QTcpSocket(client);
        up->connectToHost(QHostAddress::LocalHost, m_upstream); // writes wait for the connect
        ProxyCounters* c = m_counters;
        connect(client, &QTcpSocket::readyRead, up, [c, client, up] {
            const QByteArray data = client->readAll();
            c->toRegistry += data.size();
            up->write(data);
        });
        connect(up, &QTcpSocket::readyRead, client, [c, client, up] {
            const QByteArray data = up->readAll();
            c->fromRegistry += data.size();
            client->write(data);
        });
        connect(up, &QTcpSocket::disconnected, client, [client] { client->disconnectFromHost(); });
        connect(up, &QTcpSocket::errorOccurred, client,
                [client] { client->disconnectFromHost(); });
        connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
    }

    quint16 m_upstream;
    ProxyCounters* m_counters;
};

class CountingProxy {
public:
    ~CountingProxy() {
        if (m_worker)
            m_worker->deleteLater(); // on its thread, before the thread ends
        m_thread.quit();
        m_thread.wait();
    }
    bool start(quint16 upstream, QString* error) {
        m_worker = new ProxyWorker(upstream, &m_counters);
        m_worker->moveToThread(&m_thread);
        m_thread.start();
        QMetaObject::invokeMethod(
            m_worker, [this] { m_port = m_worker->listen(); }, Qt::BlockingQueuedConnection);
        if (m_port == 0)
            *error = "the counting proxy cannot listen on 127.0.0.1";
        return m_port != 0;
    }
    QString host() const { return QString("127.0.0.1:%1").arg(m_port); }
    void reset() {
        m_counters.fromRegistry = 0;
        m_counters.toRegistry = 0;
    }
    qint64 fromRegistry() const { return m_counters.fromRegistry; }

private:
    QThread m_thread;
    ProxyWorker* m_worker = nullptr;
    ProxyCounters m_counters;
    quint16 m_port = 0;
};

// ---- processes and CPU time ----------------------------------------------------------------

// User + system CPU of a process and its reaped children (vivariumd's mke2fs and debugfs).
double cpuWithChildrenMs(pid_t pid) {
    QFile f(QString("/proc/%1/stat").arg(pid));
    if (pid <= 0 || !f.open(QIODevice::ReadOnly))
        return NAN;
    const QByteArray s = f.readAll();
    const QList<QByteArray> v = s.mid(s.lastIndexOf(')') + 2).split(' ');
    if (v.size() < 15)
        return NAN;
    const double tick = double(sysconf(_SC_CLK_TCK));
    return (v[11].toDouble() + v[12].toDouble() + v[13].toDouble() + v[14].toDouble()) *
           1000.0 / tick;
}

// CPU of this process's reaped children (skopeo, umoci, mke2fs).
double childrenCpuMs() {
    rusage r{};
    getrusage(RUSAGE_CHILDREN, &r);
    auto ms = [](const timeval& t) { return double(t.tv_sec) * 1000.0 + t.tv_usec / 1000.0; };
    return ms(r.ru_utime) + ms(r.ru_stime);
}

// Runs a tool to its end on the event loop; returns its wall time in ms, or -1.
double runTimed(const QString& program, const QStringList& args, QString* error) {
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    bool finished = false;
    QObject::connect(&p, &QProcess::finished, &p, [&] { finished = true; });
    QObject::connect(&p, &QProcess::errorOccurred, &p, [&](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            finished = true;
    });
    const double t0 = nowMs();
    p.start(program, args);
    if (!waitUntil([&] { return finished; }, kImportTimeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        *error = program + " did not finish within " + QString::number(kImportTimeoutMs / 60000) +
                 " min";
        return -1;
    }
    const double t1 = nowMs();
    if (p.error() == QProcess::FailedToStart) {
        *error = "cannot run " + program + ": " + p.errorString() +
                 " (install it: apt-get install skopeo umoci e2fsprogs)";
        return -1;
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = program + " " + args.join(' ') + " failed: " +
                 QString::fromLocal8Bit(p.readAllStandardError()).trimmed().right(2000);
        return -1;
    }
    return t1 - t0;
}

struct TreeSize {
    qint64 fileBytes = 0, inodes = 0;
};
TreeSize treeSize(const QString& root) {
    TreeSize t;
    QDirIterator it(root, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        struct stat st {};
        if (::lstat(QFile::encodeName(it.filePath()).constData(), &st) != 0)
            continue;
        ++t.inodes;
        if (S_ISREG(st.st_mode))
            t.fileBytes += qint64(st.st_blocks) * 512;
    }
    return t;
}

// `mke2fs -d` of `tree` with the flags and sizing RootfsBuilder uses.
double mke2fsOf(const QString& tree, const QString& image, QString* error) {
    const TreeSize s = treeSize(tree);
    const qint64 want = std::max(1LL << 30, s.fileBytes * 2 + (512LL << 20));
    const qint64 bytes = (want + (4LL << 20) - 1) / (4LL << 20) * (4LL << 20);
    const qint64 inodes = std::max<qint64>(65536, s.inodes * 2);
    QFile::remove(image);
    return runTimed("mke2fs",
                    {"-q", "-t", "ext4", "-L", "bench-root", "-m", "0", "-N",
                     QString::number(inodes), "-E", "root_owner=0:0", "-d", tree, "-F", image,
                     QString::number(bytes / 1024) + "k"},
                    error);
}

// ---- one import each way -------------------------------------------------------------------

struct Import {
    double total = -1;
    double phaseA = NAN, phaseB = NAN, phaseC = NAN; // ours: download, layers, ext4; base: skopeo, umoci, mke2fs
    double cpuMs = NAN;
    qint64 wireBytes = 0;   // from the registry, through the proxy
    qint64 layerBytes = 0;  // ours: layers not cached when the pull started
    int cachedLayers = 0;
    qint64 diskBytes = 0;   // ours: rootfs.img blocks
};

std::optional<Import> pullOurs(Context& ctx, CountingProxy& proxy, const QString& ref,
                               QString* error) {
    struct State {
        bool done = false;
        QString error;
        QJsonObject image;
        double at = 0, extracting = -1, writing = -1;
        bool sawLayers = false;
        qint64 layerBytes = 0;
        int cached = 0;
    };
    auto st = std::make_shared<State>();
    proxy.reset();
    const double cpu0 = cpuWithChildrenMs(pid_t(ctx.daemon.pid()));
    const double t0 = nowMs();
    ctx.api.client().request(
        "image.pull", {{"ref", ref}},
        [st](vivarium::Result<QJsonObject> r) {
            st->at = nowMs();
            st->done = true;
            if (r)
                st->image = r.value().value("image").toObject();
            else
                st->error = r.error().text();
        },
        {},
        [st](const QJsonObject& m) {
            const double at = nowMs();
            const QString message = m.value("message").toString();
            const QJsonArray layers = m.value("layers").toArray();
            if (!st->sawLayers && !layers.isEmpty()) {
                st->sawLayers = true;
                for (const QJsonValue& v : layers) {
                    const QJsonObject l = v.toObject();
                    if (l.value("state").toString() == "cached")
                        ++st->cached;
                    else
                        st->layerBytes += l.value("size").toInteger();
                }
            }
            if (st->extracting < 0 && message.startsWith("extracting layer"))
                st->extracting = at;
            if (st->writing < 0 && message.startsWith("writing the root file system"))
                st->writing = at;
        });
    if (!waitUntil([st] { return st->done; }, kImportTimeoutMs)) {
        *error = "image.pull " + ref + ": no answer within 20 min";
        return std::nullopt;
    }
    if (!st->error.isEmpty()) {
        *error = "image.pull " + ref + ": " + st->error;
        return std::nullopt;
    }
    Import r;
    r.total = st->at - t0;
    r.cpuMs = cpuWithChildrenMs(pid_t(ctx.daemon.pid())) - cpu0;
    r.wireBytes = proxy.fromRegistry();
    r.layerBytes = st->layerBytes;
    r.cachedLayers = st->cached;
    if (st->extracting >= 0 && st->writing >= st->extracting) {
        r.phaseA = st->extracting - t0;
        r.phaseB = st->writing - st->extracting;
        r.phaseC = st->at - st->writing;
    }
    // The answer must mean a bootable disk: the image's rootfs.img is in place.
    const QString digest = st->image.value("digest").toString();
    const QString rootfs = ctx.config.cacheDir + "/oci/images/" + digest.mid(7) + "/rootfs.img";
    struct stat sb {};
    if (!digest.startsWith("sha256:") ||
        ::stat(QFile::encodeName(rootfs).constData(), &sb) != 0) {
        *error = "image.pull " + ref + " answered, but " + rootfs + " does not exist";
        return std::nullopt;
    }
    r.diskBytes = qint64(sb.st_blocks) * 512;
    return r;
}

struct BaselineDirs {
    QString layout, bundle1, bundle2, disk1, disk2;
};

std::optional<Import> importBaseline(CountingProxy& proxy, const QString& ref, const QString& tag,
                                     const QString& layout, const QString& bundle,
                                     const QString& disk, const QString& creds, QString* error) {
    Import r;
    proxy.reset();
    const double cpu0 = childrenCpuMs();
    r.phaseA = runTimed("skopeo",
                        {"--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
                         "--src-creds", creds, "docker://" + ref, "oci:" + layout + ":" + tag},
                        error);
    if (r.phaseA < 0)
        return std::nullopt;
    r.wireBytes = proxy.fromRegistry();
    r.phaseB = runTimed("umoci", {"unpack", "--rootless", "--image", layout + ":" + tag, bundle},
                        error);
    if (r.phaseB < 0)
        return std::nullopt;
    r.total = r.phaseA + r.phaseB;
    r.cpuMs = childrenCpuMs() - cpu0;
    r.phaseC = mke2fsOf(bundle + "/rootfs", disk, error);
    if (r.phaseC < 0)
        return std::nullopt;
    return r;
}

// Empties the service's image cache through the API, then checks that nothing is left.
bool emptyOurCache(Context& ctx, const QStringList& refs, QString* error) {
    for (const QString& ref : refs) {
        QString why;
        ctx.api.call("image.remove", {{"ref", ref}}, 60000, &why); // not_pulled is fine
    }
    const QString oci = ctx.config.cacheDir + "/oci";
    int leftovers = 0;
    for (const char* sub : {"blobs/sha256", "images", "partial", "tmp"}) {
        QDir d(oci + "/" + sub);
        for (const QString& e : d.entryList(QDir::AllEntries | QDir::NoDotAndDotDot)) {
            ++leftovers;
            const QString p = d.filePath(e);
            if (QFileInfo(p).isDir() ? !QDir(p).removeRecursively() : !QFile::remove(p)) {
                *error = "cannot empty the image cache: " + p;
                return false;
            }
        }
    }
    if (leftovers)
        say("  (removed %d leftover entries from %s)\n", leftovers, S(oci).c());
    return true;
}

void removeBaseline(const BaselineDirs& d) {
    for (const QString& p : {d.layout, d.bundle1, d.bundle2}) {
        if (!QFileInfo::exists(p))
            continue;
        // umoci --rootless leaves directories without write permission for the owner.
        QProcess::execute("chmod", {"-R", "u+rwx", p});
        QDir(p).removeRecursively();
    }
    QFile::remove(d.disk1);
    QFile::remove(d.disk2);
}

double mb(qint64 bytes) { return double(bytes) / 1e6; }

// A phase the progress messages did not show (NaN) is left out rather than sorted in.
void addKnown(Stats& s, double v) {
    if (!std::isnan(v))
        s.add(v);
}

} // namespace

bool imageImport(Context& ctx) {
    Config& c = ctx.config;
    const int rounds = c.runs;
    // VIVARIUM_BENCH_IMAGE_MB: a smaller image for trying the benchmark out.
    const int targetMb = qEnvironmentVariableIntValue("VIVARIUM_BENCH_IMAGE_MB") > 0
                             ? qEnvironmentVariableIntValue("VIVARIUM_BENCH_IMAGE_MB")
                             : 100;
    say("\n== image-import: a %d MB multi-layer OCI image from a local docker-registry to a "
        "bootable disk (image.pull) vs skopeo copy + umoci unpack; %d rounds, empty caches each "
        "round\n",
        targetMb, rounds);
    QString error;
    auto images =
        prepareBenchImages(c.workRoot + "/image-import/layout", qint64(targetMb) * 1000000, &error);
    if (!images) {
        fail("building the test images: " + error);
        return false;
    }
    for (const BenchImage* image : {&images->first, &images->second}) {
        QStringList parts;
        for (const BenchLayer& l : image->layers)
            parts << QString("%1 %2 MB").arg(l.name, fmt(mb(l.size), 1));
        say("  image %s: %s MB compressed in %d layers (%s), %s MB of file data, %d entries\n",
            S(image->tag).c(), S(fmt(mb(image->compressedBytes()), 1)).c(),
            int(image->layers.size()), S(parts.join(", ")).c(),
            S(fmt(mb(image->fileBytes()), 1)).c(), image->entries());
    }

    vivarium::testsupport::LocalRegistry registry;
    if (!registry.start(vivarium::testsupport::LocalRegistry::Auth::Htpasswd)) {
        fail("docker-registry did not start: " + registry.lastError());
        return false;
    }
    for (const BenchImage* image : {&images->first, &images->second})
        if (!registry.pushOciLayout(images->layoutDir, image->tag,
                                    QString("%1:%2").arg(kRepo, image->tag))) {
            fail("pushing the test image with skopeo: " + registry.lastError());
            return false;
        }
    CountingProxy proxy;
    if (!proxy.start(registry.port(), &error)) {
        fail(error);
        return false;
    }
    const QString ref1 = QString("%1/%2:1").arg(proxy.host(), kRepo);
    const QString ref2 = QString("%1/%2:2").arg(proxy.host(), kRepo);
    say("  registry %s (storage %s), pulled through the counting proxy %s\n",
        S(registry.host()).c(), S(registry.directory()).c(), S(proxy.host()).c());
    if (!ctx.api.call("image.login",
                      {{"registry", proxy.host()},
                       {"username", registry.user()},
                       {"password", registry.password()}},
                      60000, &error)) {
        fail(error);
        return false;
    }
    const QString creds = registry.user() + ":" + registry.password();
    const QString scratch = c.runDir + "/image-import";
    const BaselineDirs dirs{scratch + "/oci", scratch + "/bundle-1", scratch + "/bundle-2",
                            scratch + "/disk-1.img", scratch + "/disk-2.img"};
    QDir().mkpath(scratch);

    Stats ours, oursDownload, oursLayers, oursFs, oursCpu, oursWire, oursLayerBytes;
    Stats ours2, ours2Download, ours2Layers, ours2Fs, ours2Cpu, ours2Wire, ours2LayerBytes;
    Stats base, baseSkopeo, baseUmoci, baseMke2fs, baseWithFs, baseCpu, baseWire;
    Stats base2, base2Skopeo, base2Umoci, base2WithFs, base2Cpu, base2Wire;
    Stats oursDisk;
    int cachedInSecond = -1;
    for (int round = 0; round < rounds && !interrupted(); ++round) {
        auto runOurs = [&]() -> bool {
            if (!emptyOurCache(ctx, {ref1, ref2}, &error))
                return false;
            auto a = pullOurs(ctx, proxy, ref1, &error);
            if (!a)
                return false;
            auto b = pullOurs(ctx, proxy, ref2, &error);
            if (!b)
                return false;
            ours.add(a->total);
            addKnown(oursDownload, a->phaseA);
            addKnown(oursLayers, a->phaseB);
            addKnown(oursFs, a->phaseC);
            addKnown(oursCpu, a->cpuMs);
            oursWire.add(mb(a->wireBytes));
            oursLayerBytes.add(mb(a->layerBytes));
            oursDisk.add(mb(a->diskBytes));
            ours2.add(b->total);
            addKnown(ours2Download, b->phaseA);
            addKnown(ours2Layers, b->phaseB);
            addKnown(ours2Fs, b->phaseC);
            addKnown(ours2Cpu, b->cpuMs);
            ours2Wire.add(mb(b->wireBytes));
            ours2LayerBytes.add(mb(b->layerBytes));
            cachedInSecond = b->cachedLayers;
            say("  round %d ours: first %s ms (%s MB fetched), second %s ms (%s MB fetched, %d "
                "layers cached)\n",
                round + 1, S(fmt(a->total, 0)).c(), S(fmt(mb(a->wireBytes), 1)).c(),
                S(fmt(b->total, 0)).c(), S(fmt(mb(b->wireBytes), 2)).c(), b->cachedLayers);
            return true;
        };
        auto runBaseline = [&]() -> bool {
            removeBaseline(dirs);
            auto a = importBaseline(proxy, ref1, "1", dirs.layout, dirs.bundle1, dirs.disk1,
                                    creds, &error);
            if (!a)
                return false;
            auto b = importBaseline(proxy, ref2, "2", dirs.layout, dirs.bundle2, dirs.disk2,
                                    creds, &error);
            if (!b)
                return false;
            base.add(a->total);
            baseSkopeo.add(a->phaseA);
            baseUmoci.add(a->phaseB);
            baseMke2fs.add(a->phaseC);
            baseWithFs.add(a->total + a->phaseC);
            baseCpu.add(a->cpuMs);
            baseWire.add(mb(a->wireBytes));
            base2.add(b->total);
            base2Skopeo.add(b->phaseA);
            base2Umoci.add(b->phaseB);
            base2WithFs.add(b->total + b->phaseC);
            base2Cpu.add(b->cpuMs);
            base2Wire.add(mb(b->wireBytes));
            say("  round %d baseline: first %s ms (+ mke2fs %s ms; %s MB fetched), second %s ms "
                "(%s MB fetched)\n",
                round + 1, S(fmt(a->total, 0)).c(), S(fmt(a->phaseC, 0)).c(),
                S(fmt(mb(a->wireBytes), 1)).c(), S(fmt(b->total, 0)).c(),
                S(fmt(mb(b->wireBytes), 2)).c());
            removeBaseline(dirs);
            return true;
        };
        // Alternate which side goes first, so a drift in the machine's load hits both.
        const bool ok = round % 2 == 0 ? runOurs() && runBaseline() : runBaseline() && runOurs();
        if (!ok) {
            fail(error);
            removeBaseline(dirs);
            return false;
        }
    }
    if (interrupted() || ours.empty()) {
        removeBaseline(dirs);
        return false;
    }
    emptyOurCache(ctx, {ref1, ref2}, &error);
    removeBaseline(dirs);

    printTable("image-import, first image (ms)",
               {{"ours: image.pull -> done (bootable ext4 disk)", &ours, "ms"},
                {"  (request -> layers downloaded + verified)", &oursDownload, "ms"},
                {"  (layers applied to the staging tree)", &oursLayers, "ms"},
                {"  (mke2fs -d + debugfs -> disk in place)", &oursFs, "ms"},
                {"  (vivariumd CPU incl. mke2fs/debugfs)", &oursCpu, "ms"},
                {"baseline: skopeo copy + umoci unpack", &base, "ms"},
                {"  (skopeo copy docker:// -> oci:)", &baseSkopeo, "ms"},
                {"  (umoci unpack --rootless)", &baseUmoci, "ms"},
                {"  (skopeo + umoci CPU)", &baseCpu, "ms"},
                {"baseline + mke2fs -d of the bundle", &baseWithFs, "ms"},
                {"  (mke2fs -d alone)", &baseMke2fs, "ms"}},
               0);
    printTable("image-import, second image sharing all but the top layer (ms)",
               {{"ours: image.pull -> done", &ours2, "ms"},
                {"  (request -> layers downloaded)", &ours2Download, "ms"},
                {"  (layers applied)", &ours2Layers, "ms"},
                {"  (mke2fs -d + debugfs)", &ours2Fs, "ms"},
                {"  (vivariumd CPU incl. children)", &ours2Cpu, "ms"},
                {"baseline: skopeo copy + umoci unpack", &base2, "ms"},
                {"  (skopeo copy)", &base2Skopeo, "ms"},
                {"  (umoci unpack)", &base2Umoci, "ms"},
                {"baseline + mke2fs -d", &base2WithFs, "ms"}},
               0);
    printTable("image-import, bytes from the registry (MB = 10^6 bytes)",
               {{"ours, first image (wire)", &oursWire, "MB"},
                {"ours, first image (layers not cached)", &oursLayerBytes, "MB"},
                {"ours, second image (wire)", &ours2Wire, "MB"},
                {"ours, second image (layers not cached)", &ours2LayerBytes, "MB"},
                {"baseline, first image (wire)", &baseWire, "MB"},
                {"baseline, second image (wire)", &base2Wire, "MB"},
                {"ours: rootfs.img on disk (blocks)", &oursDisk, "MB"}},
               2);
    const double r1 = ratio(ours.p50(), base.p50());
    const double r1fs = ratio(ours.p50(), baseWithFs.p50());
    const double r2 = ratio(ours2.p50(), base2.p50());
    const double r2fs = ratio(ours2.p50(), base2WithFs.p50());
    say("  ratio ours / (skopeo + umoci): first %s x, second %s x; ours / (skopeo + umoci + "
        "mke2fs -d): first %s x, second %s x\n",
        S(fmt(r1, 2)).c(), S(fmt(r2, 2)).c(), S(fmt(r1fs, 2)).c(), S(fmt(r2fs, 2)).c());
    say("  second import: %d of %d layers cached; fetched %s MB vs %s MB for the first\n",
        cachedInSecond, int(images->second.layers.size()), S(fmt(ours2Wire.p50(), 2)).c(),
        S(fmt(oursWire.p50(), 1)).c());

    QJsonObject image = images->toJson();
    image["what"] = "a Debian-like root file system from the host's /usr (executables, shared "
                    "libraries, Python's standard library, headers), gzip layers, pushed to "
                    "docker-registry (htpasswd) with skopeo; the second image shares every layer "
                    "but the top one";
    QJsonObject rec{
        {"runs", rounds},
        {"image", image},
        {"ours",
         QJsonObject{{"what", "API image.pull on the isolated vivariumd, request -> done answer "
                              "(the image's ext4 rootfs.img is in place by then), empty image "
                              "cache; phases from the pull's progress messages"},
                     {"time", ours.toJson("ms")},
                     {"download", oursDownload.toJson("ms")},
                     {"apply_layers", oursLayers.toJson("ms")},
                     {"filesystem", oursFs.toJson("ms")},
                     {"cpu", oursCpu.toJson("ms")},
                     {"fetched", oursWire.toJson("MB")},
                     {"layers_fetched", oursLayerBytes.toJson("MB")},
                     {"disk", oursDisk.toJson("MB")}}},
        {"baseline",
         QJsonObject{{"what", "skopeo copy docker://… oci:DIR:tag + umoci unpack --rootless "
                              "(ends in an unpacked directory, not a disk image), empty DIR"},
                     {"time", base.toJson("ms")},
                     {"skopeo", baseSkopeo.toJson("ms")},
                     {"umoci", baseUmoci.toJson("ms")},
                     {"cpu", baseCpu.toJson("ms")},
                     {"fetched", baseWire.toJson("MB")}}},
        {"baseline_with_mke2fs",
         QJsonObject{{"what", "the baseline + mke2fs -d of the bundle's rootfs (RootfsBuilder's "
                              "flags and sizing)"},
                     {"time", baseWithFs.toJson("ms")},
                     {"mke2fs", baseMke2fs.toJson("ms")}}},
        {"second_ours",
         QJsonObject{{"what", "image.pull of the second image with the first's layers cached"},
                     {"time", ours2.toJson("ms")},
                     {"download", ours2Download.toJson("ms")},
                     {"apply_layers", ours2Layers.toJson("ms")},
                     {"filesystem", ours2Fs.toJson("ms")},
                     {"cpu", ours2Cpu.toJson("ms")},
                     {"fetched", ours2Wire.toJson("MB")},
                     {"layers_fetched", ours2LayerBytes.toJson("MB")},
                     {"cached_layers", cachedInSecond}}},
        {"second_baseline",
         QJsonObject{{"what", "skopeo copy of the second image into the same OCI layout (its "
                              "blobs reused) + umoci unpack into a new bundle"},
                     {"time", base2.toJson("ms")},
                     {"skopeo", base2Skopeo.toJson("ms")},
                     {"umoci", base2Umoci.toJson("ms")},
                     {"with_mke2fs", base2WithFs.toJson("ms")},
                     {"cpu", base2Cpu.toJson("ms")},
                     {"fetched", base2Wire.toJson("MB")}}},
        {"fetched_what", "bytes the registry sent through the counting proxy (HTTP headers "
                         "included), MB = 10^6"},
        {"ratio", round3(r1)},
        {"ratio_with_mke2fs", round3(r1fs)},
        {"ratio_second", round3(r2)},
        {"ratio_second_with_mke2fs", round3(r2fs)}};
    writeJson(c, "image-import", rec);
    return true;
}

} // namespace bench
