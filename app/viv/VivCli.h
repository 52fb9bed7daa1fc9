// The `viv` command line: parses a command, connects to vivariumd (starting it when no local
// service answers), performs the command through the API and ends with the exit status the
// command calls for (a run's own exit code; 128+N when killed by signal N; 125 when viv or
// the service failed; 127 when the command could not be started).
#pragma once

#include "ApiClient.h"
#include "FileTransfer.h"
#include "ServiceConnector.h"
#include "Terminal.h"

#include <QElapsedTimer>
#include <QObject>
#include <QFile>
#include <QMap>
#include <QSocketNotifier>
#include <QStringList>

#include <functional>
#include <memory>

namespace vivarium {

class VivCli : public QObject {
    Q_OBJECT
public:
    static constexpr int kExitFailure = 125;
    static constexpr int kExitNotRun = 127;

    explicit VivCli(QStringList args, QObject* parent = nullptr);
    // Starts the command; the application quits with exitCode() when it is done.
    void start();
    int exitCode() const { return m_exitCode; }

private:
    void connectService();
    void dispatch();
    void finish(int code);
    void failWith(const Error& e);
    void usage(const QString& problem = {});

    void cmdCreate(bool thenRun);
    void cmdExec(const QString& sandbox, bool removeAfter);
    void cmdList();
    void cmdStats();
    void cmdSimple(const QString& type, const QString& verb);
    void cmdLogs();
    void cmdLogsRun(const QString& sandbox, qint64 run, bool follow);
    void cmdExport();
    void cmdToken();
    void cmdCopy();
    void cmdCatalog();
    void cmdImage(); // image ls | pull | rm | login
    void cmdImagePull(const QString& ref, bool insecure);
    void cmdTemplate();
    void cmdTunnel();  // VivCliNetwork.cpp
    void cmdNetwork(); // VivCliNetwork.cpp
    void cmdSecret();  // VivCliSecrets.cpp
    void cmdSnapshot(); // VivCliSnapshots.cpp
    void cmdFork();     // VivCliSnapshots.cpp
    void cmdRoute();   // VivCliSecrets.cpp
    void cmdPool();    // VivCliPools.cpp
    void cmdLifecycle(); // VivCliLifecycle.cpp: pause, resume, hibernate
    void cmdTemplateChange(const QString& verb, const QString& name, const QMap<QString, QStringList>& values);
    void upload(const QString& local, const QString& sandbox, QString remote);
    void download(const QString& sandbox, const QString& remote, QString local);
    void copy(FileTransfer::Direction direction, const QString& sandbox, const QString& remote,
              const QString& local);
    void cleanupAndFinish(int code);

    QStringList m_args;
    QString m_command;
    QStringList m_command_argv;
    ApiClient m_client;
    ServiceConnector m_connector;
    Terminal m_terminal;
    std::unique_ptr<QSocketNotifier> m_stdin;
    quint32 m_channel = 0;
    QString m_ephemeral; // sandbox `viv run` made and removes afterwards
    bool m_imageRun = false; // run/create --image: the command follows the image's Entrypoint
    QFileDevice* m_export = nullptr; // viv export: stdout or a QSaveFile
    int m_exitCode = 0;
};

} // namespace vivarium
