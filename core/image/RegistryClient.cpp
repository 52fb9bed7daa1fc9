#include "RegistryClient.h"

#include "Log.h"
#include "OciManifest.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QUrlQuery>
#include <QtConcurrent/QtConcurrent>

#include <cstdio>

namespace vivarium {

using Headers = QList<QPair<QByteArray, QByteArray>>;

struct RegistryClient::Call {
    QUrl url;
    Headers headers;
    QString what; // for messages: "the manifest of …", "layer sha256:…"
    int redirects = 0;
    bool retriedAuth = false;
    bool started = false; // a 2xx response began
    std::optional<Error> failure;
    std::function<Status(QNetworkReply*, int status)> onStart;
    std::function<Status(const QByteArray&)> onData;
    std::function<void(Status, QNetworkReply*)> done;
};

RegistryClient::RegistryClient(ImageReference ref, Options options, QObject* parent)
    : QObject(parent), m_ref(std::move(ref)), m_options(std::move(options)),
      m_nam(new QNetworkAccessManager(this)) {}

RegistryClient::~RegistryClient() {
    abortAll();
}

void RegistryClient::abortAll() {
    m_aborted = true;
    for (const QPointer<QNetworkReply>& r : std::as_const(m_replies))
        if (r)
            r->abort();
    m_replies.clear();
}

QNetworkReply* RegistryClient::get(const QUrl& url, const Headers& headers, bool withAuth) {
    QNetworkRequest req(url);
    req.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                     QNetworkRequest::ManualRedirectPolicy);
    req.setTransferTimeout(m_options.transferTimeoutMs);
    req.setHeader(QNetworkRequest::UserAgentHeader, "vivarium/" VIVARIUM_VERSION);
    for (const auto& [k, v] : headers)
        req.setRawHeader(k, v);
    // The credential goes to the registry itself, never to a host it redirects to.
    const QUrl base(m_base);
    if (withAuth && !m_authorization.isEmpty() && url.host() == base.host() &&
        url.port(-1) == base.port(-1) && url.scheme() == base.scheme())
        req.setRawHeader("Authorization", m_authorization);
    QNetworkReply* reply = m_nam->get(req);
    if (m_options.insecure)
        connect(reply, &QNetworkReply::sslErrors, reply, [reply] { reply->ignoreSslErrors(); });
    m_replies.removeAll(nullptr);
    m_replies << reply;
    return reply;
}

Error RegistryClient::authError(const QString& why) const {
    if (m_options.credential)
        return makeError(
            "registry_auth",
            QString("The registry %1 refused the login of '%2' (from %3). Log in "
                    "again: viv image login %1 -u USER --password-stdin")
                .arg(m_ref.registry, m_options.credential->username, m_options.credential->source),
            why);
    return makeError("registry_auth",
                     QString("The registry %1 needs a login for %2: viv image login %1 -u USER "
                             "--password-stdin")
                         .arg(m_ref.registry, m_ref.repository),
                     why);
}

Error RegistryClient::httpError(int status, const QByteArray& body, const QString& what) const {
    // Registries explain errors as {"errors":[{"code":…,"message":…}]}.
    QString detail;
    for (const QJsonValue& e :
         QJsonDocument::fromJson(body.left(64 * 1024)).object().value("errors").toArray())
        detail += (detail.isEmpty() ? "" : "; ") + e.toObject().value("code").toString() + ": " +
                  e.toObject().value("message").toString();
    if (detail.isEmpty())
        detail = QString::fromUtf8(body.left(300)).simplified();
    if (status == 404)
        return makeError("image_not_found",
                         QString("The registry %1 has no %2 (HTTP 404). Check the name and tag.")
                             .arg(m_ref.registry, what),
                         detail);
    if (status == 401 || status == 403)
        return authError(QString("HTTP %1 for %2: %3").arg(status).arg(what, detail));
    if (status == 429)
        return makeError("registry_error",
                         QString("The registry %1 limits how often it may be asked (HTTP 429); "
                                 "wait and pull again.")
                             .arg(m_ref.registry),
                         detail);
    return makeError("registry_error",
                     QString("The registry %1 answered HTTP %2 for %3.")
                         .arg(m_ref.registry)
                         .arg(status)
                         .arg(what),
                     detail);
}

void RegistryClient::withBase(std::function<void(Status)> then) {
    if (!m_base.isEmpty()) {
        then({});
        return;
    }
    m_waitingForBase << std::move(then);
    if (!m_pinging) {
        m_pinging = true;
        ping(false);
    }
}

