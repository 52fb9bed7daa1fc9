// The API's network requests for one sandbox: tunnel.open, tunnel.list, tunnel.close and
// network.log. A sandbox-scoped token may use them on its own sandbox (an agent exposes the
// server it started). Kept apart from ApiSession.cpp, which dispatches to them; the work is
// SandboxNetwork's.
#include "ApiSession.h"

#include "Sandbox.h"
#include "SandboxNetwork.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace vivarium {

namespace {

Result<quint16> portField(const QJsonObject& req, const QString& field, bool required) {
    const QJsonValue v = req.value(field);
    if (v.isUndefined() && !required)
        return quint16(0);
    if (!v.isDouble() || v.toDouble() != double(v.toInteger()) || v.toInteger() < (required ? 1 : 0) ||
        v.toInteger() > 65535)
        return makeError("bad_request",
                         QString("Field '%1' must be a port number between %2 and 65535.")
                             .arg(field, required ? "1" : "0"));
    return quint16(v.toInteger());
}

} // namespace

void ApiSession::handleTunnelOpen(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    auto port = portField(req, "port", true);
    if (!port)
        return fail(id, port.error());
    auto hostPort = portField(req, "host_port", false);
    if (!hostPort)
        return fail(id, hostPort.error());
    auto t = s.value()->network()->openTunnel(*port, *hostPort);
    if (!t)
        return fail(id, t.error());
    reply(id, {{"tunnel", *t}});
}

void ApiSession::handleTunnelList(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    reply(id, {{"tunnels", s.value()->network()->tunnels()}});
}

void ApiSession::handleTunnelClose(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    auto port = portField(req, "port", true);
    if (!port)
        return fail(id, port.error());
    if (auto c = s.value()->network()->closeTunnel(*port); !c)
        return fail(id, c.error());
    reply(id, {});
}

void ApiSession::handleNetworkLog(qint64 id, const QJsonObject& req) {
    auto s = sandboxArg(req);
    if (!s)
        return fail(id, s.error());
    const QJsonValue limitValue = req.value("limit");
    if (!limitValue.isUndefined() && (!limitValue.isDouble() || limitValue.toInteger() < 1))
        return fail(id, makeError("bad_request", "Field 'limit' must be a positive number."));
    reply(id, {{"entries", s.value()->network()->entries(int(limitValue.toInteger(500)))}});
}

} // namespace vivarium
