// `viv snapshot create|ls|restore|rm` and `viv fork`: VivCli members kept apart from
// VivCli.cpp, which dispatches to them; the work is the service's (snapshot.*, sandbox.fork).
// `viv fork` prints the new sandbox's id as its last line, for scripts.
#include "VivCli.h"

#include "CliSupport.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace vivarium {

using cli::age;
using cli::err;
using cli::humanBytes;
using cli::out;
using cli::parse;
using cli::Parsed;

namespace {

const char kSnapshotUsage[] =
    "viv snapshot create ID NAME [--memory] | snapshot ls ID [--json] | snapshot restore ID NAME "
    "| snapshot rm ID NAME";

} // namespace

void VivCli::cmdSnapshot() {
    const Parsed p = parse(m_args, {}, {"--memory", "--json", "--start"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QString verb = p.positional.value(0);
    const QString id = p.positional.value(1);
    const QString name = p.positional.value(2);
    if (verb == "ls" && p.positional.size() == 2) {
        const bool asJson = p.flags.contains("--json");
        m_client.request("snapshot.list", {{"sandbox", id}}, [this, asJson](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            const QJsonArray list = r->value("snapshots").toArray();
            if (asJson) {
                out(QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Indented))
                        .trimmed());
                return finish(0);
            }
            int width = 16;
            for (const QJsonValue& v : list)
                width = std::max(width, int(v.toObject().value("name").toString().size()));
            const QString row = "%1 %2 %3 %4 %5";
            out(row.arg("NAME", -width)
                    .arg("CREATED", -8)
                    .arg("MEMORY", -7)
                    .arg("SIZE", -8)
                    .arg("TAKEN WHEN"));
            for (const QJsonValue& v : list) {
                const QJsonObject s = v.toObject();
                out(row.arg(s.value("name").toString(), -width)
                        .arg(age(s.value("created").toString()), -8)
                        .arg(s.value("memory").toBool() ? "yes" : "no", -7)
                        .arg(humanBytes(s.value("size_bytes").toInteger()), -8)
                        .arg(s.value("state").toString()));
            }
            finish(0);
        });
        return;
    }
    if (p.positional.size() != 3 || !QStringList{"create", "restore", "rm"}.contains(verb))
        return usage(kSnapshotUsage);
    if (p.flags.contains("--memory") && verb != "create")
        return usage("--memory is for viv snapshot create");
    if (verb == "create") {
        const bool memory = p.flags.contains("--memory");
        if (memory)
            err("viv: saving the memory of " + id + "…");
        m_client.request(
            "snapshot.create", {{"sandbox", id}, {"name", name}, {"memory", memory}},
            [this, id](Result<QJsonObject> r) {
                if (!r)
                    return failWith(r.error());
                const QJsonObject s = r->value("snapshot").toObject();
                out(QString("snapshot %1 of %2 taken (%3%4)")
                        .arg(s.value("name").toString(), id,
                             s.value("memory").toBool() ? "disk and memory, " : "disk, ",
                             humanBytes(s.value("size_bytes").toInteger())));
                finish(0);
            });
    } else if (verb == "restore") {
        m_client.request("snapshot.restore",
                         {{"sandbox", id}, {"name", name}, {"start", p.flags.contains("--start")}},
                         [this, id, name](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             const QString state =
                                 r->value("sandbox").toObject().value("state").toString();
                             out(QString("snapshot %1 restored; %2 is %3").arg(name, id, state));
                             finish(0);
                         });
    } else {
        m_client.request("snapshot.remove", {{"sandbox", id}, {"name", name}},
                         [this, id, name](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             out(QString("snapshot %1 of %2 removed").arg(name, id));
                             finish(0);
                         });
    }
}

// `viv fork ID NAME [--name NEW]`.
void VivCli::cmdFork() {
    const Parsed p = parse(m_args, {"--name"}, {});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional.size() != 2)
        return usage("viv fork ID SNAPSHOT [--name NEW]");
    QJsonObject body{{"sandbox", p.positional[0]}, {"snapshot", p.positional[1]}};
    if (p.values.contains("--name"))
        body["name"] = p.values.value("--name").last();
    m_client.request("sandbox.fork", body, [this](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonObject s = r->value("sandbox").toObject();
        if (!r->value("memory_restored").toBool() && r->contains("note"))
            err("viv: " + r->value("note").toString());
        err(QString("viv: forked %1 (%2): %3")
                .arg(s.value("name").toString(), s.value("state").toString(),
                     r->value("memory_restored").toBool() ? "its processes restored from memory"
                                                          : "booted from the snapshot's disk"));
        out(s.value("id").toString()); // the last line: the new sandbox's id
        finish(0);
    });
}

} // namespace vivarium
