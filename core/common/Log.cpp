#include "Log.h"

Q_LOGGING_CATEGORY(lcHypervisor, "vivarium.hypervisor", QtInfoMsg)
Q_LOGGING_CATEGORY(lcGuest, "vivarium.guest", QtInfoMsg)
Q_LOGGING_CATEGORY(lcSandbox, "vivarium.sandbox", QtInfoMsg)
Q_LOGGING_CATEGORY(lcImage, "vivarium.image", QtInfoMsg)
Q_LOGGING_CATEGORY(lcApi, "vivarium.api", QtInfoMsg)
