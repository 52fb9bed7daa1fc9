#include "ApiSession.h"

#include "ApiProtocol.h"
#include "Log.h"
#include "SandboxManager.h"

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

} // namespace

ApiSession::ApiSession(QWebSocket* socket, SandboxManager* manager, QObject* parent)
    : QObject(parent), m_socket(socket), m_manager(manager) {
    socket->setParent(this);
    connect(socket, &QWebSocket::textMessageReceived, this, &ApiSession::onText);
    connect(socket, &QWebSocket::binaryMessageReceived, this, &ApiSession::onBinary);
    connect(socket, &QWebSocket::disconnected, this, &QObject::deleteLater);

    connect(manager, &SandboxManager::acceleratorChanged, this, [this] {
        event("service.accelerator", {{"accelerator", acceleratorName(m_manager->accelerator())},
                                      {"reason", m_manager->acceleratorReason()}});
    });
    connect(manager, &SandboxManager::sandboxAdded, this,
            [this](Sandbox* s) { event("sandbox.added", {{"sandbox", s->toJson()}}); });
    connect(manager, &SandboxManager::sandboxRemoved, this,
            [this](const QString& id) { event("sandbox.removed", {{"id", id}}); });
    connect(manager, &SandboxManager::sandboxStateChanged, this,
            [this](Sandbox* s) { event("sandbox.state", {{"sandbox", s->toJson()}}); });
    connect(manager, &SandboxManager::runStarted, this,
            [this](Sandbox* s, Run* r) { event("run.started", {{"run", runJson(s, r)}}); });
    connect(manager, &SandboxManager::runFinished, this,
            [this](Sandbox* s, Run* r) { event("run.exited", {{"run", runJson(s, r)}}); });

    send({{"type", "hello"},
          {"version", api::kVersion},
          {"server", "vivariumd " VIVARIUM_VERSION},
          {"accelerator", acceleratorName(manager->accelerator())},
          {"accelerator_reason", manager->acceleratorReason()}});
}

ApiSession::~ApiSession() {
    // Runs outlive the connection that started them; only its stdin is closed.
    for (const Channel& c : std::as_const(m_channels))
        if (c.sandbox)
            c.sandbox->writeStdin(c.seq, {});
}

