#include "Support.h"

#include "GuestKernelArgs.h"

#include "GuestMessages.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QSocketNotifier>
#include <QSysInfo>
#include <QTimer>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

namespace bench {

// ---- clocks, statistics ------------------------------------------------------------------

double nowMs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return double(ts.tv_sec) * 1000.0 + double(ts.tv_nsec) / 1e6;
}

double Stats::percentile(double p) const {
    if (samples.empty())
        return NAN;
    std::vector<double> s = samples;
    std::sort(s.begin(), s.end());
    size_t rank = size_t(std::ceil(p / 100.0 * double(s.size())));
    rank = std::clamp<size_t>(rank, 1, s.size());
    return s[rank - 1];
}

double Stats::p50() const {
    if (samples.empty())
        return NAN;
    std::vector<double> s = samples;
    std::sort(s.begin(), s.end());
    const size_t n = s.size();
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

double Stats::min() const {
    return samples.empty() ? NAN : *std::min_element(samples.begin(), samples.end());
}
double Stats::max() const {
    return samples.empty() ? NAN : *std::max_element(samples.begin(), samples.end());
}

static QJsonValue num(double v) {
    return std::isnan(v) ? QJsonValue() : QJsonValue(std::round(v * 1000.0) / 1000.0);
}

QJsonObject Stats::toJson(const QString& unit, bool withSamples) const {
    QJsonObject o{{"unit", unit},        {"n", qint64(samples.size())}, {"p50", num(p50())},
                  {"p99", num(p99())},   {"min", num(min())},           {"max", num(max())}};
    if (withSamples) {
        QJsonArray a;
        for (double v : samples)
            a.append(num(v));
        o["samples"] = a;
    }
    return o;
}

// ---- waiting -------------------------------------------------------------------------------

namespace {
volatile sig_atomic_t g_interrupted = 0;
int g_wakePipe[2] = {-1, -1};
void onSignal(int) {
    g_interrupted = 1;
    const char c = 1;
    (void)!::write(g_wakePipe[1], &c, 1);
}
} // namespace

bool interrupted() { return g_interrupted != 0; }

void installInterruptHandler() {
    if (::pipe2(g_wakePipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return;
    auto* n = new QSocketNotifier(g_wakePipe[0], QSocketNotifier::Read, qApp);
    QObject::connect(n, &QSocketNotifier::activated, n, [] {
        char buf[16];
        while (::read(g_wakePipe[0], buf, sizeof buf) > 0) {
        }
    });
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);
}

bool waitUntil(const std::function<bool()>& cond, int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    QTimer wake; // guarantees an event at the deadline
    wake.setSingleShot(true);
    wake.start(timeoutMs);
    while (!cond()) {
        if (deadline.hasExpired() || interrupted())
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    }
    return true;
}

// ---- configuration -------------------------------------------------------------------------

QString Config::guestCmdline(const QString& extra) const {
    QStringList w = vivarium::guestKernelArgs(vivarium::Accelerator::Tcg, tscKhz);
    if (!extra.isEmpty())
        w << extra;
    return w.join(' ');
}

bool runTool(const QString& program, const QStringList& args, int timeoutMs, QString* error) {
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(program, args);
    if (!p.waitForStarted(10000)) {
        *error = program + ": " + p.errorString();
        return false;
    }
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        *error = program + " did not finish in time";
        return false;
    }
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = program + " " + args.join(' ') + " failed: " +
                 QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
        return false;
    }
    return true;
}

