#include "ApiSession.h"

#include "ApiProtocol.h"
#include "Log.h"
#include "RunFollower.h"
#include "SandboxManager.h"
#include "SandboxNetwork.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QWebSocket>

namespace vivarium {

namespace {

QJsonObject runJson(const Sandbox* s, const Run* r) {
    QJsonObject o = r->info().toJson();
    o["sandbox"] = s->id();
    o["run"] = qint64(r->seq());
    o.remove("seq");
    return o;
}

Error badField(const QString& field, const QString& what) {
    return makeError("bad_request", QString("Field '%1' must be %2.").arg(field, what));
}

} // namespace

ApiSession::ApiSession(QWebSocket* socket, SandboxManager* manager, TokenStore* tokens,
                       Scope scope, QObject* parent)
    : QObject(parent), m_socket(socket), m_manager(manager), m_tokens(tokens),
      m_scope(std::move(scope)) {
    socket->setParent(this);
    connect(socket, &QWebSocket::textMessageReceived, this, &ApiSession::onText);
    connect(socket, &QWebSocket::binaryMessageReceived, this, &ApiSession::onBinary);
    connect(socket, &QWebSocket::bytesWritten, this, &ApiSession::onBytesWritten);
    connect(socket, &QWebSocket::disconnected, this, &QObject::deleteLater);

    connect(manager, &SandboxManager::acceleratorChanged, this, [this] {
        event("service.accelerator", {{"accelerator", acceleratorName(m_manager->accelerator())},
                                      {"reason", m_manager->acceleratorReason()}});
    });
    connect(manager, &SandboxManager::sandboxAdded, this, [this](Sandbox* s) {
        sandboxEvent("sandbox.added", s->id(), {{"sandbox", s->toJson()}});
    });
    connect(manager, &SandboxManager::sandboxRemoved, this, [this](const QString& id) {
        sandboxEvent("sandbox.removed", id, {{"id", id}});
        m_subscribed.remove(id);
    });
    connect(manager, &SandboxManager::sandboxStateChanged, this, [this](Sandbox* s) {
        sandboxEvent("sandbox.state", s->id(), {{"sandbox", s->toJson()}});
    });
    connect(manager, &SandboxManager::sandboxIdleWarning, this,
            [this](Sandbox* s, const QString& action, int secondsLeft) {
                sandboxEvent("sandbox.idle_warning", s->id(),
                             {{"id", s->id()}, {"action", action}, {"seconds_left", secondsLeft}});
            });
    connect(manager, &SandboxManager::runStarted, this, [this](Sandbox* s, Run* r) {
        sandboxEvent("run.started", s->id(), {{"run", runJson(s, r)}});
        if (m_subscribed.contains(s->id()))
            attach(s, r);
    });
    connect(manager, &SandboxManager::runFinished, this, [this](Sandbox* s, Run* r) {
        sandboxEvent("run.exited", s->id(), {{"run", runJson(s, r)}});
    });
    connect(&manager->stats(), &StatsSampler::sampled, this,
            [this](const QList<SandboxStats>& all) { sendStats(all); });
    connect(manager, &SandboxManager::tunnelsChanged, this, [this](Sandbox* s) {
        sandboxEvent("tunnel.changed", s->id(),
                     {{"sandbox", s->id()}, {"tunnels", s->network()->tunnels()}});
    });
    connect(manager, &SandboxManager::networkLogged, this,
            [this](Sandbox* s, const QJsonObject& entry) {
                if (hasRoom()) // a busy connection skips log lines; network.log has them all
                    sandboxEvent("network.request", s->id(), {{"sandbox", s->id()}, {"entry", entry}});
            });
    connect(manager, &SandboxManager::fileWritten, this,
            [this](Sandbox* s, const QString& path, qint64 size) {
                sandboxEvent("file.written", s->id(),
                             {{"sandbox", s->id()}, {"path", path}, {"size", size}});
            });

    // Templates are not any sandbox's: every connection, scoped or not, hears of them.
    TemplateStore* templates = &manager->templates();
    connect(templates, &TemplateStore::templateAdded, this,
            [this](const Template& t) { event("template.added", {{"template", t.toJson()}}); });
    connect(templates, &TemplateStore::templateChanged, this,
            [this](const Template& t) { event("template.changed", {{"template", t.toJson()}}); });
    connect(templates, &TemplateStore::templateRemoved, this,
            [this](const QString& name) { event("template.removed", {{"name", name}}); });
    connect(templates, &TemplateStore::problemsChanged, this,
            [this](const QList<TemplateProblem>& problems) {
                QJsonArray list;
                for (const TemplateProblem& p : problems)
                    list.append(p.toJson());
                event("template.problems", {{"problems", list}});
            });

    connectCredentialEvents();
    connectSnapshotEvents();
    connectPoolEvents();

    QJsonObject hello{{"type", "hello"},
                      {"version", api::kVersion},
                      {"server", "vivariumd " VIVARIUM_VERSION},
                      {"accelerator", acceleratorName(manager->accelerator())},
                      {"accelerator_reason", manager->acceleratorReason()},
                      {"scope", m_scope.owner ? QString("owner") : "sandbox:" + m_scope.sandbox}};
    send(hello);
}

ApiSession::~ApiSession() {
    for (const QPointer<FileStream>& f : std::as_const(m_files))
        if (f) {
            if (auto* sb = qobject_cast<Sandbox*>(f->parent()))
                sb->cancelFile(f, makeError("cancelled", "The client went away."));
            f->deleteLater();
        }
    // Runs outlive the connection that started them; only stdin it held open is closed,
    // and only for runs it started (a watcher going away must not end someone's input).
    for (const Channel& c : std::as_const(m_channels))
        if (c.sandbox && c.run && !c.run->finished() && m_started.contains(c.run))
            c.sandbox->writeStdin(c.run->seq(), {});
}

void ApiSession::close(const QString& why) {
    fail(-1, makeError("unauthorized", why));
    m_socket->close(QWebSocketProtocol::CloseCodePolicyViolated, why.left(120));
}

void ApiSession::send(const QJsonObject& message) {
    const QByteArray text = QJsonDocument(message).toJson(QJsonDocument::Compact);
    m_queued += text.size();
    m_socket->sendTextMessage(QString::fromUtf8(text));
}

void ApiSession::sendBinary(const QByteArray& message) {
    m_queued += message.size();
    m_socket->sendBinaryMessage(message);
}

bool ApiSession::hasRoom() const { return m_queued < api::kSendBudget; }

void ApiSession::onBytesWritten(qint64 bytes) {
    const bool wasFull = !hasRoom();
    m_queued = std::max<qint64>(0, m_queued - bytes);
    if (wasFull || m_queued < api::kSendBudget / 2)
        pumpFollowers();
}

void ApiSession::pumpFollowers() {
    for (const Channel& c : std::as_const(m_channels))
        if (c.follower && c.follower->behind() && hasRoom())
            c.follower->pump();
}

void ApiSession::reply(qint64 id, QJsonObject body) {
    body["id"] = id;
    body["type"] = "result";
    send(body);
}

void ApiSession::fail(qint64 id, const Error& e) {
    QJsonObject err{{"code", e.code}, {"message", e.message}};
    if (!e.detail.isEmpty())
        err["detail"] = e.detail;
    QJsonObject o{{"type", "error"}, {"error", err}};
    if (id >= 0)
        o["id"] = id;
    send(o);
}

void ApiSession::event(const QString& name, QJsonObject body) {
    body["type"] = "event";
    body["event"] = name;
    send(body);
}

void ApiSession::sandboxEvent(const QString& name, const QString& sandboxId, QJsonObject body) {
    if (m_scope.allows(sandboxId) && !m_manager->isPoolMember(sandboxId))
        event(name, std::move(body));
}

void ApiSession::sendStats(const QList<SandboxStats>& all) {
    // Each sample supersedes the last: a connection that is not keeping up skips one rather
    // than queueing them without bound.
    if (!hasRoom())
        return;
    QJsonArray visible;
    for (const SandboxStats& s : all)
        if (m_scope.allows(s.id) && !m_manager->isPoolMember(s.id))
            visible.append(s.toJson());
    if (!visible.isEmpty())
        event("sandbox.stats",
              {{"stats", visible}, {"interval_ms", m_manager->stats().intervalMs()}});
}

Status ApiSession::ownerOnly(const QString& what) const {
    if (m_scope.owner)
        return {};
    return makeError("forbidden", "This token may only use sandbox " + m_scope.sandbox +
                                      "; " + what + " needs the owner's token.");
}

void ApiSession::onText(const QString& message) {
    if (message.size() > api::kMaxMessage) {
        fail(-1, makeError("too_large", QString("The message is %1 bytes; the limit is %2.")
                                            .arg(message.size())
                                            .arg(api::kMaxMessage)));
        return;
    }
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(message.toUtf8(), &pe);
    if (!doc.isObject()) {
        fail(-1, makeError("bad_json", "The message is not a JSON object: " + pe.errorString()));
        return;
    }
    const QJsonObject req = doc.object();
    const QJsonValue idValue = req.value("id");
    if (!idValue.isDouble() || idValue.toDouble() < 0 || idValue.toDouble() > 9e15 ||
        idValue.toDouble() != double(idValue.toInteger())) {
        fail(-1, makeError("bad_request", "Every request needs a non-negative integer 'id'."));
        return;
    }
    const qint64 id = idValue.toInteger();
    static const QHash<QString, Handler> handlers{
        {"info", &ApiSession::handleInfo},
        {"sandbox.list", &ApiSession::handleList},
        {"image.list", &ApiSession::handleImageList},
        {"image.pull", &ApiSession::handleImagePull},
        {"image.pull.cancel", &ApiSession::handleImagePullCancel},
        {"image.remove", &ApiSession::handleImageRemove},
        {"image.login", &ApiSession::handleImageLogin},
        {"sandbox.create", &ApiSession::handleCreate},
        {"sandbox.start", &ApiSession::handleStart},
        {"sandbox.stop", &ApiSession::handleStop},
        {"sandbox.pause", &ApiSession::handlePause},
        {"sandbox.resume", &ApiSession::handleResume},
        {"sandbox.hibernate", &ApiSession::handleHibernate},
        {"sandbox.remove", &ApiSession::handleRemove},
        {"sandbox.subscribe", &ApiSession::handleSubscribe},
        {"sandbox.unsubscribe", &ApiSession::handleUnsubscribe},
        {"exec", &ApiSession::handleExec},
        {"exec.resize", &ApiSession::handleResize},
        {"exec.signal", &ApiSession::handleSignal},
        {"run.list", &ApiSession::handleRuns},
        {"run.attach", &ApiSession::handleAttach},
        {"run.timing", &ApiSession::handleTiming},
        {"run.resize", &ApiSession::handleResize},
        {"run.signal", &ApiSession::handleSignal},
        {"file.write", &ApiSession::handleFileWrite},
        {"file.read", &ApiSession::handleFileRead},
        {"file.stat", &ApiSession::handleFileSimple},
        {"file.list", &ApiSession::handleFileSimple},
        {"file.remove", &ApiSession::handleFileSimple},
        {"template.list", &ApiSession::handleTemplateList},
        {"template.get", &ApiSession::handleTemplateGet},
        {"template.create", &ApiSession::handleTemplateChange},
        {"template.update", &ApiSession::handleTemplateChange},
        {"template.remove", &ApiSession::handleTemplateRemove},
        {"tunnel.open", &ApiSession::handleTunnelOpen},
        {"tunnel.list", &ApiSession::handleTunnelList},
        {"tunnel.close", &ApiSession::handleTunnelClose},
        {"network.log", &ApiSession::handleNetworkLog},
        {"secret.set", &ApiSession::handleSecretSet},
        {"secret.list", &ApiSession::handleSecretList},
        {"secret.remove", &ApiSession::handleSecretRemove},
        {"route.add", &ApiSession::handleRouteChange},
        {"route.update", &ApiSession::handleRouteChange},
        {"route.list", &ApiSession::handleRouteList},
        {"route.remove", &ApiSession::handleRouteRemove},
        {"pool.list", &ApiSession::handlePoolList},
        {"snapshot.create", &ApiSession::handleSnapshotCreate},
        {"snapshot.list", &ApiSession::handleSnapshotList},
        {"snapshot.restore", &ApiSession::handleSnapshotRestore},
        {"snapshot.remove", &ApiSession::handleSnapshotRemove},
        {"sandbox.fork", &ApiSession::handleFork},
        {"token.create", &ApiSession::handleTokenCreate},
        {"token.list", &ApiSession::handleTokenList},
        {"token.revoke", &ApiSession::handleTokenRevoke},
    };
    const QJsonValue type = req.value("type");
    if (!type.isString()) {
        fail(id, makeError("bad_request", "Field 'type' (the request type) is required."));
        return;
    }
    const Handler h = handlers.value(type.toString());
    if (!h) {
        fail(id, makeError("unknown_type",
                           QString("Unknown request type '%1'.").arg(type.toString().left(64))));
        return;
    }
    (this->*h)(id, req);
}

void ApiSession::onBinary(const QByteArray& message) {
    if (message.size() > api::kMaxMessage + api::kBinaryHeader) {
        fail(-1, makeError("too_large", QString("The message is %1 bytes; the limit is %2.")
                                            .arg(message.size())
                                            .arg(api::kMaxMessage)));
        return;
    }
    const auto frame = api::parseDataFrame(message);
    if (frame && frame->kind == api::DataKind::File)
        return onUploadData(frame->channel, frame->data);
    if (!frame || frame->kind != api::DataKind::Stdin) {
        fail(-1, makeError("bad_request", "A binary message must be a stdin frame (kind 0) or "
                                          "file data (kind 3): u8 kind, u32 channel, data."));
        return;
    }
    const auto it = m_channels.constFind(frame->channel);
    if (it == m_channels.cend() || !it->sandbox || !it->run) {
        fail(-1, makeError("not_found", QString("No run on channel %1.").arg(frame->channel)));
        return;
    }
    it->sandbox->writeStdin(it->run->seq(), frame->data);
}

Result<Sandbox*> ApiSession::sandboxArg(const QJsonObject& req) {
    const QJsonValue v = req.value("sandbox");
    if (!v.isString() || v.toString().isEmpty())
        return makeError("bad_request", "Field 'sandbox' (an id or name) is required.");
    auto s = m_manager->find(v.toString());
    if (s && !m_scope.allows(s.value()->id()))
        return makeError("forbidden", "This token may not use sandbox " + v.toString() + ".");
    if (s)
        s.value()->touch(); // any request naming it is use: the idle clock starts again
    if (!s && !m_scope.owner) // do not reveal which other sandboxes exist
        return makeError("forbidden", "This token may not use sandbox " + v.toString() + ".");
    return s;
}

Result<Run*> ApiSession::runArg(const QJsonObject& req, Sandbox** sandbox) {
    auto s = sandboxArg(req);
    if (!s)
        return s.error();
    const QJsonValue v = req.value("run");
    if (!v.isDouble() || v.toDouble() < 1)
        return badField("run", "a run number");
    Run* r = s.value()->run(quint32(v.toInteger()));
    if (!r)
        return makeError("not_found", QString("Sandbox %1 has no run %2. List them with: viv logs %1")
                                          .arg(s.value()->id())
                                          .arg(v.toInteger()));
    *sandbox = s.value();
    return r;
}

Result<ApiSession::Channel> ApiSession::channelArg(const QJsonObject& req) {
    if (req.contains("channel")) {
        const auto it = m_channels.constFind(quint32(req.value("channel").toInteger()));
        if (it == m_channels.cend() || !it->sandbox || !it->run)
            return makeError("not_found", "No run on that channel.");
        return *it;
    }
    Sandbox* s = nullptr;
    auto r = runArg(req, &s);
    if (!r)
        return r.error();
    return Channel{s, r.value(), nullptr};
}

quint32 ApiSession::attach(Sandbox* sandbox, Run* run) {
    if (const quint32 existing = m_channelOfRun.value(run))
        return existing;
    const quint32 channel = m_nextChannel++;
    RunFollower::Sink sink;
    sink.hasRoom = [this] { return hasRoom(); };
    sink.data = [this, channel](OutputKind kind, const QByteArray& d) {
        sendBinary(api::dataFrame(kind == OutputKind::Stdout ? api::DataKind::Stdout
                                                             : api::DataKind::Stderr,
                                  channel, d));
    };
    QPointer<Sandbox> sb(sandbox);
    QPointer<Run> rn(run);
    sink.exited = [this, channel, sb, rn] {
        if (!sb || !rn)
            return;
        QJsonObject o = runJson(sb, rn);
        o["type"] = "exit";
        o["channel"] = qint64(channel);
        send(o);
    };
    sink.caughtUp = [this, channel] {
        send({{"type", "run.caught_up"}, {"channel", qint64(channel)}});
    };
    sink.lagging = [this, channel] {
        // Told, not dropped: what it misses live is replayed from the run record.
        send({{"type", "run.lagging"}, {"channel", qint64(channel)}});
    };
    auto* follower = new RunFollower(run, channel, std::move(sink), this);
    m_channels.insert(channel, {sandbox, run, follower});
    m_channelOfRun.insert(run, channel);
    connect(run, &QObject::destroyed, this, [this, channel, run, follower] {
        m_channels.remove(channel);
        m_channelOfRun.remove(run);
        m_started.remove(run);
        follower->deleteLater();
    });
    QJsonObject o = runJson(sandbox, run);
    o["type"] = "run.attached";
    o["channel"] = qint64(channel);
    send(o);
    follower->pump();
    return channel;
}

void ApiSession::handleInfo(qint64 id, const QJsonObject&) {
    QJsonArray templates;
    for (const Template& t : m_manager->templates().list())
        templates.append(t.toJson());
    reply(id, {{"version", api::kVersion},
               {"server", "vivariumd " VIVARIUM_VERSION},
               {"accelerator", acceleratorName(m_manager->accelerator())},
               {"accelerator_reason", m_manager->acceleratorReason()},
               {"libvirt_uri", m_manager->libvirt().uri()},
               {"scope", m_scope.owner ? QString("owner") : "sandbox:" + m_scope.sandbox},
               {"templates", templates}});
}

void ApiSession::handleImageList(qint64 id, const QJsonObject&) {
    QJsonArray images;
    for (const ImageInfo& image : m_manager->images().list())
        images.append(image.toJson());
    reply(id, {{"images", images}});
}

void ApiSession::handleList(qint64 id, const QJsonObject& req) {
    if (req.contains("all") && !req.value("all").isBool())
        return fail(id, badField("all", "true or false"));
    // Unclaimed warm-pool members are not the user's yet: listed only when asked for (`all`).
    const bool all = req.value("all").toBool(false) && m_scope.owner;
    QJsonArray list;
    for (Sandbox* s : m_manager->sandboxes())
        if (m_scope.allows(s->id()) && (all || s->config().pool.isEmpty()))
            list.append(s->toJson());
    reply(id, {{"sandboxes", list}});
}

void ApiSession::handleCreate(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("creating sandboxes"); !s)
        return fail(id, s.error());
    SandboxManager::CreateOptions o;
    if (req.contains("template") && !req.value("template").isString())
        return fail(id, badField("template", "a string"));
    if (req.contains("name") && !req.value("name").isString())
        return fail(id, badField("name", "a string"));
    if (req.contains("image") && !req.value("image").isString())
        return fail(id, badField("image", "a string: a built-in image or an image reference"));
    o.templateName = req.value("template").toString("default");
    o.name = req.value("name").toString();
    o.image = req.value("image").toString();
    QPointer<ApiSession> self(this);
    QElapsedTimer took;
    took.start();
    m_manager->create(
        o,
        [self, id](int percent, const QString& message) {
            if (self)
                self->send({{"type", "progress"}, {"id", id}, {"percent", percent},
                            {"message", message}});
        },
        [self, id, took](Result<Sandbox*> r) {
            if (!self)
                return;
            if (!r)
                self->fail(id, r.error());
            else // a sandbox just claimed from a warm pool carries from_pool; a cold one cannot
                self->reply(id, {{"sandbox", r.value()->toJson()},
                                 {"from_pool", !r.value()->config().fromPool.isEmpty()},
                                 {"took_ms", took.elapsed()}});
        },
        this);
}

