// The API's pulled-image requests: image.pull (with per-layer progress), image.pull.cancel,
// image.remove (refused while a sandbox or template uses the image) and image.login. Kept apart from ApiSession.cpp,
// which dispatches to them; the work itself is PulledImages'.
#include "ApiSession.h"

#include "SandboxManager.h"

#include <QJsonArray>
#include <QPointer>

namespace vivarium {

namespace {

Error badField(const QString& field, const QString& what) {
    return makeError("bad_request", QString("Field '%1' must be %2.").arg(field, what));
}

} // namespace

void ApiSession::handleImagePull(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("pulling images"); !s)
        return fail(id, s.error());
    if (!req.value("ref").isString() || req.value("ref").toString().isEmpty())
        return fail(id, badField("ref", "an image reference such as python:3.12-slim"));
    if (req.contains("insecure") && !req.value("insecure").isBool())
        return fail(id, badField("insecure", "true or false"));
    PulledImages::PullOptions o;
    o.insecure = req.value("insecure").toBool(false);
    QPointer<ApiSession> self(this);
    m_manager->images().pulled().pull(
        req.value("ref").toString(), o,
        [self, id](const PullProgress& p) {
            if (!self)
                return;
            QJsonArray layers;
            for (const LayerProgress& l : p.layers)
                layers.append(l.toJson());
            self->send({{"type", "progress"},
                        {"id", id},
                        {"percent", p.percent},
                        {"message", p.message},
                        {"layers", layers}});
        },
        [self, id](Result<PulledImage> image) {
            if (!self)
                return;
            if (!image)
                return self->fail(id, image.error());
            self->reply(id, {{"image", ImageInfo::fromPulled(image.value()).toJson()}});
        },
        this);
}

void ApiSession::handleImagePullCancel(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("cancelling image pulls"); !s)
        return fail(id, s.error());
    if (!req.value("ref").isString() || req.value("ref").toString().isEmpty())
        return fail(id, badField("ref", "the reference of an image being pulled"));
    // The pull's own request (this connection's or another's) is answered `cancelled` first.
    if (auto s = m_manager->images().pulled().cancel(req.value("ref").toString()); !s)
        return fail(id, s.error());
    reply(id, {});
}

void ApiSession::handleImageRemove(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("removing images"); !s)
        return fail(id, s.error());
    const QString ref = req.value("ref").toString();
    if (ref.isEmpty())
        return fail(id, badField("ref", "the reference of a pulled image"));
    if (ImageStore::builtinImages().contains(ref))
        return fail(id,
                    makeError("builtin_image",
                              QString("'%1' is a built-in image; it cannot be removed.").arg(ref)));
    // Who still needs the image: a sandbox's disk is an overlay on it, and a template names
    // it (by any reference that resolves to the same image).
    auto usedBy = [this](const PulledImage& image) {
        QStringList users;
        for (Sandbox* s : m_manager->sandboxes())
            if (PulledImages::rootfsOf(s->config().image) == image.rootfs)
                users << "sandbox " + s->config().name;
        for (const Template& t : m_manager->templates().list()) {
            if (ImageStore::builtinImages().contains(t.image))
                continue;
            if (auto r = m_manager->images().pulled().resolve(t.image);
                r && r->digest == image.digest)
                users << "template " + t.name;
        }
        return users;
    };
    if (auto s = m_manager->images().pulled().remove(ref, usedBy); !s)
        return fail(id, s.error());
    reply(id, {});
}

void ApiSession::handleImageLogin(qint64 id, const QJsonObject& req) {
    if (auto s = ownerOnly("logging in to registries"); !s)
        return fail(id, s.error());
    for (const char* f : {"registry", "username", "password"})
        if (!req.value(f).isString() || req.value(f).toString().isEmpty())
            return fail(id, badField(f, "a non-empty string"));
    if (req.contains("insecure") && !req.value("insecure").isBool())
        return fail(id, badField("insecure", "true or false"));
    const QString registry = normaliseRegistry(req.value("registry").toString());
    QPointer<ApiSession> self(this);
    m_manager->images().pulled().login(
        registry, req.value("username").toString(), req.value("password").toString(),
        req.value("insecure").toBool(false),
        [self, id, registry](Status s) {
            if (!self)
                return;
            if (!s)
                return self->fail(id, s.error());
            self->reply(id, {{"registry", registry}});
        },
        this);
}

} // namespace vivarium