void RegistryClient::ping(bool plainHttp) {
    const QString base = QString(plainHttp ? "http://" : "https://") + m_ref.apiHost();
    QNetworkReply* reply = get(QUrl(base + "/v2/"), {}, false);
    connect(reply, &QNetworkReply::finished, this, [this, reply, base, plainHttp] {
        reply->deleteLater();
        if (m_aborted)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const bool mayUseHttp = m_ref.isLoopback() || m_options.insecure;
        auto settle = [this](Status s) {
            m_pinging = false;
            const auto waiting = std::exchange(m_waitingForBase, {});
            for (const auto& w : waiting)
                w(s);
        };
        if (status == 0) {
            if (!plainHttp && mayUseHttp) {
                ping(true);
                return;
            }
            const bool tls = reply->error() == QNetworkReply::SslHandshakeFailedError ||
                             reply->error() == QNetworkReply::ProtocolFailure;
            if (tls && !plainHttp)
                return settle(makeError(
                    "tls_required",
                    QString("The registry %1 did not complete a TLS handshake. Only a registry on "
                            "a loopback address may speak plain HTTP; if you trust this one, pull "
                            "with --insecure.")
                        .arg(m_ref.registry),
                    reply->errorString()));
            return settle(makeError("registry_unreachable",
                                    QString("Cannot reach the registry %1.").arg(m_ref.registry),
                                    reply->errorString()));
        }
        if (status == 401 || (status >= 200 && status < 300)) {
            m_base = base;
            m_challenge = QString::fromUtf8(reply->rawHeader("WWW-Authenticate"));
            if (m_challenge.isEmpty() || !m_authorization.isEmpty())
                return settle({});
            authenticate(m_challenge, settle);
            return;
        }
        settle(makeError("registry_error",
                         QString("%1 does not answer like an OCI registry (HTTP %2 for /v2/).")
                             .arg(m_ref.registry)
                             .arg(status)));
    });
}

void RegistryClient::authenticate(const QString& header, std::function<void(Status)> then) {
    const auto challenge = AuthChallenge::parse(header);
    if (!challenge)
        return then(authError("the registry sent no usable WWW-Authenticate challenge"));
    const auto& cred = m_options.credential;
    if (challenge->scheme == "basic") {
        if (!cred)
            return then(authError("the registry asks for Basic authentication"));
        m_authorization = "Basic " + (cred->username + ":" + cred->password).toUtf8().toBase64();
        m_tokenExpiresAt = 0;
        return then({});
    }
    if (challenge->scheme != "bearer")
        return then(authError("unsupported authentication scheme '" + challenge->scheme + "'"));
    QUrl realm(challenge->params.value("realm"));
    const bool realmSafe = realm.scheme() == "https" ||
                           (realm.scheme() == "http" && (m_ref.isLoopback() || m_options.insecure ||
                                                         isLoopbackHost(realm.host())));
    if (!realm.isValid() || realm.host().isEmpty() || !realmSafe)
        return then(authError("the token service '" + realm.toString().left(200) +
                              "' is not an HTTPS URL"));
    QUrlQuery q(realm);
    if (challenge->params.contains("service"))
        q.addQueryItem("service", challenge->params.value("service"));
    // The scope the registry asked for in its challenge (a 401 for a resource names it), else
    // pull access to our repository; a login check asks for none, as docker login does.
    if (const QString scope = challenge->params.value("scope"); !scope.isEmpty()) {
        for (const QString& one : scope.split(' ', Qt::SkipEmptyParts))
            q.addQueryItem("scope", one);
    } else if (!m_ref.repository.isEmpty()) {
        q.addQueryItem("scope", "repository:" + m_ref.repository + ":pull");
    }
    realm.setQuery(q);
    QNetworkRequest req(realm);
    req.setTransferTimeout(m_options.transferTimeoutMs);
    req.setHeader(QNetworkRequest::UserAgentHeader, "vivarium/" VIVARIUM_VERSION);
    if (cred)
        req.setRawHeader("Authorization",
                         "Basic " + (cred->username + ":" + cred->password).toUtf8().toBase64());
    QNetworkReply* reply = m_nam->get(req);
    if (m_options.insecure)
        connect(reply, &QNetworkReply::sslErrors, reply, [reply] { reply->ignoreSslErrors(); });
    m_replies << reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, then] {
        reply->deleteLater();
        if (m_aborted)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QByteArray body = reply->read(1024 * 1024);
        if (status == 0)
            return then(makeError("registry_unreachable",
                                  "Cannot reach the token service of " + m_ref.registry + ".",
                                  reply->errorString()));
        if (status == 401 || status == 403)
            return then(authError(QString("the token service answered HTTP %1").arg(status)));
        if (status != 200)
            return then(httpError(status, body, "a token"));
        const QJsonObject o = QJsonDocument::fromJson(body).object();
        // The token spec names it `token`; OAuth 2 servers say `access_token`; some send both.
        const QString token = o.value("token").toString(o.value("access_token").toString());
        if (token.isEmpty())
            return then(authError("the token service's answer holds no token"));
        m_authorization = "Bearer " + token.toUtf8();
        // Renew a little before it runs out (at least 60 s is the spec's promise).
        const qint64 lifetime = std::max<qint64>(o.value("expires_in").toInteger(60), 10);
        m_tokenExpiresAt = QDateTime::currentMSecsSinceEpoch() + lifetime * 900;
        then({});
    });
}