void ApiSession::handleStart(qint64 id, const QJsonObject& req) { lifecycle(id, req, &Sandbox::start); }

void ApiSession::handleStop(qint64 id, const QJsonObject& req) { lifecycle(id, req, &Sandbox::stop); }

void ApiSession::handlePause(qint64 id, const QJsonObject& req) { lifecycle(id, req, &Sandbox::pause); }

void ApiSession::handleResume(qint64 id, const QJsonObject& req) { lifecycle(id, req, &Sandbox::resume); }

void ApiSession::handleHibernate(qint64 id, const QJsonObject& req) {
    lifecycle(id, req, &Sandbox::hibernate);
}

void ApiSession::lifecycle(qint64 id, const QJsonObject& req, void (Sandbox::*verb)(Sandbox::Done)) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    QPointer<ApiSession> self(this);
    QPointer<Sandbox> sb(s.value());
    (s.value()->*verb)([self, sb, id](Status st) {
        if (!self)
            return;
        if (!st)
            self->fail(id, st.error());
        else if (sb)
            self->reply(id, {{"sandbox", sb->toJson()}});
    });
}

void ApiSession::handleRemove(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    QPointer<ApiSession> self(this);
    // Its snapshots go with it (they live in its directory): the reply says how many.
    const int snapshots = int(s.value()->snapshots().list().size());
    m_manager->remove(s.value(), [self, id, snapshots](Status st) {
        if (!self)
            return;
        if (!st)
            self->fail(id, st.error());
        else
            self->reply(id, snapshots ? QJsonObject{{"snapshots_removed", snapshots}} : QJsonObject{});
    });
}

