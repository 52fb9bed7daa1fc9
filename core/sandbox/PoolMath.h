// The arithmetic of warm pools, as pure functions so tests/unit can walk it without a VM:
// how many ready sandboxes a pool aims for (its target), how many to boot now, which idle ones
// to let go, and how long to wait after failed refills. PoolManager owns the state and the
// clock; nothing here reads either.
#pragma once

#include <QList>

#include <algorithm>

namespace vivarium::poolmath {

// The window over which claims count as current demand (PoolSettings may shorten it).
inline constexpr int kDemandWindowMs = 60000;
inline constexpr int kFirstBackoffMs = 2000;
inline constexpr int kMaxBackoffMs = 5 * 60 * 1000;

// What the pool aims to keep ready: at least min_ready, and as many as were asked for in the
// demand window (served from the pool or not), never more than max. As the claims leave the window
// the target falls back to min_ready by itself.
inline int target(int minReady, int max, int claimsInWindow) {
    if (max <= 0)
        return 0;
    minReady = std::clamp(minReady, 0, max);
    return std::clamp(std::max(minReady, claimsInWindow), minReady, max);
}

// How many to start booting now: up to the target, never letting ready + booting pass max,
// and never more than `maxBooting` at once.
inline int toBoot(int target, int max, int ready, int booting, int maxBooting) {
    const int want = target - ready - booting;
    const int room = max - ready - booting;
    const int free = maxBooting - booting;
    return std::max(0, std::min({want, room, free}));
}

// Which ready members to remove: those beyond the target (ready + booting over target) that
// have waited longer than the time-to-live, oldest first. `idleMs` holds each ready member's
// time since it became ready, in any order; the answer is indexes into it.
inline QList<int> shrink(const QList<qint64>& idleMs, int booting, int target, qint64 ttlMs) {
    QList<int> order;
    for (int i = 0; i < idleMs.size(); ++i)
        order << i;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return idleMs[a] > idleMs[b]; });
    int excess = int(idleMs.size()) + booting - target;
    QList<int> out;
    for (int i : order) {
        if (excess <= 0 || idleMs[i] <= ttlMs)
            break;
        out << i;
        --excess;
    }
    return out;
}

// The wait before the next refill after `failures` failures in a row (0: none): 2 s, 4 s,
// 8 s, … capped at 5 minutes.
inline int backoffMs(int failures) {
    if (failures <= 0)
        return 0;
    qint64 ms = kFirstBackoffMs;
    for (int i = 1; i < failures && ms < kMaxBackoffMs; ++i)
        ms *= 2;
    return int(std::min<qint64>(ms, kMaxBackoffMs));
}

} // namespace vivarium::poolmath
