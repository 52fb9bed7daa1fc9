// What the host asked the guest to do when the agent stops serving.
#pragma once

namespace vivarium::agent {

enum class ShutdownAction { PowerOff, Reboot };

} // namespace vivarium::agent
