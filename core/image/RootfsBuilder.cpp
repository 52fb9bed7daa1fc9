#include "RootfsBuilder.h"

#include "LayerApplier.h"

#include <QFile>
#include <QProcess>
#include <QSet>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vivarium {

namespace {

struct Walked {
    QByteArray path; // "/etc/passwd"; "/" for the root
    struct stat st {};
};

Status walk(int dirFd, const QByteArray& prefix, QList<Walked>& out, int depth) {
    if (depth > 4096)
        return makeError("bad_layer", "The image's directories nest too deeply.");
    DIR* d = ::fdopendir(::dup(dirFd));
    if (!d)
        return makeError("io_error", "Cannot list the staging tree",
                         QString::fromLocal8Bit(std::strerror(errno)));
    QList<QByteArray> names;
    while (dirent* e = ::readdir(d)) {
        const QByteArray n(e->d_name);
        if (n != "." && n != "..")
            names << n;
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const QByteArray& n : std::as_const(names)) {
        Walked w;
        w.path = prefix + "/" + n;
        if (::fstatat(dirFd, n.constData(), &w.st, AT_SYMLINK_NOFOLLOW) != 0)
            return makeError("io_error", "Cannot stat " + QString::fromUtf8(w.path));
        out << w;
        if (S_ISDIR(w.st.st_mode)) {
            const int child =
                ::openat(dirFd, n.constData(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (child < 0)
                return makeError("io_error", "Cannot open " + QString::fromUtf8(w.path));
            Status s = walk(child, w.path, out, depth + 1);
            ::close(child);
            if (!s)
                return s;
        }
    }
    return {};
}

quint32 typeBits(InodeRecord::Kind k) {
    switch (k) {
    case InodeRecord::Kind::Directory:
        return S_IFDIR;
    case InodeRecord::Kind::Symlink:
        return S_IFLNK;
    case InodeRecord::Kind::CharDevice:
        return S_IFCHR;
    case InodeRecord::Kind::BlockDevice:
        return S_IFBLK;
    case InodeRecord::Kind::Fifo:
        return S_IFIFO;
    default:
        return S_IFREG;
    }
}

Result<QByteArray> runTool(const QString& program, const QStringList& args, int timeoutMs) {
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(program, args);
    if (!p.waitForStarted(10000))
        return makeError("missing_tool", QString("Cannot run %1: install e2fsprogs.").arg(program),
                         p.errorString());
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return makeError("image_build_failed", program + " did not finish in time.");
    }
    const QByteArray err = p.readAllStandardError();
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return makeError("image_build_failed",
                         QString("%1 failed (exit %2).").arg(program).arg(p.exitCode()),
                         QString::fromUtf8(err.right(2000)).trimmed());
    return err;
}

} // namespace

QByteArray RootfsBuilder::quote(const QByteArray& path) {
    QByteArray q = path;
    q.replace('"', "\"\"");
    return '"' + q + '"';
}

Result<RootfsResult> RootfsBuilder::build(LayerApplier& staged, const QString& imagePath,
                                          const QString& workDir, const std::atomic_bool* cancel,
                                          const QStringList& startDirs) {
    const int root = staged.rootFd();
    for (const QString& dir : startDirs)
        if (auto s = staged.ensureDirectory(dir.toUtf8()); !s)
            return makeError("bad_config",
                             QString("The image's working directory '%1' cannot be created in "
                                     "it: %2")
                                 .arg(dir.left(200), s.error().message),
                             s.error().detail);
    // What the agent's switch_root and early set-up mount over, where the image lacks it.
    for (const char* dir : {"proc", "sys", "dev", "run", "tmp"}) {
        struct stat st {};
        if (::fstatat(root, dir, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
            continue;
        if (::mkdirat(root, dir, 0700) != 0)
            return makeError("io_error", QString("Cannot add /%1 to the image").arg(dir));
        InodeRecord r;
        r.kind = InodeRecord::Kind::Directory;
        r.mode = std::strcmp(dir, "tmp") == 0 ? 01777 : 0755;
        ::fstatat(root, dir, &st, AT_SYMLINK_NOFOLLOW);
        staged.setRecord(st.st_dev, st.st_ino, r);
    }

    QList<Walked> tree;
    {
        Walked top;
        top.path = "/";
        ::fstat(root, &top.st);
        tree << top;
        const int rd = ::openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rd < 0)
            return makeError("io_error", "Cannot open the staging tree");
        Status s = walk(rd, "", tree, 0);
        ::close(rd);
        if (!s)
            return s.error();
    }
    if (cancel && cancel->load())
        return makeError("cancelled", "The image build was cancelled.");

    RootfsResult result;
    bool ownLostFound = false;
    QByteArray script;
    QSet<QPair<quint64, quint64>> done;
    int valueFiles = 0;
    for (const Walked& w : std::as_const(tree)) {
        result.inodes++;
        result.fileBytes += qint64(w.st.st_blocks) * 512;
        if (w.path == "/lost+found")
            ownLostFound = true;
        const InodeRecord* rec = staged.record(w.st.st_dev, w.st.st_ino);
        if (!rec)
            continue; // cannot happen: every staged inode has a record
        const QByteArray q = quote(w.path);
        quint32 haveMode = w.st.st_mode;
        quint32 haveUid = w.st.st_uid, haveGid = w.st.st_gid;
        if (rec->placeholder()) {
            const int slash = int(w.path.lastIndexOf('/'));
            const QByteArray parent = slash == 0 ? QByteArray("/") : w.path.left(slash);
            const QByteArray name = w.path.mid(slash + 1);
            const char* kind = rec->kind == InodeRecord::Kind::CharDevice    ? "c"
                               : rec->kind == InodeRecord::Kind::BlockDevice ? "b"
                                                                             : "p";
            script += "rm " + q + "\ncd " + quote(parent) + "\nmknod " + quote(name) + " " + kind;
            if (rec->kind != InodeRecord::Kind::Fifo)
                script += " " + QByteArray::number(rec->devMajor) + " " +
                          QByteArray::number(rec->devMinor);
            script += "\ncd /\n";
            haveMode = ~0u; // debugfs makes it with mode 0 and its own owner: set all three
            haveUid = haveGid = ~0u;
        } else {
            const auto key = qMakePair(quint64(w.st.st_dev), quint64(w.st.st_ino));
            if (done.contains(key))
                continue; // another name of a hardlinked inode
            done.insert(key);
        }
        const quint32 wantMode = typeBits(rec->kind) | (rec->mode & 07777);
        if (rec->kind != InodeRecord::Kind::Symlink && wantMode != haveMode)
            script += "sif " + q + " mode 0" + QByteArray::number(wantMode, 8) + "\n";
        if (rec->uid != haveUid)
            script += "sif " + q + " uid " + QByteArray::number(rec->uid) + "\n";
        if (rec->gid != haveGid)
            script += "sif " + q + " gid " + QByteArray::number(rec->gid) + "\n";
        for (const auto& [name, value] : rec->xattrs) {
            if (name.isEmpty() || name.contains('\n') || name.contains('\0') || name.size() > 255)
                continue; // not a name ext4 can store
            const QString valueFile = QString("%1/xattr-%2").arg(workDir).arg(valueFiles++);
            QFile f(valueFile);
            if (!f.open(QIODevice::WriteOnly) || f.write(value) != value.size())
                return makeError("io_error", "Cannot write " + valueFile);
            script += "ea_set -f " + quote(QFile::encodeName(valueFile)) + " " + q + " " +
                      quote(name) + "\n";
        }
    }
    if (!ownLostFound)
        script += "rmdir /lost+found\n"; // mke2fs adds it; a container's root has none

    // Sparse: a generous size costs only what is written. Room for the sandbox's own files.
    const qint64 want = std::max(kMinImageBytes, result.fileBytes * 2 + (512LL << 20));
    result.imageBytes = (want + (4LL << 20) - 1) / (4LL << 20) * (4LL << 20);
    const qint64 inodes = std::max<qint64>(65536, result.inodes * 2);

    auto mk = runTool("mke2fs",
                      {"-q", "-t", "ext4", "-L", "vivarium-root", "-m", "0", "-N",
                       QString::number(inodes), "-E", "root_owner=0:0", "-d", staged.root(), "-F",
                       imagePath, QString::number(result.imageBytes / 1024) + "k"},
                      30 * 60 * 1000);
    if (!mk)
        return mk.error().wrap("Writing the image's file system");
    if (cancel && cancel->load())
        return makeError("cancelled", "The image build was cancelled.");
    const QString scriptPath = workDir + "/debugfs.script";
    QFile sf(scriptPath);
    if (!sf.open(QIODevice::WriteOnly) || sf.write(script) != script.size())
        return makeError("io_error", "Cannot write " + scriptPath);
    sf.close();
    auto dbg = runTool("debugfs", {"-w", "-f", scriptPath, imagePath}, 30 * 60 * 1000);
    if (!dbg)
        return dbg.error().wrap("Setting owners and modes in the image");
    // debugfs reports failed commands on stderr and still exits 0.
    QStringList problems;
    for (const QByteArray& line : dbg.value().split('\n')) {
        const QByteArray l = line.trimmed();
        if (l.isEmpty() || l.startsWith("debugfs "))
            continue;
        problems << QString::fromUtf8(l);
    }
    if (!problems.isEmpty())
        return makeError("image_build_failed",
                         QString("Setting owners and modes in the image failed (%1 problems).")
                             .arg(problems.size()),
                         problems.mid(0, 5).join("; "));
    return result;
}

} // namespace vivarium
