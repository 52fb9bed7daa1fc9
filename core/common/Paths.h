// Where Vivarium keeps things, resolved in one place through QStandardPaths (so XDG_*
// variables move everything, which is how tests isolate themselves), plus the helper
// programs found next to the running binary in a build tree or under libexec when installed.
#pragma once

#include <QString>

namespace vivarium::Paths {

QString configDir();  // ~/.config/vivarium: token, settings, templates
QString dataDir();    // ~/.local/share/vivarium: images, kernel, sandboxes, run records
QString runtimeDir(); // $XDG_RUNTIME_DIR/vivarium (or a private temp dir): endpoint file, sockets
// Guest kernel and images: $VIVARIUM_CACHE_DIR, else the data dir. Shareable between data
// dirs (tests point many short-lived services at one prepared cache).
QString cacheDir();
QString kernelDir();
QString imagesDir();
// Pulled OCI images: verified blobs (shared by every image), partial downloads, built images.
QString ociDir();
QString sandboxesDir();
QString tokenFile();
QString endpointFile(); // written by vivariumd: the URL it listens on
// A helper program (vivarium-image, vivarium-agent): $VIVARIUM_LIBEXEC_DIR, then the build
// tree next to the binary, then the install's libexec. Empty when none exists.
QString helperProgram(const QString& name);
// Ensures a directory exists with the given permissions (0700 by default for private state).
bool ensureDir(const QString& path, bool privateDir = true);

} // namespace vivarium::Paths
