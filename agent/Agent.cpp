// See Agent.h.
#include "Agent.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <string>

#include "DirectoryListing.h"
#include "FileStatus.h"
#include "TreeRemoval.h"
#include "UserAccount.h"

#ifndef VIVARIUM_VERSION
#define VIVARIUM_VERSION "0.0.0"
#endif

namespace vivarium::agent {

using protocol::Frame;
using protocol::FrameType;

namespace {

// epoll tokens above ExecSession's endpoints (1..4): kind << 32 | stream.
constexpr std::uint64_t kSignalsToken = 8ull << 32;
constexpr std::uint64_t kListenToken = 9ull << 32;
constexpr std::uint64_t kChannelToken = 10ull << 32;
constexpr std::uint64_t kEgressToken = 11ull << 32;
constexpr std::size_t kRememberClosed = 256;

std::string hostNameNow() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0)
        return "localhost";
    return name;
}

std::string kernelRelease() {
    utsname u{};
    return ::uname(&u) == 0 ? u.release : "";
}

} // namespace

Agent::Agent(Logger& log, Channel channel, Role role, std::string hostname)
    : m_log(log), m_channel(std::move(channel)), m_role(role),
      m_hostname(hostname.empty() ? hostNameNow() : std::move(hostname)),
      m_kernel(kernelRelease()) {}

Agent::~Agent() {
    // Each session kills its process group on destruction.
    m_execs.clear();
}

Status Agent::setUp() {
    // Writes to a closed pipe or socket must fail with EPIPE, not kill the agent.
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (m_role == Role::Test) {
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
    }
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0)
        return errnoError(errno, "sigprocmask");
    if (m_role == Role::Pid1) {
        // On one vCPU a waking agent would preempt the process it serves at every pipe
        // write: a 4 KiB writer then costs a context switch, a frame and a virtqueue kick per
        // 4 KiB. A SCHED_BATCH task does not preempt on wakeup (the tick does), so the writer
        // fills the pipe and the agent sends it in large writes; an exec's Started and Exit
        // go out together once a short command is done. Processes it starts get the normal
        // policy back (RESET_ON_FORK). The price: while a CPU-bound process runs, the agent
        // answers within a scheduler tick rather than at once.
        const sched_param param{};
        if (::sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &param) < 0)
            m_log.line(std::string("sched_setscheduler: ") + std::strerror(errno));
    }
    m_signals.reset(::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!m_signals)
        return errnoError(errno, "signalfd");
    m_epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!m_epoll)
        return errnoError(errno, "epoll_create1");
    watch(m_signals.get(), kSignalsToken, EPOLLIN);
    if (m_channel.kind() == Channel::Kind::Listener) {
        watch(m_channel.listenFd(), kListenToken, EPOLLIN);
        m_listenReady = true;
    } else {
        watch(m_channel.fd(), kChannelToken, EPOLLIN | EPOLLOUT);
        m_channelReadable = m_channelWritable = true;
    }
    return {};
}

void Agent::watch(int fd, std::uint64_t token, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events | EPOLLET;
    ev.data.u64 = token;
    if (::epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &ev) < 0)
        m_log.line(std::string("epoll_ctl: ") + std::strerror(errno));
}

Result<ShutdownAction> Agent::run() {
    if (auto s = setUp(); !s)
        return s.error();
    // Queued until a host can take it: virtio-serial drops nothing but accepts nothing
    // while no host is connected.
    m_out.push(FrameType::Hello, protocol::kControlStream, protocol::toJson(identity()));
    // A child reaped before the signalfd existed would otherwise wait for the next SIGCHLD.
    reapChildren();

    // Blocks unless a pass left work that needs no new event (it stops after a few chunks
    // per descriptor). Polling instead would take the vCPU from the very process whose
    // output the agent is waiting for. After a pass that had events, the queue is written
    // only after one more look for events already pending: a short command's Started and
    // Exit (or many small outputs) then go to the host in one write, one virtqueue kick.
    bool more = true;
    bool deferred = false;
    while (!m_stop) {
        epoll_event events[64];
        const int n = ::epoll_wait(m_epoll.get(), events, 64, more || deferred ? 0 : -1);
        if (n < 0 && errno != EINTR)
            return errnoError(errno, "epoll_wait");
        for (int i = 0; i < n; ++i)
            onEvent(events[i].data.u64, events[i].events);
        pump();
        if (n > 0 && !deferred && !m_stop) {
            deferred = true;
            continue;
        }
        deferred = false;
        flushOutput();
        more = workLeft();
    }
    return *m_stop;
}