namespace {

bool linkInto(const QString& target, const QString& link, QString* error) {
    QFileInfo li(link);
    if (li.isSymLink() && li.symLinkTarget() == target)
        return true;
    QFile::remove(link);
    if (!QFile::link(target, link)) {
        *error = "cannot link " + link + " -> " + target;
        return false;
    }
    return true;
}

// newc cpio writer (uncompressed: the kernel unpacks it without spending guest time on
// decompression). Lets the bench add /dev/console without root or fakeroot.
class Cpio {
public:
    void dir(const QByteArray& name) { entry(name, S_IFDIR | 0755, {}); }
    void file(const QByteArray& name, const QByteArray& data, unsigned perm = 0755) {
        entry(name, S_IFREG | perm, data);
    }
    void symlink(const QByteArray& name, const QByteArray& target) {
        entry(name, S_IFLNK | 0777, target);
    }
    void chardev(const QByteArray& name, unsigned major, unsigned minor) {
        entry(name, S_IFCHR | 0600, {}, major, minor);
    }
    QByteArray finish() {
        entry("TRAILER!!!", 0, {});
        return m_out;
    }

private:
    void entry(const QByteArray& name, unsigned mode, const QByteArray& data, unsigned rmaj = 0,
               unsigned rmin = 0) {
        char hdr[111];
        std::snprintf(hdr, sizeof hdr,
                      "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", m_ino++,
                      mode, 0u, 0u, (mode & S_IFMT) == S_IFDIR ? 2u : 1u, 0u,
                      unsigned(data.size()), 0u, 0u, rmaj, rmin, unsigned(name.size() + 1), 0u);
        m_out.append(hdr, 110);
        m_out.append(name);
        m_out.append('\0');
        pad();
        m_out.append(data);
        pad();
    }
    void pad() {
        while (m_out.size() % 4)
            m_out.append('\0');
    }
    QByteArray m_out;
    unsigned m_ino = 1;
};

bool readFile(const QString& path, QByteArray* out, QString* error) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = "cannot read " + path;
        return false;
    }
    *out = f.readAll();
    return true;
}

// The bench guest: same kernel and virtio modules as a sandbox, busybox, and Debian's
// qemu-ga with its shared libraries. /init starts qemu-ga on the port named
// org.qemu.guest_agent.0 and serves the throughput baseline on bench.stream.0: it writes
// "R" when the port is open, then for every "G" byte from the host writes N zero bytes with
// busybox `head -c N /dev/zero` (the writer the sandbox path runs), for every "D" the same
// N bytes with `dd bs=65536` (the agent's frame size: what the channel itself can carry).
bool buildBenchGuest(const Config& c, QString* error) {
    Cpio cpio;
    for (const char* d : {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "lib", "lib64",
                          "lib/x86_64-linux-gnu", "usr/lib", "usr/lib/x86_64-linux-gnu",
                          "lib/modules", "dev", "proc", "sys", "tmp", "var", "var/run", "run",
                          "etc"})
        cpio.dir(d);
    cpio.chardev("dev/console", 5, 1);
    QByteArray data;
    if (!readFile("/bin/busybox", &data, error))
        return false;
    cpio.file("bin/busybox", data);
    for (const char* applet : {"sh", "true", "head", "dd", "cat", "mount", "insmod", "usleep"})
        cpio.symlink(QByteArray("bin/") + applet, "busybox");

    const QString qga = "/usr/sbin/qemu-ga";
    if (!readFile(qga, &data, error))
        return false;
    cpio.file("usr/sbin/qemu-ga", data);
    QProcess ldd;
    ldd.start("ldd", {qga});
    if (!ldd.waitForFinished(10000) || ldd.exitCode() != 0) {
        *error = "ldd " + qga + " failed";
        return false;
    }
    static const QRegularExpression lib(R"((/\S+)\s+\(0x)");
    QSet<QString> seen;
    for (const QString& line : QString::fromLocal8Bit(ldd.readAllStandardOutput()).split('\n')) {
        const auto m = lib.match(line);
        if (!m.hasMatch())
            continue;
        const QString path = m.captured(1);
        if (seen.contains(path))
            continue;
        seen.insert(path);
        if (!readFile(path, &data, error)) // follows symlinks: stored as a regular file
            return false;
        cpio.file(path.mid(1).toUtf8(), data);
    }
    for (const char* m : {"virtio_ring", "virtio", "virtio_mmio", "virtio_console"}) {
        if (!readFile(c.cacheDir + "/kernel/modules/" + m + ".ko", &data, error))
            return false;
        cpio.file(QByteArray("lib/modules/") + m + ".ko", data, 0644);
    }
    QByteArray init(R"SH(#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sys /sys
$B mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_mmio virtio_console; do $B insmod /lib/modules/$m.ko; done
port() {
  while :; do
    for p in /sys/class/virtio-ports/*; do
      if [ -e "$p/name" ] && [ "$($B cat "$p/name")" = "$1" ] && [ -e "/dev/${p##*/}" ]; then
        echo "/dev/${p##*/}"; return
      fi
    done
    $B usleep 5000
  done
}
N=@N@ BLOCKS=@BLOCKS@ REST=@REST@
QGA=$(port org.qemu.guest_agent.0)
ST=$(port bench.stream.0)
LD_LIBRARY_PATH=/lib/x86_64-linux-gnu /usr/sbin/qemu-ga -m virtio-serial -p "$QGA" -t /run &
echo bench-guest-up
exec 3<>"$ST"
printf R >&3
while :; do
  c=$($B dd bs=1 count=1 <&3 2>/dev/null)
  case "$c" in
    G) $B head -c $N /dev/zero >&3 ;;
    D) $B dd if=/dev/zero bs=65536 count=$BLOCKS 2>/dev/null >&3
       [ $REST -gt 0 ] && $B head -c $REST /dev/zero >&3 ;;
    *) break ;;
  esac
