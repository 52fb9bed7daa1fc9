// Support code for vivarium-bench: clocks and statistics, condition waits on the Qt event
// loop, result records, the isolated vivariumd, a synchronous wrapper over ApiClient, bare
// QEMU processes (posix_spawn, serial console on a pipe) and the raw guest-side protocols
// (our agent's frames, qemu-guest-agent's JSON) on host unix sockets.
#pragma once

#include "ApiClient.h"
#include "GuestProtocol.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <sys/types.h>

namespace bench {

// ---- clocks, statistics ------------------------------------------------------------------

// CLOCK_MONOTONIC in milliseconds: the clock Qt's "%{time boot}" log timestamps use, so the
// service's log lines and the bench's own measurements share one time base.
double nowMs();

struct Stats {
    std::vector<double> samples;
    void add(double v) { samples.push_back(v); }
    bool empty() const { return samples.empty(); }
    size_t size() const { return samples.size(); }
    double percentile(double p) const; // nearest rank; p in [0,100]
    double p50() const;                // median (mean of the two middle values when even)
    double p99() const { return percentile(99); }
    double min() const;
    double max() const;
    QJsonObject toJson(const QString& unit, bool withSamples = true) const;
};

// ---- waiting -------------------------------------------------------------------------------

// Runs the Qt event loop until `cond` holds or `timeoutMs` passes (or the bench is
// interrupted). No sleeping: it wakes on events and on one timer at the deadline.
bool waitUntil(const std::function<bool()>& cond, int timeoutMs);
bool interrupted();
void installInterruptHandler();

// ---- configuration -------------------------------------------------------------------------

struct Config {
    QString binDir;        // where vivarium-bench lives (<build>/bench)
    QString vivariumd;     // <build>/bin/vivariumd
    QString imageTool;     // <build>/libexec/vivarium-image
    QString agent;         // <build>/agent/vivarium-agent
    QString qemu = "qemu-system-x86_64";
    QString sourceCache;   // prepared artifacts (kernel, images), read only
    QString workRoot;      // /tmp/vivarium-bench
    QString cacheDir;      // private VIVARIUM_CACHE_DIR: kernel/ links + our initramfs
    QString runDir;        // this invocation's scratch directory
    QString resultsDir;    // bench/results
    QString jsonPath;      // --json (single benchmark)
    QString tscKhz;
    int runs = 5;          // cold-start, memory
    int execRuns = 200;    // exec-rtt
    int throughputRuns = 5;
    qint64 throughputBytes = 64ll * 1024 * 1024;
    int boots = 50;
    bool keepRunDir = false;