void ApiSession::handleSubscribe(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    if (req.contains("history") && !req.value("history").isBool())
        return fail(id, badField("history", "true or false"));
    // history (default true): every run so far, oldest first, each replayed from its start,
    // then followed live. false: only runs still going (from their start) and new ones.
    const bool history = req.value("history").toBool(true);
    Sandbox* sandbox = s.value();
    m_subscribed.insert(sandbox->id());
    reply(id, {{"sandbox", sandbox->toJson()}});
    QList<Run*> runs = sandbox->runs();
    std::sort(runs.begin(), runs.end(), [](Run* a, Run* b) { return a->seq() < b->seq(); });
    for (Run* r : runs)
        if (history || !r->finished())
            attach(sandbox, r);
}

void ApiSession::handleUnsubscribe(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    m_subscribed.remove(s.value()->id());
    reply(id, {});
}

void ApiSession::handleExec(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    ExecOptions o;
    const QJsonValue argv = req.value("argv");
    if (req.contains("entrypoint") && !req.value("entrypoint").isBool())
        return fail(id, badField("entrypoint", "true or false"));
    o.entrypoint = req.value("entrypoint").toBool(false);
    // With entrypoint, an empty (or absent) argv runs the image's own command.
    const bool imageCommand = o.entrypoint && (argv.isUndefined() || argv.toArray().isEmpty());
    if ((req.contains("argv") && !argv.isArray()) ||
        (!imageCommand && (!argv.isArray() || argv.toArray().isEmpty())))
        return fail(id, badField("argv", "a non-empty list of strings"));
    for (const QJsonValue& a : argv.toArray()) {
        if (!a.isString())
            return fail(id, badField("argv", "a non-empty list of strings"));
        o.argv << a.toString();
    }
    if (req.contains("env")) {
        if (!req.value("env").isObject())
            return fail(id, badField("env", "an object of strings"));
        const QJsonObject env = req.value("env").toObject();
        for (auto it = env.begin(); it != env.end(); ++it) {
            if (!it.value().isString() || it.key().isEmpty() || it.key().contains('='))
                return fail(id, badField("env", "an object mapping names (without '=') to strings"));
            o.env.insert(it.key(), it.value().toString());
        }
    }
    for (const char* f : {"cwd", "user", "origin"})
        if (req.contains(f) && !req.value(f).isString())
            return fail(id, badField(f, "a string"));
    for (const char* f : {"pty", "stdin"})
        if (req.contains(f) && !req.value(f).isBool())
            return fail(id, badField(f, "true or false"));
    for (const char* f : {"rows", "cols", "timeout_ms"})
        if (req.contains(f) && (!req.value(f).isDouble() || req.value(f).toDouble() < 0))
            return fail(id, badField(f, "a non-negative number"));
    o.cwd = req.value("cwd").toString();
    o.user = req.value("user").toString();
    o.pty = req.value("pty").toBool();
    o.rows = req.value("rows").toInt(24);
    o.cols = req.value("cols").toInt(80);
    o.timeoutMs = req.value("timeout_ms").toInteger(0);
    o.origin = req.value("origin").toString(m_scope.owner ? "api" : "token " + m_scope.tokenId);
    auto run = s.value()->exec(o);
    if (!run)
        return fail(id, run.error());
    Sandbox* sandbox = s.value();
    Run* r = run.value();
    m_started.insert(r);
    const quint32 channel = attach(sandbox, r);
    reply(id, {{"run", qint64(r->seq())}, {"channel", qint64(channel)}, {"sandbox", sandbox->id()}});
    if (!req.value("stdin").toBool(false))
        sandbox->writeStdin(r->seq(), {});
}

