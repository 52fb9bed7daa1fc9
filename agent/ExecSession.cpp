// See ExecSession.h. The child is started with clone(CLONE_VM | CLONE_VFORK), as glibc's
// posix_spawn does: it runs on its own small stack in the agent's memory while the agent is
// suspended, until it execs or exits. Under TCG a fork's page-table copy and the copy-on-write
// faults that follow it in both processes were the larger part of an exec's cost. So the
// child side may only make system calls on what the parent prepared: no allocation, no
// locks, no stdio; it reports a failure by writing into the parent's memory.
#include "ExecSession.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>

namespace vivarium::agent {

using protocol::FrameType;

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// A pipe that once filled up is grown to this, so a bulk writer blocks less often and the
// agent reads (and sends) in large chunks. Small outputs never pay for the resize. A full
// pipe is kernel memory the agent does not account for, so only a few sessions get one.
constexpr int kBulkPipeSize = 1024 * 1024;
constexpr int kMaxGrownPipes = 8;
int g_grownPipes = 0; // sessions holding a grown pipe (the agent is single-threaded)

// What the child reports before it gives up.
enum class ChildStage : int { None = 0, Setup = 1, Credentials = 2, Directory = 3, Exec = 4 };
struct ChildFailure {
    ChildStage stage = ChildStage::None;
    int error = 0;
};

// Everything the child needs, prepared in the parent so the child only makes system calls.
struct ChildPlan {
    std::vector<std::string> argvStorage;
    std::vector<std::string> envStorage;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::vector<std::string> candidates; // executable paths to try in order (PATH search)
    std::string cwd;                     // chdir target; failure is reported
    std::string fallbackCwd;             // tried when `cwd` is empty: home, then "/"
    const UserAccount* user = nullptr;
    bool switchCredentials = false;
    bool dieWithAgent = false;
    bool pty = false;
    int stdinFd = -1, stdoutFd = -1, stderrFd = -1, ptySlave = -1;
    const sigset_t* resetSignals = nullptr; // dispositions exec would keep (SIG_IGN) or that
                                            // must not run on the shared memory (handlers)
    ChildFailure* failure = nullptr;        // in the parent's memory (CLONE_VM)
};

bool hasNul(const std::string& s) {
    return s.find('\0') != std::string::npos;
}

// mkdir -p of an absolute path; what it creates belongs to `user` when the agent may give it
// away. Failures are left to the chdir that follows, which reports them.
void createDirectories(const std::string& path, const UserAccount& user, bool chown) {
    if (path.empty() || path[0] != '/')
        return;
    std::string at;
    std::size_t i = 1;
    while (i <= path.size()) {
        const std::size_t next = std::min(path.find('/', i), path.size());
        const std::string part = path.substr(i, next - i);
        i = next + 1;
        if (part.empty() || part == ".")
            continue;
        if (part == "..")
            return; // not resolved here: chdir reports the path as given
        at += "/" + part;
        if (::mkdir(at.c_str(), 0755) == 0) {
            if (chown)
                [[maybe_unused]] int ignored = ::lchown(at.c_str(), user.uid, user.gid);
        } else if (errno != EEXIST) {
            return;
        }
    }
}

// The signals whose disposition is not SIG_DFL. The agent sets its dispositions once at
// start-up (Pid1, Agent::setUp), before any exec, so they are read once instead of asking
// the kernel about all 64 signals in every child.
const sigset_t& signalsToReset() {
    static const sigset_t set = [] {
        sigset_t s;
        sigemptyset(&s);
        for (int sig = 1; sig < NSIG; ++sig) {
            struct sigaction sa {};
            if (::sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL)
                sigaddset(&s, sig);
        }
        return s;
    }();
    return set;
}

[[noreturn]] void childFail(const ChildPlan& p, ChildStage stage, int error) {
    p.failure->stage = stage;
    p.failure->error = error;
    ::_exit(127);
}

[[noreturn]] void runChild(const ChildPlan& p) {
    // The parent blocked every signal around clone, so no handler can run on the shared
    // memory before exec. Ignored dispositions survive exec and the agent ignores SIGPIPE
    // (as PID 1 also SIGTERM/SIGINT/SIGHUP): reset those; the mask is cleared last.
    for (int sig = 1; sig < NSIG; ++sig)
        if (sigismember(p.resetSignals, sig) == 1)
            ::signal(sig, SIG_DFL);
    // Anything the agent inherited without close-on-exec stays out of the user's process.
    ::syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);

