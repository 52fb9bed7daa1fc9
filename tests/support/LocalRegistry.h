// LocalRegistry: a real OCI registry (Debian's docker-registry, docker/distribution 2.8) on a
// random loopback port, for tests and the benchmark. It owns a temporary directory with the
// registry's storage and configuration, starts and stops the process, and pushes content:
// blobs and manifests over the registry API (RegistryPusher) or a whole OCI layout with skopeo.
// Auth is htpasswd (Basic) or bearer tokens from a real token service: docker-registry's
// `auth: token:` with a token server (tests/support/registry_token_server.py, Python stdlib
// plus openssl) that checks the same user and password and signs RS256 JWTs.
// It needs Qt Core and Network only (no QtTest), so the bench links it too. It is test
// support: failures are reported as false plus a message in lastError(), never thrown.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

class QTcpServer;

namespace vivarium::testsupport {

// Pushes blobs and manifests over the registry API (monolithic uploads), with Basic auth, or
// a bearer token fetched with those credentials when the registry asks for one, or no auth
// (empty user).
class RegistryPusher {
public:
    RegistryPusher(QString baseUrl, QString user, QString password);

    bool blob(const QString& repo, const QByteArray& data);
    bool manifest(const QString& repo, const QString& tag, const QByteArray& data,
                  const QByteArray& mediaType);

private:
    struct Answer {
        int status = 0;
        QByteArray location;
    };
    Answer send(const QByteArray& verb, const QUrl& url, const QByteArray& body,
                const QByteArray& type, bool retried = false);
    bool fetchToken(const QString& challenge);
    QString m_base;
    QByteArray m_basic;         // "Basic …" for the user
    QByteArray m_authorization; // what requests carry: m_basic, or "Bearer …"
    QNetworkAccessManager m_nam;
};

class LocalRegistry {
public:
    enum class Auth {
        Htpasswd, // Basic auth against an htpasswd file (user()/password())
        Token,    // bearer tokens from a token server that checks user()/password()
    };

    LocalRegistry();
    ~LocalRegistry();
    LocalRegistry(const LocalRegistry&) = delete;
    LocalRegistry& operator=(const LocalRegistry&) = delete;

    // Picks a free port, writes the configuration and starts the registry (and, for Token,
    // the token server); returns when it answers /v2/ (within 20 s). Starting again after
    // kill() (or restart()) keeps the port and the stored content; a start with another mode
    // after kill() serves the same content with the other auth.
    bool start(Auth mode = Auth::Htpasswd);
    bool restart(); // kill() + start() with the same mode
    void kill();    // SIGKILL, waits for the process to be gone
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }

    quint16 port() const { return m_port; }
    QString host() const;        // "127.0.0.1:PORT"
    QString url() const;         // "http://127.0.0.1:PORT"
    QString user() const;
    QString password() const;
    QString directory() const { return m_dir.path(); }
    // Where the registry keeps a blob's bytes (tests alter it to simulate a tampered blob).
    QString blobFile(const QString& digest) const;
    QString lastError() const { return m_error; }
    // Token mode: the requests the token server answered, oldest first, each
    // {"scope": [...], "user": name or null, "status": HTTP status}.
    QList<QJsonObject> tokenRequests() const;
    QString tokenRealm() const;

    // A pusher that logs in as user()/password().
    std::unique_ptr<RegistryPusher> pusher() const;
    // Copies image `tag` of the OCI layout `layoutDir` to `repoAndTag` ("repo/name:tag") in
    // this registry with skopeo. Blocks up to `timeoutMs`.
    bool pushOciLayout(const QString& layoutDir, const QString& tag, const QString& repoAndTag,
                       int timeoutMs = 600000);

private:
    bool writeConfig();
    bool startTokenServer();
    bool waitUntilServing(int timeoutMs);

    QTemporaryDir m_dir;
    QProcess m_process;
    QProcess m_tokenServer;
    quint16 m_port = 0;
    quint16 m_tokenPort = 0;
    Auth m_mode = Auth::Htpasswd;
    bool m_configured = false;
    QString m_error;
};

} // namespace vivarium::testsupport