void ApiSession::handleResize(qint64 id, const QJsonObject& req) {
    auto c = channelArg(req);
    if (!c)
        return fail(id, c.error());
    const int rows = req.value("rows").toInt(), cols = req.value("cols").toInt();
    if (rows < 1 || cols < 1 || rows > 1000 || cols > 1000)
        return fail(id, badField("rows/cols", "between 1 and 1000"));
    c->sandbox->resize(c->run->seq(), rows, cols);
    reply(id, {});
}

void ApiSession::handleSignal(qint64 id, const QJsonObject& req) {
    auto c = channelArg(req);
    if (!c)
        return fail(id, c.error());
    const int sig = req.value("signal").toInt();
    if (sig < 1 || sig > 64)
        return fail(id, badField("signal", "a signal number 1-64"));
    if (c->run->finished())
        return fail(id, makeError("invalid_state", "That run has already ended."));
    c->sandbox->signal(c->run->seq(), sig);
    reply(id, {});
}

void ApiSession::handleRuns(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    QList<Run*> runs = s.value()->runs();
    std::sort(runs.begin(), runs.end(), [](Run* a, Run* b) { return a->seq() < b->seq(); });
    QJsonArray list;
    for (Run* r : runs)
        list.append(runJson(s.value(), r));
    reply(id, {{"runs", list}});
}

