// `viv secret` and `viv route`: the secrets routes inject (set from stdin, never from the
// command line, and never printed back) and the credential routes themselves. VivCli members
// kept apart from VivCli.cpp, which dispatches to them; the work is the service's (secret.*,
// route.*).
#include "VivCli.h"

#include "CliSupport.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace vivarium {

using cli::age;
using cli::err;
using cli::out;
using cli::parse;
using cli::Parsed;

namespace {

QString json(const QJsonArray& a) { return QString::fromUtf8(QJsonDocument(a).toJson(QJsonDocument::Indented)).trimmed(); }

// A secret's value from stdin. On a terminal: a prompt on stderr and no echo (restored
// whatever happens); from a pipe or a file: all of it. Trailing line breaks are not part of it.
QByteArray readSecretValue(const QString& name) {
    QByteArray value;
    if (Terminal::isTerminal(STDIN_FILENO)) {
        std::fputs(qPrintable(QString("Value for %1 (not shown; end with Enter): ").arg(name)), stderr);
        std::fflush(stderr);
        termios saved{};
        const bool haveTerminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
        if (haveTerminal) {
            termios quiet = saved;
            quiet.c_lflag &= ~tcflag_t(ECHO);
            quiet.c_lflag |= ECHONL;
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        char c = 0;
        while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n' && value.size() <= 64 * 1024)
            value += c;
        if (haveTerminal)
            ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    } else {
        QFile in;
        if (in.open(stdin, QIODevice::ReadOnly))
            value = in.read(64 * 1024 + 2);
    }
    while (value.endsWith('\n') || value.endsWith('\r'))
        value.chop(1);
    return value;
}

} // namespace

// `viv secret set NAME | ls [--json] | rm NAME`.
void VivCli::cmdSecret() {
    const Parsed p = parse(m_args, {}, {"--json"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QString verb = p.positional.value(0);
    const QString name = p.positional.value(1);
    if (verb == "ls" && p.positional.size() == 1) {
        const bool asJson = p.flags.contains("--json");
        m_client.request("secret.list", {}, [this, asJson](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            const QJsonArray list = r->value("secrets").toArray();
            if (asJson) {
                out(json(list));
                return finish(0);
            }
            int width = 24;
            for (const QJsonValue& v : list)
                width = std::max(width, int(v.toObject().value("name").toString().size()));
            const QString row = "%1 %2 %3";
            out(row.arg("NAME", -width).arg("UPDATED", -8).arg("STORED IN"));
            for (const QJsonValue& v : list) {
                const QJsonObject s = v.toObject();
                out(row.arg(s.value("name").toString(), -width)
                        .arg(age(s.value("updated").toString()), -8)
                        .arg(s.value("backend").toString() == "keyring" ? QString("keyring") : QString("file")));
            }
            // Where new secrets go, and why not the keyring when it is not.
            err("new secrets go to the " + r->value("backend").toString() +
                (r->contains("backend_note") ? " (" + r->value("backend_note").toString() + ")" : QString()));
            finish(0);
        });
        return;
    }
    if (verb == "set" && p.positional.size() == 2 && !p.flags.contains("--json")) {
        const QByteArray value = readSecretValue(name);
        if (value.isEmpty())
            return failWith(makeError("bad_request", "No value on stdin: viv secret set " + name +
                                                         " reads the value from stdin (echo off on a terminal)."));
        m_client.request("secret.set", {{"name", name}, {"value", QString::fromUtf8(value)}},
                         [this, name](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             err("secret " + name + " stored in the " + r->value("backend").toString() +
                                 (r->contains("backend_note") ? " (" + r->value("backend_note").toString() + ")"
                                                              : QString()));
                             finish(0);
                         });
        return;
    }
    if (verb == "rm" && p.positional.size() == 2 && !p.flags.contains("--json")) {
        m_client.request("secret.remove", {{"name", name}}, [this, name](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            err("secret " + name + " removed");
            finish(0);
        });
        return;
    }
    usage("viv secret set NAME (the value from stdin) | secret ls [--json] | secret rm NAME");
}

// `viv route add NAME --upstream URL [--header 'K: V']... | ls [--json] | rm NAME`.
void VivCli::cmdRoute() {
    const Parsed p = parse(m_args, {"--upstream", "--header", "-H"}, {"--json"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QString verb = p.positional.value(0);
    const QString name = p.positional.value(1);
    if (verb == "ls" && p.positional.size() == 1 && p.values.isEmpty()) {
        const bool asJson = p.flags.contains("--json");
        m_client.request("route.list", {}, [this, asJson](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            const QJsonArray list = r->value("routes").toArray();
            for (const QJsonValue& v : r->value("problems").toArray())
                err("viv: route file skipped: " + v.toObject().value("message").toString());
            if (asJson) {
                out(json(list));
                return finish(0);
            }
            const QString row = "%1 %2 %3";
            out(row.arg("NAME", -16).arg("UPSTREAM", -36).arg("HEADERS"));
            for (const QJsonValue& v : list) {
                const QJsonObject route = v.toObject();
                // Header values as templates: {secret:NAME} shows, a value never does.
                QStringList headers;
                for (const QJsonValue& h : route.value("headers").toArray())
                    headers << h.toObject().value("name").toString() + ": " + h.toObject().value("value").toString();
                out(row.arg(route.value("name").toString(), -16)
                        .arg(route.value("upstream").toString(), -36)
                        .arg(headers.isEmpty() ? QString("-") : headers.join("\n" + QString(54, ' '))));
                for (const QJsonValue& missing : route.value("missing_secrets").toArray())
                    err(QString("viv: route %1 needs secret %2, which is not set: viv secret set %2")
                            .arg(route.value("name").toString(), missing.toString()));
            }
            finish(0);
        });
        return;
    }
    if (verb == "add" && p.positional.size() == 2 && !p.flags.contains("--json")) {
        if (p.values.value("--upstream").size() != 1)
            return usage("viv route add NAME --upstream URL [--header 'NAME: VALUE']... (one --upstream)");
        QJsonArray headers;
        for (const QString& h : p.values.value("--header") + p.values.value("-H")) {
            const int colon = int(h.indexOf(':'));
            if (colon <= 0)
                return usage("--header takes 'NAME: VALUE', e.g. 'Authorization: Bearer {secret:OPENAI_API_KEY}'");
            headers.append(QJsonObject{{"name", h.left(colon).trimmed()}, {"value", h.mid(colon + 1).trimmed()}});
        }
        m_client.request("route.add",
                         {{"name", name}, {"upstream", p.values.value("--upstream").first()}, {"headers", headers}},
                         [this, name](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             for (const QJsonValue& w : r->value("warnings").toArray())
                                 err("viv: warning: " + w.toString());
                             const QJsonObject route = r->value("route").toObject();
                             err(QString("route %1 added: $%2 in a sandbox whose template has --route %1 reaches %3")
                                     .arg(name, route.value("base_url_env").toString(),
                                          route.value("upstream").toString()));
                             finish(0);
                         });
        return;
    }
    if (verb == "rm" && p.positional.size() == 2 && p.values.isEmpty() && !p.flags.contains("--json")) {
        m_client.request("route.remove", {{"name", name}}, [this, name](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            err("route " + name + " removed");
            finish(0);
        });
        return;
    }
    usage("viv route add NAME --upstream URL [--header 'NAME: VALUE']... | route ls [--json] | route rm NAME");
}

} // namespace vivarium