done
$B poweroff -f
)SH");
    cpio.file("init", init.replace("@N@", QByteArray::number(c.throughputBytes))
                          .replace("@BLOCKS@", QByteArray::number(c.throughputBytes / 65536))
                          .replace("@REST@", QByteArray::number(c.throughputBytes % 65536)));
    QFile out(c.benchGuestInitrd());
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) || out.write(cpio.finish()) < 0) {
        *error = "cannot write " + out.fileName();
        return false;
    }
    return true;
}

} // namespace

bool prepare(Config& c, QString* error) {
    c.tscKhz = vivarium::hostTscKhz();
    for (const QString& p : {c.vivariumd, c.imageTool, c.agent})
        if (!QFileInfo(p).isExecutable()) {
            *error = p + " is missing: build the project first";
            return false;
        }
    const QString kdir = c.cacheDir + "/kernel";
    if (!QDir().mkpath(kdir) || !QDir().mkpath(c.runDir)) {
        *error = "cannot create " + kdir;
        return false;
    }
    const QDir src(c.sourceCache + "/kernel");
    if (!QFileInfo::exists(src.filePath("vmlinux"))) {
        *error = "no prepared kernel in " + src.path() + " (run setup.sh or vivarium-image all)";
        return false;
    }
    for (const QString& e : src.entryList(QDir::AllEntries | QDir::NoDotAndDotDot)) {
        if (e == "initramfs.cpio.gz" || e.startsWith('.'))
            continue;
        if (!linkInto(src.filePath(e), kdir + "/" + e, error))
            return false;
    }
    if (!linkInto(c.sourceCache + "/images", c.cacheDir + "/images", error))
        return false;
    const QFileInfo initrd(c.initrd());
    if (!initrd.exists() || QFileInfo(c.agent).lastModified() > initrd.lastModified()) {
        std::printf("building the guest initramfs from %s\n", qPrintable(c.agent));
        std::fflush(stdout);
        if (!runTool(c.imageTool, {"initramfs", c.agent, kdir, c.initrd()}, 180000, error))
            return false;
    }
    return buildBenchGuest(c, error);
}

// ---- results -------------------------------------------------------------------------------

QString fmt(double v, int precision) {
    if (std::isnan(v))
        return "-";
    return QString::number(v, 'f', precision);
}

void printTable(const QString& title, const QList<Row>& rows, int precision) {
    std::printf("\n%s\n", qPrintable(title));
    int w = 10;
    for (const Row& r : rows)
        w = std::max(w, int(r.label.size()));
    std::printf("  %-*s %6s %10s %10s %10s %10s  %s\n", w, "", "n", "p50", "p99", "min", "max",
                "unit");
    for (const Row& r : rows)
        std::printf("  %-*s %6zu %10s %10s %10s %10s  %s\n", w, qPrintable(r.label),
                    r.stats->size(), qPrintable(fmt(r.stats->p50(), precision)),
                    qPrintable(fmt(r.stats->p99(), precision)),
                    qPrintable(fmt(r.stats->min(), precision)),
                    qPrintable(fmt(r.stats->max(), precision)), qPrintable(r.unit));
    std::fflush(stdout);
}

QJsonObject hostInfo(const Config& c) {
    QString model;
    QFile f("/proc/cpuinfo");
    if (f.open(QIODevice::ReadOnly)) {
        static const QRegularExpression re(R"(^model name\s*:\s*(.+)$)",
                                           QRegularExpression::MultilineOption);
        model = re.match(QString::fromLatin1(f.readAll())).captured(1).trimmed();
    }
    QProcess q;
    q.start(c.qemu, {"--version"});
    q.waitForFinished(5000);
    return {{"cpus", int(sysconf(_SC_NPROCESSORS_ONLN))},
            {"cpu_model", model},
            {"kernel", QSysInfo::kernelVersion()},
            {"qemu", QString::fromLocal8Bit(q.readAllStandardOutput()).section('\n', 0, 0)},
            {"accelerator", "tcg"},
            {"tsc_khz", c.tscKhz}};
}

