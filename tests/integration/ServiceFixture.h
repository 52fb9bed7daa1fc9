// A private Vivarium service for a test: its own runtime, data and config directories (so
// it sees no other sandboxes and no other test sees its own), the shared prepared guest
// cache, and helpers to run `viv` as a user would. The service is started the way users
// get it: by the first `viv` command.
#pragma once

#include "ApiClient.h"
#include "Result.h"

#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTemporaryDir>

// Sends a request on `client` and waits for its reply (an error value on timeout).
vivarium::Result<QJsonObject> callApi(vivarium::ApiClient& client, const QString& type,
                                      const QJsonObject& body, int timeoutMs = 60000);

struct VivResult {
    int code = -1;
    QByteArray out;
    QByteArray err;
};

class ServiceFixture {
public:
    explicit ServiceFixture(const QStringList& extraEnv = {});
    ~ServiceFixture();

    QProcessEnvironment environment() const { return m_env; }
    // Points this process's own clients (ApiClient::localEndpoint, a window that starts the
    // service) at the private service, and makes a service started from here inherit it.
    void useInThisProcess() const;
    QString binDir() const;
    QString runtimeDir() const { return m_dir.path() + "/run/vivarium"; }
    QString dataDir() const { return m_dir.path() + "/data/vivarium"; }
    QString configDir() const { return m_dir.path() + "/config/vivarium"; }
    QString url() const;        // from the running service's endpoint file
    QString ownerToken() const;
    qint64 serviceRssKiB() const;

    VivResult viv(const QStringList& args, const QByteArray& stdinData = {},
                  int timeoutMs = 180000, const QStringList& extraEnv = {}) const;
    // `viv` with this thread's event loop turning meanwhile: for tests whose own servers (an
    // HttpResponder) must answer while the command runs.
    VivResult vivServing(const QStringList& args, int timeoutMs = 180000) const;
    // Starts `viv` and returns the running process (for live and concurrent tests).
    QProcess* startViv(const QStringList& args, QObject* parent) const;

    qint64 servicePid() const;  // from the service's lock file; 0 when none
    bool killService(int signal); // and waits for it to be gone
    void removeAllSandboxes();
    // Sandbox `id` as `viv ls --json` lists it; {} when it is not listed.
    QJsonObject sandboxJson(const QString& id) const;

private:
    QTemporaryDir m_dir;
    QProcessEnvironment m_env;
};