    QString kernel() const { return cacheDir + "/kernel/vmlinux"; }
    QString initrd() const { return cacheDir + "/kernel/initramfs.cpio.gz"; }
    QString benchGuestInitrd() const { return cacheDir + "/bench-guest.cpio"; }
    QString tinyRootfs() const { return cacheDir + "/images/tiny/rootfs.img"; }
    // The guest kernel command line vivariumd uses (SandboxManager::domainXmlFor).
    QString guestCmdline(const QString& extra) const;
};

// Links the shared kernel and images into a private cache and builds the initramfs there
// from this build's agent (so the shared one is never rebuilt under the lead's feet), then
// builds the bench guest (busybox + qemu-ga) initramfs.
bool prepare(Config& c, QString* error);

// ---- results -------------------------------------------------------------------------------

struct Row {
    QString label;
    const Stats* stats;
    QString unit;
};
void printTable(const QString& title, const QList<Row>& rows, int precision = 1);
QJsonObject hostInfo(const Config& c);
bool writeJson(const Config& c, const QString& name, QJsonObject record);
QString fmt(double v, int precision = 1);

// ---- the isolated service ------------------------------------------------------------------

struct LogLine {
    double tMs = 0; // CLOCK_MONOTONIC ms (from %{time boot})
    QString category;
    QString message;
};

class Daemon : public QObject {
    Q_OBJECT
public:
    explicit Daemon(const Config& c, QObject* parent = nullptr);
    ~Daemon() override;
    bool start(QString* error);
    void stop();
    vivarium::Endpoint endpoint() const { return m_endpoint; }
    QString dataDir() const { return m_data + "/vivarium"; }
    const QList<LogLine>& lines() const { return m_lines; }
    QString logPath() const { return m_logPath; }
    qint64 pid() const { return m_proc.processId(); }

private:
    void onStderr();
    const Config& m_c;
    QProcess m_proc;
    QString m_runtime, m_data, m_config, m_logPath;
    QByteArray m_partial;
    QList<LogLine> m_lines;
    vivarium::Endpoint m_endpoint;
    bool m_listening = false;
};

// ---- the API, synchronously ----------------------------------------------------------------

struct ExecTiming {
    double sent = 0, reply = -1, firstOut = -1, exit = -1;
    qint64 bytes = 0;
    QByteArray output; // first 64 KiB of stdout+stderr
    QJsonObject exitMessage;
    bool ok() const { return exit >= 0; }
    int exitCode() const { return exitMessage.value("exit_code").toInt(-1); }
};

class Api : public QObject {
    Q_OBJECT
public:
    explicit Api(QObject* parent = nullptr);
    bool open(const vivarium::Endpoint& e, QString* error);
    // Sends a request and waits for its result; error text in *error on failure.
    std::optional<QJsonObject> call(const QString& type, QJsonObject body, int timeoutMs,
                                    QString* error, double* repliedAt = nullptr);
    // Runs argv in the sandbox and waits for its exit.
    ExecTiming exec(const QString& sandbox, const QStringList& argv, int timeoutMs,
                    QString* error);
    // Creates a sandbox of `tmpl` (started), returns its id.
    std::optional<QString> create(const QString& tmpl, int timeoutMs, QString* error,
                                  double* repliedAt = nullptr);
    bool remove(const QString& id, QString* error);
    vivarium::ApiClient& client() { return m_client; }

private:
    struct Channel {
        ExecTiming* timing = nullptr;
    };
    vivarium::ApiClient m_client;
    QHash<quint32, ExecTiming*> m_channels;
    // Data or exits that raced ahead of the exec reply (not expected, but harmless).
    QHash<quint32, ExecTiming> m_orphans;
};

// ---- bare QEMU -----------------------------------------------------------------------------

class BareQemu {
public:
    ~BareQemu();
    // Spawns `qemu args...` with stdin /dev/null, stdout (the serial console) on a pipe,
    // stderr appended to `stderrLog`. Returns the time of the spawn call.
    bool start(const QString& qemu, const QStringList& args, const QString& stderrLog,
               QString* error);
    pid_t pid() const { return m_pid; }
    double spawnedAt() const { return m_spawnedAt; }
    // Reads the console until `marker` appears; returns the time it was read, or -1.
    double waitForConsole(const QByteArray& marker, int timeoutMs);
    // Reads the console to EOF and reaps QEMU; returns the time of exit, or -1 (killed).
    double waitForExit(int timeoutMs);
    void kill();
    const QByteArray& console() const { return m_console; }

private:
    pid_t m_pid = -1;
    int m_serial = -1;
    double m_spawnedAt = 0;
    QByteArray m_console;
};

// A listening unix socket for QEMU to connect to as a chardev client: bound before QEMU
// starts, so no side ever waits for the other's socket file to appear.
class UnixListener {
public:
    ~UnixListener();
    bool listen(const QString& path, QString* error);
    int accept(int timeoutMs); // the connected fd (owned by caller), or -1
    QString path() const { return m_path; }

private:
    int m_fd = -1;
    QString m_path;
};

// Byte-level helpers on a connected fd with a deadline (poll + read/write).
bool writeAll(int fd, const char* data, size_t n, int timeoutMs);
// Reads up to `cap` bytes into buf; returns bytes read, 0 on EOF, -1 on timeout/error.
ssize_t readSome(int fd, char* buf, size_t cap, int timeoutMs);

// qemu-guest-agent's JSON protocol, one object per line.
class QgaClient {
public:
    explicit QgaClient(int fd) : m_fd(fd) {}
    ~QgaClient();
    // guest-sync with a fresh id, resent every `retryMs` until the matching return arrives.
    bool sync(int timeoutMs, int retryMs = 1000);
    // guest-exec of path, then guest-exec-status polled back to back until exited.
    // Returns the exit code, or nullopt; *polls counts the status requests.
    std::optional<int> execAndWait(const QString& path, int timeoutMs, int* polls);

private:
    std::optional<QJsonObject> command(const QJsonObject& cmd, int timeoutMs);
    std::optional<QJsonObject> readObject(int timeoutMs);
    int m_fd;
    QByteArray m_buffer;
    qint64 m_nextSync = 1000;
};

// vivarium-agent's frames, spoken directly on the agent's virtio-serial socket.
class AgentClient {
public:
    explicit AgentClient(int fd) : m_fd(fd) {}
    ~AgentClient();
    std::optional<vivarium::protocol::Frame> read(int timeoutMs);
    bool send(vivarium::protocol::FrameType type, uint32_t stream, const std::string& payload);
    // Waits for the agent's Hello.
    bool hello(int timeoutMs);
    // Exec argv on a fresh stream; returns exit code when the Exit frame arrives.
    struct Output {
        qint64 bytes = 0;
        double first = -1, exit = -1;
    };
    std::optional<int> exec(const std::vector<std::string>& argv, int timeoutMs,
                            Output* output = nullptr);

private:
    int m_fd;
    vivarium::protocol::FrameReader m_reader;
    uint32_t m_nextStream = 1;
};

// VmRSS / VmHWM of a process in KiB (-1 when unreadable).
struct Memory {
    qint64 rssKiB = -1, hwmKiB = -1;
};
Memory processMemory(pid_t pid);
// User + system CPU time a process has used so far, in ms (-1 when unreadable). `self`: this
// process (all its threads).
double processCpuMs(pid_t pid);
pid_t libvirtQemuPid(const QString& domain);

// Runs a program to completion (for qemu-img, vivarium-image); true on exit status 0.
bool runTool(const QString& program, const QStringList& args, int timeoutMs, QString* error);

} // namespace bench