void ApiSession::send(const QJsonObject& message) {
    m_socket->sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
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

void ApiSession::onText(const QString& message) {
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(message.toUtf8(), &pe);
    if (!doc.isObject()) {
        fail(-1, makeError("bad_json", "The message is not a JSON object: " + pe.errorString()));
        return;
    }
    const QJsonObject req = doc.object();
    const QJsonValue idValue = req.value("id");
    if (!idValue.isDouble() || idValue.toDouble() < 0 ||
        idValue.toDouble() != double(idValue.toInteger())) {
        fail(-1, makeError("bad_request", "Every request needs a non-negative integer 'id'."));
        return;
    }
    const qint64 id = idValue.toInteger();
    static const QHash<QString, Handler> handlers{
        {"info", &ApiSession::handleInfo},
        {"sandbox.list", &ApiSession::handleList},
        {"sandbox.create", &ApiSession::handleCreate},
        {"sandbox.start", &ApiSession::handleStart},
        {"sandbox.stop", &ApiSession::handleStop},
        {"sandbox.remove", &ApiSession::handleRemove},
        {"exec", &ApiSession::handleExec},
        {"exec.resize", &ApiSession::handleResize},
        {"exec.signal", &ApiSession::handleSignal},
        {"run.list", &ApiSession::handleRuns},
    };
    const QString type = req.value("type").toString();
    const Handler h = handlers.value(type);
    if (!h) {
        fail(id, makeError("unknown_type", QString("Unknown request type '%1'.").arg(type)));
        return;
    }
    (this->*h)(id, req);
}

void ApiSession::onBinary(const QByteArray& message) {
    const auto frame = api::parseDataFrame(message);
    if (!frame || frame->kind != api::DataKind::Stdin) {
        fail(-1, makeError("bad_request", "A binary message must be a stdin frame "
                                          "(kind 0, u32 channel, data)."));
        return;
    }
    const auto it = m_channels.constFind(frame->channel);
    if (it == m_channels.cend() || !it->sandbox) {
        fail(-1, makeError("not_found", QString("No run on channel %1.").arg(frame->channel)));
        return;
    }
    it->sandbox->writeStdin(it->seq, frame->data);
}

Result<Sandbox*> ApiSession::sandboxArg(const QJsonObject& req) {
    const QJsonValue v = req.value("sandbox");
    if (!v.isString() || v.toString().isEmpty())
        return makeError("bad_request", "Field 'sandbox' (an id or name) is required.");
    return m_manager->find(v.toString());
}

void ApiSession::handleInfo(qint64 id, const QJsonObject&) {
    QJsonArray templates;
    for (const Template& t : SandboxManager::builtinTemplates())
        templates.append(QJsonObject{{"name", t.name}, {"image", t.image},
                                     {"vcpus", t.vcpus}, {"memory_mib", t.memoryMiB}});
    reply(id, {{"version", api::kVersion},
               {"accelerator", acceleratorName(m_manager->accelerator())},
               {"accelerator_reason", m_manager->acceleratorReason()},
               {"libvirt_uri", m_manager->libvirt().uri()},
               {"templates", templates}});
}

void ApiSession::handleList(qint64 id, const QJsonObject&) {
    QJsonArray list;
    for (Sandbox* s : m_manager->sandboxes())
        list.append(s->toJson());
    reply(id, {{"sandboxes", list}});
}

void ApiSession::handleCreate(qint64 id, const QJsonObject& req) {
    SandboxManager::CreateOptions o;
    if (req.contains("template") && !req.value("template").isString())
        return fail(id, makeError("bad_request", "Field 'template' must be a string."));
    if (req.contains("name") && !req.value("name").isString())
        return fail(id, makeError("bad_request", "Field 'name' must be a string."));
    o.templateName = req.value("template").toString("default");
    o.name = req.value("name").toString();
    QPointer<ApiSession> self(this);
    m_manager->create(
        o,
        [self, id](int percent, const QString& message) {
            if (self)
                self->send({{"type", "progress"}, {"id", id}, {"percent", percent},
                            {"message", message}});
        },
        [self, id](Result<Sandbox*> r) {
            if (!self)
                return;
            if (!r)
                self->fail(id, r.error());
            else
                self->reply(id, {{"sandbox", r.value()->toJson()}});
        },
        this);
}

void ApiSession::handleStart(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    QPointer<ApiSession> self(this);
    QPointer<Sandbox> sb(s.value());
    s.value()->start([self, sb, id](Status st) {
        if (!self)
            return;
        if (!st)
            self->fail(id, st.error());
        else if (sb)
            self->reply(id, {{"sandbox", sb->toJson()}});
    });
}

void ApiSession::handleStop(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    QPointer<ApiSession> self(this);
    QPointer<Sandbox> sb(s.value());
    s.value()->stop([self, sb, id](Status st) {
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
    m_manager->remove(s.value(), [self, id](Status st) {
        if (!self)
            return;
        if (!st)
            self->fail(id, st.error());
        else
            self->reply(id, {});
    });
}

void ApiSession::handleExec(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    ExecOptions o;
    const QJsonValue argv = req.value("argv");
    if (!argv.isArray() || argv.toArray().isEmpty())
        return fail(id, makeError("bad_request", "Field 'argv' must be a non-empty list of strings."));
    for (const QJsonValue& a : argv.toArray()) {
        if (!a.isString())
            return fail(id, makeError("bad_request", "Field 'argv' must be a list of strings."));
        o.argv << a.toString();
    }
    if (req.contains("env")) {
        if (!req.value("env").isObject())
            return fail(id, makeError("bad_request", "Field 'env' must be an object of strings."));
        const QJsonObject env = req.value("env").toObject();
        for (auto it = env.begin(); it != env.end(); ++it) {
            if (!it.value().isString() || it.key().isEmpty() || it.key().contains('='))
                return fail(id, makeError("bad_request",
                                          "Field 'env' must map names (without '=') to strings."));
            o.env.insert(it.key(), it.value().toString());
        }
    }
    for (const char* f : {"cwd", "user"})
        if (req.contains(f) && !req.value(f).isString())
            return fail(id, makeError("bad_request", QString("Field '%1' must be a string.").arg(f)));
    o.cwd = req.value("cwd").toString();
    o.user = req.value("user").toString();
    o.pty = req.value("pty").toBool();
    o.rows = req.value("rows").toInt(24);
    o.cols = req.value("cols").toInt(80);
    o.origin = req.value("origin").toString("api");
    auto run = s.value()->exec(o);
    if (!run)
        return fail(id, run.error());
    const quint32 channel = m_nextChannel++;
    m_channels.insert(channel, {s.value(), run.value()->seq()});
    connect(run.value(), &Run::output, this, [this, channel](OutputKind kind, const QByteArray& d) {
        m_socket->sendBinaryMessage(api::dataFrame(
            kind == OutputKind::Stdout ? api::DataKind::Stdout : api::DataKind::Stderr, channel, d));
    });
    Sandbox* sandbox = s.value();
    Run* r = run.value();
    connect(r, &Run::exited, this, [this, channel, sandbox, r] {
        QJsonObject o = runJson(sandbox, r);
        o["type"] = "exit";
        o["channel"] = qint64(channel);
        send(o);
        m_channels.remove(channel);
    });
    reply(id, {{"run", qint64(r->seq())}, {"channel", qint64(channel)}, {"sandbox", sandbox->id()}});
    if (!req.value("stdin").toBool(false))
        sandbox->writeStdin(r->seq(), {});
}

void ApiSession::handleResize(qint64 id, const QJsonObject& req) {
    const auto it = m_channels.constFind(quint32(req.value("channel").toInteger()));
    if (it == m_channels.cend() || !it->sandbox)
        return fail(id, makeError("not_found", "No run on that channel."));
    it->sandbox->resize(it->seq, req.value("rows").toInt(24), req.value("cols").toInt(80));
    reply(id, {});
}

void ApiSession::handleSignal(qint64 id, const QJsonObject& req) {
    const auto it = m_channels.constFind(quint32(req.value("channel").toInteger()));
    if (it == m_channels.cend() || !it->sandbox)
        return fail(id, makeError("not_found", "No run on that channel."));
    const int sig = req.value("signal").toInt();
    if (sig < 1 || sig > 64)
        return fail(id, makeError("bad_request", "Field 'signal' must be a signal number 1-64."));
    it->sandbox->signal(it->seq, sig);
    reply(id, {});
}

void ApiSession::handleRuns(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    QJsonArray runs;
    for (Run* r : s.value()->runs())
        runs.append(runJson(s.value(), r));
    reply(id, {{"runs", runs}});
}

} // namespace vivarium
