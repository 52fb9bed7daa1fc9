#include "VivCli.h"

#include "CliSupport.h"

#include "Paths.h"
#include "RunExportJob.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSaveFile>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vivarium {

using cli::err;
using cli::out;
using cli::parse;
using cli::Parsed;
using cli::age;
using cli::humanBytes;
using cli::writeAll;

namespace {

// The CPU, MEM and DISK cells of a stats object ("-" for what is not known).
QStringList statsCells(const QJsonObject& stats) {
    return {stats.contains("cpu_percent")
                ? QString::number(stats.value("cpu_percent").toDouble(), 'f', 1) + "%"
                : "-",
            stats.contains("memory_bytes") ? humanBytes(stats.value("memory_bytes").toInteger()) : "-",
            stats.contains("disk_bytes") ? humanBytes(stats.value("disk_bytes").toInteger()) : "-"};
}

const char* kUsage = R"(Usage: viv COMMAND [OPTIONS]

Run untrusted code in microVM sandboxes managed by vivariumd.

Commands:
  run [--template T] [--image REF] [-t] [--keep] [-e K=V] [-w DIR] [-u USER] -- CMD...
                       create a sandbox, run CMD in it, remove it (unless --keep); with
                       --image, CMD follows the image's Entrypoint (none: its Cmd runs)
  create [--template T] [--image REF] [--name N]
                       create and start a sandbox; prints its id as the last line
  exec [-t] [-e K=V] [-w DIR] [-u USER] ID -- CMD...
                       run CMD in a sandbox; stdin is passed through, -t gives a terminal
  ls [--json] [--all]  list sandboxes, with the CPU, memory and disk each one uses;
                       --all adds the warm-pool sandboxes nobody has claimed yet
  stats [ID] [--count N] [--json]
                       print every sandbox's (or one's) CPU, memory and disk as sampled,
                       a line each time (every 2 s); --count stops after N samples
  start ID | stop ID | rm ID
  pause ID             freeze a sandbox's CPUs (memory stays; processes keep their state)
  resume ID            continue a paused or hibernated sandbox, processes intact
  hibernate ID         write a sandbox's memory to disk and free it; resume brings it back
                       (also after vivariumd restarts); stop discards the saved memory
  snapshot create ID NAME [--memory]
                       take a named snapshot of a sandbox's disk, and with --memory of
                       its memory too (running processes); it keeps running
  snapshot ls ID [--json] | snapshot rm ID NAME
  snapshot restore ID NAME [--start]
                       put a stopped sandbox back to a snapshot (its disk, and its
                       running processes when the snapshot has memory)
  fork ID NAME [--name NEW]
                       a new sandbox from snapshot NAME of sandbox ID, running with its
                       own copy of the disk; prints the new id as the last line
  logs ID              list the runs of a sandbox
  logs ID RUN [--follow]
                       replay a run's output (stdout and stderr kept apart); --follow
                       keeps streaming until it ends
  logs ID --follow     stream every new run of the sandbox
  export ID RUN [--format cast|text] [-o FILE]
                       a run's output as an asciinema v2 cast (the default, timed as it
                       ran) or as plain text (escape sequences removed), to FILE or stdout
  token create --sandbox ID
                       make a token that can use only that sandbox (for an agent)
  token ls | token rm TOKEN_ID
  template ls [--json]  list the templates sandboxes are made from (and files skipped)
  template show NAME [--json]
  template create NAME [--from T] [--image REF] [--vcpus N] [--memory MIB] [--disk MIB]
                  [-e K=V]... [-w DIR] [-u USER]
                  [--egress none|proxy|open] [--allow HOST[:PORT]]... [--route NAME]...
                  [--pool-min N] [--pool-max M] [--pool-ttl SECONDS]
                       make a template (from T, else from default) with these changes;
                       egress none (the default) has no way out, proxy reaches the hosts
                       allowed (through the host), open has a network interface;
                       --pool-min keeps N sandboxes booted for instant creates, growing
                       up to --pool-max under demand (0 0: no pool)
                  [--idle-timeout SECONDS] [--idle-action stop|hibernate]
                       stop (or hibernate) its sandboxes after SECONDS with no run and no
                       use, with a warning event first (0, the default: never)
  template edit NAME [the options of create, and --unset-env K, --no-allow, --no-route]
  template rm NAME     remove a template (sandboxes made from it keep their settings)
  pool ls [--json]     warm pools: ready, booting and in-use sandboxes per template
  image ls [--json]     list the images templates use: built-in and pulled
  image pull REF [--insecure]
                       pull an image from a registry (python:3.12-slim, ghcr.io/o/r:tag);
                       --insecure allows plain HTTP or an unverified certificate
  image rm REF         forget a pulled image (refused while a sandbox or template uses it)
  image login REGISTRY -u USER --password-stdin [--insecure]
                       check and store a registry login (~/.docker/config.json is read too)
  tunnel ID PORT [--host-port N]
                       expose the sandbox's port PORT on a host 127.0.0.1 port; prints
                       its URL (http://127.0.0.1:N) as the last line; it stays open
                       (and comes back when the sandbox starts again) until removed
  tunnel ls ID [--json] | tunnel rm ID PORT
  network ID [-n N] [--json]
                       the sandbox's network log: tunnel connections and egress requests
  secret set NAME      store a secret for routes; the value is read from stdin (no echo
                       on a terminal) and never printed back
  secret ls [--json] | secret rm NAME
  route add NAME --upstream URL [--header 'NAME: VALUE']...
                       a credential route: sandboxes whose template has --route NAME call
                       $NAME_BASE_URL and the host adds the headers, with {secret:S}
                       replaced by secret S (e.g. 'Authorization: Bearer {secret:S}')
  route ls [--json] | route rm NAME
  cp LOCAL ID:PATH | cp ID:PATH LOCAL
                       copy a file into or out of a sandbox (streamed; modes kept)

The service is found through VIVARIUM_URL and VIVARIUM_TOKEN, else the local one, which
is started when it is not running. Built-in templates: default (Debian with python3), tiny
(busybox); your own are files in ~/.config/vivarium/templates.
)";

} // namespace

