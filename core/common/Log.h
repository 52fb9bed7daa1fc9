// Logging categories, one per subsystem (enable with QT_LOGGING_RULES="vivarium.*=true").
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcHypervisor)
Q_DECLARE_LOGGING_CATEGORY(lcGuest)
Q_DECLARE_LOGGING_CATEGORY(lcSandbox)
Q_DECLARE_LOGGING_CATEGORY(lcImage)
Q_DECLARE_LOGGING_CATEGORY(lcApi)
