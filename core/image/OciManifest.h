// The OCI image format's JSON documents as values: image indexes (and Docker manifest
// lists), image manifests (OCI and Docker schema 2) and image configs, parsed and checked
// (media types, digests, sizes, bounds). Pure functions of bytes: the registry client fetches,
// this decides what the bytes mean and refuses what we cannot honour.
#pragma once

#include "ImageReference.h"
#include "Result.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace vivarium::oci {

inline constexpr char kIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kConfig[] = "application/vnd.oci.image.config.v1+json";
inline constexpr char kDockerList[] = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kDockerManifest[] = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr char kDockerConfig[] = "application/vnd.docker.container.image.v1+json";

// Limits on documents (bytes) and counts: a registry is not trusted either.
inline constexpr qint64 kMaxManifestBytes = 4 * 1024 * 1024;
inline constexpr qint64 kMaxConfigBytes = 8 * 1024 * 1024;
inline constexpr int kMaxLayers = 256;

// What the Accept header of a manifest request lists.
QByteArray acceptHeader();

struct Descriptor {
    QString mediaType;
    Digest digest;
    qint64 size = 0;
    QString os, architecture, variant; // index entries only
};

enum class LayerCompression { None, Gzip, Zstd };

struct Manifest {
    Descriptor config;
    QList<Descriptor> layers;
};

// A fetched document is one of these; `mediaType` comes from the Content-Type header or,
// when that is missing or generic, from the document's own mediaType field.
struct Document {
    enum class Kind { Index, Manifest } kind = Kind::Manifest;
    QList<Descriptor> manifests; // Index
    Manifest manifest;           // Manifest
};
Result<Document> parseDocument(const QByteArray& bytes, const QString& contentType);

// The index entry for linux/amd64 (the only platform our guests run).
Result<Descriptor> pickPlatform(const QList<Descriptor>& manifests);

// What the image's config says about running it: the exec defaults of a sandbox.
struct RunConfig {
    QStringList env; // "NAME=value"
    QString workingDir;
    QString user;
    QStringList entrypoint;
    QStringList cmd;
    QString architecture, os;

    static Result<RunConfig> parse(const QByteArray& configJson);
    QJsonObject toJson() const;
    static RunConfig fromJson(const QJsonObject& o);
    QMap<QString, QString> envMap() const;
};

Result<LayerCompression> layerCompression(const QString& mediaType);

} // namespace vivarium::oci