void Agent::onEvent(std::uint64_t token, std::uint32_t events) {
    const auto kind = std::uint32_t(token >> 32);
    const auto stream = std::uint32_t(token);
    if (token == kSignalsToken) {
        reapChildren();
    } else if (token == kListenToken) {
        m_listenReady = true;
    } else if (token == kChannelToken) {
        if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP))
            m_channelReadable = true;
        if (events & EPOLLOUT)
            m_channelWritable = true;
    } else if (token == kEgressToken) {
        m_egressReady = true;
    } else if (kind == TcpStream::kTokenKind) {
        if (auto it = m_tcp.find(stream); it != m_tcp.end())
            it->second->markReady(events);
    } else if (kind >= 1 && kind <= 4) {
        // A stale event for a stream closed in this same batch finds nothing, by design.
        if (auto it = m_execs.find(stream); it != m_execs.end())
            it->second->markReady(ExecSession::Endpoint(kind), events);
    }
}

void Agent::pump() {
    acceptHost();
    // A full queue holds reading back; make room first. Otherwise the queue is written at
    // the end of the iteration (run()), so frames produced together leave together.
    if (m_out.bytes() >= kOutputHighWater)
        flushOutput();
    readChannel();

    for (auto it = m_execs.begin(); it != m_execs.end();) {
        ExecSession& exec = *it->second;
        exec.pumpStdin(m_out);
        exec.pumpOutput(m_out, kOutputHighWater);
        if (!exec.finished()) {
            ++it;
            continue;
        }
        // Exit goes out only after the last output byte: the host may close on it.
        m_out.push(FrameType::Exit, exec.stream(), protocol::toJson(exec.exitStatus()));
        const std::uint32_t id = exec.stream();
        ++it;
        closeStream(id);
    }
    acceptEgress();
    for (auto it = m_tcp.begin(); it != m_tcp.end();) {
        TcpStream& tcp = *it->second;
        const std::uint32_t id = it->first;
        ++it;
        tcp.pump(m_out, kOutputHighWater);
        if (!tcp.finished())
            continue;
        if (tcp.failure())
            sendError(id, *tcp.failure());
        closeStream(id);
    }
    m_waitingForRoom = false;
    m_jobProgressed = false;
    for (auto it = m_files.begin(); it != m_files.end();) {
        FileTransfer& file = *it->second;
        const std::uint32_t id = it->first;
        ++it;
        if (file.direction() != FileTransfer::Direction::Download)
            continue;
        auto done = file.pump(m_out, kOutputHighWater);
        if (!done) {
            sendError(id, done.error());
            closeStream(id);
        } else if (*done) {
            closeStream(id);
        } else {
            m_waitingForRoom = true; // a regular file is always readable
        }
    }
    for (auto it = m_jobs.begin(); it != m_jobs.end();) {
        FileJob& job = *it->second;
        const std::uint32_t id = it->first;
        ++it;
        auto step = job.pump(m_out, kOutputHighWater);
        if (!step) {
            sendError(id, step.error());
            closeStream(id);
        } else if (*step == FileJob::Step::Done) {
            closeStream(id);
        } else if (*step == FileJob::Step::Progressed) {
            m_jobProgressed = true;
        } else {
            m_waitingForRoom = true;
        }
    }
}