bool RegistryClient::tokenExpired() const {
    return m_tokenExpiresAt > 0 && QDateTime::currentMSecsSinceEpoch() >= m_tokenExpiresAt;
}

void RegistryClient::reauthenticate(const QString& challenge, std::function<void(Status)> then) {
    m_waitingForToken << std::move(then);
    if (m_authenticating)
        return;
    m_authenticating = true;
    m_authorization.clear();
    m_tokenExpiresAt = 0;
    authenticate(challenge, [this](Status s) {
        m_authenticating = false;
        const auto waiting = std::exchange(m_waitingForToken, {});
        for (const auto& w : waiting)
            w(s);
    });
}

void RegistryClient::start(const std::shared_ptr<Call>& call) {
    if (tokenExpired() && !m_challenge.isEmpty()) {
        reauthenticate(m_challenge, [this, call](Status s) {
            if (!s)
                return call->done(s, nullptr);
            start(call);
        });
        return;
    }
    if (m_authenticating) { // another request is renewing the token: wait for it
        m_waitingForToken << [this, call](Status s) {
            if (!s)
                return call->done(s, nullptr);
            start(call);
        };
        return;
    }
    QNetworkReply* reply = get(call->url, call->headers, true);
    auto pump = [this, call, reply] {
        if (call->failure)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status < 200 || status >= 300)
            return; // handled when it finishes (redirect, auth, error page)
        if (!call->started) {
            call->started = true;
            if (call->onStart)
                if (auto s = call->onStart(reply, status); !s) {
                    call->failure = s.error();
                    reply->abort();
                    return;
                }
        }
        while (reply->bytesAvailable() > 0) {
            const QByteArray chunk = reply->read(1024 * 1024);
            if (auto s = call->onData(chunk); !s) {
                call->failure = s.error();
                reply->abort();
                return;
            }
        }
    };
    connect(reply, &QNetworkReply::readyRead, this, pump);
    connect(reply, &QNetworkReply::finished, this, [this, call, reply, pump] {
        reply->deleteLater();
        if (m_aborted)
            return;
        pump();
        finishCall(call, reply);
    });
}

void RegistryClient::finishCall(const std::shared_ptr<Call>& call, QNetworkReply* reply) {
    if (call->failure)
        return call->done(*call->failure, reply);
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0)
        return call->done(makeError("registry_unreachable",
                                    QString("The connection to the registry %1 failed while "
                                            "fetching %2; pull again to resume.")
                                        .arg(m_ref.registry, call->what),
                                    reply->errorString()),
                          reply);
    if (status >= 300 && status < 400) {
        const QUrl location = reply->attribute(QNetworkRequest::RedirectionTargetAttribute).toUrl();
        if (location.isEmpty() || ++call->redirects > 5)
            return call->done(
                makeError("registry_error", QString("The registry %1 redirected %2 too often or "
                                                    "nowhere.")
                                                .arg(m_ref.registry, call->what)),
                reply);
        const QUrl target = call->url.resolved(location);
        if (target.scheme() != "https" &&
            !(target.scheme() == "http" &&
              (m_ref.isLoopback() || m_options.insecure || isLoopbackHost(target.host()))))
            return call->done(makeError("registry_error",
                                        QString("The registry %1 redirected %2 to a non-HTTPS URL.")
                                            .arg(m_ref.registry, call->what)),
                              reply);
        call->url = target;
        call->started = false;
        return start(call);
    }
    if (status == 401 && !call->retriedAuth) {
        call->retriedAuth = true;
        const QString challenge = QString::fromUtf8(reply->rawHeader("WWW-Authenticate"));
        reauthenticate(challenge, [this, call](Status s) {
            if (!s)
                return call->done(s, nullptr);
            start(call);
        });
        return;
    }
    if (status < 200 || status >= 300) {
        if (status == 401 && m_options.credential)
            return call->done(authError(QString("HTTP 401 for %1").arg(call->what)), reply);
        return call->done(httpError(status, reply->readAll(), call->what), reply);
    }
    if (!call->started) { // an empty body never signalled readyRead
        call->started = true;
        if (call->onStart)
            if (auto s = call->onStart(reply, status); !s)
                return call->done(s, reply);
    }
    if (reply->error() != QNetworkReply::NoError)
        return call->done(makeError("registry_unreachable",
                                    QString("The transfer of %1 from %2 broke off; pull again to "
                                            "resume.")
                                        .arg(call->what, m_ref.registry),
                                    reply->errorString()),
                          reply);
    call->done({}, reply);
}