    if (::setsid() < 0)
        childFail(p, ChildStage::Setup, errno);
    if (p.dieWithAgent)
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (p.pty) {
        if (::ioctl(p.ptySlave, TIOCSCTTY, 0) < 0)
            childFail(p, ChildStage::Setup, errno);
        for (int fd = 0; fd < 3; ++fd)
            if (::dup2(p.ptySlave, fd) < 0)
                childFail(p, ChildStage::Setup, errno);
    } else {
        // All sources are >= 3 (the agent keeps 0-2 occupied), so no dup2 clobbers another.
        if (::dup2(p.stdinFd, 0) < 0 || ::dup2(p.stdoutFd, 1) < 0 || ::dup2(p.stderrFd, 2) < 0)
            childFail(p, ChildStage::Setup, errno);
    }

    if (p.switchCredentials) {
        // Raw system calls: they change this task only. glibc's wrappers may broadcast to
        // "all threads" of what it believes is the process, which shares our memory.
        if (::syscall(SYS_setgroups, p.user->groups.size(), p.user->groups.data()) < 0 ||
            ::syscall(SYS_setgid, p.user->gid) < 0 || ::syscall(SYS_setuid, p.user->uid) < 0)
            childFail(p, ChildStage::Credentials, errno);
    }

    // After the credential switch, so the user's own permissions decide.
    if (!p.cwd.empty()) {
        if (::chdir(p.cwd.c_str()) < 0)
            childFail(p, ChildStage::Directory, errno);
    } else if (::chdir(p.fallbackCwd.c_str()) < 0) {
        [[maybe_unused]] int ignored = ::chdir("/");
    }

    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);

    // execvp's rules: keep looking past ENOENT/ENOTDIR, remember EACCES, stop on others.
    int error = ENOENT;
    bool sawAccess = false;
    for (const std::string& path : p.candidates) {
        ::execve(path.c_str(), p.argv.data(), p.envp.data());
        error = errno;
        if (error == EACCES)
            sawAccess = true;
        else if (error != ENOENT && error != ENOTDIR && error != ENAMETOOLONG)
            break;
    }
    if (sawAccess && (error == ENOENT || error == ENOTDIR))
        error = EACCES;
    childFail(p, ChildStage::Exec, error);
}

int childMain(void* plan) {
    runChild(*static_cast<const ChildPlan*>(plan));
}

// Starts the child and returns once it has exec'd or given up (CLONE_VFORK). The stack is
// static: the agent is single-threaded and is suspended while the child uses it.
pid_t spawn(ChildPlan& plan) {
    alignas(64) static std::uint8_t stack[64 * 1024];
    sigset_t all, old;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, &old);
    const pid_t pid =
        ::clone(childMain, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    const int cloneError = errno;
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    errno = cloneError;
    return pid;
}

bool setNonBlocking(int fd) {
    // A fresh pipe end has no other status flags to keep, so no F_GETFL first.
    return ::fcntl(fd, F_SETFL, O_NONBLOCK) == 0;
}

Result<std::pair<UniqueFd, UniqueFd>> makePipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0)
        return errnoError(errno, "pipe");
    return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Master (non-blocking, kept by the agent) and slave (for the child) of a new pty.
Result<std::pair<UniqueFd, UniqueFd>> makePty(std::uint16_t rows, std::uint16_t cols) {
    UniqueFd master(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
    if (!master)
        return errnoError(errno, "/dev/ptmx");
    if (::grantpt(master.get()) < 0 || ::unlockpt(master.get()) < 0)
        return errnoError(errno, "unlockpt");
    // TIOCGPTPEER opens the slave without a path lookup that a guest process could race.
    UniqueFd slave(::ioctl(master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) {
        char name[128];
        if (::ptsname_r(master.get(), name, sizeof name) != 0)
            return errnoError(errno, "ptsname");
        slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (!slave)
            return errnoError(errno, name);
    }
    winsize ws{};
    ws.ws_row = rows ? rows : 24;
    ws.ws_col = cols ? cols : 80;
    ::ioctl(master.get(), TIOCSWINSZ, &ws);
    return std::pair{std::move(master), std::move(slave)};
}

std::vector<std::string> executableCandidates(const std::string& file, const std::string& path) {
    if (file.find('/') != std::string::npos)
        return {file};
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = path.find(':', start);
        std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
        out.push_back((dir.empty() ? std::string(".") : dir) + "/" + file);
        if (end == std::string::npos || out.size() >= 64)
            break;
        start = end + 1;
    }
    if (file.empty())
        out.clear(); // execve("") is ENOENT, which the empty candidate list reports too
    return out;
}

std::string failureMessage(const ChildFailure& f, const protocol::ExecRequest& request,
                           const ChildPlan& plan) {
    const std::string why = std::strerror(f.error);
    switch (f.stage) {
    case ChildStage::Exec:
        return request.argv[0] + ": " + why;
    case ChildStage::Directory:
        return plan.cwd + ": " + why;
    case ChildStage::Credentials:
        return "cannot switch to user " + plan.user->name + ": " + why;
    case ChildStage::Setup:
    case ChildStage::None:
        break;
    }
    return "cannot set up the process: " + why;
}

} // namespace