bool Agent::workLeft() const {
    // Work left that no event will announce: descriptors already known to be ready that a
    // pass left unfinished (it stops after a few chunks each), or held back by a queue that
    // the flush above has drained below its mark; host bytes not yet read; a connection to
    // accept; queued frames the channel can still take.
    const std::size_t queued = m_out.bytes();
    bool more = m_jobProgressed;
    more = more || (m_waitingForRoom && queued < kOutputHighWater);
    for (const auto& [id, exec] : m_execs)
        more = more || exec->hasPendingWork(queued, kOutputHighWater);
    for (const auto& [id, tcp] : m_tcp)
        more = more || tcp->hasPendingWork(queued, kOutputHighWater);
    more = more || (m_egressReady && m_egressListener);
    more = more || m_stop.has_value();
    more = more || (m_channelReadable && m_channel.fd() >= 0 && queued < kInputPauseAt);
    more = more ||
           (m_listenReady && m_channel.kind() == Channel::Kind::Listener && m_channel.fd() < 0);
    more = more || (m_channelWritable && m_channel.fd() >= 0 && !m_awaitingSync && queued > 0);
    return more;
}

bool Agent::acceptHost() {
    if (m_channel.kind() != Channel::Kind::Listener || m_channel.fd() >= 0 || !m_listenReady)
        return false;
    auto accepted = m_channel.accept();
    if (!accepted) {
        m_log.line(accepted.error().message);
        m_listenReady = false;
        return false;
    }
    if (!*accepted) {
        m_listenReady = false;
        return false;
    }
    watch(m_channel.fd(), kChannelToken, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
    m_channelReadable = m_channelWritable = true;
    m_in.clear();
    return true;
}

bool Agent::flushOutput() {
    if (m_channel.fd() < 0 || !m_channelWritable || m_awaitingSync || m_out.empty())
        return false;
    std::size_t written = 0;
    switch (m_out.writeTo(m_channel.fd(), &written)) {
    case OutputQueue::WriteStatus::Drained:
        break;
    case OutputQueue::WriteStatus::WouldBlock:
        m_channelWritable = false;
        break;
    case OutputQueue::WriteStatus::Closed:
        m_channelWritable = false;
        if (m_channel.kind() == Channel::Kind::Listener) {
            onHostGone();
            return true;
        }
        break;
    }
    if (written > 0)
        m_hostSeen = true;
    return written > 0;
}

bool Agent::readChannel() {
    bool moved = false;
    for (int i = 0; i < 4 && !m_stop && m_channel.fd() >= 0 && m_channelReadable &&
                    m_out.bytes() < kInputPauseAt;
         ++i) {
        std::uint8_t buffer[64 * 1024];
        std::size_t got = 0;
        const auto status = m_channel.read(buffer, sizeof buffer, &got);
        if (status == Channel::ReadStatus::WouldBlock) {
            m_channelReadable = false;
            break;
        }
        if (status == Channel::ReadStatus::Closed) {
            onHostGone();
            // Another pass may accept a host that is already waiting.
            moved = true;
            break;
        }
        m_hostSeen = true;
        moved = true;
        m_in.append(std::span<const std::uint8_t>(buffer, got));
        while (!m_stop) {
            auto frame = m_in.next();
            if (!frame)
                break;
            dispatch(*frame);
        }
        if (m_in.corruptCount() > m_corruptLogged) {
            // Bounded: garbage on the channel must not flood the console.
            if (m_corruptLogged < 16)
                m_log.line("skipped corrupt input from the host: " + m_in.lastError());
            m_corruptLogged = m_in.corruptCount();
        }
    }
    return moved;
}

void Agent::onHostGone() {
    m_channelReadable = false;
    if (m_channel.kind() == Channel::Kind::Listener) {
        ::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, m_channel.fd(), nullptr);
        m_channel.dropConnection();
        m_channelWritable = false;
        m_listenReady = true; // a connection may already be waiting
        m_out.restartPartial();
    } else if (!m_hostSeen) {
        // The port reads EOF whenever no host is attached, before the first one too.
        return;
    }
    m_hostSeen = false;
    // A half-received frame belongs to the host that left.
    m_in.clear();
    m_awaitingSync = true;
}

void Agent::reapChildren() {
    signalfd_siginfo info;
    while (::read(m_signals.get(), &info, sizeof info) == ssize_t(sizeof info)) {
        if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT)
            m_stop = ShutdownAction::PowerOff; // test mode only; PID 1 ignores them
    }
    // Every child, including orphans reparented to PID 1: unknown pids are just reaped.
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            break;
        const auto it = m_pids.find(pid);
        if (it == m_pids.end())
            continue;
        if (auto exec = m_execs.find(it->second); exec != m_execs.end())
            exec->second->reaped(status);
        m_pids.erase(it);
    }
}