void ApiSession::handleAttach(qint64 id, const QJsonObject& req) {
    Sandbox* s = nullptr;
    auto r = runArg(req, &s);
    if (!r)
        return fail(id, r.error());
    // attach() announces the channel (run.attached) before any of the run's data.
    const quint32 channel = attach(s, r.value());
    reply(id, {{"channel", qint64(channel)}, {"run", runJson(s, r.value())}});
}

void ApiSession::handleTiming(qint64 id, const QJsonObject& req) {
    Sandbox* s = nullptr;
    auto r = runArg(req, &s);
    if (!r)
        return fail(id, r.error());
    const QJsonValue max = req.value("max_marks");
    if (req.contains("max_marks") &&
        (!max.isDouble() || max.toDouble() < 1 || max.toDouble() > RunTiming::kMaxMarks))
        return fail(id, badField("max_marks", QString("a number from 1 to %1").arg(RunTiming::kMaxMarks)));
    const Run* run = r.value();
    // Read now, on this thread: the file is 12 bytes per mark and the read is bounded by
    // max_marks in memory, so even a day-long run's timing is a few milliseconds of reading.
    auto marks = RunTiming::read(run->timingPath(), run->info().outputBytes,
                                 max.toInt(RunTiming::kDefaultMaxMarks));
    if (!marks)
        return fail(id, marks.error());
    QJsonArray list;
    for (const TimingMark& m : std::as_const(marks->marks))
        list.append(QJsonArray{m.offset, m.ms});
    reply(id, {{"run", runJson(s, run)}, {"marks", list}, {"granularity_ms", marks->granularityMs}});
}

