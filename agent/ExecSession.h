// One process started by an Exec frame, from its start to its Exit frame: its stdio (three
// pipes, or a pty), the stdin bytes the host sent that the process has not read yet, and its exit
// status. It turns the process's output into Stdout/Stderr frames and stdin progress into
// Window frames on the agent's OutputQueue. It does not reap (the agent reaps every child
// and hands this session its status) and it never blocks: every descriptor is non-blocking
// and registered edge-triggered with the agent's epoll, so readiness is kept as flags here.
#pragma once

#include "GuestMessages.h"
#include "OutputQueue.h"
#include "Result.h"
#include "UniqueFd.h"
#include "UserAccount.h"

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace vivarium::agent {

class ExecSession {
public:
    // What an epoll event on one of this session's descriptors is about.
    enum class Endpoint : std::uint8_t { Stdin = 1, Stdout = 2, Stderr = 3, Pty = 4 };

    struct Options {
        bool switchCredentials = false; // running as root: setgroups/setgid/setuid to the user
        bool dieWithAgent = false;      // test mode: the process must not outlive the agent
    };

    // Starts the process (clone with CLONE_VM|CLONE_VFORK, then exec). An exec that fails in
    // the child (missing binary, bad cwd) is reported back to the agent and comes back as
    // Error{"exec_failed"}; no process is left.
    static Result<std::unique_ptr<ExecSession>> start(std::uint32_t stream, int epollFd,
                                                      const protocol::ExecRequest& request,
                                                      const UserAccount& user,
                                                      const Options& options);
    // Kills the process group if the process is still running; its zombie is reaped later
    // by the agent's reaper like any orphan.
    ~ExecSession();
    ExecSession(const ExecSession&) = delete;
    ExecSession& operator=(const ExecSession&) = delete;

    std::uint32_t stream() const { return m_stream; }
    pid_t pid() const { return m_pid; }
    static std::uint64_t eventToken(std::uint32_t stream, Endpoint e) {
        return (std::uint64_t(e) << 32) | stream;
    }
    void markReady(Endpoint endpoint, std::uint32_t epollEvents);

    // Host→process bytes. An empty payload closes a pipe stdin once the buffer is written
    // (ignored for a pty). More than kStreamWindow unacknowledged bytes is the host breaking
    // the protocol: Error{"window_exceeded"}.
    Status queueStdin(std::span<const std::uint8_t> data, OutputQueue& out);
    void resize(std::uint16_t rows, std::uint16_t cols);
    void signal(int signal);
    void kill() { signal(9); }
    // The agent reaped the process.
    void reaped(int waitStatus);

    // Moves bytes without blocking; true when anything moved.
    bool pumpStdin(OutputQueue& out);
    // Reads output while the queue holds less than `queueLimit` bytes (back-pressure).
    bool pumpOutput(OutputQueue& out, std::size_t queueLimit);

    // Work that can go on without a new event: an endpoint known to be ready still has
    // bytes to move (a pass stops after a few chunks).
    bool hasPendingWork(std::size_t queueBytes, std::size_t queueLimit) const;

    bool running() const { return !m_reaped; }
    // Reaped and its output drained: time to send Exit.
    bool finished() const { return m_reaped && m_stdoutDone && m_stderrDone; }
    protocol::ExitStatus exitStatus() const { return m_status; }

private:
    ExecSession(std::uint32_t stream, int epollFd) : m_stream(stream), m_epoll(epollFd) {}
    void watch(const UniqueFd& fd, Endpoint endpoint, std::uint32_t events);
    void closeEndpoint(UniqueFd& fd);
    // Reads one endpoint; returns true when bytes moved.
    bool readInto(UniqueFd& fd, protocol::FrameType type, bool& ready, bool& done, OutputQueue& out,
                  std::size_t queueLimit);

    std::uint32_t m_stream;
    int m_epoll;
    pid_t m_pid = -1;
    bool m_pty = false;

    UniqueFd m_stdin;  // pipe write end; none with a pty
    UniqueFd m_stdout; // pipe read end, or the pty master (which also takes stdin)
    UniqueFd m_stderr; // pipe read end; none with a pty
    int stdinFd() const { return m_pty ? m_stdout.get() : m_stdin.get(); }
    bool m_stdinReady = true;
    bool m_stdoutReady = true;
    bool m_stderrReady = true;
    bool m_stdoutDone = false;
    bool m_stderrDone = false;
    bool m_growTried = false; // a pipe was found full once: grow it (once per session)
    bool m_grown = false;     // and it was grown, so it counts against the agent's budget

    std::vector<std::uint8_t> m_stdinBuffer;
    std::size_t m_stdinOffset = 0;
    bool m_stdinCloseRequested = false;
    bool m_stdinGone = false; // closed, or the process stopped reading it

    bool m_reaped = false;
    protocol::ExitStatus m_status;
};

} // namespace vivarium::agent
