#include "Paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

#include <unistd.h>

namespace vivarium::Paths {

namespace {
QString under(QStandardPaths::StandardLocation location) {
    return QStandardPaths::writableLocation(location) + "/vivarium";
}
} // namespace

QString configDir() { return under(QStandardPaths::GenericConfigLocation); }
QString dataDir() {
    const QByteArray env = qgetenv("VIVARIUM_DATA_DIR");
    return env.isEmpty() ? under(QStandardPaths::GenericDataLocation) : QString::fromLocal8Bit(env);
}
QString runtimeDir() {
    QString base = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (base.isEmpty())
        base = QDir::tempPath() + "/vivarium-" + QString::number(getuid());
    return base + "/vivarium";
}
QString cacheDir() {
    const QByteArray env = qgetenv("VIVARIUM_CACHE_DIR");
    return env.isEmpty() ? dataDir() : QString::fromLocal8Bit(env);
}
QString kernelDir() { return cacheDir() + "/kernel"; }
QString imagesDir() { return cacheDir() + "/images"; }
QString ociDir() { return cacheDir() + "/oci"; }
QString sandboxesDir() { return dataDir() + "/sandboxes"; }
QString tokenFile() { return configDir() + "/token"; }
QString endpointFile() { return runtimeDir() + "/endpoint"; }

QString helperProgram(const QString& name) {
    QStringList candidates;
    if (const QByteArray env = qgetenv("VIVARIUM_LIBEXEC_DIR"); !env.isEmpty())
        candidates << QString::fromLocal8Bit(env) + "/" + name;
    const QString appDir = QCoreApplication::applicationDirPath();
    // Build tree: <build>/app/vivariumd next to <build>/libexec and <build>/agent.
    candidates << appDir + "/../libexec/" + name << appDir + "/../agent/" + name
               << appDir + "/../../libexec/" + name << appDir + "/../../agent/" + name
               << appDir + "/../libexec/vivarium/" + name;
    for (const QString& c : candidates)
        if (QFileInfo(c).isExecutable())
            return QFileInfo(c).canonicalFilePath();
    return {};
}

bool ensureDir(const QString& path, bool privateDir) {
    if (!QDir().mkpath(path))
        return false;
    if (privateDir)
        QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return true;
}

} // namespace vivarium::Paths
