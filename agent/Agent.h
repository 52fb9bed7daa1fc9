// The agent's event loop: one thread, one epoll, every stream multiplexed. It owns the
// channel to the host, the queue of outgoing frames, the exec and file streams, and the
// reaping of every child (orphans too when it is PID 1). It turns host frames into calls
// on ExecSession/FileTransfer/FileJob (listings, removals) and their progress back into frames.
//
// Descriptors are edge-triggered; readiness is kept as flags and `pump()` moves bytes while
// it can. That is what keeps a virtio port with no host attached (permanently "readable"
// with EOF and HUP) from spinning the loop. Memory is bounded by back-pressure: children's
// output and file reads stop above kOutputHighWater queued bytes, and host input stops
// above kInputPauseAt, so a host that does not read cannot grow the queue without end.
//
// It never powers off or reboots itself: run() returns the requested action and the caller
// (Pid1 in a guest, main in test mode) acts on it.
#pragma once

#include "Channel.h"
#include "ExecSession.h"
#include "FileJob.h"
#include "FileTransfer.h"
#include "GuestMessages.h"
#include "GuestProtocol.h"
#include "Logger.h"
#include "OutputQueue.h"
#include "Result.h"
#include "ShutdownAction.h"
#include "TcpStream.h"
#include "UniqueFd.h"
#include "UserAccount.h"

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace vivarium::agent {

class Agent {
public:
    // Pid1: inside a guest; processes run as root unless asked otherwise.
    // Test: on a host for tests; processes run as the invoking user and die with the agent.
    enum class Role { Pid1, Test };

    static constexpr std::size_t kOutputHighWater = 2 * 1024 * 1024;
    static constexpr std::size_t kInputPauseAt = 8 * 1024 * 1024;
    static constexpr std::size_t kMaxStreams = 256;

    Agent(Logger& log, Channel channel, Role role, std::string hostname);
    // Kills the processes of streams still open (test mode; PID 1 never gets here).
    ~Agent();
    Agent(const Agent&) = delete;
    Agent& operator=(const Agent&) = delete;

    // Serves the host until a Shutdown frame (or, in test mode, SIGTERM/SIGINT).
    Result<ShutdownAction> run();

private:
    Status setUp();
    void watch(int fd, std::uint64_t token, std::uint32_t events);
    void onEvent(std::uint64_t token, std::uint32_t events);
    // Moves everything that can move, except that the output queue is written by run().
    void pump();
    // After the queue was written: is work left that no new event will announce?
    bool workLeft() const;
    bool acceptHost();
    bool flushOutput();
    bool readChannel();
    void onHostGone();
    void reapChildren();

    void dispatch(const protocol::Frame& frame);
    void handleControl(const protocol::Frame& frame);
    void handleStream(const protocol::Frame& frame);
    void startExec(const protocol::Frame& frame);
    void startFile(const protocol::Frame& frame);
    void startFileStat(const protocol::Frame& frame);
    void startFileList(const protocol::Frame& frame);
    void startFileRemove(const protocol::Frame& frame);
    void onExecFrame(ExecSession& exec, const protocol::Frame& frame);
    void onFileFrame(FileTransfer& file, const protocol::Frame& frame);
    void onJobFrame(const protocol::Frame& frame);
    void startTcp(const protocol::Frame& frame);
    void onTcpFrame(TcpStream& tcp, const protocol::Frame& frame);
    void configureEgress(std::uint16_t port);
    void acceptEgress();
    std::uint32_t nextGuestStream();
    void unknownStream(const protocol::Frame& frame);

    void sendError(std::uint32_t stream, const Error& error);
    void closeStream(std::uint32_t stream);
    void rememberClosed(std::uint32_t stream);
    bool inUse(std::uint32_t stream) const {
        return m_execs.count(stream) || m_files.count(stream) || m_jobs.count(stream) ||
               m_tcp.count(stream);
    }
    std::size_t openStreams() const {
        return m_execs.size() + m_files.size() + m_jobs.size() + m_tcp.size();
    }
    bool recentlyClosed(std::uint32_t stream) const;
    protocol::Hello identity() const;

    Logger& m_log;
    Channel m_channel;
    Role m_role;
    std::string m_hostname;
    std::string m_kernel;

    UniqueFd m_epoll;
    UniqueFd m_signals;
    OutputQueue m_out;
    protocol::FrameReader m_in;
    std::size_t m_corruptLogged = 0;

    std::map<std::uint32_t, std::unique_ptr<ExecSession>> m_execs;
    std::map<std::uint32_t, std::unique_ptr<FileTransfer>> m_files;
    std::map<std::uint32_t, std::unique_ptr<FileJob>> m_jobs; // listings, recursive removals
    std::map<std::uint32_t, std::unique_ptr<TcpStream>> m_tcp; // tunnel and egress connections
    std::map<pid_t, std::uint32_t> m_pids; // running exec processes → their stream
    // The egress listener (NetConfig): guest processes reach the host's proxy through it.
    UniqueFd m_egressListener;
    std::uint16_t m_egressPort = 0;
    bool m_egressReady = false;
    std::uint32_t m_nextGuestStream = protocol::kGuestStreamBase;
    // Streams closed lately: late frames for them (Stdin racing an Exit) are dropped
    // quietly instead of answered with bad_stream.
    std::deque<std::uint32_t> m_closed;

    bool m_listenReady = false;
    bool m_channelReadable = false;
    bool m_channelWritable = false;
    bool m_hostSeen = false;       // port: bytes went through since the host last went away
    bool m_awaitingSync = false;   // a host reconnected: send nothing before its Sync
    bool m_waitingForRoom = false; // last pump: a download or job waits for queue room
    bool m_jobProgressed = false;  // last pump: a job did work and has more
    std::optional<ShutdownAction> m_stop;
    UserAccountCache m_accounts;
};

} // namespace vivarium::agent