void Agent::dispatch(const Frame& frame) {
    // The one boundary where an exception (bad_alloc, a JSON library surprise) could
    // surface; PID 1 must survive it, so it becomes an Error on the stream.
    try {
        if (frame.stream == protocol::kControlStream)
            handleControl(frame);
        else
            handleStream(frame);
    } catch (const std::exception& e) {
        sendError(frame.stream, {"internal", std::string("agent failure: ") + e.what()});
    } catch (...) {
        sendError(frame.stream, {"internal", "agent failure"});
    }
}

void Agent::handleControl(const Frame& frame) {
    const auto text = frame.payloadText();
    switch (frame.type) {
    case FrameType::Sync: {
        const auto nonce = protocol::parseNonce(text);
        if (!nonce) {
            sendError(0, {"bad_request", "sync needs a numeric nonce"});
            return;
        }
        protocol::Hello ack = identity();
        ack.nonce = *nonce;
        for (const auto& [id, exec] : m_execs)
            ack.streams.push_back(id);
        // The ack goes before everything queued meanwhile (a host discards what precedes
        // it), and an unsent Hello would only confuse a host that is already past it.
        m_out.dropUnsent(FrameType::Hello);
        m_out.pushUrgent(FrameType::SyncAck, 0, protocol::toJson(ack));
        m_awaitingSync = false;
        // A host that synced anew has no socket for any connection of the old one: those end
        // here (their peers see a reset), while processes keep running.
        for (auto it = m_tcp.begin(); it != m_tcp.end();) {
            const std::uint32_t id = it->first;
            ++it;
            closeStream(id);
        }
        return;
    }
    case FrameType::NetConfig: {
        const auto port = protocol::parseNetConfig(text);
        if (!port) {
            sendError(0, {"bad_request", "net-config needs a numeric proxy_port"});
            return;
        }
        configureEgress(*port);
        return;
    }
    case FrameType::SetClock: {
        const auto t = protocol::parseClock(text);
        if (!t) {
            sendError(0, {"bad_request", "set-clock needs {sec, nsec} of a plausible time"});
            return;
        }
        // After a pause or a restore from saved memory the guest's clock is behind by the
        // time it was frozen. Only PID 1 owns the clock; a test agent on the host must not.
        if (m_role == Role::Pid1) {
            const timespec ts{time_t(t->sec), long(t->nsec)};
            if (::clock_settime(CLOCK_REALTIME, &ts) < 0)
                m_log.line(std::string("cannot set the clock: ") + std::strerror(errno));
        }
        return;
    }
    case FrameType::Flush: {
        // Before the host saves this guest's memory (hibernation): should that image be lost,
        // the disk still has every file written so far.
        const auto nonce = protocol::parseNonce(text);
        if (!nonce) {
            sendError(0, {"bad_request", "flush needs a numeric nonce"});
            return;
        }
        ::sync();
        m_out.push(FrameType::Pong, 0, protocol::nonceJson(*nonce));
        return;
    }
    case FrameType::Ping: {
        const auto nonce = protocol::parseNonce(text);
        if (!nonce) {
            sendError(0, {"bad_request", "ping needs a numeric nonce"});
            return;
        }
        m_out.push(FrameType::Pong, 0, protocol::nonceJson(*nonce));
        return;
    }
    case FrameType::Shutdown: {
        const auto action = protocol::parseShutdown(text);
        if (!action) {
            sendError(0, {"bad_request", "shutdown action must be \"poweroff\" or \"reboot\""});
            return;
        }
        m_log.line("shutdown requested: " + *action);
        m_stop = *action == "reboot" ? ShutdownAction::Reboot : ShutdownAction::PowerOff;
        return;
    }
    default:
        sendError(0,
                  {"bad_request", "unexpected " + std::string(protocol::frameTypeName(frame.type)) +
                                      " frame from the host"});
    }
}