bool writeJson(const Config& c, const QString& name, QJsonObject record) {
    record["benchmark"] = name;
    record["timestamp"] = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
    record["host"] = hostInfo(c);
    const QString path = c.jsonPath.isEmpty() ? c.resultsDir + "/" + name + ".json" : c.jsonPath;
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        std::fprintf(stderr, "cannot write %s\n", qPrintable(path));
        return false;
    }
    f.write(QJsonDocument(record).toJson(QJsonDocument::Indented));
    std::printf("  -> %s\n", qPrintable(path));
    return true;
}

// ---- the isolated service ------------------------------------------------------------------

Daemon::Daemon(const Config& c, QObject* parent) : QObject(parent), m_c(c) {
    connect(&m_proc, &QProcess::readyReadStandardError, this, &Daemon::onStderr);
    connect(&m_proc, &QProcess::readyReadStandardOutput, this,
            [this] { m_partial.append(m_proc.readAllStandardOutput()); });
}

Daemon::~Daemon() { stop(); }

bool Daemon::start(QString* error) {
    const QString base = m_c.runDir + "/daemon";
    m_runtime = base + "/runtime";
    m_data = base + "/data";
    m_config = base + "/config";
    m_logPath = m_c.runDir + "/vivariumd.log";
    for (const QString& d : {m_runtime, m_data, m_config})
        QDir().mkpath(d);
    ::chmod(qPrintable(m_runtime), 0700);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char* k : {"VIVARIUM_URL", "VIVARIUM_TOKEN", "VIVARIUM_DATA_DIR",
                          "VIVARIUM_GUEST_CMDLINE_EXTRA", "QT_LOGGING_RULES"})
        env.remove(k);
    env.insert("XDG_RUNTIME_DIR", m_runtime);
    env.insert("XDG_DATA_HOME", m_data);
    env.insert("XDG_CONFIG_HOME", m_config);
    env.insert("VIVARIUM_CACHE_DIR", m_c.cacheDir);
    env.insert("VIVARIUM_LISTEN", "127.0.0.1:0");
    env.insert("VIVARIUM_ACCEL", "tcg");
    // %{time boot} is CLOCK_MONOTONIC, the bench's own clock (see nowMs).
    env.insert("QT_MESSAGE_PATTERN", "%{time boot} %{category} %{message}");
    m_proc.setProcessEnvironment(env);
    QFile::remove(m_logPath);
    m_proc.start(m_c.vivariumd, {});
    if (!m_proc.waitForStarted(10000)) {
        *error = "cannot start " + m_c.vivariumd + ": " + m_proc.errorString();
        return false;
    }
    const bool up = waitUntil(
        [this] { return m_listening || m_proc.state() == QProcess::NotRunning; }, 30000);
    if (!up || !m_listening) {
        *error = "vivariumd did not start listening (log " + m_logPath + ")";
        stop();
        return false;
    }
    QFile ep(m_runtime + "/vivarium/endpoint"), tok(m_config + "/vivarium/token");
    if (!ep.open(QIODevice::ReadOnly) || !tok.open(QIODevice::ReadOnly)) {
        *error = "vivariumd wrote no endpoint or token file";
        stop();
        return false;
    }
    m_endpoint.url = QUrl(QString::fromUtf8(ep.readAll()).trimmed());
    m_endpoint.token = QString::fromLatin1(tok.readAll()).trimmed();
    m_endpoint.explicitUrl = true;
    return true;
}

