#include "SandboxState.h"

namespace vivarium {

QString stateName(SandboxState s) {
    switch (s) {
    case SandboxState::Creating: return "creating";
    case SandboxState::Booting: return "booting";
    case SandboxState::Ready: return "ready";
    case SandboxState::Paused: return "paused";
    case SandboxState::Saving: return "saving";
    case SandboxState::Hibernated: return "hibernated";
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
    case SandboxVerb::Pause: return "pause";
    case SandboxVerb::Resume: return "resume";
    case SandboxVerb::Hibernate: return "hibernate";
    case SandboxVerb::Snapshot: return "snapshot";
    case SandboxVerb::Restore: return "restore a snapshot of";
    case SandboxVerb::Fork: return "fork";
    }
    return "unknown";
}

bool verbAllowed(SandboxState s, SandboxVerb v) {
    switch (v) {
    case SandboxVerb::Start:
        return s == SandboxState::Stopped || s == SandboxState::Error ||
               s == SandboxState::Hibernated;
    case SandboxVerb::Stop:
        return s == SandboxState::Booting || s == SandboxState::Ready ||
               s == SandboxState::Error || s == SandboxState::Paused ||
               s == SandboxState::Hibernated;
    case SandboxVerb::Exec:
        return s == SandboxState::Ready;
    case SandboxVerb::Remove:
        return s != SandboxState::Creating && s != SandboxState::Removing;
    case SandboxVerb::Pause:
        return s == SandboxState::Ready;
    case SandboxVerb::Resume:
        return s == SandboxState::Paused || s == SandboxState::Hibernated;
    case SandboxVerb::Hibernate:
        return s == SandboxState::Ready || s == SandboxState::Paused;
    case SandboxVerb::Snapshot:
        return s == SandboxState::Ready || s == SandboxState::Paused ||
               s == SandboxState::Stopped || s == SandboxState::Hibernated;
    case SandboxVerb::Restore:
        return s == SandboxState::Stopped || s == SandboxState::Error ||
               s == SandboxState::Hibernated;
    case SandboxVerb::Fork:
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
    case SandboxState::Ready:
        hint = v == SandboxVerb::Restore ? "Stop it first: viv stop " + sandbox
                                         : QString("It is already running.");
        break;
    case SandboxState::Paused:
        hint = v == SandboxVerb::Restore ? "Stop it first: viv stop " + sandbox
                                         : "Resume it first: viv resume " + sandbox;
        break;
    case SandboxState::Saving: hint = "Wait until its memory is saved."; break;
    case SandboxState::Hibernated:
        hint = "Resume it first: viv resume " + sandbox;
        break;
    case SandboxState::Error: hint = "Stop or remove it, then try again."; break;
    }
    const QString now = s == SandboxState::Error ? QString("in the error state") : stateName(s);
    return makeError("invalid_state", QString("Cannot %1 sandbox %2: it is %3. %4")
                                          .arg(verbName(v), sandbox, now, hint));
}

} // namespace vivarium
