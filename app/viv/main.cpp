// viv: the Vivarium command line. Thin: hand the arguments to VivCli.
#include "VivCli.h"

#include <QCoreApplication>
#include <QTimer>

#include <csignal>

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    app.setApplicationName("viv");
    std::signal(SIGPIPE, SIG_IGN);
    QStringList args = app.arguments();
    args.removeFirst();
    vivarium::VivCli cli(args);
    QTimer::singleShot(0, &cli, &vivarium::VivCli::start);
    return app.exec();
}