void RegistryClient::fetchManifest(const QString& reference,
                                   std::function<void(Result<Fetched>)> done) {
    withBase([this, reference, done](Status s) {
        if (!s)
            return done(s.error());
        auto call = std::make_shared<Call>();
        call->url = QUrl(m_base + "/v2/" + m_ref.repository + "/manifests/" + reference);
        call->headers = {{"Accept", oci::acceptHeader()}};
        call->what = "the manifest " + m_ref.repository +
                     (reference.startsWith("sha256:") ? "@" : ":") + reference;
        auto body = std::make_shared<QByteArray>();
        call->onData = [body](const QByteArray& chunk) -> Status {
            if (body->size() + chunk.size() > oci::kMaxManifestBytes)
                return makeError("bad_manifest", "The registry sent a manifest larger than 4 MiB.");
            body->append(chunk);
            return {};
        };
        call->done = [this, body, reference, done](Status s, QNetworkReply* reply) {
            if (!s)
                return done(s.error());
            Fetched f;
            f.bytes = *body;
            f.contentType = QString::fromUtf8(reply->rawHeader("Content-Type"));
            f.digest = Digest::ofData(f.bytes);
            if (reference.startsWith("sha256:") && f.digest.toString() != reference)
                return done(makeError("digest_mismatch",
                                      QString("The manifest %1 from %2 does not match its digest "
                                              "(it hashes to %3).")
                                          .arg(reference, m_ref.registry, f.digest.toString())));
            const QByteArray claimed = reply->rawHeader("Docker-Content-Digest");
            if (!claimed.isEmpty() && claimed.startsWith("sha256:") &&
                QString::fromLatin1(claimed) != f.digest.toString())
                return done(makeError("digest_mismatch",
                                      QString("The manifest from %1 does not match the digest the "
                                              "registry gives for it (%2).")
                                          .arg(m_ref.registry, QString::fromLatin1(claimed))));
            done(f);
        };
        start(call);
    });
}

void RegistryClient::fetchBlob(const Digest& digest, qint64 maxBytes,
                               std::function<void(Result<QByteArray>)> done) {
    withBase([this, digest, maxBytes, done](Status s) {
        if (!s)
            return done(s.error());
        auto call = std::make_shared<Call>();
        call->url = QUrl(m_base + "/v2/" + m_ref.repository + "/blobs/" + digest.toString());
        call->what = "blob " + digest.toString();
        auto body = std::make_shared<QByteArray>();
        call->onData = [body, maxBytes](const QByteArray& chunk) -> Status {
            if (body->size() + chunk.size() > maxBytes)
                return makeError("bad_manifest",
                                 QString("The registry sent more than %1 bytes for a blob that "
                                         "must be smaller.")
                                     .arg(maxBytes));
            body->append(chunk);
            return {};
        };
        call->done = [this, body, digest, done](Status s, QNetworkReply*) {
            if (!s)
                return done(s.error());
            if (Digest::ofData(*body) != digest)
                return done(makeError("digest_mismatch",
                                      QString("The blob %1 from %2 does not match its digest: the "
                                              "registry sent damaged data.")
                                          .arg(digest.toString(), m_ref.registry)));
            done(*body);
        };
        start(call);
    });
}

namespace {

// sha256 of a file, on a worker thread. Empty on a read error.
QString hashFile(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash h(QCryptographicHash::Sha256);
    if (!h.addData(&f))
        return {};
    return QString::fromLatin1(h.result().toHex());
}

} // namespace

