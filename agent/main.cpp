// vivarium-agent's entry point: chooses the mode and wires the pieces together.
//   PID 1 in a guest:   boot (Pid1), serve the host over the virtio port, power off.
//   test mode on a host: `--listen-unix PATH` serves one host connection at a time on a
//                        unix socket, with no mounts or modules, as the current user.
#include "Agent.h"
#include "Channel.h"
#include "KernelCommandLine.h"
#include "Logger.h"
#include "Pid1.h"

#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

using namespace vivarium::agent;

namespace {

constexpr const char* kUsage =
    "usage: vivarium-agent [--listen-unix PATH] [--cmdline FILE]\n"
    "  As PID 1 inside a Vivarium guest it needs no arguments.\n"
    "  --listen-unix PATH  test mode: serve the guest protocol on a unix socket at PATH\n"
    "  --cmdline FILE      read vivarium.* settings from FILE instead of /proc/cmdline\n";

[[noreturn]] void runAsPid1(Logger& log, const std::string& cmdlinePath) {
    Pid1 pid1(log);
    try {
        Channel channel = pid1.boot(cmdlinePath);
        Agent agent(log, std::move(channel), Agent::Role::Pid1, pid1.hostname());
        auto action = agent.run();
        if (!action)
            pid1.fatal(action.error().message);
        pid1.shutdown(*action);
    } catch (const std::exception& e) {
        pid1.fatal(std::string("unexpected failure: ") + e.what());
    } catch (...) {
        pid1.fatal("unexpected failure");
    }
}

int runTestMode(Logger& log, const std::string& socketPath, const std::string& cmdlinePath) {
    std::string hostname;
    if (!cmdlinePath.empty()) {
        auto cmdline = KernelCommandLine::load(cmdlinePath);
        if (!cmdline) {
            log.line(cmdline.error().message);
            return 1;
        }
        hostname = cmdline->value("hostname");
    }
    auto channel = Channel::listenUnix(socketPath);
    if (!channel) {
        log.line(channel.error().message);
        return 1;
    }
    Agent agent(log, std::move(*channel), Agent::Role::Test, hostname);
    auto action = agent.run();
    if (!action) {
        log.line(action.error().message);
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Logger log(2);
    const bool pid1 = ::getpid() == 1;
    std::string socketPath;
    std::string cmdlinePath;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--listen-unix" && i + 1 < argc) {
            socketPath = argv[++i];
        } else if (arg == "--cmdline" && i + 1 < argc) {
            cmdlinePath = argv[++i];
        } else if (!pid1 && (arg == "--help" || arg == "-h")) {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (!pid1) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        // As PID 1 the kernel hands init the boot words it does not know: ignore them.
    }
    if (pid1)
        runAsPid1(log, cmdlinePath.empty() ? KernelCommandLine::kDefaultPath : cmdlinePath);
    if (socketPath.empty()) {
        log.line("not PID 1: use --listen-unix PATH to run in test mode");
        std::fputs(kUsage, stderr);
        return 2;
    }
    try {
        return runTestMode(log, socketPath, cmdlinePath);
    } catch (const std::exception& e) {
        log.line(std::string("unexpected failure: ") + e.what());
        return 1;
    }
}
