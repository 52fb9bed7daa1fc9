// `viv pool ls [--json]`: the warm pools (pool.list), a row per template with ready, booting
// and in-use sandboxes, the pool's bounds and its state (with the last refill error and the
// next retry when failing). VivCli members kept apart from VivCli.cpp, which dispatches to
// them; the work is the service's (PoolManager).
#include "VivCli.h"

#include "CliSupport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

namespace vivarium {

using cli::err;
using cli::out;
using cli::parse;
using cli::Parsed;

void VivCli::cmdPool() {
    const Parsed p = parse(m_args, {}, {"--json"});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional != QStringList{"ls"})
        return usage("viv pool ls [--json]");
    const bool json = p.flags.contains("--json");
    m_client.request("pool.list", {}, [this, json](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonArray pools = r->value("pools").toArray();
        if (json) {
            out(QString::fromUtf8(QJsonDocument(pools).toJson(QJsonDocument::Indented)).trimmed());
            return finish(0);
        }
        if (pools.isEmpty()) {
            err("No warm pools. Give a template one with: viv template edit NAME --pool-min 1 --pool-max 3");
            return finish(0);
        }
        const QString row = "%1 %2 %3 %4 %5 %6 %7";
        out(row.arg("TEMPLATE", -16).arg("READY", -6).arg("BOOTING", -8).arg("IN USE", -7).arg("MIN", -4)
                .arg("MAX", -4).arg("STATE"));
        for (const QJsonValue& v : pools) {
            const QJsonObject o = v.toObject();
            QString state = o.value("state").toString();
            if (o.value("target").toInt() > o.value("min_ready").toInt())
                state += QString(" (target %1)").arg(o.value("target").toInt());
            out(row.arg(o.value("template").toString(), -16)
                    .arg(o.value("ready").toInt(), -6)
                    .arg(o.value("booting").toInt(), -8)
                    .arg(o.value("in_use").toInt(), -7)
                    .arg(o.value("min_ready").toInt(), -4)
                    .arg(o.value("max").toInt(), -4)
                    .arg(state));
            if (o.value("error").isString()) {
                const QDateTime retry = QDateTime::fromString(o.value("retry_at").toString(), Qt::ISODateWithMs);
                const qint64 in = retry.isValid() ? QDateTime::currentDateTimeUtc().secsTo(retry) : -1;
                out(QString("  last refill failed: %1%2")
                        .arg(o.value("error").toString(),
                             in >= 0 ? QString("; next try in %1 s").arg(in) : QString()));
            }
        }
        finish(0);
    });
}

} // namespace vivarium