void Agent::handleStream(const Frame& frame) {
    const std::uint32_t id = frame.stream;
    switch (frame.type) {
    case FrameType::Exec:
    case FrameType::FileWrite:
    case FrameType::FileRead:
    case FrameType::FileStat:
    case FrameType::FileList:
    case FrameType::FileRemove:
    case FrameType::TcpConnect:
        if (id >= protocol::kGuestStreamBase) {
            sendError(id, {"bad_stream", "stream " + std::to_string(id) +
                                             " is in the range the agent numbers"});
            return;
        }
        if (inUse(id)) {
            // Error closes a stream, so the one already open under this id ends too; the
            // host and the agent then agree that nothing runs under it.
            sendError(id, {"bad_stream", "stream " + std::to_string(id) + " is already in use"});
            closeStream(id);
            return;
        }
        if (openStreams() >= kMaxStreams) {
            sendError(id, {"too_many_streams",
                           "the agent serves at most " + std::to_string(kMaxStreams) + " streams"});
            return;
        }
        m_closed.erase(std::remove(m_closed.begin(), m_closed.end(), id), m_closed.end());
        if (frame.type == FrameType::Exec)
            startExec(frame);
        else if (frame.type == FrameType::FileStat)
            startFileStat(frame);
        else if (frame.type == FrameType::FileList)
            startFileList(frame);
        else if (frame.type == FrameType::FileRemove)
            startFileRemove(frame);
        else if (frame.type == FrameType::TcpConnect)
            startTcp(frame);
        else
            startFile(frame);
        // A stream that failed to open was answered with an Error; its late data frames
        // are dropped like those of any closed stream.
        if (!inUse(id))
            rememberClosed(id);
        return;
    case FrameType::Error:
        // The host gave up on the stream; never answer an Error with an Error.
        if (inUse(id))
            closeStream(id);
        return;
    default:
        break;
    }
    if (auto it = m_execs.find(id); it != m_execs.end())
        onExecFrame(*it->second, frame);
    else if (auto f = m_files.find(id); f != m_files.end())
        onFileFrame(*f->second, frame);
    else if (m_jobs.count(id))
        onJobFrame(frame);
    else if (auto t = m_tcp.find(id); t != m_tcp.end())
        onTcpFrame(*t->second, frame);
    else
        unknownStream(frame);
}

void Agent::startExec(const Frame& frame) {
    auto request = protocol::parseExecRequest(frame.payloadText());
    if (!request) {
        sendError(frame.stream, {"bad_request", "exec: " + request.error});
        return;
    }
    std::string who = request->user;
    if (who.empty())
        who = m_role == Role::Pid1 ? "0" : std::to_string(::getuid());
    auto user = m_accounts.resolve(who);
    if (!user) {
        sendError(frame.stream, user.error());
        return;
    }
    ExecSession::Options options;
    options.switchCredentials = ::geteuid() == 0;
    options.dieWithAgent = m_role == Role::Test;
    auto exec = ExecSession::start(frame.stream, m_epoll.get(), *request, *user, options);
    if (!exec) {
        sendError(frame.stream, exec.error());
        return;
    }
    const pid_t pid = (*exec)->pid();
    m_pids[pid] = frame.stream;
    m_execs[frame.stream] = std::move(*exec);
    // No helper in GuestMessages for Started; the payload is a single integer.
    m_out.push(FrameType::Started, frame.stream, "{\"pid\":" + std::to_string(pid) + "}");
}

void Agent::startFile(const Frame& frame) {
    auto request = protocol::parseFileRequest(frame.payloadText());
    if (!request) {
        sendError(frame.stream, {"bad_request", "file: " + request.error});
        return;
    }
    auto file = frame.type == FrameType::FileWrite
                    ? FileTransfer::openForWrite(frame.stream, *request)
                    : FileTransfer::openForRead(frame.stream, *request, m_out);
    if (!file) {
        sendError(frame.stream, file.error());
        return;
    }
    m_files[frame.stream] = std::move(*file);
}

void Agent::startFileStat(const Frame& frame) {
    auto request = protocol::parseStatRequest(frame.payloadText());
    if (!request) {
        sendError(frame.stream, {"bad_request", "stat: " + request.error});
        return;
    }
    auto info = fileStatus(AT_FDCWD, request->path, request->follow, request->path);
    if (!info) {
        sendError(frame.stream, info.error());
        return;
    }
    // Answered at once: the stream never stays open.
    m_out.push(FrameType::FileInfo, frame.stream, protocol::toJson(*info));
    m_out.push(FrameType::FileEnd, frame.stream, std::string_view());
}

