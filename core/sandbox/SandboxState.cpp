#include "SandboxState.h"

namespace vivarium {

QString stateName(SandboxState s) {
    switch (s) {
    case SandboxState::Creating: return "creating";
    case SandboxState::Booting: return "booting";
    case SandboxState::Ready: return "ready";
    case SandboxState::Stopping: return "stopping";
    case SandboxState::Stopped: return "stopped";
    case SandboxState::Error: return "error";
    case SandboxState::Removing: return "removing";
    }
    return "unknown";
}

QString verbName(SandboxVerb v) {
    switch (v) {
    case SandboxVerb::Start: return "start";
    case SandboxVerb::Stop: return "stop";
    case SandboxVerb::Exec: return "exec";
    case SandboxVerb::Remove: return "remove";
    }
    return "unknown";
}

bool verbAllowed(SandboxState s, SandboxVerb v) {
    switch (v) {
    case SandboxVerb::Start:
        return s == SandboxState::Stopped || s == SandboxState::Error;
    case SandboxVerb::Stop:
        return s == SandboxState::Booting || s == SandboxState::Ready ||
               s == SandboxState::Error;
    case SandboxVerb::Exec:
        return s == SandboxState::Ready;
    case SandboxVerb::Remove:
        return s != SandboxState::Creating && s != SandboxState::Removing;
    }
    return false;
}

Status checkVerb(const QString& sandbox, SandboxState s, SandboxVerb v) {
    if (verbAllowed(s, v))
        return {};
    QString hint;
    switch (s) {
    case SandboxState::Stopped: hint = "Start it first: viv start " + sandbox; break;
    case SandboxState::Creating:
    case SandboxState::Booting: hint = "Wait until it is ready."; break;
    case SandboxState::Stopping: hint = "Wait until it has stopped."; break;
    case SandboxState::Removing: hint = "It is being removed."; break;
    case SandboxState::Ready: hint = "It is already running."; break;
    case SandboxState::Error: hint = "Stop or remove it, then try again."; break;
    }
    const QString now = s == SandboxState::Error ? QString("in the error state") : stateName(s);
    return makeError("invalid_state", QString("Cannot %1 sandbox %2: it is %3. %4")
                                          .arg(verbName(v), sandbox, now, hint));
}

} // namespace vivarium