VivCli::VivCli(QStringList args, QObject* parent)
    : QObject(parent), m_args(std::move(args)), m_connector(&m_client) {
    connect(&m_connector, &ServiceConnector::connected, this, &VivCli::dispatch);
    connect(&m_connector, &ServiceConnector::startingService, this,
            [] { err("viv: starting vivariumd…"); });
    connect(&m_connector, &ServiceConnector::failed, this, &VivCli::failWith);
    connect(&m_client, &ApiClient::disconnected, this, [this] {
        failWith(makeError("disconnected", "The connection to vivariumd was lost."));
    });
}

void VivCli::start() {
    if (m_args.isEmpty() || m_args.first() == "--help" || m_args.first() == "-h" ||
        m_args.first() == "help") {
        out(kUsage);
        finish(m_args.isEmpty() ? 2 : 0);
        return;
    }
    if (m_args.first() == "--version") {
        out("viv " VIVARIUM_VERSION);
        finish(0);
        return;
    }
    m_command = m_args.takeFirst();
    static const QStringList known{"run",  "create", "exec", "ls",   "stats", "start",
                                   "stop", "rm",     "logs", "export", "token", "cp",
                                   "template", "image", "tunnel", "network", "secret", "route",
                                   "pool", "pause", "resume", "hibernate",
                                   "snapshot", "fork"};
    if (!known.contains(m_command)) {
        usage("unknown command '" + m_command + "'");
        return;
    }
    connectService();
}

void VivCli::connectService() { m_connector.connectToService(); }

void VivCli::usage(const QString& problem) {
    err("viv: " + problem + "\n\n" + kUsage);
    finish(2);
}

void VivCli::finish(int code) {
    m_terminal.restore();
    m_exitCode = code;
    QTimer::singleShot(0, qApp, [code] { QCoreApplication::exit(code); });
}

void VivCli::failWith(const Error& e) {
    m_terminal.restore();
    err("viv: " + e.message + (e.detail.isEmpty() ? QString() : "\n  " + e.detail));
    cleanupAndFinish(e.code == "exec_failed" ? kExitNotRun : kExitFailure);
}

void VivCli::dispatch() {
    if (m_command == "run")
        cmdCreate(true);
    else if (m_command == "create")
        cmdCreate(false);
    else if (m_command == "exec")
        cmdExec({}, false);
    else if (m_command == "ls")
        cmdList();
    else if (m_command == "stats")
        cmdStats();
    else if (m_command == "start")
        cmdSimple("sandbox.start", "started");
    else if (m_command == "stop")
        cmdSimple("sandbox.stop", "stopped");
    else if (m_command == "rm")
        cmdSimple("sandbox.remove", "removed");
    else if (m_command == "pause" || m_command == "resume" || m_command == "hibernate")
        cmdLifecycle(); // VivCliLifecycle.cpp
    else if (m_command == "snapshot")
        cmdSnapshot(); // VivCliSnapshots.cpp
    else if (m_command == "fork")
        cmdFork(); // VivCliSnapshots.cpp
    else if (m_command == "logs")
        cmdLogs();
    else if (m_command == "export")
        cmdExport();
    else if (m_command == "token")
        cmdToken();
    else if (m_command == "cp")
        cmdCopy();
    else if (m_command == "template")
        cmdTemplate();
    else if (m_command == "pool")
        cmdPool();
    else if (m_command == "image")
        cmdImage();
    else if (m_command == "tunnel")
        cmdTunnel();
    else if (m_command == "network")
        cmdNetwork();
    else if (m_command == "secret")
        cmdSecret();
    else if (m_command == "route")
        cmdRoute();
}

void VivCli::cmdCreate(bool thenRun) {
    const Parsed p = parse(m_args, {"--template", "--name", "-e", "--env", "-w", "--workdir", "-u", "--user", "--image"},
                           {"-t", "--tty", "--keep", "-i"});
    if (!p.error.isEmpty())
        return usage(p.error);
    // From an image, `viv run` is `docker run`: no command runs the image's own.
    m_imageRun = p.values.contains("--image");
    if (thenRun && p.argv.isEmpty() && p.positional.isEmpty() && !m_imageRun)
        return usage("viv run needs a command: viv run -- CMD...");
    if (!thenRun && !p.positional.isEmpty())
        return usage("unexpected argument '" + p.positional.first() + "'");
    QJsonObject body{{"template", p.values.value("--template").value(0, "default")}};
    if (p.values.contains("--name"))
        body["name"] = p.values.value("--name").last();
    if (m_imageRun)
        body["image"] = p.values.value("--image").last();
    const bool showProgress = Terminal::isTerminal(STDERR_FILENO);
    auto lastMessage = std::make_shared<QString>();
    m_client.request(
        "sandbox.create", body,
        [this, thenRun, p, showProgress](Result<QJsonObject> r) {
            if (showProgress)
                std::fputs("\r\033[K", stderr);
            if (!r)
                return failWith(r.error());
            const QString id = r->value("sandbox").toObject().value("id").toString();
            if (!thenRun) {
                out(id);
                return finish(0);
            }
            if (!p.flags.contains("--keep"))
                m_ephemeral = id;
            cmdExec(id, !p.flags.contains("--keep"));
        },
        [lastMessage, showProgress](int percent, const QString& message) {
            if (showProgress) {
                std::fprintf(stderr, "\r\033[Kpreparing image: %3d%% %s", percent,
                             qPrintable(message.left(60)));
            } else if (message != *lastMessage) {
                err(QString("preparing image: %1% %2").arg(percent).arg(message));
            }
            *lastMessage = message;
        });
}