void Agent::startFileList(const Frame& frame) {
    auto request = protocol::parseListRequest(frame.payloadText());
    if (!request) {
        sendError(frame.stream, {"bad_request", "list: " + request.error});
        return;
    }
    auto listing = DirectoryListing::open(frame.stream, *request);
    if (!listing) {
        sendError(frame.stream, listing.error());
        return;
    }
    // Entries go out from pump(), under the output queue's high-water mark.
    m_jobs[frame.stream] = std::move(*listing);
}

void Agent::startFileRemove(const Frame& frame) {
    auto request = protocol::parseRemoveRequest(frame.payloadText());
    if (!request) {
        sendError(frame.stream, {"bad_request", "remove: " + request.error});
        return;
    }
    auto removal = TreeRemoval::start(frame.stream, *request);
    if (!removal) {
        sendError(frame.stream, removal.error());
        return;
    }
    if (!*removal) {
        m_out.push(FrameType::FileEnd, frame.stream, std::string_view());
        return;
    }
    m_jobs[frame.stream] = std::move(*removal);
}

void Agent::onJobFrame(const Frame& frame) {
    // The host gives up on a listing or removal with FileEnd (a removal stops where it is).
    if (frame.type != FrameType::FileEnd)
        sendError(frame.stream, {"bad_request", std::string(protocol::frameTypeName(frame.type)) +
                                                    " frame on a file stream"});
    closeStream(frame.stream);
}

void Agent::startTcp(const Frame& frame) {
    const auto port = protocol::parsePort(frame.payloadText());
    if (!port) {
        sendError(frame.stream, {"bad_request", "tcp-connect needs a port between 1 and 65535"});
        return;
    }
    auto tcp = TcpStream::connectLocal(frame.stream, m_epoll.get(), *port);
    if (!tcp) {
        sendError(frame.stream, tcp.error());
        return;
    }
    m_tcp[frame.stream] = std::move(*tcp);
}

void Agent::onTcpFrame(TcpStream& tcp, const Frame& frame) {
    if (frame.type == FrameType::TcpData) {
        if (auto s = tcp.onData(frame.payload); !s) {
            sendError(frame.stream, s.error());
            closeStream(frame.stream);
        }
        return;
    }
    if (frame.type == FrameType::Window) {
        if (auto bytes = protocol::parseWindow(frame.payloadText()))
            tcp.onWindow(*bytes);
        else
            m_log.line("ignored a malformed window on stream " + std::to_string(frame.stream));
        return;
    }
    sendError(frame.stream, {"bad_request", std::string(protocol::frameTypeName(frame.type)) +
                                                " frame on a TCP stream"});
    closeStream(frame.stream);
}

void Agent::configureEgress(std::uint16_t port) {
    if (port == m_egressPort && (port == 0 || m_egressListener))
        return;
    if (m_egressListener) {
        ::epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, m_egressListener.get(), nullptr);
        m_egressListener.reset();
    }
    m_egressPort = port;
    m_egressReady = false;
    if (port == 0)
        return;
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const int one = 1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (!fd || ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::listen(fd.get(), 128) < 0) {
        const Error e = errnoError(errno, "egress listener on 127.0.0.1:" + std::to_string(port));
        m_log.line(e.message);
        sendError(0, e);
        m_egressPort = 0;
        return;
    }
    m_egressListener = std::move(fd);
    watch(m_egressListener.get(), kEgressToken, EPOLLIN);
    m_egressReady = true;
}

void Agent::acceptEgress() {
    while (m_egressReady && m_egressListener) {
        UniqueFd conn(::accept4(m_egressListener.get(), nullptr, nullptr,
                                SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!conn) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                m_log.line(std::string("egress accept: ") + std::strerror(errno));
            m_egressReady = false;
            return;
        }
        // Over the limit the connection is closed at once: its client sees a reset.
        if (openStreams() >= kMaxStreams)
            continue;
        const std::uint32_t id = nextGuestStream();
        m_out.push(FrameType::TcpAccepted, id,
                   protocol::toJson(protocol::TcpAccepted{"egress", m_egressPort}));
        m_tcp[id] = TcpStream::adopt(id, m_epoll.get(), std::move(conn));
    }
}