void Daemon::onStderr() {
    const QByteArray bytes = m_proc.readAllStandardError();
    QFile log(m_logPath);
    if (log.open(QIODevice::Append))
        log.write(bytes);
    m_partial.append(bytes);
    int nl;
    while ((nl = m_partial.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(m_partial.left(nl)).trimmed();
        m_partial.remove(0, nl + 1);
        LogLine l;
        const QStringList parts = line.split(' ', Qt::SkipEmptyParts);
        bool ok = false;
        if (parts.size() >= 2)
            l.tMs = parts[0].toDouble(&ok) * 1000.0;
        if (ok) {
            l.category = parts[1];
            l.message = line.section(' ', 2, -1, QString::SectionSkipEmpty);
        } else {
            l.message = line;
        }
        if (l.message.contains("vivariumd listening on"))
            m_listening = true;
        m_lines.append(l);
    }
}

void Daemon::stop() {
    if (m_proc.state() == QProcess::NotRunning)
        return;
    m_proc.terminate();
    if (!waitUntil([this] { return m_proc.state() == QProcess::NotRunning; }, 15000)) {
        m_proc.kill();
        m_proc.waitForFinished(5000);
    }
}

// ---- the API, synchronously ----------------------------------------------------------------

namespace {
struct ExecState {
    ExecTiming t;
    bool replied = false;
    bool failed = false;
    QString error;
    quint32 channel = 0;
};
QHash<quint32, std::shared_ptr<ExecState>>& liveExecs() {
    static QHash<quint32, std::shared_ptr<ExecState>> h;
    return h;
}
void addData(ExecTiming& t, const QByteArray& bytes, double at) {
    if (t.firstOut < 0)
        t.firstOut = at;
    t.bytes += bytes.size();
    if (t.output.size() < 65536)
        t.output.append(bytes.left(65536 - t.output.size()));
}
} // namespace

Api::Api(QObject* parent) : QObject(parent) {
    connect(&m_client, &vivarium::ApiClient::data, this,
            [this](vivarium::api::DataKind, quint32 channel, const QByteArray& bytes) {
                const double at = nowMs();
                if (auto s = liveExecs().value(channel))
                    addData(s->t, bytes, at);
                else
                    addData(m_orphans[channel], bytes, at);
            });
    connect(&m_client, &vivarium::ApiClient::exited, this, [this](const QJsonObject& exit) {
        const double at = nowMs();
        const quint32 channel = quint32(exit.value("channel").toInteger());
        ExecTiming* t = nullptr;
        if (auto s = liveExecs().value(channel))
            t = &s->t;
        else
            t = &m_orphans[channel];
        t->exit = at;
        t->exitMessage = exit;
    });
}

bool Api::open(const vivarium::Endpoint& e, QString* error) {
    bool ready = false, failed = false;
    QString why;
    auto c1 = connect(&m_client, &vivarium::ApiClient::ready, this, [&] { ready = true; });
    auto c2 = connect(&m_client, &vivarium::ApiClient::failed, this, [&](const QString& r) {
        failed = true;
        why = r;
    });
    m_client.open(e);
    const bool done = waitUntil([&] { return ready || failed; }, 15000);
    disconnect(c1);
    disconnect(c2);
    if (!done || !ready) {
        *error = "cannot connect to vivariumd at " + e.url.toString() + ": " +
                 (why.isEmpty() ? QString("timeout") : why);
        return false;
    }
    return true;
}

std::optional<QJsonObject> Api::call(const QString& type, QJsonObject body, int timeoutMs,
                                     QString* error, double* repliedAt) {
    struct State {
        bool done = false;
        std::optional<QJsonObject> result;
        QString error;
        double at = 0;
    };
    auto st = std::make_shared<State>();
    m_client.request(type, std::move(body), [st](vivarium::Result<QJsonObject> r) {
        st->at = nowMs();
        st->done = true;
        if (r)
            st->result = r.value();
        else
            st->error = r.error().text();
    });
    if (!waitUntil([st] { return st->done; }, timeoutMs)) {
        *error = type + ": no answer within " + QString::number(timeoutMs / 1000) + " s";
        return std::nullopt;
    }
    if (!st->result)
        *error = type + ": " + st->error;
    if (repliedAt)
        *repliedAt = st->at;
    return st->result;
}

ExecTiming Api::exec(const QString& sandbox, const QStringList& argv, int timeoutMs,
                     QString* error) {
    auto st = std::make_shared<ExecState>();
    st->t.sent = nowMs();
    m_client.request("exec",
                     {{"sandbox", sandbox}, {"argv", QJsonArray::fromStringList(argv)}},
                     [this, st](vivarium::Result<QJsonObject> r) {
                         st->t.reply = nowMs();
                         st->replied = true;
                         if (!r) {
                             st->failed = true;
                             st->error = r.error().text();
                             return;
                         }
                         st->channel = quint32(r.value().value("channel").toInteger());
                         if (m_orphans.contains(st->channel)) { // raced ahead of the reply
                             const ExecTiming o = m_orphans.take(st->channel);
                             st->t.firstOut = o.firstOut;
                             st->t.bytes = o.bytes;
                             st->t.output = o.output;
                             st->t.exit = o.exit;
                             st->t.exitMessage = o.exitMessage;
                         }
                         liveExecs().insert(st->channel, st);
                     });
    const bool done = waitUntil([st] { return st->failed || st->t.exit >= 0; }, timeoutMs);
    if (st->replied && !st->failed)
        liveExecs().remove(st->channel);
    if (!done)
        *error = "exec " + argv.join(' ') + ": no exit within " +
                 QString::number(timeoutMs / 1000) + " s";
    else if (st->failed)
        *error = "exec " + argv.join(' ') + ": " + st->error;
    return st->t;
}

std::optional<QString> Api::create(const QString& tmpl, int timeoutMs, QString* error,
                                   double* repliedAt) {
    auto r = call("sandbox.create", {{"template", tmpl}}, timeoutMs, error, repliedAt);
    if (!r)
        return std::nullopt;
    const QString id = r->value("sandbox").toObject().value("id").toString();
    if (id.isEmpty()) {
        *error = "sandbox.create: the reply has no sandbox id";
        return std::nullopt;
    }
    return id;
}

bool Api::remove(const QString& id, QString* error) {
    return call("sandbox.remove", {{"sandbox", id}}, 60000, error).has_value();
}

// ---- bare QEMU -----------------------------------------------------------------------------

BareQemu::~BareQemu() { kill(); }

bool BareQemu::start(const QString& qemu, const QStringList& args, const QString& stderrLog,
                     QString* error) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) {
        *error = QString("pipe: ") + std::strerror(errno);
        return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    const QByteArray log = stderrLog.toLocal8Bit();
    posix_spawn_file_actions_addopen(&fa, 2, log.constData(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<QByteArray> storage;
    storage.push_back(qemu.toLocal8Bit());
    for (const QString& a : args)
        storage.push_back(a.toLocal8Bit());
    std::vector<char*> argv;
    for (QByteArray& s : storage)
        argv.push_back(s.data());
    argv.push_back(nullptr);
    m_spawnedAt = nowMs();
    const int rc = posix_spawnp(&m_pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(pipefd[1]);
    if (rc != 0) {
        ::close(pipefd[0]);
        m_pid = -1;
        *error = "cannot run " + qemu + ": " + std::strerror(rc);
        return false;
    }
    m_serial = pipefd[0];
    return true;
}

double BareQemu::waitForConsole(const QByteArray& marker, int timeoutMs) {
    const double deadline = nowMs() + timeoutMs;
    qsizetype from = 0;
    char buf[4096];
    for (;;) {
        if (m_console.indexOf(marker, from) >= 0)
            return nowMs();
        from = std::max<qsizetype>(0, m_console.size() - marker.size());
        const int left = int(deadline - nowMs());
        if (left <= 0 || m_serial < 0 || interrupted())
            return -1;
        const ssize_t n = readSome(m_serial, buf, sizeof buf, left);
        if (n <= 0)
            return -1;
        m_console.append(buf, n);
    }
}

double BareQemu::waitForExit(int timeoutMs) {
    const double deadline = nowMs() + timeoutMs;
    char buf[4096];
    while (m_serial >= 0) {
        const int left = int(deadline - nowMs());
        if (left <= 0 || interrupted()) {
            kill();
            return -1;
        }
        const ssize_t n = readSome(m_serial, buf, sizeof buf, left);
        if (n == 0)
            break;
        if (n < 0) {
            kill();
            return -1;
        }
        m_console.append(buf, n);
    }
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    const double at = nowMs();
    m_pid = -1;
    ::close(m_serial);
    m_serial = -1;
    return at;
}

void BareQemu::kill() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        ::waitpid(m_pid, nullptr, 0);
        m_pid = -1;
    }
    if (m_serial >= 0) {
        ::close(m_serial);
        m_serial = -1;
    }
}

UnixListener::~UnixListener() {
    if (m_fd >= 0) {
        ::close(m_fd);
        ::unlink(qPrintable(m_path));
    }
}

bool UnixListener::listen(const QString& path, QString* error) {
    m_path = path;
    m_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const QByteArray p = path.toLocal8Bit();
    if (m_fd < 0 || size_t(p.size()) >= sizeof a.sun_path) {
        *error = "cannot create socket " + path;
        return false;
    }
    std::memcpy(a.sun_path, p.constData(), size_t(p.size()));
    ::unlink(p.constData());
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(m_fd, 4) != 0) {
        *error = "cannot listen on " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

int UnixListener::accept(int timeoutMs) {
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, timeoutMs) <= 0)
        return -1;
    return ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
}

