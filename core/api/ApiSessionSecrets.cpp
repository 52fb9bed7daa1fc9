// The API's secret and route requests: secret.set / secret.list / secret.remove and
// route.add / route.update / route.list / route.remove, and the secret.changed and
// route.changed events. These are the user's own settings, not any sandbox's: a token scoped
// to a sandbox may not use them or hear of them. A secret's value goes one way only, into the
// SecretStore: no reply, event, log line or error message here ever holds one (errors name
// the secret, never quote its value). Kept apart from ApiSession.cpp, which dispatches here;
// the work is SecretStore's and RouteStore's.
#include "ApiSession.h"

#include "SandboxManager.h"

#include <QJsonArray>
#include <QPointer>

namespace vivarium {

namespace {

Error badField(const QString& field, const QString& what) {
    return makeError("bad_request", QString("Field '%1' must be %2.").arg(field, what));
}

// The route as clients see it, with the secrets it names that are not set (yet).
QJsonObject routeJson(const Route& route, const SecretStore& secrets) {
    QJsonObject o = route.toJson();
    QJsonArray missing;
    for (const QString& name : route.secretNames())
        if (!secrets.contains(name))
            missing.append(name);
    o["missing_secrets"] = missing;
    return o;
}

} // namespace

void ApiSession::connectCredentialEvents() {
    SecretStore* secrets = &m_manager->secrets();
    RouteStore* routes = &m_manager->routes();
    // Only the owner's connections: a sandbox's token does not learn which secrets exist.
    connect(secrets, &SecretStore::secretChanged, this, [this](const SecretInfo& info) {
        if (m_scope.owner)
            event("secret.changed", {{"name", info.name}, {"removed", false}, {"secret", info.toJson()}});
    });
    connect(secrets, &SecretStore::secretRemoved, this, [this](const QString& name) {
        if (m_scope.owner)
            event("secret.changed", {{"name", name}, {"removed", true}});
    });
    auto changed = [this, secrets](const Route& r) {
        if (m_scope.owner)
            event("route.changed", {{"name", r.name}, {"removed", false}, {"route", routeJson(r, *secrets)}});
    };
    connect(routes, &RouteStore::routeAdded, this, changed);
    connect(routes, &RouteStore::routeChanged, this, changed);
    connect(routes, &RouteStore::routeRemoved, this, [this](const QString& name) {
        if (m_scope.owner)
            event("route.changed", {{"name", name}, {"removed", true}});
    });
    connect(routes, &RouteStore::problemsChanged, this, [this](const QList<FileProblem>& problems) {
        if (!m_scope.owner)
            return;
        QJsonArray list;
        for (const FileProblem& p : problems)
            list.append(p.toJson());
        event("route.problems", {{"problems", list}});
    });
}

void ApiSession::handleSecretSet(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("setting secrets"); !s)
        return fail(id, s.error());
    if (!req.value("name").isString() || !SecretStore::isValidName(req.value("name").toString()))
        return fail(id, badField("name", "a secret name: " + SecretStore::nameRule()));
    if (!req.value("value").isString() || req.value("value").toString().isEmpty())
        return fail(id, badField("value", "the secret's value, a non-empty string"));
    SecretStore& store = m_manager->secrets();
    QPointer<ApiSession> self(this);
    store.set(
        req.value("name").toString(), req.value("value").toString(),
        [self, id, &store](Result<SecretInfo> info) {
            if (!self)
                return;
            if (!info)
                return self->fail(id, info.error());
            // Where it went, so the user knows: the keyring, or the private file (and why).
            QJsonObject body{{"secret", info->toJson()}, {"backend", store.backendName()}};
            if (!store.backendNote().isEmpty())
                body["backend_note"] = store.backendNote();
            self->reply(id, body);
        },
        this);
}

