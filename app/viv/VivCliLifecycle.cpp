// `viv pause|resume|hibernate ID`: the sandbox.pause/resume/hibernate requests. Each waits
// until the sandbox has settled (the service answers then) and exits 0, or 125 with the
// service's message (which says what to do instead, e.g. "Resume it first").
#include "VivCli.h"

#include "CliSupport.h"

#include <QJsonObject>

namespace vivarium {

void VivCli::cmdLifecycle() {
    const cli::Parsed p = cli::parse(m_args, {}, {});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional.size() != 1)
        return usage("viv " + m_command + " takes one sandbox id or name");
    const QString id = p.positional.first();
    const QString verb = m_command;
    m_client.request("sandbox." + verb, {{"sandbox", id}}, [this, id, verb](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonObject sb = r->value("sandbox").toObject();
        const QString state = sb.value("state").toString();
        if (verb == "pause")
            cli::err(id + " paused: its processes are frozen, its memory stays in use. Continue "
                          "with: viv resume " + id);
        else if (verb == "hibernate")
            cli::err(id + " hibernated: its memory is on disk and freed. Continue with: viv "
                          "resume " + id);
        else
            cli::err(id + " resumed (" + state + ")");
        finish(0);
    });
}

} // namespace vivarium
