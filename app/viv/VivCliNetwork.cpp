// `viv tunnel` and `viv network`: a sandbox's tunnels (a guest port on a host 127.0.0.1 port)
// and its network log (tunnel connections and egress requests). VivCli members kept apart
// from VivCli.cpp, which dispatches to them.
#include "VivCli.h"

#include "CliSupport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace vivarium {

using cli::err;
using cli::humanBytes;
using cli::out;
using cli::parse;
using cli::Parsed;

namespace {

// A port argument, or -1 (with the reason in `problem`).
int portArg(const QString& text, QString* problem) {
    bool ok = false;
    const int port = text.toInt(&ok);
    if (!ok || port < 1 || port > 65535) {
        *problem = "'" + text + "' is not a port number (1-65535)";
        return -1;
    }
    return port;
}

QString json(const QJsonValue& v) {
    return QString::fromUtf8(v.isArray() ? QJsonDocument(v.toArray()).toJson()
                                         : QJsonDocument(v.toObject()).toJson())
        .trimmed();
}

} // namespace

// viv tunnel ID PORT [--host-port N] | tunnel ls ID [--json] | tunnel rm ID PORT
void VivCli::cmdTunnel() {
    const Parsed p = parse(m_args, {"--host-port"}, {"--json"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QStringList& a = p.positional;
    QString problem;
    if (a.size() == 2 && a[0] == "ls") {
        m_client.request("tunnel.list", {{"sandbox", a[1]}}, [this, p](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            const QJsonArray list = r->value("tunnels").toArray();
            if (p.flags.contains("--json")) {
                out(json(list));
                return finish(0);
            }
            const QString row = "%1 %2 %3 %4 %5 %6";
            out(row.arg("PORT", -6).arg("URL", -24).arg("STATE", -8).arg("CONNS", -10)
                    .arg("IN", -8).arg("OUT"));
            for (const QJsonValue& v : list) {
                const QJsonObject t = v.toObject();
                out(row.arg(t.value("guest_port").toInt(), -6)
                        .arg(t.value("url").toString(), -24)
                        .arg(t.value("state").toString(), -8)
                        .arg(QString("%1 (%2 open)")
                                 .arg(t.value("connections").toInteger())
                                 .arg(t.value("open").toInt()),
                             -10)
                        .arg(humanBytes(t.value("bytes_in").toInteger()), -8)
                        .arg(humanBytes(t.value("bytes_out").toInteger())));
            }
            finish(0);
        });
        return;
    }
    if (a.size() == 3 && a[0] == "rm") {
        const int port = portArg(a[2], &problem);
        if (port < 0)
            return usage(problem);
        m_client.request("tunnel.close", {{"sandbox", a[1]}, {"port", port}},
                         [this, a](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             out("closed the tunnel to port " + a[2] + " of " + a[1]);
                             finish(0);
                         });
        return;
    }
    if (a.size() != 2)
        return usage("tunnel needs a sandbox and a port: viv tunnel ID PORT");
    const int port = portArg(a[1], &problem);
    if (port < 0)
        return usage(problem);
    QJsonObject body{{"sandbox", a[0]}, {"port", port}};
    if (p.values.contains("--host-port")) {
        const int host = portArg(p.values.value("--host-port").last(), &problem);
        if (host < 0)
            return usage(problem);
        body["host_port"] = host;
    }
    m_client.request("tunnel.open", body, [this, p, a](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonObject t = r->value("tunnel").toObject();
        if (p.flags.contains("--json")) {
            out(json(t));
            return finish(0);
        }
        if (t.value("state").toString() != "open")
            err("viv: the tunnel opens when sandbox " + a[0] + " is running");
        if (t.contains("error"))
            err("viv: " + t.value("error").toString());
        err(QString("port %1 of %2 is tunnelled; close it with: viv tunnel rm %2 %1")
                .arg(t.value("guest_port").toInt())
                .arg(a[0]));
        out(t.value("url").toString()); // the last line: scripts read the URL here
        finish(0);
    });
}

// viv network ID [-n N] [--json]: the sandbox's network log, oldest first.
void VivCli::cmdNetwork() {
    const Parsed p = parse(m_args, {"-n", "--count"}, {"--json"});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional.size() != 1)
        return usage("network needs a sandbox: viv network ID");
    QJsonObject body{{"sandbox", p.positional[0]}};
    const QStringList n = p.values.value("-n") + p.values.value("--count");
    if (!n.isEmpty()) {
        bool ok = false;
        const int limit = n.last().toInt(&ok);
        if (!ok || limit < 1)
            return usage("-n needs a positive number");
        body["limit"] = limit;
    }
    m_client.request("network.log", body, [this, p](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonArray entries = r->value("entries").toArray();
        if (p.flags.contains("--json")) {
            out(json(entries));
            return finish(0);
        }
        const QString row = "%1 %2 %3 %4 %5 %6";
        out(row.arg("TIME", -12).arg("KIND", -8).arg("WHAT", -44).arg("STATUS", -7)
                .arg("UP", -8).arg("DOWN"));
        for (const QJsonValue& v : entries) {
            const QJsonObject e = v.toObject();
            const QString kind = e.value("kind").toString();
            QString what;
            if (kind == "tunnel")
                what = QString("%1 → port %2")
                           .arg(e.value("host").toString())
                           .arg(e.value("port").toInt());
            else
                what = (e.value("method").toString() + " " + e.value("host").toString() +
                        e.value("path").toString())
                           .trimmed();
            if (e.contains("route"))
                what += " (route " + e.value("route").toString() + ")";
            const QDateTime t = QDateTime::fromString(e.value("time").toString(), Qt::ISODateWithMs);
            QString status = e.value("status").toInt() ? QString::number(e.value("status").toInt()) : "-";
            if (e.contains("error"))
                status = "error";
            out(row.arg(t.toLocalTime().toString("HH:mm:ss.zzz"), -12)
                    .arg(kind, -8)
                    .arg(what.left(44), -44)
                    .arg(status, -7)
                    .arg(humanBytes(e.value("bytes_up").toInteger()), -8)
                    .arg(humanBytes(e.value("bytes_down").toInteger())));
            if (e.contains("error"))
                out("             " + e.value("error").toString());
        }
        finish(0);
    });
}

} // namespace vivarium
