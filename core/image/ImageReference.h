// Image references as Docker and the OCI distribution spec write them: parsed, checked and
// normalised ("python:3.12-slim" is docker.io/library/python:3.12-slim), plus the digest
// type every blob and manifest is named by. Pure values: no I/O.
#pragma once

#include "Result.h"

#include <QString>

namespace vivarium {

// "sha256:<64 hex digits>". Only sha256 is accepted: it is what every registry uses, and a
// digest we cannot verify is worse than none.
struct Digest {
    QString hex; // lower case, 64 digits

    static Result<Digest> parse(const QString& text);
    static Digest ofData(const QByteArray& data);
    QString toString() const { return "sha256:" + hex; }
    QString shortForm() const { return hex.left(12); }
    bool isEmpty() const { return hex.isEmpty(); }
    bool operator==(const Digest& o) const { return hex == o.hex; }
};

struct ImageReference {
    QString registry;   // "docker.io", "ghcr.io", "127.0.0.1:5000"
    QString repository; // "library/python"
    QString tag;        // "3.12-slim"; "latest" when neither a tag nor a digest was given
    QString digest;     // "sha256:…" when pinned

    static constexpr const char* kDockerHub = "docker.io";

    static Result<ImageReference> parse(const QString& text);

    // registry/repository:tag (and @digest when pinned): one spelling per image.
    QString canonical() const;
    // The way people write it: "python:3.12-slim" for Docker Hub's library images.
    QString familiar() const;
    // registry/repository@digest: names exactly one manifest.
    QString pinned(const Digest& manifest) const;
    // Where the registry's HTTP API is: Docker Hub's lives on another host.
    QString apiHost() const;
    // localhost, 127.0.0.0/8 or [::1]: may be spoken to over plain HTTP, as Docker allows.
    bool isLoopback() const;
    // What a manifest request names: the digest when pinned, else the tag.
    QString manifestRef() const { return digest.isEmpty() ? tag : digest; }
};

// Normalises a registry as users write it for login ("docker.io", "https://index.docker.io/v1/",
// "localhost:5000/") to the host[:port] form used in references.
QString normaliseRegistry(const QString& text);
bool isLoopbackHost(const QString& hostPort);

} // namespace vivarium
