// The sandbox lifecycle as a closed set of states and verbs. Whether a verb is legal in a
// state is decided here, once, before any libvirt call: an illegal verb is an error value
// that tells the user what to do instead. tests/unit walks every (state, verb) pair.
#pragma once

#include "Result.h"

#include <QString>

namespace vivarium {

enum class SandboxState { Creating, Booting, Ready, Stopping, Stopped, Error, Removing };
enum class SandboxVerb { Start, Stop, Exec, Remove };

inline constexpr SandboxState kAllStates[] = {
    SandboxState::Creating, SandboxState::Booting, SandboxState::Ready, SandboxState::Stopping,
    SandboxState::Stopped,  SandboxState::Error,   SandboxState::Removing};
inline constexpr SandboxVerb kAllVerbs[] = {SandboxVerb::Start, SandboxVerb::Stop,
                                            SandboxVerb::Exec, SandboxVerb::Remove};

QString stateName(SandboxState s);
QString verbName(SandboxVerb v);
bool verbAllowed(SandboxState s, SandboxVerb v);
// Ok when legal, else an "invalid_state" error naming the sandbox, its state and a way out.
Status checkVerb(const QString& sandbox, SandboxState s, SandboxVerb v);

} // namespace vivarium
