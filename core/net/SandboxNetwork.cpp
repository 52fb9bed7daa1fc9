// See SandboxNetwork.h.
#include "SandboxNetwork.h"

#include "EgressPolicy.h"
#include "EgressProxy.h"
#include "GuestSocket.h"
#include "Log.h"
#include "RouteStore.h"
#include "Sandbox.h"
#include "SandboxManager.h"
#include "Tunnel.h"

#include <QJsonArray>

#include <QFile>
#include <QJsonDocument>
#include <QSaveFile>

namespace vivarium {

SandboxNetwork::SandboxNetwork(Sandbox* sandbox)
    : QObject(sandbox), m_sandbox(sandbox), m_log(sandbox->dir() + "/network.jsonl") {
    m_changed.setSingleShot(true);
    m_changed.setInterval(500);
    connect(&m_changed, &QTimer::timeout, this, &SandboxNetwork::tunnelsChanged);
    connect(sandbox, &Sandbox::stateChanged, this, &SandboxNetwork::onStateChanged);
    m_proxy = new EgressProxy({}, this);
    connect(m_proxy, &EgressProxy::logged, this, &SandboxNetwork::log);
    connect(sandbox, &Sandbox::egressConnection, this, &SandboxNetwork::onEgressConnection);
    load();
    applyEgress();
}

SandboxNetwork::~SandboxNetwork() {
    blockSignals(true);
    qDeleteAll(m_tunnels);
}

Tunnel* SandboxNetwork::addTunnel(Tunnel* t) {
    m_tunnels.insert(t->guestPort(), t);
    connect(t, &Tunnel::changed, this, &SandboxNetwork::changedSoon);
    connect(t, &Tunnel::connectionFinished, this, &SandboxNetwork::log);
    return t;
}

Result<QJsonObject> SandboxNetwork::openTunnel(quint16 guestPort, quint16 hostPort) {
    if (guestPort == 0)
        return makeError("bad_request", "A guest port is between 1 and 65535.");
    if (Tunnel* t = m_tunnels.value(guestPort))
        return t->toJson();
    if (m_tunnels.size() >= kMaxTunnels)
        return makeError("too_many_tunnels",
                         QString("Sandbox %1 already has %2 tunnels; close one with viv tunnel rm.")
                             .arg(m_sandbox->id())
                             .arg(kMaxTunnels));
    auto* t = addTunnel(new Tunnel(m_sandbox, guestPort, hostPort, this));
    if (m_sandbox->state() == SandboxState::Ready) {
        if (auto s = t->listen(); !s) {
            m_tunnels.remove(guestPort);
            delete t;
            return s.error();
        }
    }
    save();
    emit tunnelsChanged();
    return t->toJson();
}

Status SandboxNetwork::closeTunnel(quint16 guestPort) {
    Tunnel* t = m_tunnels.take(guestPort);
    if (!t)
        return makeError("not_found", QString("Sandbox %1 has no tunnel for port %2.")
                                          .arg(m_sandbox->id())
                                          .arg(guestPort));
    delete t;
    save();
    emit tunnelsChanged();
    return {};
}

QJsonArray SandboxNetwork::tunnels() const {
    QJsonArray a;
    for (const Tunnel* t : m_tunnels)
        a.append(t->toJson());
    return a;
}

void SandboxNetwork::log(const NetworkLogEntry& entry) {
    m_log.append(entry);
    emit logged(entry.toJson());
}

QJsonArray SandboxNetwork::entries(int limit) const {
    QJsonArray out;
    for (const NetworkLogEntry& e : m_log.entries(limit))
        out.append(e.toJson());
    return out;
}

void SandboxNetwork::onEgressConnection(GuestSocket* socket) {
    socket->setParent(this);
    connect(socket, &GuestSocket::finished, socket, &QObject::deleteLater);
    m_proxy->serve(socket);
}

void SandboxNetwork::applyEgress() {
    const SandboxConfig& config = m_sandbox->config();
    const QJsonObject network = config.network;
    EgressPolicy policy;
    policy.templateName = config.templateName;
    if (auto mode = parseEgressMode(network.value("egress").toString("none")))
        policy.mode = *mode;
    for (const QJsonValue& v : network.value("allow").toArray())
        if (auto entry = AllowEntry::parse(v.toString()))
            policy.allow << *entry;
    QStringList routeNames;
    for (const QJsonValue& v : network.value("routes").toArray())
        routeNames << v.toString();

    // What the guest sees is known now (the routes' secrets get placeholders that stay with
    // the sandbox); the routes' real header values come from the SecretStore below.
    const quint16 port = EgressProxy::kDefaultGuestPort;
    const bool listen = policy.mode == EgressMode::Proxy || !routeNames.isEmpty();
    QMap<QString, QString> env;
    if (policy.mode == EgressMode::Proxy) {
        const QString proxy = QString("http://127.0.0.1:%1").arg(port);
        for (const char* name : {"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"})
            env.insert(name, proxy);
        env.insert("NO_PROXY", "localhost,127.0.0.1,::1");
        env.insert("no_proxy", "localhost,127.0.0.1,::1");
    }
    SandboxManager* manager = qobject_cast<SandboxManager*>(m_sandbox->parent());
    QList<Route> routes;
    QMap<QString, QString> placeholders = config.placeholders;
    for (const QString& name : std::as_const(routeNames)) {
        env.insert(EgressRoute::baseUrlEnvName(name), routeBaseUrl(port, name));
        auto route = manager ? manager->routes().find(name) : Result<Route>(makeError("not_found", name));
        if (!route) {
            NetworkLogEntry e;
            e.time = QDateTime::currentDateTimeUtc();
            e.kind = "route";
            e.route = name;
            e.error = "route '" + name + "' is not configured: " + route.error().message;
            log(e);
            continue;
        }
        for (const QString& secret : route->secretNames()) {
            if (!placeholders.contains(secret))
                placeholders.insert(secret, RouteStore::makePlaceholder(secret));
            env.insert(secret, placeholders.value(secret));
        }
        routes << *route;
    }
    if (placeholders != config.placeholders) {
        m_sandbox->m_config.placeholders = placeholders;
        if (auto s = m_sandbox->saveConfig(); !s)
            qCWarning(lcSandbox) << m_sandbox->id() << s.error().text();
    }
    m_sandbox->setNetworkEnv(env);
    m_sandbox->setEgressPort(listen ? port : 0);
    m_proxy->setGuestPort(port);
    m_proxy->setPolicy(policy);
    if (routes.isEmpty() || !manager)
        return;

    // Every route resolved (or failed) → one policy; a newer applyEgress wins.
    const quint64 generation = ++m_policyGeneration;
    auto pending = std::make_shared<int>(int(routes.size()));
    auto resolved = std::make_shared<EgressPolicy>(policy);
    for (const Route& route : std::as_const(routes)) {
        RouteStore::resolve(
            route, manager->secrets(), placeholders,
            [this, generation, pending, resolved, name = route.name](Result<ResolvedRoute> r) {
                if (generation != m_policyGeneration)
                    return;
                if (r) {
                    resolved->routes << r->route;
                } else {
                    NetworkLogEntry e;
                    e.time = QDateTime::currentDateTimeUtc();
                    e.kind = "route";
                    e.route = name;
                    e.error = r.error().message;
                    log(e);
                }
                if (--*pending == 0)
                    m_proxy->setPolicy(*resolved);
            },
            this);
    }
}

void SandboxNetwork::onStateChanged() {
    if (m_sandbox->state() == SandboxState::Booting)
        applyEgress();
    // A pause keeps the tunnels and their connections (new ones are refused until resume);
    // while the memory is saved they wait for Hibernated (QEMU gone) to close.
    if (m_sandbox->state() == SandboxState::Paused || m_sandbox->state() == SandboxState::Saving) {
        emit tunnelsChanged();
        return;
    }
    const bool ready = m_sandbox->state() == SandboxState::Ready;
    for (Tunnel* t : std::as_const(m_tunnels)) {
        if (ready) {
            if (auto s = t->listen(); !s)
                qCWarning(lcSandbox) << m_sandbox->id() << s.error().text();
        } else if (t->isListening()) {
            t->shutDown("the sandbox stopped");
        }
    }
    // A port may have moved when the old one was taken.
    if (ready)
        save();
    emit tunnelsChanged();
}

void SandboxNetwork::changedSoon() {
    if (!m_changed.isActive())
        m_changed.start();
}

void SandboxNetwork::save() const {
    QJsonArray a;
    for (const Tunnel* t : m_tunnels)
        a.append(t->persisted());
    QSaveFile f(m_sandbox->dir() + "/tunnels.json");
    if (f.open(QIODevice::WriteOnly)) {
        f.write(QJsonDocument(QJsonObject{{"tunnels", a}}).toJson());
        if (f.commit())
            return;
    }
    qCWarning(lcSandbox) << m_sandbox->id() << "cannot save its tunnels:" << f.errorString();
}

void SandboxNetwork::load() {
    QFile f(m_sandbox->dir() + "/tunnels.json");
    if (!f.open(QIODevice::ReadOnly))
        return;
    const auto tunnels = QJsonDocument::fromJson(f.read(1 << 20)).object().value("tunnels").toArray();
    for (const QJsonValue& v : tunnels) {
        if (m_tunnels.size() >= kMaxTunnels)
            break;
        if (Tunnel* t = Tunnel::fromPersisted(m_sandbox, v.toObject(), this);
            t && !m_tunnels.contains(t->guestPort()))
            addTunnel(t);
    }
}

} // namespace vivarium
