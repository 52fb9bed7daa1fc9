#include "OciManifest.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace vivarium::oci {

QByteArray acceptHeader() {
    return QByteArray(kIndex) + ", " + kDockerList + ", " + kManifest + ", " + kDockerManifest;
}

namespace {

Error bad(const QString& what) {
    return makeError("bad_manifest", "The registry sent an unusable image manifest: " + what + ".");
}

Result<Descriptor> descriptor(const QJsonValue& v, const QString& where) {
    const QJsonObject o = v.toObject();
    Descriptor d;
    d.mediaType = o.value("mediaType").toString();
    auto digest = Digest::parse(o.value("digest").toString());
    if (!digest)
        return bad(where + " has no valid digest (" + digest.error().message + ")");
    d.digest = digest.value();
    const QJsonValue size = o.value("size");
    if (!size.isDouble() || size.toDouble() < 0 || size.toDouble() > 1e15)
        return bad(where + " has no valid size");
    d.size = size.toInteger();
    const QJsonObject platform = o.value("platform").toObject();
    d.os = platform.value("os").toString();
    d.architecture = platform.value("architecture").toString();
    d.variant = platform.value("variant").toString();
    return d;
}

QStringList stringList(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& s : v.toArray())
        out << s.toString();
    return out;
}

} // namespace

Result<Document> parseDocument(const QByteArray& bytes, const QString& contentType) {
    if (bytes.size() > kMaxManifestBytes)
        return bad("it is larger than 4 MiB");
    QJsonParseError pe;
    const QJsonDocument json = QJsonDocument::fromJson(bytes, &pe);
    if (!json.isObject())
        return bad("it is not a JSON object (" + pe.errorString() + ")");
    const QJsonObject o = json.object();
    QString type = contentType.section(';', 0, 0).trimmed();
    if (type.isEmpty() || type == "application/json" || type == "text/plain" ||
        type == "application/octet-stream")
        type = o.value("mediaType").toString();
    if (type.isEmpty()) // an OCI document may omit mediaType: tell them apart by shape
        type = o.contains("manifests") ? kIndex : kManifest;
    Document doc;
    if (type == kIndex || type == kDockerList) {
        doc.kind = Document::Kind::Index;
        const QJsonArray list = o.value("manifests").toArray();
        if (list.size() > 1024)
            return bad("the index lists more than 1024 manifests");
        for (int i = 0; i < list.size(); ++i) {
            auto d = descriptor(list[i], QString("index entry %1").arg(i));
            if (!d)
                return d.error();
            doc.manifests << d.value();
        }
        return doc;
    }
    if (type == kManifest || type == kDockerManifest) {
        if (o.value("schemaVersion").toInt() != 2)
            return bad("its schemaVersion is not 2");
        auto config = descriptor(o.value("config"), "the config");
        if (!config)
            return config.error();
        doc.manifest.config = config.value();
        const QJsonArray layers = o.value("layers").toArray();
        if (layers.size() > kMaxLayers)
            return bad(QString("it has %1 layers; at most %2 are supported")
                           .arg(layers.size())
                           .arg(kMaxLayers));
        for (int i = 0; i < layers.size(); ++i) {
            auto d = descriptor(layers[i], QString("layer %1").arg(i + 1));
            if (!d)
                return d.error();
            if (auto c = layerCompression(d->mediaType); !c)
                return c.error();
            doc.manifest.layers << d.value();
        }
        if (doc.manifest.config.size > kMaxConfigBytes)
            return bad("its config is larger than 8 MiB");
        return doc;
    }
    if (type.startsWith("application/vnd.docker.distribution.manifest.v1"))
        return makeError("unsupported_manifest",
                         "The image uses Docker's old schema 1 manifest, which is not supported. "
                         "Push it again with a current tool (it then gets a schema 2 manifest).");
    return makeError("unsupported_manifest",
                     QString("The registry sent a document of type '%1', which is not an image "
                             "manifest or index.")
                         .arg(type.left(100)));
}

