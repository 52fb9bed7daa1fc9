// The API's snapshot requests: snapshot.create, snapshot.list, snapshot.restore,
// snapshot.remove and sandbox.fork, and the snapshot.changed event. A sandbox-scoped token may
// snapshot and restore its own sandbox (like start and stop); a fork is a new sandbox, so it
// needs the owner's token (like sandbox.create). Kept apart from ApiSession.cpp, which
// dispatches to them; the work is Sandbox's (Snapshots.cpp) and SandboxManager::fork.
#include "ApiSession.h"

#include "SandboxManager.h"

#include <QJsonArray>
#include <QPointer>

namespace vivarium {

namespace {

Result<QString> nameField(const QJsonObject& req, const QString& field) {
    const QJsonValue v = req.value(field);
    if (!v.isString() || v.toString().isEmpty())
        return makeError("bad_request",
                         QString("Field '%1' (a snapshot name) is required.").arg(field));
    return v.toString();
}

Result<bool> boolField(const QJsonObject& req, const QString& field) {
    const QJsonValue v = req.value(field);
    if (v.isUndefined())
        return false;
    if (!v.isBool())
        return makeError("bad_request", QString("Field '%1' must be true or false.").arg(field));
    return v.toBool();
}

QJsonArray snapshotList(const Sandbox* s) {
    QJsonArray list;
    for (const SnapshotInfo& info : s->snapshots().list())
        list.append(info.toJson(false));
    return list;
}

} // namespace

void ApiSession::connectSnapshotEvents() {
    connect(m_manager, &SandboxManager::snapshotsChanged, this, [this](Sandbox* s) {
        sandboxEvent("snapshot.changed", s->id(),
                     {{"sandbox", s->id()}, {"snapshots", snapshotList(s)}});
    });
}

void ApiSession::handleSnapshotCreate(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    auto name = nameField(req, "name");
    if (!name)
        return fail(id, name.error());
    auto memory = boolField(req, "memory");
    if (!memory)
        return fail(id, memory.error());
    QPointer<ApiSession> self(this);
    s.value()->takeSnapshot(*name, *memory, [self, id](Result<SnapshotInfo> r) {
        if (!self)
            return;
        if (!r)
            return self->fail(id, r.error());
        self->reply(id, {{"snapshot", r->toJson(false)}});
    });
}

void ApiSession::handleSnapshotList(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    reply(id, {{"sandbox", s.value()->id()}, {"snapshots", snapshotList(s.value())}});
}

void ApiSession::handleSnapshotRestore(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    auto name = nameField(req, "name");
    if (!name)
        return fail(id, name.error());
    auto start = boolField(req, "start");
    if (!start)
        return fail(id, start.error());
    QPointer<ApiSession> self(this);
    QPointer<Sandbox> sandbox(s.value());
    s.value()->restoreSnapshot(*name, *start, [self, sandbox, id](Status st) {
        if (!self)
            return;
        if (!st)
            return self->fail(id, st.error());
        self->reply(id, {{"sandbox", sandbox ? sandbox->toJson() : QJsonObject()}});
    });
}

void ApiSession::handleSnapshotRemove(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    auto name = nameField(req, "name");
    if (!name)
        return fail(id, name.error());
    if (auto r = s.value()->removeSnapshot(*name); !r)
        return fail(id, r.error());
    reply(id, {});
}

void ApiSession::handleFork(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("forking a sandbox"); !s)
        return fail(id, s.error());
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    auto snapshot = nameField(req, "snapshot");
    if (!snapshot)
        return fail(id, snapshot.error());
    if (req.contains("name") && !req.value("name").isString())
        return fail(id, makeError("bad_request", "Field 'name' must be a string."));
    auto start = req.contains("start") ? boolField(req, "start") : Result<bool>(true);
    if (!start)
        return fail(id, start.error());
    SandboxManager::ForkOptions o;
    o.name = req.value("name").toString();
    o.start = *start;
    QPointer<ApiSession> self(this);
    m_manager->fork(
        s.value(), *snapshot, o,
        [self, id](Result<SandboxManager::Forked> r) {
            if (!self)
                return;
            if (!r)
                return self->fail(id, r.error());
            QJsonObject body{{"sandbox", r->sandbox->toJson()},
                             {"memory_restored", r->memoryRestored}};
            if (!r->note.isEmpty())
                body["note"] = r->note;
            self->reply(id, body);
        },
        this);
}

} // namespace vivarium
