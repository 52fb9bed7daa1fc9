// The sandbox lifecycle as a closed set of states and verbs. Whether a verb is legal in a
// state is decided here, once, before any libvirt call: an illegal verb is an error value
// that tells the user what to do instead. tests/unit walks every (state, verb) pair.
#pragma once

#include "Result.h"

#include <QString>

namespace vivarium {

// Paused: the guest's CPUs are stopped, its memory stays in the host. Saving: its memory is
// being written to disk (hibernation or a memory snapshot). Hibernated: the memory is on
// disk and QEMU is gone; Start or Resume restores it with every process intact.
enum class SandboxState {
    Creating, Booting, Ready, Paused, Saving, Hibernated, Stopping, Stopped, Error, Removing
};
// Snapshot: take one; Restore: put one back; Fork: a new sandbox from one of its snapshots.
enum class SandboxVerb {
    Start, Stop, Exec, Remove, Pause, Resume, Hibernate, Snapshot, Restore, Fork
};

inline constexpr SandboxState kAllStates[] = {
    SandboxState::Creating, SandboxState::Booting,    SandboxState::Ready,
    SandboxState::Paused,   SandboxState::Saving,     SandboxState::Hibernated,
    SandboxState::Stopping, SandboxState::Stopped,    SandboxState::Error,
    SandboxState::Removing};
inline constexpr SandboxVerb kAllVerbs[] = {
    SandboxVerb::Start,  SandboxVerb::Stop,      SandboxVerb::Exec,     SandboxVerb::Remove,
    SandboxVerb::Pause,  SandboxVerb::Resume,    SandboxVerb::Hibernate, SandboxVerb::Snapshot,
    SandboxVerb::Restore, SandboxVerb::Fork};

QString stateName(SandboxState s);
QString verbName(SandboxVerb v);
bool verbAllowed(SandboxState s, SandboxVerb v);
// Ok when legal, else an "invalid_state" error naming the sandbox, its state and a way out.
Status checkVerb(const QString& sandbox, SandboxState s, SandboxVerb v);

} // namespace vivarium