Result<Descriptor> pickPlatform(const QList<Descriptor>& manifests) {
    QStringList offered;
    for (const Descriptor& d : manifests) {
        if (d.os == "linux" && d.architecture == "amd64" &&
            (d.mediaType.isEmpty() || d.mediaType == kManifest || d.mediaType == kDockerManifest))
            return d;
        if (!d.os.isEmpty() && d.os != "unknown")
            offered << d.os + "/" + d.architecture + (d.variant.isEmpty() ? "" : "/" + d.variant);
    }
    return makeError("no_platform",
                     QString("The image has no linux/amd64 variant (it offers: %1).")
                         .arg(offered.isEmpty() ? QString("nothing usable") : offered.join(", ")));
}

Result<LayerCompression> layerCompression(const QString& mediaType) {
    if (mediaType == "application/vnd.oci.image.layer.v1.tar" ||
        mediaType == "application/vnd.oci.image.layer.nondistributable.v1.tar")
        return LayerCompression::None;
    if (mediaType == "application/vnd.oci.image.layer.v1.tar+gzip" ||
        mediaType == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
        mediaType == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")
        return LayerCompression::Gzip;
    if (mediaType == "application/vnd.oci.image.layer.v1.tar+zstd" ||
        mediaType == "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")
        return LayerCompression::Zstd;
    if (mediaType.contains("foreign"))
        return makeError("unsupported_layer", "The image has a foreign layer (" + mediaType +
                                                  "), which only Windows images use; it is not "
                                                  "supported.");
    return makeError("unsupported_layer",
                     QString("The image has a layer of type '%1', which is not a tar layer.")
                         .arg(mediaType.left(100)));
}

Result<RunConfig> RunConfig::parse(const QByteArray& bytes) {
    if (bytes.size() > kMaxConfigBytes)
        return makeError("bad_config", "The image config is larger than 8 MiB.");
    const QJsonDocument json = QJsonDocument::fromJson(bytes);
    if (!json.isObject())
        return makeError("bad_config", "The image config is not a JSON object.");
    const QJsonObject o = json.object();
    const QJsonObject c = o.value("config").toObject();
    RunConfig r;
    r.env = stringList(c.value("Env"));
    r.workingDir = c.value("WorkingDir").toString();
    r.user = c.value("User").toString();
    r.entrypoint = stringList(c.value("Entrypoint"));
    r.cmd = stringList(c.value("Cmd"));
    r.architecture = o.value("architecture").toString();
    r.os = o.value("os").toString();
    if (!r.os.isEmpty() && r.os != "linux")
        return makeError("no_platform", "The image is for " + r.os + ", not Linux.");
    if (!r.architecture.isEmpty() && r.architecture != "amd64")
        return makeError("no_platform",
                         "The image is for " + r.architecture + "; sandboxes run amd64.");
    return r;
}

QJsonObject RunConfig::toJson() const {
    QJsonObject o;
    if (!env.isEmpty())
        o["Env"] = QJsonArray::fromStringList(env);
    if (!workingDir.isEmpty())
        o["WorkingDir"] = workingDir;
    if (!user.isEmpty())
        o["User"] = user;
    if (!entrypoint.isEmpty())
        o["Entrypoint"] = QJsonArray::fromStringList(entrypoint);
    if (!cmd.isEmpty())
        o["Cmd"] = QJsonArray::fromStringList(cmd);
    return o;
}

RunConfig RunConfig::fromJson(const QJsonObject& o) {
    RunConfig r;
    r.env = stringList(o.value("Env"));
    r.workingDir = o.value("WorkingDir").toString();
    r.user = o.value("User").toString();
    r.entrypoint = stringList(o.value("Entrypoint"));
    r.cmd = stringList(o.value("Cmd"));
    return r;
}

QMap<QString, QString> RunConfig::envMap() const {
    QMap<QString, QString> m;
    for (const QString& kv : env) {
        const int eq = kv.indexOf('=');
        if (eq > 0)
            m.insert(kv.left(eq), kv.mid(eq + 1));
    }
    return m;
}

} // namespace vivarium::oci