Result<FileStream*> ApiSession::openFile(qint64, const QJsonObject& req, int kind) {
    auto s = sandboxArg(req);
    if (!s)
        return s.error();
    if (!req.value("path").isString())
        return badField("path", "an absolute path in the sandbox");
    for (const char* f : {"append", "recursive", "follow"})
        if (req.contains(f) && !req.value(f).isBool())
            return badField(f, "true or false");
    if (req.contains("mode") && (!req.value("mode").isDouble() || req.value("mode").toInteger() < 0 ||
                                 req.value("mode").toInteger() > 07777))
        return badField("mode", "permission bits, 0 to 4095 (e.g. 420 for 0644)");
    Sandbox::FileRequest r{FileStream::Kind(kind), req.value("path").toString()};
    r.mode = int(req.value("mode").toInteger(0644));
    r.append = req.value("append").toBool();
    r.recursive = req.value("recursive").toBool();
    r.follow = req.value("follow").toBool();
    auto file = s.value()->openFile(r);
    if (file)
        m_files.append(file.value());
    return file;
}

void ApiSession::handleFileWrite(qint64 id, const QJsonObject& req) {
    auto file = openFile(id, req, int(FileStream::Kind::Upload));
    if (!file)
        return fail(id, file.error());
    FileStream* f = file.value();
    const quint32 channel = m_nextChannel++;
    // Twice the guest's window: one in flight to the guest, one queued here.
    const qint64 window = 2 * qint64(protocol::kStreamWindow);
    m_uploads.insert(channel, {qobject_cast<Sandbox*>(f->parent()), f, window});
    connect(f, &FileStream::credit, this, [this, channel](qint64 bytes) {
        auto it = m_uploads.find(channel);
        if (it == m_uploads.end())
            return;
        it->credit += bytes;
        send({{"type", "file.window"}, {"channel", qint64(channel)}, {"bytes", bytes}});
    });
    connect(f, &FileStream::done, this, [this, id, channel, f](const Result<QJsonObject>& r) {
        m_uploads.remove(channel);
        if (r)
            reply(id, r.value());
        else
            fail(id, r.error());
        f->deleteLater();
    });
    send({{"type", "file.ready"}, {"id", id}, {"channel", qint64(channel)}, {"window", window}});
}

