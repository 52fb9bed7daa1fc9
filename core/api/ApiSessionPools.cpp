// The API's warm-pool requests and events: pool.list (every pool with its counts, state and
// history) and pool.changed. Pools are the owner's business: a sandbox-scoped token neither
// lists them nor hears of them. Kept apart from ApiSession.cpp, which dispatches to them; the
// work is PoolManager's.
#include "ApiSession.h"

#include "SandboxManager.h"

#include <QJsonArray>

namespace vivarium {

void ApiSession::connectPoolEvents() {
    connect(&m_manager->pools(), &PoolManager::poolChanged, this, [this](const QString& name) {
        if (!m_scope.owner || !hasRoom()) // the next change or sample carries the whole state
            return;
        const QJsonObject pool = m_manager->pools().poolJson(name);
        event("pool.changed", {{"template", name}, {"pool", pool.isEmpty() ? QJsonValue() : QJsonValue(pool)}});
    });
}

void ApiSession::handlePoolList(qint64 id, const QJsonObject&) {
    if (auto s = ownerOnly("listing warm pools"); !s)
        return fail(id, s.error());
    reply(id, {{"pools", m_manager->pools().toJson()}});
}

} // namespace vivarium