std::uint32_t Agent::nextGuestStream() {
    // At most kMaxStreams are open, so a free id is always near.
    do {
        const std::uint32_t id = m_nextGuestStream;
        m_nextGuestStream = id >= protocol::kMaxStream ? protocol::kGuestStreamBase : id + 1;
        if (!inUse(id) && !recentlyClosed(id))
            return id;
    } while (true);
}

void Agent::onExecFrame(ExecSession& exec, const Frame& frame) {
    switch (frame.type) {
    case FrameType::Stdin:
        if (auto s = exec.queueStdin(frame.payload, m_out); !s) {
            sendError(frame.stream, s.error());
            closeStream(frame.stream);
        }
        return;
    case FrameType::Resize:
        if (auto size = protocol::parseResize(frame.payloadText()))
            exec.resize(size->first, size->second);
        else
            m_log.line("ignored a malformed resize on stream " + std::to_string(frame.stream));
        return;
    case FrameType::Signal:
        if (auto sig = protocol::parseSignal(frame.payloadText()))
            exec.signal(*sig);
        else
            m_log.line("ignored a malformed signal on stream " + std::to_string(frame.stream));
        return;
    default:
        sendError(frame.stream, {"bad_request", std::string(protocol::frameTypeName(frame.type)) +
                                                    " frame on an exec stream"});
        closeStream(frame.stream);
    }
}

void Agent::onFileFrame(FileTransfer& file, const Frame& frame) {
    const bool upload = file.direction() == FileTransfer::Direction::Upload;
    if (upload && frame.type == FrameType::FileData) {
        if (auto s = file.write(frame.payload, m_out); !s) {
            sendError(frame.stream, s.error());
            closeStream(frame.stream);
        }
        return;
    }
    if (upload && frame.type == FrameType::FileEnd) {
        if (auto s = file.finish(); !s)
            sendError(frame.stream, s.error());
        else
            m_out.push(FrameType::FileEnd, frame.stream, std::string_view());
        closeStream(frame.stream);
        return;
    }
    if (!upload && frame.type == FrameType::FileEnd) {
        // The host cancels a download; it expects nothing more on the stream.
        closeStream(frame.stream);
        return;
    }
    sendError(frame.stream, {"bad_request", std::string(protocol::frameTypeName(frame.type)) +
                                                " frame on a file stream"});
    closeStream(frame.stream);
}

void Agent::unknownStream(const Frame& frame) {
    if (recentlyClosed(frame.stream))
        return;
    sendError(frame.stream, {"bad_stream", "no open stream " + std::to_string(frame.stream)});
}

void Agent::sendError(std::uint32_t stream, const Error& error) {
    m_out.push(FrameType::Error, stream,
               protocol::toJson(protocol::StreamError{error.code, error.message}));
}

void Agent::closeStream(std::uint32_t stream) {
    if (auto it = m_execs.find(stream); it != m_execs.end()) {
        // Forget the pid first: if the stream id is reused, the old process's exit must not
        // land on the new session. Its zombie is reaped as an orphan.
        if (auto pid = m_pids.find(it->second->pid()); pid != m_pids.end() && pid->second == stream)
            m_pids.erase(pid);
        m_execs.erase(it);
    }
    m_files.erase(stream);
    m_jobs.erase(stream);
    m_tcp.erase(stream);
    rememberClosed(stream);
}

void Agent::rememberClosed(std::uint32_t stream) {
    m_closed.push_back(stream);
    if (m_closed.size() > kRememberClosed)
        m_closed.pop_front();
}

bool Agent::recentlyClosed(std::uint32_t stream) const {
    return std::find(m_closed.begin(), m_closed.end(), stream) != m_closed.end();
}

protocol::Hello Agent::identity() const {
    protocol::Hello h;
    h.version = protocol::kVersion;
    h.agent = "vivarium-agent " VIVARIUM_VERSION;
    h.hostname = m_hostname;
    h.kernel = m_kernel;
    return h;
}

} // namespace vivarium::agent