void VivCli::cmdExec(const QString& sandboxId, bool) {
    const Parsed p = parse(m_args, {"--template", "--name", "-e", "--env", "-w", "--workdir", "-u", "--user", "--image"},
                           {"-t", "--tty", "--keep", "-i"});
    if (!p.error.isEmpty())
        return usage(p.error);
    QString sandbox = sandboxId;
    QStringList argv = p.argv;
    QStringList positional = p.positional;
    if (sandbox.isEmpty()) {
        if (positional.isEmpty())
            return usage("viv exec needs a sandbox id: viv exec ID -- CMD...");
        sandbox = positional.takeFirst();
    }
    if (argv.isEmpty())
        argv = positional; // "viv exec ID echo hi" works too
    if (argv.isEmpty() && !m_imageRun)
        return usage("no command given: viv exec ID -- CMD...");
    const bool tty = p.flags.contains("-t") || p.flags.contains("--tty");
    QJsonObject env;
    for (const QString& kv : p.values.value("-e") + p.values.value("--env")) {
        if (!kv.contains('='))
            return usage("--env takes NAME=VALUE");
        env[kv.left(kv.indexOf('='))] = kv.mid(kv.indexOf('=') + 1);
    }
    QJsonObject body{{"sandbox", sandbox},
                     {"argv", QJsonArray::fromStringList(argv)},
                     {"pty", tty},
                     {"stdin", true},
                     {"origin", "viv"}};
    if (!env.isEmpty())
        body["env"] = env;
    if (m_imageRun)
        body["entrypoint"] = true;
    if (const QString w = (p.values.value("-w") + p.values.value("--workdir")).value(0); !w.isEmpty())
        body["cwd"] = w;
    if (const QString u = (p.values.value("-u") + p.values.value("--user")).value(0); !u.isEmpty())
        body["user"] = u;
    if (tty) {
        const auto [rows, cols] = Terminal::size();
        body["rows"] = rows;
        body["cols"] = cols;
    }

    connect(&m_client, &ApiClient::data, this,
            [this](api::DataKind kind, quint32 channel, const QByteArray& bytes) {
                if (channel != m_channel)
                    return;
                writeAll(kind == api::DataKind::Stderr ? STDERR_FILENO : STDOUT_FILENO, bytes);
            });
    connect(&m_client, &ApiClient::exited, this, [this](const QJsonObject& e) {
        if (quint32(e.value("channel").toInteger()) != m_channel)
            return;
        m_terminal.restore();
        const QString error = e.value("error").toString();
        if (!error.isEmpty()) {
            err("viv: " + error);
            return cleanupAndFinish(e.value("error_code").toString() == "exec_failed"
                                        ? kExitNotRun
                                        : kExitFailure);
        }
        if (e.contains("signal") && e.value("signal").toInt() > 0)
            return cleanupAndFinish(128 + e.value("signal").toInt());
        cleanupAndFinish(e.value("exit_code").toInt());
    });
    m_client.request("exec", body, [this, tty](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        m_channel = quint32(r->value("channel").toInteger());
        if (tty && m_terminal.enterRawMode()) {
            connect(&m_terminal, &Terminal::resized, this, [this](int rows, int cols) {
                m_client.request("exec.resize",
                                 {{"channel", qint64(m_channel)}, {"rows", rows}, {"cols", cols}},
                                 {});
            });
        }
        m_stdin = std::make_unique<QSocketNotifier>(STDIN_FILENO, QSocketNotifier::Read);
        connect(m_stdin.get(), &QSocketNotifier::activated, this, [this] {
            char buf[65536];
            const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
            if (n > 0) {
                m_client.sendData(m_channel, QByteArray(buf, n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                m_stdin->setEnabled(false);
                m_client.sendData(m_channel, {});
            }
        });
    });
}

void VivCli::cleanupAndFinish(int code) {
    if (m_ephemeral.isEmpty() || !m_client.isConnected())
        return finish(code);
    const QString id = std::exchange(m_ephemeral, {});
    m_client.request("sandbox.remove", {{"sandbox", id}}, [this, code](Result<QJsonObject> r) {
        if (!r)
            err("viv: could not remove the sandbox: " + r.error().message);
        finish(code);
    });
}

void VivCli::cmdList() {
    const Parsed p = parse(m_args, {}, {"--json", "-q", "--all"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QJsonObject request = p.flags.contains("--all") ? QJsonObject{{"all", true}} : QJsonObject{};
    m_client.request("sandbox.list", request, [this, p](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonArray list = r->value("sandboxes").toArray();
        if (p.flags.contains("--json")) {
            out(QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Indented)).trimmed());
            return finish(0);
        }
        const QString row = "%1 %2 %3 %4 %5 %6 %7 %8 %9";
        out(row.arg("ID", -9).arg("NAME", -20).arg("TEMPLATE", -9).arg("STATE", -10)
                .arg("UPTIME", -7).arg("RUNS", -5).arg("CPU", -7).arg("MEM", -8).arg("DISK"));
        for (const QJsonValue& v : list) {
            const QJsonObject s = v.toObject();
            // The service's latest sample; CPU and memory only while a VM runs.
            const QStringList cells = statsCells(s.value("stats").toObject());
            out(row.arg(s.value("id").toString(), -9)
                    .arg(s.value("name").toString(), -20)
                    .arg(s.value("template").toString(), -9)
                    .arg(s.value("state").toString(), -10) // "hibernated"
                    .arg(s.contains("ready_since") ? age(s.value("ready_since").toString()) : "-", -7)
                    .arg(s.value("runs").toInt(), -5)
                    .arg(cells[0], -7)
                    .arg(cells[1], -8)
                    .arg(cells[2]));
        }
        finish(0);
    });
}

// `viv image ls`: the images templates use.
void VivCli::cmdCatalog() {
    const Parsed p = parse(m_args, {}, {"--json"});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional != QStringList{"ls"})
        return usage("viv " + m_command + " ls [--json]");
    m_client.request("image.list", {}, [this, p](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonArray list = r->value("images").toArray();
        if (p.flags.contains("--json")) {
            out(QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Indented)).trimmed());
            return finish(0);
        }
        int width = 12;
        for (const QJsonValue& v : list)
            width = std::max(width, int(v.toObject().value("name").toString().size()));
        const QString row = "%1 %2 %3 %4 %5";
        out(row.arg("NAME", -width).arg("DIGEST", -12).arg("LAYERS", -6).arg("ON DISK", -10).arg("DESCRIPTION"));
        for (const QJsonValue& v : list) {
            const QJsonObject i = v.toObject();
            const bool pulled = i.value("kind").toString() == "pulled";
            const QString size = i.value("built").toBool() ? humanBytes(i.value("disk_bytes").toInteger())
                                                           : QString("not built");
            out(row.arg(i.value("name").toString(), -width)
                    .arg(pulled ? i.value("digest").toString().mid(7, 12) : QString("built-in"), -12)
                    .arg(pulled ? QString::number(i.value("layers").toInt()) : QString("-"), -6)
                    .arg(size, -10)
                    .arg(pulled ? i.value("description").toString() + " (" +
                                      humanBytes(i.value("size").toInteger()) + " compressed)"
                                : i.value("description").toString()));
        }
        finish(0);
    });
}