void ApiSession::handleSecretList(qint64 id, const QJsonObject&) {
    if (auto s = ownerOnly("listing secrets"); !s)
        return fail(id, s.error());
    SecretStore& store = m_manager->secrets();
    // The backend is known once the keyring probe has answered (a few ms, or its timeout).
    QPointer<ApiSession> self(this);
    store.whenReady(this, [self, id, &store] {
        if (!self)
            return;
        auto list = store.list();
        if (!list)
            return self->fail(id, list.error());
        QJsonArray secrets;
        for (const SecretInfo& info : list.value())
            secrets.append(info.toJson());
        QJsonObject body{{"secrets", secrets}, {"backend", store.backendName()}};
        if (!store.backendNote().isEmpty())
            body["backend_note"] = store.backendNote();
        self->reply(id, body);
    });
}

void ApiSession::handleSecretRemove(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("removing secrets"); !s)
        return fail(id, s.error());
    if (!req.value("name").isString() || !SecretStore::isValidName(req.value("name").toString()))
        return fail(id, badField("name", "a secret name: " + SecretStore::nameRule()));
    QPointer<ApiSession> self(this);
    m_manager->secrets().remove(
        req.value("name").toString(),
        [self, id](Status s) {
            if (!self)
                return;
            if (!s)
                return self->fail(id, s.error());
            self->reply(id, {});
        },
        this);
}

void ApiSession::handleRouteChange(qint64 id, const QJsonObject& req) {
    const bool add = req.value("type").toString() == "route.add";
    if (auto s = ownerOnly("changing routes"); !s)
        return fail(id, s.error());
    if (!req.value("name").isString() || req.value("name").toString().isEmpty())
        return fail(id, badField("name", "a route name"));
    const QString name = req.value("name").toString();
    if (!add && !req.contains("upstream") && !req.contains("headers"))
        return fail(id, makeError("bad_request", "route.update needs 'upstream' or 'headers' (or both)."));
    RouteStore& routes = m_manager->routes();
    auto route = add ? routes.add(name, req) : routes.update(name, req);
    if (!route)
        return fail(id, route.error());
    // A secret that is not set yet is no reason to refuse the route (it may be set next), but
    // the user hears of it now; a sandbox that needs the route is refused until it is set.
    SecretStore& secrets = m_manager->secrets();
    QJsonArray warnings;
    for (const QString& secret : route->secretNames())
        if (!secrets.contains(secret))
            warnings.append(QString("Secret '%1' is not set yet; set it before a sandbox uses route '%2': "
                                    "viv secret set %1").arg(secret, name));
    reply(id, {{"route", routeJson(route.value(), secrets)}, {"warnings", warnings}});
}

void ApiSession::handleRouteList(qint64 id, const QJsonObject&) {
    if (auto s = ownerOnly("listing routes"); !s)
        return fail(id, s.error());
    RouteStore& routes = m_manager->routes();
    QJsonArray list, problems;
    for (const Route& r : routes.list())
        list.append(routeJson(r, m_manager->secrets()));
    for (const FileProblem& p : routes.problems())
        problems.append(p.toJson());
    reply(id, {{"routes", list}, {"problems", problems}});
}

void ApiSession::handleRouteRemove(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("removing routes"); !s)
        return fail(id, s.error());
    if (!req.value("name").isString() || req.value("name").toString().isEmpty())
        return fail(id, badField("name", "a route name"));
    const QString name = req.value("name").toString();
    // A template that names the route would stop making sandboxes: it goes from there first.
    QStringList users;
    for (const Template& t : m_manager->templates().list())
        if (t.routes.contains(name))
            users << t.name;
    if (!users.isEmpty())
        return fail(id, makeError("route_in_use",
                                  QString("Route '%1' is used by template %2; take it out there first: viv "
                                          "template edit %3 --no-route (then --route for the ones to keep).")
                                      .arg(name, users.join(", "), users.first())));
    if (auto s = m_manager->routes().remove(name); !s)
        return fail(id, s.error());
    reply(id, {});
}

} // namespace vivarium
