// vivariumd: the Vivarium service. Thin: parse the command line, start Service, run until
// SIGINT/SIGTERM (delivered through a self-pipe into the event loop).
#include "Service.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

namespace {
int g_signalPipe[2];
void onSignal(int) {
    const char c = 1;
    (void)!::write(g_signalPipe[0], &c, 1);
}
} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    app.setApplicationName("vivariumd");
    app.setApplicationVersion(VIVARIUM_VERSION);
    QCommandLineParser parser;
    parser.setApplicationDescription("Vivarium service: microVM sandboxes behind a WebSocket API.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption listen("listen", "Address to listen on (default 127.0.0.1:8270; "
                                        "port 0 picks a free one).", "ADDR:PORT");
    QCommandLineOption uri("libvirt-uri", "libvirt connection URI (default qemu:///session).",
                           "URI");
    QCommandLineOption accel("accelerator", "auto, kvm or tcg (default auto).", "NAME");
    QCommandLineOption origin("allow-origin", "Let web pages from ORIGIN connect (repeatable; "
                                              "e.g. http://localhost:3000).", "ORIGIN");
    QCommandLineOption cert("tls-cert", "PEM certificate: serve wss:// (needed off loopback).",
                            "FILE");
    QCommandLineOption key("tls-key", "PEM private key for --tls-cert.", "FILE");
    parser.addOptions({listen, uri, accel, origin, cert, key});
    parser.process(app);

    vivarium::ServiceOptions options;
    options.listen = parser.value(listen);
    options.allowedOrigins = parser.values(origin);
    options.tlsCertificate = parser.value(cert);
    options.tlsKey = parser.value(key);
    if (options.tlsCertificate.isEmpty() != options.tlsKey.isEmpty()) {
        std::fprintf(stderr, "vivariumd: --tls-cert and --tls-key go together\n");
        return 2;
    }
    if (parser.isSet(uri))
        options.manager.libvirtUri = parser.value(uri);
    if (parser.isSet(accel))
        options.manager.accelerator = parser.value(accel);

    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalPipe);
    QSocketNotifier notifier(g_signalPipe[1], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, &QCoreApplication::quit);
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    std::signal(SIGPIPE, SIG_IGN);

    vivarium::Service service(options);
    if (auto s = service.start(); !s) {
        std::fprintf(stderr, "vivariumd: %s\n", qPrintable(s.error().text()));
        return 1;
    }
    return app.exec();
}
