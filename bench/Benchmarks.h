// The benchmarks. Each runs our path and its baseline in the same invocation, prints a
// table and writes a JSON record; the return value is false when it could not measure.
#pragma once

#include "Support.h"

namespace bench {

struct Context {
    Config& config;
    Daemon& daemon;
    Api& api;
};

bool coldStart(Context& ctx);
bool execRtt(Context& ctx);
bool throughput(Context& ctx);
bool memory(Context& ctx);
bool bootReliability(Context& ctx);
bool fanOut(Context& ctx);      // FanOut.cpp
bool apiOverhead(Context& ctx); // ApiOverhead.cpp
bool guiFlood(Context& ctx);    // GuiBench.cpp
bool guiIdle(Context& ctx);     // GuiBench.cpp
bool imageImport(Context& ctx); // ImageImport.cpp
bool tunnel(Context& ctx);      // NetworkBench.cpp
bool egress(Context& ctx);      // NetworkBench.cpp
bool idleMemory(Context& ctx);  // IdleMemory.cpp
bool snapshotResume(Context& ctx); // SnapshotResume.cpp
bool poolBench(Context& ctx);      // PoolBench.cpp (`pool`)

} // namespace bench