bool writeAll(int fd, const char* data, size_t n, int timeoutMs) {
    const double deadline = nowMs() + timeoutMs;
    while (n > 0) {
        const ssize_t w = ::write(fd, data, n);
        if (w > 0) {
            data += w;
            n -= size_t(w);
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        pollfd p{fd, POLLOUT, 0};
        const int left = int(deadline - nowMs());
        if (left <= 0 || ::poll(&p, 1, left) <= 0)
            return false;
    }
    return true;
}

ssize_t readSome(int fd, char* buf, size_t cap, int timeoutMs) {
    pollfd p{fd, POLLIN, 0};
    for (;;) {
        const int r = ::poll(&p, 1, timeoutMs);
        if (r < 0 && errno == EINTR) {
            if (interrupted())
                return -1;
            continue;
        }
        if (r <= 0)
            return -1;
        const ssize_t n = ::read(fd, buf, cap);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        return n;
    }
}

QgaClient::~QgaClient() {
    if (m_fd >= 0)
        ::close(m_fd);
}

std::optional<QJsonObject> QgaClient::readObject(int timeoutMs) {
    const double deadline = nowMs() + timeoutMs;
    for (;;) {
        int nl;
        while ((nl = m_buffer.indexOf('\n')) >= 0) {
            const QByteArray line = m_buffer.left(nl);
            m_buffer.remove(0, nl + 1);
            // qemu-ga may emit 0xff sync bytes; skip anything that is not an object.
            const int brace = line.indexOf('{');
            if (brace < 0)
                continue;
            const QJsonDocument d = QJsonDocument::fromJson(line.mid(brace));
            if (d.isObject())
                return d.object();
        }
        const int left = int(deadline - nowMs());
        if (left <= 0)
            return std::nullopt;
        char buf[4096];
        const ssize_t n = readSome(m_fd, buf, sizeof buf, left);
        if (n <= 0)
            return std::nullopt;
        m_buffer.append(buf, n);
    }
}

std::optional<QJsonObject> QgaClient::command(const QJsonObject& cmd, int timeoutMs) {
    const QByteArray line = QJsonDocument(cmd).toJson(QJsonDocument::Compact) + "\n";
    if (!writeAll(m_fd, line.constData(), size_t(line.size()), timeoutMs))
        return std::nullopt;
    return readObject(timeoutMs);
}

bool QgaClient::sync(int timeoutMs, int retryMs) {
    const double deadline = nowMs() + timeoutMs;
    while (nowMs() < deadline && !interrupted()) {
        const qint64 id = m_nextSync++;
        const QByteArray line =
            QJsonDocument(QJsonObject{{"execute", "guest-sync"},
                                      {"arguments", QJsonObject{{"id", id}}}})
                .toJson(QJsonDocument::Compact) +
            "\n";
        if (!writeAll(m_fd, line.constData(), size_t(line.size()), retryMs))
            return false;
        const double tryEnd = std::min(deadline, nowMs() + retryMs);
        while (nowMs() < tryEnd) {
            auto o = readObject(int(tryEnd - nowMs()));
            if (!o)
                break;
            if (o->value("return").toInteger(-1) == id)
                return true;
        }
    }
    return false;
}

std::optional<int> QgaClient::execAndWait(const QString& path, int timeoutMs, int* polls) {
    auto r = command({{"execute", "guest-exec"},
                      {"arguments", QJsonObject{{"path", path}, {"capture-output", true}}}},
                     timeoutMs);
    if (!r || !r->value("return").isObject())
        return std::nullopt;
    const qint64 pid = r->value("return").toObject().value("pid").toInteger(-1);
    const QJsonObject status{{"execute", "guest-exec-status"},
                             {"arguments", QJsonObject{{"pid", pid}}}};
    const double deadline = nowMs() + timeoutMs;
    *polls = 0;
    while (nowMs() < deadline) {
        auto s = command(status, int(deadline - nowMs()));
        ++*polls;
        if (!s || !s->value("return").isObject())
            return std::nullopt;
        const QJsonObject ret = s->value("return").toObject();
        if (ret.value("exited").toBool())
            return ret.value("exitcode").toInt(-1);
    }
    return std::nullopt;
}

AgentClient::~AgentClient() {
    if (m_fd >= 0)
        ::close(m_fd);
}

std::optional<vivarium::protocol::Frame> AgentClient::read(int timeoutMs) {
    const double deadline = nowMs() + timeoutMs;
    for (;;) {
        if (auto f = m_reader.next())
            return f;
        const int left = int(deadline - nowMs());
        if (left <= 0)
            return std::nullopt;
        char buf[65536];
        const ssize_t n = readSome(m_fd, buf, sizeof buf, left);
        if (n <= 0)
            return std::nullopt;
        m_reader.append(std::span(reinterpret_cast<const std::uint8_t*>(buf), size_t(n)));
    }
}

bool AgentClient::send(vivarium::protocol::FrameType type, uint32_t stream,
                       const std::string& payload) {
    std::vector<std::uint8_t> out;
    if (!vivarium::protocol::encodeFrame(out, type, stream, std::string_view(payload)))
        return false;
    return writeAll(m_fd, reinterpret_cast<const char*>(out.data()), out.size(), 10000);
}

bool AgentClient::hello(int timeoutMs) {
    const double deadline = nowMs() + timeoutMs;
    while (nowMs() < deadline) {
        auto f = read(int(deadline - nowMs()));
        if (!f)
            return false;
        if (f->type == vivarium::protocol::FrameType::Hello)
            return true;
    }
    return false;
}

std::optional<int> AgentClient::exec(const std::vector<std::string>& argv, int timeoutMs,
                                     Output* output) {
    using vivarium::protocol::FrameType;
    const uint32_t stream = m_nextStream++;
    vivarium::protocol::ExecRequest req;
    req.argv = argv;
    if (!send(FrameType::Exec, stream, vivarium::protocol::toJson(req)) ||
        !send(FrameType::Stdin, stream, {}))
        return std::nullopt;
    const double deadline = nowMs() + timeoutMs;
    while (nowMs() < deadline) {
        auto f = read(int(deadline - nowMs()));
        if (!f)
            return std::nullopt;
        if (f->stream != stream)
            continue;
        if (output && (f->type == FrameType::Stdout || f->type == FrameType::Stderr)) {
            if (output->first < 0)
                output->first = nowMs();
            output->bytes += qint64(f->payload.size());
        }
        if (f->type == FrameType::Exit) {
            if (output)
                output->exit = nowMs();
            auto st = vivarium::protocol::parseExitStatus(f->payloadText());
            return st ? st->code : -1;
        }
        if (f->type == FrameType::Error)
            return std::nullopt;
    }
    return std::nullopt;
}

// ---- processes -----------------------------------------------------------------------------

Memory processMemory(pid_t pid) {
    Memory m;
    QFile f(QString("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return m;
    for (const QByteArray& line : f.readAll().split('\n')) {
        auto value = [&] { return line.mid(6).trimmed().split(' ').value(0).toLongLong(); };
        if (line.startsWith("VmRSS:"))
            m.rssKiB = value();
        else if (line.startsWith("VmHWM:"))
            m.hwmKiB = value();
    }
    return m;
}

double processCpuMs(pid_t pid) {
    QFile f(QString("/proc/%1/stat").arg(pid));
    if (pid <= 0 || !f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray s = f.readAll();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const QList<QByteArray> v = s.mid(s.lastIndexOf(')') + 2).split(' ');
    if (v.size() < 13)
        return -1;
    const double tick = double(sysconf(_SC_CLK_TCK));
    return (v[11].toDouble() + v[12].toDouble()) * 1000.0 / tick; // utime, stime
}

pid_t libvirtQemuPid(const QString& domain) {
    for (const QString& dir : {QString("/run/libvirt/qemu"),
                               QDir::homePath() + "/.cache/libvirt/qemu/run"}) {
        QFile f(dir + "/" + domain + ".pid");
        if (f.open(QIODevice::ReadOnly))
            return pid_t(f.readAll().trimmed().toLongLong());
    }
    return -1;
}

} // namespace bench
