#include "ImageReference.h"

#include <QCryptographicHash>
#include <QHostAddress>
#include <QRegularExpression>
#include <QUrl>

namespace vivarium {

Result<Digest> Digest::parse(const QString& text) {
    static const QRegularExpression re("^sha256:([a-f0-9]{64})$");
    const auto m = re.match(text);
    if (!m.hasMatch()) {
        if (text.contains(':') && !text.startsWith("sha256:"))
            return makeError("bad_digest", QString("Unsupported digest '%1': only sha256 digests "
                                                   "are supported.")
                                               .arg(text.left(80)));
        return makeError(
            "bad_digest",
            QString("'%1' is not a digest (sha256:<64 hex digits>).").arg(text.left(80)));
    }
    return Digest{m.captured(1)};
}

Digest Digest::ofData(const QByteArray& data) {
    return Digest{
        QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex())};
}

namespace {

bool looksLikeRegistry(const QString& component) {
    return component.contains('.') || component.contains(':') || component == "localhost";
}

} // namespace

Result<ImageReference> ImageReference::parse(const QString& input) {
    const QString text = input.trimmed();
    auto bad = [&](const QString& why) {
        return makeError("bad_reference",
                         QString("'%1' is not an image reference: %2.").arg(text.left(200), why));
    };
    if (text.isEmpty())
        return makeError("bad_reference", "The image reference is empty.");
    if (text.size() > 512)
        return bad("longer than 512 characters");
    ImageReference r;
    QString rest = text;
    if (const int at = rest.indexOf('@'); at >= 0) {
        auto d = Digest::parse(rest.mid(at + 1));
        if (!d)
            return bad(d.error().message);
        r.digest = d->toString();
        rest = rest.left(at);
    }
    // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
    const int slash = int(rest.lastIndexOf('/'));
    if (const int colon = int(rest.lastIndexOf(':')); colon > slash) {
        r.tag = rest.mid(colon + 1);
        rest = rest.left(colon);
        static const QRegularExpression tagRe("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$");
        if (!tagRe.match(r.tag).hasMatch())
            return bad("the tag '" + r.tag.left(130) + "' is invalid");
    }
    QStringList parts = rest.split('/');
    if (parts.size() > 1 && looksLikeRegistry(parts.first())) {
        r.registry = normaliseRegistry(parts.takeFirst());
        static const QRegularExpression hostRe(
            "^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?$");
        if (!hostRe.match(r.registry).hasMatch())
            return bad("the registry '" + r.registry + "' is not a host name");
    } else {
        r.registry = kDockerHub;
    }
    if (parts.isEmpty() || parts.join('/').isEmpty())
        return bad("it names no repository");
    static const QRegularExpression componentRe("^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$");
    for (const QString& p : parts)
        if (!componentRe.match(p).hasMatch())
            return bad(p.isEmpty() ? QString("it has an empty path component")
                                   : "'" + p.left(100) +
                                         "' is not a valid repository component (lower-case "
                                         "letters, digits and . _ - between them)");
    if (r.registry == kDockerHub && parts.size() == 1)
        parts.prepend("library");
    r.repository = parts.join('/');
    if (r.repository.size() > 255)
        return bad("the repository name is longer than 255 characters");
    if (r.tag.isEmpty() && r.digest.isEmpty())
        r.tag = "latest";
    return r;
}

QString ImageReference::canonical() const {
    QString s = registry + "/" + repository;
    if (!tag.isEmpty())
        s += ":" + tag;
    if (!digest.isEmpty())
        s += "@" + digest;
    return s;
}

QString ImageReference::familiar() const {
    QString name = registry + "/" + repository;
    if (registry == kDockerHub)
        name = repository.startsWith("library/") && repository.count('/') == 1 ? repository.mid(8)
                                                                               : repository;
    if (!tag.isEmpty())
        name += ":" + tag;
    if (!digest.isEmpty())
        name += "@" + digest;
    return name;
}

QString ImageReference::pinned(const Digest& manifest) const {
    return registry + "/" + repository + "@" + manifest.toString();
}

QString ImageReference::apiHost() const {
    return registry == kDockerHub ? QStringLiteral("registry-1.docker.io") : registry;
}

bool isLoopbackHost(const QString& hostPort) {
    QString host = hostPort;
    if (host.startsWith('[')) {
        host = host.mid(1, host.indexOf(']') - 1);
    } else if (host.count(':') == 1) {
        host = host.left(host.indexOf(':'));
    }
    if (host.compare("localhost", Qt::CaseInsensitive) == 0)
        return true;
    const QHostAddress address(host);
    return !address.isNull() && address.isLoopback();
}

bool ImageReference::isLoopback() const {
    return isLoopbackHost(registry);
}

QString normaliseRegistry(const QString& text) {
    QString s = text.trimmed();
    if (s.contains("://"))
        s = QUrl(s).authority();
    while (s.endsWith('/'))
        s.chop(1);
    if (const int slash = s.indexOf('/'); slash >= 0)
        s = s.left(slash);
    s = s.toLower();
    if (s == "index.docker.io" || s == "registry-1.docker.io" || s == "registry.hub.docker.com")
        return ImageReference::kDockerHub;
    return s;
}

} // namespace vivarium