// `viv image ls|pull|rm|login`.
void VivCli::cmdImage() {
    const Parsed p = parse(m_args, {"-u", "--username"}, {"--json", "--insecure", "--password-stdin"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QString verb = p.positional.value(0);
    const QString arg = p.positional.value(1);
    if (verb == "ls")
        return cmdCatalog();
    if (verb == "pull" && p.positional.size() == 2)
        return cmdImagePull(arg, p.flags.contains("--insecure"));
    if (verb == "rm" && p.positional.size() == 2) {
        m_client.request("image.remove", {{"ref", arg}}, [this, arg](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            err("image " + arg + " removed");
            finish(0);
        });
        return;
    }
    if (verb == "login" && p.positional.size() == 2) {
        const QString user = (p.values.value("-u") + p.values.value("--username")).value(0);
        if (user.isEmpty() || !p.flags.contains("--password-stdin"))
            return usage("viv image login REGISTRY -u USER --password-stdin (the password is "
                         "read from stdin, never from the command line)");
        QFile in;
        in.open(stdin, QIODevice::ReadOnly);
        QByteArray password = in.readAll();
        while (password.endsWith('\n') || password.endsWith('\r'))
            password.chop(1);
        if (password.isEmpty())
            return failWith(makeError("bad_request", "No password on stdin."));
        m_client.request("image.login",
                         {{"registry", arg},
                          {"username", user},
                          {"password", QString::fromUtf8(password)},
                          {"insecure", p.flags.contains("--insecure")}},
                         [this](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             err("logged in to " + r->value("registry").toString());
                             finish(0);
                         });
        return;
    }
    usage("viv image ls [--json] | pull REF [--insecure] | rm REF | login REGISTRY -u USER "
          "--password-stdin [--insecure]");
}

// `viv image pull REF`: one line per layer, redrawn in place on a terminal; on a pipe, a line
// each time a layer changes state. Ctrl+C (SIGINT) cancels the pull on the service (which
// would otherwise finish it) and exits 130 once the service confirms; a second one exits at
// once.
void VivCli::cmdImagePull(const QString& ref, bool insecure) {
    const bool tty = Terminal::isTerminal(STDERR_FILENO);
    auto drawn = std::make_shared<int>(0); // lines drawn last time (terminal)
    auto states = std::make_shared<QHash<QString, QString>>();
    auto lastMessage = std::make_shared<QString>();
    auto interrupted = std::make_shared<bool>(false);
    static int sigintPipe[2] = {-1, -1}; // the handler's end, the event loop's end
    if (sigintPipe[0] < 0 &&
        ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sigintPipe) == 0) {
        struct sigaction sa {};
        sa.sa_handler = [](int) {
            const char c = 1;
            (void)!::write(sigintPipe[0], &c, 1);
        };
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        ::sigaction(SIGINT, &sa, nullptr);
        auto* notifier = new QSocketNotifier(sigintPipe[1], QSocketNotifier::Read, this);
        connect(notifier, &QSocketNotifier::activated, this, [this, ref, interrupted] {
            char buf[16];
            while (::read(sigintPipe[1], buf, sizeof buf) > 0) {
            }
            if (*interrupted) {
                err("viv: interrupted");
                return finish(128 + SIGINT);
            }
            *interrupted = true;
            err("viv: cancelling the pull of " + ref + " (Ctrl+C again to quit at once)");
            m_client.request("image.pull.cancel", {{"ref", ref}}, [this](Result<QJsonObject> r) {
                // not_pulling: it ended meanwhile, and the pull's own answer says how.
                if (!r && r.error().code != "not_pulling")
                    failWith(r.error());
            });
        });
    }
    m_client.request(
        "image.pull", {{"ref", ref}, {"insecure", insecure}},
        [this, ref, interrupted](Result<QJsonObject> r) {
            if (!r && *interrupted && r.error().code == "cancelled") {
                err("viv: " + r.error().message);
                return finish(128 + SIGINT);
            }
            if (!r)
                return failWith(r.error());
            const QJsonObject image = r->value("image").toObject();
            out(QString("%1 %2").arg(image.value("name").toString(), image.value("digest").toString()));
            finish(0);
        },
        {},
        [tty, drawn, states, lastMessage](const QJsonObject& progress) {
            const QJsonArray layers = progress.value("layers").toArray();
            const QString message = progress.value("message").toString();
            if (!tty) {
                for (const QJsonValue& v : layers) {
                    const QJsonObject l = v.toObject();
                    const QString digest = l.value("digest").toString().mid(7, 12);
                    const QString state = l.value("state").toString();
                    if (states->value(digest) != state) {
                        states->insert(digest, state);
                        err(QString("%1 %2 %3").arg(digest, state, humanBytes(l.value("size").toInteger())));
                    }
                }
                if (message != *lastMessage && layers.isEmpty())
                    err(message);
                *lastMessage = message;
                return;
            }
            QString screen;
            if (*drawn > 0)
                screen += QString("\033[%1A").arg(*drawn);
            int lines = 0;
            for (const QJsonValue& v : layers) {
                const QJsonObject l = v.toObject();
                const qint64 size = l.value("size").toInteger(), done = l.value("done").toInteger();
                const int filled = size > 0 ? int(20 * done / size) : 20;
                screen += QString("\r\033[K%1 [%2%3] %4/%5 %6\n")
                              .arg(l.value("digest").toString().mid(7, 12))
                              .arg(QString(filled, '#'), QString(20 - filled, ' '))
                              .arg(humanBytes(done), humanBytes(size), l.value("state").toString());
                ++lines;
            }
            screen += QString("\r\033[K%1% %2\n").arg(progress.value("percent").toInt()).arg(message.left(70));
            ++lines;
            *drawn = lines;
            std::fputs(qPrintable(screen), stderr);
            std::fflush(stderr);
        });
}

// `viv template ls|show|create|edit|rm`: the template.* requests. Files the service skipped
// are reported on stderr by `ls`, each naming the file and the field.
void VivCli::cmdTemplate() {
    const Parsed p = parse(m_args,
                           {"--from", "--image", "--vcpus", "--memory", "--disk", "-e", "--env", "-w",
                            "--workdir", "-u", "--user", "--unset-env", "--egress", "--allow", "--route",
                            "--pool-min", "--pool-max", "--pool-ttl", "--idle-timeout", "--idle-action"},
                           {"--json", "--no-allow", "--no-route"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QString verb = p.positional.value(0);
    const QString name = p.positional.value(1);
    const bool json = p.flags.contains("--json");
    if (verb == "ls" && p.positional.size() == 1 && p.values.isEmpty()) {
        m_client.request("template.list", {}, [this, json](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            const QJsonArray list = r->value("templates").toArray();
            for (const QJsonValue& v : r->value("problems").toArray())
                err("viv: template file skipped: " + v.toObject().value("message").toString());
            if (json) {
                out(QString::fromUtf8(QJsonDocument(list).toJson(QJsonDocument::Indented)).trimmed());
                return finish(0);
            }
            const QString row = "%1 %2 %3 %4 %5 %6";
            out(row.arg("NAME", -16).arg("IMAGE", -10).arg("VCPUS", -6).arg("MEMORY", -10).arg("DISK", -10).arg("SOURCE"));
            for (const QJsonValue& v : list) {
                const QJsonObject t = v.toObject();
                out(row.arg(t.value("name").toString(), -16)
                        .arg(t.value("image").toString(), -10)
                        .arg(t.value("vcpus").toInt(), -6)
                        .arg(QString::number(t.value("memory_mib").toInt()) + " MiB", -10)
                        .arg(t.contains("disk_mib") ? QString::number(t.value("disk_mib").toInt()) + " MiB"
                                                    : QString("image"), -10)
                        .arg(t.value("builtin").toBool() ? "built-in" : "user"));
            }
            finish(0);
        });
        return;
    }
    const QStringList verbs{"show", "create", "edit", "rm"};
    if (!verbs.contains(verb) || p.positional.size() != 2)
        return usage("viv template ls | show NAME | create NAME [--from T] [OPTIONS] | edit NAME "
                     "OPTIONS | rm NAME");
    const bool changes = verb == "create" || verb == "edit";
    // --no-allow and --no-route travel with the values (an empty list: "clear it").
    QMap<QString, QStringList> values = p.values;
    for (const char* clear : {"--no-allow", "--no-route"})
        if (p.flags.contains(clear))
            values.insert(clear, {});
    if (!changes && !values.isEmpty())
        return usage("viv template " + verb + " takes only a template name");
    if (verb == "edit" && values.contains("--from"))
        return usage("--from is for viv template create");
    if (verb == "edit" && values.isEmpty())
        return usage("viv template edit " + name + " needs something to change, e.g. --memory 1024");
    if (changes)
        return cmdTemplateChange(verb, name, values);
    if (verb == "rm") {
        m_client.request("template.remove", {{"name", name}}, [this, name](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            err("template '" + name + "' removed");
            finish(0);
        });
        return;
    }
    m_client.request("template.get", {{"name", name}}, [this, json](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonObject t = r->value("template").toObject();
        if (json) {
            out(QString::fromUtf8(QJsonDocument(t).toJson(QJsonDocument::Indented)).trimmed());
            return finish(0);
        }
        auto line = [](const QString& key, const QString& value) { out(QString("%1 %2").arg(key + ":", -12).arg(value)); };
        line("name", t.value("name").toString());
        line("source", t.value("builtin").toBool() ? QString("built-in") : t.value("file").toString());
        if (t.contains("description"))
            line("description", t.value("description").toString());
        line("image", t.value("image").toString());
        line("vcpus", QString::number(t.value("vcpus").toInt()));
        line("memory", QString::number(t.value("memory_mib").toInt()) + " MiB");
        line("disk", t.contains("disk_mib") ? QString::number(t.value("disk_mib").toInt()) + " MiB"
                                            : QString("the image's size"));
        line("workdir", t.value("workdir").toString().isEmpty() ? QString("(the user's home)")
                                                                : t.value("workdir").toString());
        line("user", t.value("user").toString().isEmpty() ? QString("(root)") : t.value("user").toString());
        const QJsonObject env = t.value("env").toObject();
        QStringList vars;
        for (auto it = env.begin(); it != env.end(); ++it)
            vars << it.key() + "=" + it.value().toString();
        line("env", vars.isEmpty() ? QString("(none)") : vars.join("\n" + QString(13, ' ')));
        const QJsonObject network = t.value("network").toObject();
        auto list = [](const QJsonValue& v) {
            QStringList items;
            for (const QJsonValue& i : v.toArray())
                items << i.toString();
            return items.isEmpty() ? QString("(none)") : items.join(", ");
        };
        line("egress", network.value("egress").toString("none"));
        line("allow", list(network.value("allow")));
        line("routes", list(network.value("routes")));
        const QJsonObject pool = t.value("pool").toObject();
        line("pool", pool.value("max").toInt() > 0
                         ? QString("min %1, max %2, idle ttl %3 s")
                               .arg(pool.value("min_ready").toInt())
                               .arg(pool.value("max").toInt())
                               .arg(pool.value("idle_ttl_s").toInt(300))
                         : QString("(none)"));
        finish(0);
    });
}

void VivCli::cmdTemplateChange(const QString& verb, const QString& name, const QMap<QString, QStringList>& v) {
    const bool create = verb == "create";
    QJsonObject body{{"name", name}};
    if (v.contains("--from"))
        body["from"] = v.value("--from").last();
    if (v.contains("--image"))
        body["image"] = v.value("--image").last();
    // Numbers go as given; the service checks their ranges (they depend on the host).
    for (const auto& [option, field] : {std::pair{"--vcpus", "vcpus"}, {"--memory", "memory_mib"}, {"--disk", "disk_mib"}}) {
        if (!v.contains(option))
            continue;
        bool ok = false;
        const qint64 n = v.value(option).last().toLongLong(&ok);
        if (!ok || n < 0)
            return usage(QString(option) + " takes a number" + (QString(option) == "--vcpus" ? "" : " of MiB"));
        // --disk 0: back to the image's own size.
        body[field] = QString(option) == "--disk" && n == 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(n);
    }
    if (v.contains("--idle-timeout")) {
        bool ok = false;
        const qint64 n = v.value("--idle-timeout").last().toLongLong(&ok);
        if (!ok || n < 0)
            return usage("--idle-timeout takes a number of seconds (0: never)");
        body["idle_timeout_s"] = n;
    }
    if (v.contains("--idle-action")) {
        if (!QStringList{"stop", "hibernate"}.contains(v.value("--idle-action").last()))
            return usage("--idle-action takes stop or hibernate");
        body["idle_action"] = v.value("--idle-action").last();
    }
    if (const QStringList w = v.value("-w") + v.value("--workdir"); !w.isEmpty())
        body["workdir"] = w.last();
    if (const QStringList u = v.value("-u") + v.value("--user"); !u.isEmpty())
        body["user"] = u.last();
    QMap<QString, QString> set;
    for (const QString& kv : v.value("-e") + v.value("--env")) {
        if (!kv.contains('='))
            return usage("-e takes NAME=VALUE");
        set.insert(kv.left(kv.indexOf('=')), kv.mid(kv.indexOf('=') + 1));
    }
    const QStringList unset = v.value("--unset-env");
    if (v.contains("--egress") && !QStringList{"none", "proxy", "open"}.contains(v.value("--egress").last()))
        return usage("--egress takes none, proxy or open");
    // The network settings the template gets: --egress replaces the mode, --allow and --route
    // add to the lists it has (edit) or copies (create --from), --no-allow/--no-route empty them.
    const bool network = v.contains("--egress") || v.contains("--allow") || v.contains("--route") ||
                         v.contains("--no-allow") || v.contains("--no-route");
    auto withNetwork = [v](QJsonObject request, const QJsonObject& base) {
        auto merged = [&](const char* key, const char* add, const char* clear) {
            QJsonArray list = v.contains(clear) ? QJsonArray() : base.value(key).toArray();
            for (const QString& item : v.value(add))
                if (!list.contains(item))
                    list.append(item);
            return list;
        };
        request["network"] = QJsonObject{
            {"egress", v.contains("--egress") ? v.value("--egress").last() : base.value("egress").toString("none")},
            {"allow", merged("allow", "--allow", "--no-allow")},
            {"routes", merged("routes", "--route", "--no-route")}};
        return request;
    };
    auto send = [this, verb, name, create](QJsonObject request) {
        m_client.request(create ? "template.create" : "template.update", request,
                         [this, name, create](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             err("template '" + name + "' " + (create ? "created: " : "changed: ") +
                                 r->value("template").toObject().value("file").toString());
                             finish(0);
                         });
    };
    const bool envChanges = !set.isEmpty() || !unset.isEmpty();
    // The pool options change the pool the template has (edit) or copies (create --from).
    QJsonObject poolChanges;
    for (const auto& [option, field] : {std::pair{"--pool-min", "min_ready"}, {"--pool-max", "max"}, {"--pool-ttl", "idle_ttl_s"}}) {
        if (!v.contains(option))
            continue;
        bool ok = false;
        const qint64 n = v.value(option).last().toLongLong(&ok);
        if (!ok || n < 0)
            return usage(QString(option) + (QString(option) == "--pool-ttl" ? " takes a number of seconds" : " takes a number of sandboxes"));
        poolChanges[field] = n;
    }
    const bool pool = !poolChanges.isEmpty();
    if (!envChanges && !network && !pool)
        return send(body);
    // The API replaces env and network as a whole: -e and --unset-env change the environment
    // the template has (edit) or copies (create --from); the network options likewise.
    const QString base = create ? body.value("from").toString() : name;
    auto withBase = [body, set, unset, send, envChanges, network, withNetwork, pool, poolChanges](const QJsonObject& from) mutable {
        if (pool) {
            QJsonObject merged = from.value("pool").toObject();
            // --pool-min alone on a template without a pool: max follows min.
            if (!poolChanges.contains("max") && merged.value("max").toInt() < poolChanges.value("min_ready").toInt())
                merged.remove("max");
            for (auto it = poolChanges.begin(); it != poolChanges.end(); ++it)
                merged[it.key()] = it.value();
            body["pool"] = merged;
        }
        if (envChanges) {
            QJsonObject merged = from.value("env").toObject();
            for (auto it = set.begin(); it != set.end(); ++it)
                merged[it.key()] = it.value();
            for (const QString& key : unset)
                merged.remove(key);
            body["env"] = merged;
        }
        if (network)
            body = withNetwork(body, from.value("network").toObject());
        send(body);
    };
    if (base.isEmpty())
        return withBase({});
    m_client.request("template.get", {{"name", base}}, [this, withBase](Result<QJsonObject> r) mutable {
        if (!r)
            return failWith(r.error());
        withBase(r->value("template").toObject());
    });
}

void VivCli::cmdStats() {
    const Parsed p = parse(m_args, {"--count", "-n"}, {"--json"});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional.size() > 1)
        return usage("viv stats takes at most one sandbox id");
    bool ok = true;
    const QString countText = (p.values.value("--count") + p.values.value("-n")).value(0, "0");
    const int count = countText.toInt(&ok);
    if (!ok || count < 0)
        return usage("--count takes a number of samples");
    const QString key = p.positional.value(0);
    const bool json = p.flags.contains("--json");
    // The events carry ids; a name or an id prefix is resolved once, the way the service does.
    m_client.request("sandbox.list", {}, [this, key, json, count](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        QString id;
        if (!key.isEmpty()) {
            QStringList prefixed;
            for (const QJsonValue& v : r->value("sandboxes").toArray()) {
                const QString sid = v.toObject().value("id").toString();
                if (sid == key || v.toObject().value("name").toString() == key) {
                    id = sid;
                    break;
                }
                if (sid.startsWith(key))
                    prefixed << sid;
            }
            if (id.isEmpty() && prefixed.size() == 1)
                id = prefixed.first();
            if (id.isEmpty())
                return failWith(makeError("not_found", QString("There is no sandbox '%1' (or "
                                                               "several match). List them with: viv ls")
                                                           .arg(key)));
        }
        const QString row = "%1 %2 %3 %4 %5";
        if (!json)
            out(row.arg("TIME", -8).arg("ID", -9).arg("CPU", -7).arg("MEM", -8).arg("DISK"));
        auto samples = std::make_shared<int>(0);
        connect(&m_client, &ApiClient::event, this, [this, id, json, count, row, samples](const QJsonObject& e) {
            if (e.value("event").toString() != "sandbox.stats")
                return;
            QJsonArray shown;
            for (const QJsonValue& v : e.value("stats").toArray()) {
                const QJsonObject s = v.toObject();
                // All sandboxes: the running ones. One: that one, running or not.
                if (id.isEmpty() ? s.value("running").toBool() : s.value("id").toString() == id)
                    shown.append(s);
            }
            if (!id.isEmpty() && shown.isEmpty())
                return; // not in this sample (removed, say); wait for the next
            if (json) {
                out(QString::fromUtf8(QJsonDocument(shown).toJson(QJsonDocument::Compact)));
            } else {
                for (const QJsonValue& v : shown) {
                    const QJsonObject s = v.toObject();
                    const QDateTime at = QDateTime::fromString(s.value("sampled_at").toString(), Qt::ISODateWithMs);
                    const QStringList cells = statsCells(s);
                    out(row.arg(at.toLocalTime().toString("HH:mm:ss"), -8)
                            .arg(s.value("id").toString(), -9)
                            .arg(cells[0], -7)
                            .arg(cells[1], -8)
                            .arg(cells[2]));
                }
            }
            if (count > 0 && ++*samples >= count)
                finish(0);
        });
    });
}

void VivCli::cmdSimple(const QString& type, const QString& verb) {
    const Parsed p = parse(m_args, {}, {});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional.size() != 1)
        return usage("viv " + m_command + " takes one sandbox id");
    const QString id = p.positional.first();
    m_client.request(type, {{"sandbox", id}}, [this, id, verb](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const int snapshots = r->value("snapshots_removed").toInt();
        err(id + " " + verb +
            (snapshots ? QString(", with its %1 snapshot%2").arg(snapshots).arg(snapshots > 1 ? "s" : "")
                       : QString()));
        finish(0);
    });
}

void VivCli::cmdLogs() {
    const Parsed p = parse(m_args, {}, {"--json", "--follow", "-f"});
    if (!p.error.isEmpty())
        return usage(p.error);
    const bool follow = p.flags.contains("--follow") || p.flags.contains("-f");
    if (p.positional.size() == 2) {
        bool ok = false;
        const qint64 run = p.positional[1].toLongLong(&ok);
        if (!ok || run < 1)
            return usage("RUN is a run number, as listed by: viv logs " + p.positional[0]);
        return cmdLogsRun(p.positional[0], run, follow);
    }
    if (p.positional.size() != 1)
        return usage("viv logs takes a sandbox id and optionally a run number");
    if (follow)
        return cmdLogsRun(p.positional[0], 0, true);
    m_client.request("run.list", {{"sandbox", p.positional.first()}}, [this, p](Result<QJsonObject> r) {
        if (!r)
            return failWith(r.error());
        const QJsonArray runs = r->value("runs").toArray();
        if (p.flags.contains("--json")) {
            out(QString::fromUtf8(QJsonDocument(runs).toJson(QJsonDocument::Indented)).trimmed());
            return finish(0);
        }
        out(QString("%1 %2 %3 %4").arg("RUN", -5).arg("STARTED", -24).arg("EXIT", -8).arg("COMMAND"));
        for (const QJsonValue& v : runs) {
            const QJsonObject o = v.toObject();
            QString status = o.contains("exit_code") ? QString::number(o.value("exit_code").toInt())
                             : o.contains("signal")  ? "sig " + QString::number(o.value("signal").toInt())
                             : o.contains("error")   ? "error"
                                                     : "running";
            QStringList argv;
            for (const QJsonValue& a : o.value("argv").toArray())
                argv << a.toString();
            out(QString("%1 %2 %3 %4").arg(o.value("run").toInteger(), -5)
                    .arg(o.value("started").toString(), -24).arg(status, -8).arg(argv.join(' ')));
        }
        finish(0);
    });
}

void VivCli::cmdLogsRun(const QString& sandbox, qint64 run, bool follow) {
    // run == 0: follow the whole sandbox, every run as it comes (headers on stderr).
    auto channels = std::make_shared<QHash<quint32, QString>>();
    connect(&m_client, &ApiClient::runMessage, this,
            [this, run, follow, channels](const QJsonObject& m) {
                const quint32 channel = quint32(m.value("channel").toInteger());
                if (m.value("type").toString() == "run.attached") {
                    QStringList argv;
                    for (const QJsonValue& a : m.value("argv").toArray())
                        argv << a.toString();
                    channels->insert(channel, argv.join(' '));
                    if (run == 0)
                        err(QString("== run %1: %2").arg(m.value("run").toInteger()).arg(argv.join(' ')));
                } else if (!follow && channels->contains(channel)) {
                    finish(0); // everything stored so far was printed
                }
            });
    connect(&m_client, &ApiClient::data, this,
            [channels](api::DataKind kind, quint32 channel, const QByteArray& bytes) {
                if (channels->contains(channel))
                    writeAll(kind == api::DataKind::Stderr ? STDERR_FILENO : STDOUT_FILENO, bytes);
            });
    connect(&m_client, &ApiClient::exited, this, [this, run, channels](const QJsonObject& e) {
        if (!channels->contains(quint32(e.value("channel").toInteger())))
            return;
        if (run == 0) {
            err(QString("== run %1 ended").arg(e.value("run").toInteger()));
            return;
        }
        if (e.contains("signal") && e.value("signal").toInt() > 0)
            return finish(128 + e.value("signal").toInt());
        finish(e.contains("exit_code") ? e.value("exit_code").toInt() : kExitFailure);
    });
    if (run == 0) {
        m_client.request("sandbox.subscribe", {{"sandbox", sandbox}}, [this](Result<QJsonObject> r) {
            if (!r)
                failWith(r.error());
        });
        return;
    }
    m_client.request("run.attach", {{"sandbox", sandbox}, {"run", run}},
                     [this](Result<QJsonObject> r) {
                         if (!r)
                             failWith(r.error());
                     });
}

void VivCli::cmdExport() {
    const Parsed p = parse(m_args, {"--format", "-o", "--output"}, {});
    if (!p.error.isEmpty())
        return usage(p.error);
    bool ok = false;
    const qint64 run = p.positional.value(1).toLongLong(&ok);
    if (p.positional.size() != 2 || !ok || run < 1)
        return usage("viv export takes a sandbox id and a run number: viv export ID RUN");
    const QString format = p.values.value("--format").value(0, "cast");
    if (format != "cast" && format != "text")
        return usage("--format is cast or text");
    const QString file = (p.values.value("-o") + p.values.value("--output")).value(0);
    // A file appears whole or not at all (QSaveFile); stdout gets the export as it is made.
    if (file.isEmpty() || file == "-") {
        auto* out = new QFile(this);
        if (!out->open(STDOUT_FILENO, QIODevice::WriteOnly, QFileDevice::DontCloseHandle))
            return failWith(makeError("io_error", "Cannot write to stdout: " + out->errorString()));
        m_export = out;
    } else {
        auto* out = new QSaveFile(file, this);
        if (!out->open(QIODevice::WriteOnly))
            return failWith(makeError("io_error", "Cannot write " + file + ": " + out->errorString()));
        m_export = out;
    }
    auto* job = new RunExportJob(&m_client, p.positional[0], run,
                                 format == "cast" ? ExportFormat::Cast : ExportFormat::Text,
                                 m_export, this);
    connect(job, &RunExportJob::finished, this, [this, file](const Status& st) {
        if (!st)
            return failWith(st.error()); // a QSaveFile not committed leaves nothing behind
        if (auto* save = qobject_cast<QSaveFile*>(m_export); save && !save->commit())
            return failWith(makeError("io_error", "Cannot write " + file + ": " + save->errorString()));
        if (auto* f = qobject_cast<QFile*>(m_export))
            f->flush();
        finish(0);
    });
    job->start();
}

void VivCli::cmdToken() {
    const Parsed p = parse(m_args, {"--sandbox"}, {});
    if (!p.error.isEmpty())
        return usage(p.error);
    const QString verb = p.positional.value(0);
    if (verb == "create") {
        if (!p.values.contains("--sandbox"))
            return usage("viv token create needs --sandbox ID");
        m_client.request("token.create", {{"sandbox", p.values.value("--sandbox").last()}},
                         [this](Result<QJsonObject> r) {
                             if (!r)
                                 return failWith(r.error());
                             err("token " + r->value("token_id").toString() + " for sandbox " +
                                 r->value("sandbox").toString() +
                                 " (shown once; give it to the agent as VIVARIUM_TOKEN):");
                             out(r->value("token").toString());
                             finish(0);
                         });
    } else if (verb == "ls") {
        m_client.request("token.list", {}, [this](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            out(QString("%1 %2 %3").arg("TOKEN_ID", -14).arg("SANDBOX", -10).arg("CREATED"));
            for (const QJsonValue& v : r->value("tokens").toArray())
                out(QString("%1 %2 %3")
                        .arg(v.toObject().value("token_id").toString(), -14)
                        .arg(v.toObject().value("sandbox").toString(), -10)
                        .arg(v.toObject().value("created").toString()));
            finish(0);
        });
    } else if (verb == "rm" && p.positional.size() == 2) {
        const QString id = p.positional[1];
        m_client.request("token.revoke", {{"token_id", id}}, [this, id](Result<QJsonObject> r) {
            if (!r)
                return failWith(r.error());
            err("token " + id + " revoked");
            finish(0);
        });
    } else {
        usage("viv token create --sandbox ID | token ls | token rm TOKEN_ID");
    }
}

void VivCli::cmdCopy() {
    const Parsed p = parse(m_args, {}, {});
    if (!p.error.isEmpty())
        return usage(p.error);
    if (p.positional.size() != 2)
        return usage("viv cp takes a source and a destination: viv cp LOCAL ID:PATH");
    // ID:PATH has a colon before any slash; a local path may be written ./a:b to avoid it.
    auto remote = [](const QString& arg) -> std::optional<std::pair<QString, QString>> {
        const int colon = arg.indexOf(':');
        if (colon <= 0 || arg.left(colon).contains('/'))
            return std::nullopt;
        return std::pair{arg.left(colon), arg.mid(colon + 1)};
    };
    const auto src = remote(p.positional[0]), dst = remote(p.positional[1]);
    if (src.has_value() == dst.has_value())
        return usage("one side of viv cp must be ID:PATH and the other a local path");
    if (dst)
        return upload(p.positional[0], dst->first, dst->second);
    download(src->first, src->second, p.positional[1]);
}

void VivCli::upload(const QString& local, const QString& sandbox, QString remote) {
    if (remote.isEmpty() || remote.endsWith('/'))
        remote += QFileInfo(local).fileName();
    copy(FileTransfer::Direction::Upload, sandbox, remote, local);
}

void VivCli::download(const QString& sandbox, const QString& remote, QString local) {
    if (QFileInfo(local).isDir())
        local += "/" + QFileInfo(remote).fileName();
    copy(FileTransfer::Direction::Download, sandbox, remote, local);
}

void VivCli::copy(FileTransfer::Direction direction, const QString& sandbox, const QString& remote,
                  const QString& local) {
    auto* transfer = new FileTransfer(&m_client, direction, sandbox, remote, local, this);
    connect(transfer, &FileTransfer::finished, this, [this, transfer](const Status& s) {
        if (!s)
            return failWith(s.error());
        const bool up = transfer->direction() == FileTransfer::Direction::Upload;
        err(QString("%1 bytes written to %2")
                .arg(transfer->bytesDone())
                .arg(up ? transfer->remotePath() : transfer->localPath()));
        finish(0);
    });
    transfer->start();
}

} // namespace vivarium