Result<std::unique_ptr<ExecSession>> ExecSession::start(std::uint32_t stream, int epollFd,
                                                        const protocol::ExecRequest& request,
                                                        const UserAccount& user,
                                                        const Options& options) {
    // execve takes C strings: an embedded NUL would silently cut an argument short.
    bool nul = hasNul(request.cwd);
    for (const auto& a : request.argv)
        nul = nul || hasNul(a);
    for (const auto& [k, v] : request.env)
        nul = nul || hasNul(k) || hasNul(v);
    if (nul)
        return Error{"bad_request", "argv, env and cwd must not contain NUL bytes"};

    if (request.createCwd && !request.cwd.empty())
        createDirectories(request.cwd, user, options.switchCredentials);

    ChildPlan plan;
    plan.user = &user;
    plan.switchCredentials = options.switchCredentials;
    plan.dieWithAgent = options.dieWithAgent;
    plan.pty = request.pty;
    plan.cwd = request.cwd;
    plan.fallbackCwd = user.home.empty() ? "/" : user.home;

    std::map<std::string, std::string> env{{"PATH", kDefaultPath}, {"HOME", user.home},
                                           {"USER", user.name},    {"LOGNAME", user.name},
                                           {"SHELL", user.shell},  {"LANG", "C.UTF-8"}};
    if (request.pty)
        env["TERM"] = "xterm-256color";
    for (const auto& [k, v] : request.env)
        env[k] = v;
    for (const auto& [k, v] : env)
        plan.envStorage.push_back(k + "=" + v);
    plan.argvStorage = request.argv;
    for (auto& s : plan.argvStorage)
        plan.argv.push_back(s.data());
    plan.argv.push_back(nullptr);
    for (auto& s : plan.envStorage)
        plan.envp.push_back(s.data());
    plan.envp.push_back(nullptr);
    plan.candidates = executableCandidates(request.argv[0], env["PATH"]);

    auto fail = [](const Error& e) { return Error{"exec_failed", e.message}; };
    std::unique_ptr<ExecSession> s(new ExecSession(stream, epollFd));
    s->m_pty = request.pty;
    UniqueFd childIn, childOut, childErr, slave;
    if (request.pty) {
        auto pty = makePty(request.rows, request.cols);
        if (!pty)
            return fail(pty.error());
        s->m_stdout = std::move(pty->first);
        slave = std::move(pty->second);
        plan.ptySlave = slave.get();
        s->m_stderrDone = true;
    } else {
        auto in = makePipe(), out = makePipe(), err = makePipe();
        if (!in || !out || !err)
            return fail(!in ? in.error() : !out ? out.error() : err.error());
        childIn = std::move(in->first);
        s->m_stdin = std::move(in->second);
        s->m_stdout = std::move(out->first);
        childOut = std::move(out->second);
        s->m_stderr = std::move(err->first);
        childErr = std::move(err->second);
        if (!setNonBlocking(s->m_stdin.get()) || !setNonBlocking(s->m_stdout.get()) ||
            !setNonBlocking(s->m_stderr.get()))
            return fail(errnoError(errno, "fcntl"));
        plan.stdinFd = childIn.get();
        plan.stdoutFd = childOut.get();
        plan.stderrFd = childErr.get();
    }
    ChildFailure failure;
    plan.failure = &failure;
    plan.resetSignals = &signalsToReset();
    const pid_t pid = spawn(plan);
    if (pid < 0)
        return fail(errnoError(errno, "clone"));

    // The child's ends must close here, or EOF on stdout and EIO on the pty never come.
    childIn.reset();
    childOut.reset();
    childErr.reset();
    slave.reset();
    if (failure.stage != ChildStage::None) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        return Error{"exec_failed", failureMessage(failure, request, plan)};
    }

    s->m_pid = pid;
    if (s->m_pty) {
        s->watch(s->m_stdout, Endpoint::Pty, EPOLLIN | EPOLLOUT);
    } else {
        s->watch(s->m_stdin, Endpoint::Stdin, EPOLLOUT);
        s->watch(s->m_stdout, Endpoint::Stdout, EPOLLIN);
        s->watch(s->m_stderr, Endpoint::Stderr, EPOLLIN);
    }
    return s;
}

