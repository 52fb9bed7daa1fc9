// Turns a staged image tree (LayerApplier's) into the ext4 root filesystem a sandbox boots:
// `mke2fs -d` copies the tree (file data, symlinks, hardlinks, mtimes), then one
// `debugfs -w -f script` pass writes what the host copy could not carry: each inode's owner,
// exact mode (setuid/setgid/sticky included), xattrs, and the device nodes and FIFOs that were
// placeholders. Both tools work on the image file without privileges, so the result is the
// same whether vivariumd runs as root or not.
//
// It adds what the guest agent needs to boot into the image (the mount points /proc, /sys,
// /dev, /run and /tmp) and the directories a command will start in (the image config's
// WorkingDir: root:root 0755, as Docker creates it) only where the image lacks them, and
// never changes an image's own file.
// Runs on a worker thread (blocking processes).
#pragma once

#include "Result.h"

#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace vivarium {

class LayerApplier;

struct RootfsResult {
    qint64 fileBytes = 0; // data blocks of the tree
    qint64 inodes = 0;
    qint64 imageBytes = 0; // the file system's size (the file is sparse)
};

class RootfsBuilder {
public:
    static constexpr qint64 kMinImageBytes = 1LL << 30;

    // Writes `imagePath` (which must not exist). `workDir` holds the debugfs script and the
    // xattr values while it runs. `startDirs`: absolute paths in the image that must exist.
    static Result<RootfsResult> build(LayerApplier& staged, const QString& imagePath,
                                      const QString& workDir,
                                      const std::atomic_bool* cancel = nullptr,
                                      const QStringList& startDirs = {});

    // Quotes a path for a debugfs script ("" stands for a literal quote).
    static QByteArray quote(const QByteArray& path);
};

} // namespace vivarium
