// A client of one repository on a registry that speaks the OCI distribution API, for
// pulling: manifests, small blobs into memory, large blobs streamed to a file. Asynchronous
// on the caller's thread (QNetworkAccessManager); it never blocks the event loop, and the one
// long computation (a blob's sha256) runs on a worker thread.
//
// Auth: the first request learns the registry's challenge (WWW-Authenticate) and answers it:
// Bearer (a token from the realm, with the credential as Basic auth when there is one) or
// Basic. A bearer token is shared by every transfer of this client; it is fetched again
// (once per request, and once for all requests waiting on it) when the registry answers 401
// or when its `expires_in` (60 s when absent, as the token spec says) has nearly run out.
// The scope asked for is the one the registry's 401 challenge names, else pull access to
// the repository. Transport: HTTPS; plain HTTP only for a loopback registry (as Docker allows) or one
// the caller marked insecure (which also accepts an unverified certificate). Redirects are
// followed by hand, so the Authorization header never goes to another host (blob storage
// behind a registry is often a CDN).
//
// Nothing half-written is ever named like a finished blob: downloads go to a partial file that
// a retry resumes with a Range request, and only a file whose size and sha256 match is
// renamed to its final name.
#pragma once

#include "ImageReference.h"
#include "RegistryCredentials.h"
#include "Result.h"

#include <QByteArray>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

class QNetworkAccessManager;
class QNetworkReply;

namespace vivarium {

class RegistryClient : public QObject {
    Q_OBJECT
public:
    struct Options {
        bool insecure = false; // plain HTTP or an unverified certificate for a non-loopback host
        std::optional<RegistryCredential> credential;
        int transferTimeoutMs = 30000; // no byte for this long: the transfer fails
    };
    RegistryClient(ImageReference ref, Options options, QObject* parent = nullptr);
    ~RegistryClient() override;

    struct Fetched {
        QByteArray bytes;
        QString contentType;
        Digest digest; // sha256 of bytes (checked against the reference when it is a digest)
    };
    // A manifest or index by tag or digest.
    void fetchManifest(const QString& reference, std::function<void(Result<Fetched>)> done);
    // A small blob (an image config) into memory, checked against its digest.
    void fetchBlob(const Digest& digest, qint64 maxBytes,
                   std::function<void(Result<QByteArray>)> done);
    // A blob streamed to `partialPath` (resumed when it exists), checked (size and sha256) and
    // renamed to `finalPath`. `progress(bytes so far)` as data arrives. On a transfer error the
    // partial file stays for the next attempt; on a digest or size mismatch it is deleted.
    void downloadBlob(const Digest& digest, qint64 size, const QString& partialPath,
                      const QString& finalPath, std::function<void(qint64)> progress,
                      std::function<void(Status)> done);
    // Checks that the registry answers and accepts the credential (GET /v2/, then a token
    // when the registry hands out tokens).
    void checkLogin(std::function<void(Status)> done);
    // Stops every transfer; their callbacks are not called.
    void abortAll();

    QString baseUrl() const { return m_base; } // "https://host" once known

private:
    struct Call;
    void withBase(std::function<void(Status)> then);
    void ping(bool plainHttp);
    void start(const std::shared_ptr<Call>& call);
    void finishCall(const std::shared_ptr<Call>& call, QNetworkReply* reply);
    void authenticate(const QString& challenge, std::function<void(Status)> then);
    // authenticate(), shared by every caller that asks while a token request is under way.
    void reauthenticate(const QString& challenge, std::function<void(Status)> then);
    bool tokenExpired() const;
    Error httpError(int status, const QByteArray& body, const QString& what) const;
    Error authError(const QString& why) const;
    QNetworkReply* get(const QUrl& url, const QList<QPair<QByteArray, QByteArray>>& headers,
                       bool withAuth);

    ImageReference m_ref;
    Options m_options;
    QNetworkAccessManager* m_nam;
    QString m_base;             // empty until the first ping succeeds
    QString m_challenge;        // the WWW-Authenticate of the ping, if any
    QByteArray m_authorization; // header value once authenticated
    qint64 m_tokenExpiresAt = 0; // ms since epoch when a bearer token should be renewed; 0: never
    bool m_authenticating = false;
    QList<std::function<void(Status)>> m_waitingForToken;
    bool m_pinging = false;
    QList<std::function<void(Status)>> m_waitingForBase;
    QList<QPointer<QNetworkReply>> m_replies;
    bool m_aborted = false;
};

} // namespace vivarium