ExecSession::~ExecSession() {
    if (m_grown)
        --g_grownPipes;
    if (!m_reaped && m_pid > 0)
        kill();
    closeEndpoint(m_stdin);
    closeEndpoint(m_stdout);
    closeEndpoint(m_stderr);
}

void ExecSession::watch(const UniqueFd& fd, Endpoint endpoint, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events | EPOLLET;
    ev.data.u64 = eventToken(m_stream, endpoint);
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd.get(), &ev);
}

void ExecSession::closeEndpoint(UniqueFd& fd) {
    // Deregister explicitly: a child forked meanwhile may still share the open file, which
    // would keep a stale registration alive after close().
    if (fd)
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd.get(), nullptr);
    fd.reset();
}

void ExecSession::markReady(Endpoint endpoint, std::uint32_t events) {
    const bool readable = events & (EPOLLIN | EPOLLHUP | EPOLLERR);
    const bool writable = events & (EPOLLOUT | EPOLLERR);
    switch (endpoint) {
    case Endpoint::Stdin:
        m_stdinReady = m_stdinReady || writable;
        break;
    case Endpoint::Stdout:
        m_stdoutReady = m_stdoutReady || readable;
        break;
    case Endpoint::Stderr:
        m_stderrReady = m_stderrReady || readable;
        break;
    case Endpoint::Pty:
        m_stdoutReady = m_stdoutReady || readable;
        m_stdinReady = m_stdinReady || writable;
        break;
    }
}

Status ExecSession::queueStdin(std::span<const std::uint8_t> data, OutputQueue& out) {
    if (data.empty()) {
        // A pty has no separate stdin to close; ^D is the user's to send.
        if (!m_pty)
            m_stdinCloseRequested = true;
        return {};
    }
    if (m_stdinGone || m_stdinCloseRequested) {
        // Nobody will read these bytes; acknowledge them so the host does not stall.
        out.push(FrameType::Window, m_stream, protocol::windowJson(std::uint32_t(data.size())));
        return {};
    }
    if (m_stdinBuffer.size() - m_stdinOffset + data.size() > protocol::kStreamWindow)
        return Error{"window_exceeded", "stdin beyond the stream window"};
    if (m_stdinOffset > 0 && m_stdinOffset == m_stdinBuffer.size()) {
        m_stdinBuffer.clear();
        m_stdinOffset = 0;
    }
    m_stdinBuffer.insert(m_stdinBuffer.end(), data.begin(), data.end());
    return {};
}