void ApiSession::onUploadData(quint32 channel, const QByteArray& data) {
    auto it = m_uploads.find(channel);
    if (it == m_uploads.end() || !it->file || !it->sandbox) {
        fail(-1, makeError("not_found", QString("No upload on channel %1.").arg(channel)));
        return;
    }
    if (data.size() > it->credit) {
        // Sending past the window would make the service buffer without bound: refuse.
        it->sandbox->cancelFile(it->file, makeError("flow_violation",
                                                    "The client sent more file data than its "
                                                    "window allowed; wait for file.window."));
        return;
    }
    it->credit -= data.size();
    it->sandbox->sendUpload(it->file, data); // empty: the end
}

void ApiSession::handleFileRead(qint64 id, const QJsonObject& req) {
    auto file = openFile(id, req, int(FileStream::Kind::Download));
    if (!file)
        return fail(id, file.error());
    FileStream* f = file.value();
    auto result = std::make_shared<std::optional<Result<QJsonObject>>>();
    connect(f, &FileStream::done, this, [this, id, f, result](const Result<QJsonObject>& r) {
        *result = r;
        if (!f->property("following").toBool()) { // failed before any data: answer now
            fail(id, r ? makeError("guest_error", "The guest sent no file information") : r.error());
            f->deleteLater();
        }
    });
    connect(f, &FileStream::info, this, [this, id, f, result](const QJsonObject& info) {
        if (info.value("type").toString() != "file") {
            if (auto* sb = qobject_cast<Sandbox*>(f->parent()))
                sb->cancelFile(f, makeError("not_a_file", f->path() + " is not a regular file."));
            return;
        }
        f->setProperty("following", true);
        const quint32 channel = m_nextChannel++;
        send({{"type", "file.ready"},
              {"id", id},
              {"channel", qint64(channel)},
              {"size", info.value("size")},
              {"mode", info.value("mode")},
              {"stat", info}});
        RunFollower::Sink sink;
        sink.hasRoom = [this] { return hasRoom(); };
        sink.data = [this, channel](OutputKind, const QByteArray& d) {
            sendBinary(api::dataFrame(api::DataKind::File, channel, d));
        };
        sink.exited = [this, id, f, result] {
            if (*result && **result)
                reply(id, (*result)->value());
            else
                fail(id, *result ? (*result)->error() : makeError("guest_error", "Download ended"));
            f->deleteLater();
        };
        auto* follower = new RunFollower(f, channel, std::move(sink), f);
        m_channels.insert(channel, {nullptr, nullptr, follower});
        connect(f, &QObject::destroyed, this, [this, channel] { m_channels.remove(channel); });
        follower->pump();
    });
}