void RegistryClient::downloadBlob(const Digest& digest, qint64 size, const QString& partialPath,
                                  const QString& finalPath, std::function<void(qint64)> progress,
                                  std::function<void(Status)> done) {
    withBase([=, this](Status s) {
        if (!s)
            return done(s);
        auto file = std::make_shared<QFile>(partialPath);
        qint64 have = QFileInfo(partialPath).size();
        if (have > size) {
            QFile::remove(partialPath);
            have = 0;
        }
        if (!file->open(QIODevice::ReadWrite))
            return done(makeError("io_error", "Cannot write " + partialPath, file->errorString()));
        file->seek(have);
        auto written = std::make_shared<qint64>(have);
        auto call = std::make_shared<Call>();
        call->url = QUrl(m_base + "/v2/" + m_ref.repository + "/blobs/" + digest.toString());
        call->what = "layer " + digest.toString();
        if (have > 0 && have < size)
            call->headers = {{"Range", "bytes=" + QByteArray::number(have) + "-"}};
        call->onStart = [file, written, have](QNetworkReply* reply, int status) -> Status {
            if (status == 206) {
                static const QRegularExpression re("^bytes (\\d+)-");
                const auto m = re.match(QString::fromLatin1(reply->rawHeader("Content-Range")));
                if (m.hasMatch() && m.captured(1).toLongLong() == have)
                    return {};
            }
            // The server sends the whole blob: start over.
            file->resize(0);
            file->seek(0);
            *written = 0;
            return {};
        };
        call->onData = [file, written, size, progress](const QByteArray& chunk) -> Status {
            if (*written + chunk.size() > size)
                return makeError("digest_mismatch",
                                 QString("The registry sent more than the %1 bytes the manifest "
                                         "declares for this layer.")
                                     .arg(size));
            if (file->write(chunk) != chunk.size())
                return makeError("io_error", "Cannot write " + file->fileName(),
                                 file->errorString());
            *written += chunk.size();
            progress(*written);
            return {};
        };
        call->done = [=, this](Status s, QNetworkReply* reply) {
            file->close();
            const int status =
                reply ? reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() : 0;
            if (!s) {
                if (status == 416) { // our partial copy is longer than theirs: start over
                    QFile::remove(partialPath);
                    return done(makeError("digest_mismatch",
                                          QString("The registry's copy of %1 is shorter than its "
                                                  "manifest says (%2 bytes).")
                                              .arg(digest.toString())
                                              .arg(size)));
                }
                if (s.error().code == "digest_mismatch")
                    QFile::remove(partialPath);
                return done(s);
            }
            if (*written < size)
                return done(makeError("download_incomplete",
                                      QString("The registry %1 sent %2 of the %3 bytes of %4; pull "
                                              "again to resume.")
                                          .arg(m_ref.registry)
                                          .arg(*written)
                                          .arg(size)
                                          .arg(digest.toString())));
            QtConcurrent::run([partialPath] {
                return hashFile(partialPath);
            }).then(this, [=, this](const QString& hex) {
                if (hex.isEmpty())
                    return done(makeError("io_error", "Cannot read back " + partialPath));
                if (hex != digest.hex) {
                    QFile::remove(partialPath);
                    return done(makeError(
                        "digest_mismatch",
                        QString("Layer %1 from %2 does not match its digest (the data hashes "
                                "to sha256:%3): the registry sent damaged or altered data. "
                                "Nothing was kept.")
                            .arg(digest.toString(), m_ref.registry, hex)));
                }
                if (std::rename(QFile::encodeName(partialPath).constData(),
                                QFile::encodeName(finalPath).constData()) != 0)
                    return done(makeError("io_error", "Cannot move the layer into " + finalPath,
                                          QString::fromLocal8Bit(strerror(errno))));
                done({});
            });
        };
        start(call);
    });
}

void RegistryClient::checkLogin(std::function<void(Status)> done) {
    withBase([this, done](Status s) {
        if (!s)
            return done(s);
        if (m_challenge.isEmpty())
            return done({}); // an open registry: any login is accepted
        auto call = std::make_shared<Call>();
        call->url = QUrl(m_base + "/v2/");
        call->what = "the login check";
        call->retriedAuth = true; // a 401 now means the credential is wrong
        call->onData = [](const QByteArray&) -> Status { return {}; };
        call->done = [done](Status s, QNetworkReply*) { done(s); };
        start(call);
    });
}

} // namespace vivarium