bool ExecSession::pumpStdin(OutputQueue& out) {
    std::size_t written = 0;
    std::size_t discarded = 0;
    while (!m_stdinGone && m_stdinReady && m_stdinOffset < m_stdinBuffer.size()) {
        const ssize_t n = ::write(stdinFd(), m_stdinBuffer.data() + m_stdinOffset,
                                  m_stdinBuffer.size() - m_stdinOffset);
        if (n > 0) {
            written += std::size_t(n);
            m_stdinOffset += std::size_t(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            m_stdinReady = false;
        } else {
            // EPIPE (pipe reader gone), EIO (pty slave closed): the process will not read
            // any more; drop what is buffered and keep acknowledging.
            discarded += m_stdinBuffer.size() - m_stdinOffset;
            m_stdinGone = true;
        }
    }
    if (m_stdinOffset == m_stdinBuffer.size()) {
        m_stdinBuffer.clear();
        m_stdinOffset = 0;
    }
    if (m_stdinGone && !m_stdinBuffer.empty()) {
        discarded += m_stdinBuffer.size() - m_stdinOffset;
        m_stdinBuffer.clear();
        m_stdinOffset = 0;
    }
    if ((m_stdinGone || m_stdinCloseRequested) && m_stdinBuffer.empty() && !m_pty)
        closeEndpoint(m_stdin);
    if (written + discarded > 0)
        out.push(FrameType::Window, m_stream,
                 protocol::windowJson(std::uint32_t(written + discarded)));
    return written + discarded > 0;
}

bool ExecSession::readInto(UniqueFd& fd, FrameType type, bool& ready, bool& done, OutputQueue& out,
                           std::size_t queueLimit) {
    bool moved = false;
    // A few chunks per pass keeps one chatty process from starving the others.
    for (int i = 0; i < 4 && !done && ready && out.bytes() < queueLimit; ++i) {
        // Straight into the queue: the frame's bytes are then written to the host as they are.
        const auto room = out.beginFrame(type, m_stream, protocol::kDataChunk);
        const ssize_t n = ::read(fd.get(), room.data(), room.size());
        out.commitFrame(n > 0 ? std::size_t(n) : 0);
        if (n > 0) {
            moved = true;
            // A full chunk means a full default pipe: a bulk writer. A larger pipe lets it
            // write on while the agent sends, and the agent then reads whole chunks.
            if (std::size_t(n) == room.size() && !m_pty && !m_growTried &&
                g_grownPipes < kMaxGrownPipes) {
                m_growTried = true;
                if (::fcntl(fd.get(), F_SETPIPE_SZ, kBulkPipeSize) >= 0) {
                    m_grown = true;
                    ++g_grownPipes;
                }
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ready = false;
            // Once the process is reaped, all it wrote is already here: "nothing now" means
            // done, even if a background child still holds the pipe open.
            if (m_reaped)
                done = true;
            break;
        }
        // EOF, or EIO from a pty master whose slave side is closed everywhere.
        done = true;
    }
    if (done) {
        if (m_pty)
            m_stdinGone = true;
        closeEndpoint(fd);
    }
    return moved;
}

bool ExecSession::pumpOutput(OutputQueue& out, std::size_t queueLimit) {
    bool moved =
        readInto(m_stdout, FrameType::Stdout, m_stdoutReady, m_stdoutDone, out, queueLimit);
    if (!m_pty)
        moved =
            readInto(m_stderr, FrameType::Stderr, m_stderrReady, m_stderrDone, out, queueLimit) ||
            moved;
    return moved;
}

bool ExecSession::hasPendingWork(std::size_t queueBytes, std::size_t queueLimit) const {
    const bool stdinWork = !m_stdinGone && m_stdinReady && m_stdinOffset < m_stdinBuffer.size();
    const bool outputWork = queueBytes < queueLimit && ((!m_stdoutDone && m_stdoutReady) ||
                                                        (!m_pty && !m_stderrDone && m_stderrReady));
    return stdinWork || outputWork;
}

void ExecSession::reaped(int waitStatus) {
    m_reaped = true;
    if (WIFEXITED(waitStatus)) {
        m_status.code = WEXITSTATUS(waitStatus);
    } else if (WIFSIGNALED(waitStatus)) {
        m_status.code = -1;
        m_status.signal = WTERMSIG(waitStatus);
        m_status.core = WCOREDUMP(waitStatus);
    }
    // One more read of each endpoint decides whether the output is drained.
    m_stdoutReady = true;
    m_stderrReady = true;
    if (!m_pty) {
        m_stdinGone = true;
        m_stdinBuffer.clear();
        m_stdinOffset = 0;
        closeEndpoint(m_stdin);
    }
}

void ExecSession::resize(std::uint16_t rows, std::uint16_t cols) {
    if (!m_pty || !m_stdout)
        return;
    winsize ws{};
    ws.ws_row = rows;
    ws.ws_col = cols;
    ::ioctl(m_stdout.get(), TIOCSWINSZ, &ws);
}

void ExecSession::signal(int sig) {
    // Once reaped the pid may belong to someone else.
    if (m_reaped || m_pid <= 0)
        return;
    // The process leads its own session and group (setsid), so the group gets it too.
    if (::kill(-m_pid, sig) < 0)
        ::kill(m_pid, sig);
}

} // namespace vivarium::agent