void ApiSession::handleFileSimple(qint64 id, const QJsonObject& req) {
    const QString type = req.value("type").toString();
    const auto kind = type == "file.stat"   ? FileStream::Kind::Stat
                      : type == "file.list" ? FileStream::Kind::List
                                            : FileStream::Kind::Remove;
    auto file = openFile(id, req, int(kind));
    if (!file)
        return fail(id, file.error());
    FileStream* f = file.value();
    connect(f, &FileStream::done, this, [this, id, f](const Result<QJsonObject>& r) {
        if (r)
            reply(id, r.value());
        else
            fail(id, r.error());
        f->deleteLater();
    });
}

void ApiSession::handleTemplateList(qint64 id, const QJsonObject&) {
    TemplateStore& store = m_manager->templates();
    QJsonArray templates, problems;
    for (const Template& t : store.list())
        templates.append(t.toJson());
    for (const TemplateProblem& p : store.problems())
        problems.append(p.toJson());
    reply(id, {{"templates", templates}, {"problems", problems}, {"limits", store.rules().toJson()}});
}

void ApiSession::handleTemplateGet(qint64 id, const QJsonObject& req) {
    if (!req.value("name").isString())
        return fail(id, badField("name", "a template name"));
    auto t = m_manager->templates().find(req.value("name").toString());
    if (!t)
        return fail(id, t.error());
    reply(id, {{"template", t->toJson()}});
}

void ApiSession::handleTemplateChange(qint64 id, const QJsonObject& req) {
    const bool create = req.value("type").toString() == "template.create";
    if (auto st = ownerOnly("changing templates"); !st)
        return fail(id, st.error());
    if (!req.value("name").isString())
        return fail(id, badField("name", "a template name"));
    if (req.contains("from") && (!create || !req.value("from").isString()))
        return fail(id, badField("from", create ? "the name of the template to copy"
                                                : "absent: update changes a template in place"));
    // The template's own fields are the request's (TemplateStore picks and checks them).
    const QString name = req.value("name").toString();
    auto t = create ? m_manager->templates().create(name, req, req.value("from").toString())
                    : m_manager->templates().update(name, req);
    if (!t)
        return fail(id, t.error());
    reply(id, {{"template", t->toJson()}});
}

void ApiSession::handleTemplateRemove(qint64 id, const QJsonObject& req) {
    if (auto st = ownerOnly("removing templates"); !st)
        return fail(id, st.error());
    if (!req.value("name").isString())
        return fail(id, badField("name", "a template name"));
    if (auto st = m_manager->templates().remove(req.value("name").toString()); !st)
        return fail(id, st.error());
    reply(id, {});
}

void ApiSession::handleTokenCreate(qint64 id, const QJsonObject& req) {
    if (auto st = ownerOnly("making tokens"); !st)
        return fail(id, st.error());
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    auto t = m_tokens->createScoped(s.value()->id());
    if (!t)
        return fail(id, t.error());
    reply(id, {{"token", t->second},
               {"token_id", t->first.id},
               {"sandbox", t->first.sandbox}});
}

void ApiSession::handleTokenList(qint64 id, const QJsonObject&) {
    if (auto st = ownerOnly("listing tokens"); !st)
        return fail(id, st.error());
    QJsonArray list;
    for (const ScopedToken& t : m_tokens->scopedTokens())
        list.append(QJsonObject{{"token_id", t.id},
                                {"sandbox", t.sandbox},
                                {"created", t.created.toString(Qt::ISODate)}});
    reply(id, {{"tokens", list}});
}

void ApiSession::handleTokenRevoke(qint64 id, const QJsonObject& req) {
    if (auto st = ownerOnly("revoking tokens"); !st)
        return fail(id, st.error());
    if (!req.value("token_id").isString())
        return fail(id, badField("token_id", "a token id"));
    const QString tokenId = req.value("token_id").toString();
    if (auto st = m_tokens->revoke(tokenId); !st)
        return fail(id, st.error());
    reply(id, {});
    // A revoked token stops working now, not at its next connection.
    for (ApiSession* other : parent()->findChildren<ApiSession*>(Qt::FindDirectChildrenOnly))
        if (other->scope().tokenId == tokenId)
            other->close("token " + tokenId + " was revoked");
}

} // namespace vivarium
