#include "JsonFileDir.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QJsonDocument>
#include <QSaveFile>

namespace vivarium {

namespace {

QString lineAndColumn(const QByteArray& data, int offset) {
    const QByteArray before = data.left(offset);
    const int line = int(before.count('\n')) + 1;
    const int column = int(offset - before.lastIndexOf('\n'));
    return QString("line %1, column %2").arg(line).arg(column);
}

} // namespace

QString displayPath(const QString& path) {
    const QString home = QDir::homePath();
    return home.size() > 1 && path.startsWith(home + '/') ? '~' + path.mid(home.size()) : path;
}

QString sentenceOf(QString clause) {
    if (!clause.isEmpty())
        clause[0] = clause[0].toUpper();
    return clause.endsWith('.') ? clause : clause + '.';
}

QJsonObject FileProblem::toJson() const {
    QJsonObject o{{"file", file}, {"message", message}};
    if (!field.isEmpty())
        o["field"] = field;
    return o;
}

JsonFileDir::JsonFileDir(QString dir, Limits limits, QObject* parent)
    : QObject(parent), m_dir(std::move(dir)), m_limits(std::move(limits)),
      m_watcher(new QFileSystemWatcher(this)) {
    QDir().mkpath(m_dir);
    // Editors save in bursts (write, rename, chmod): one change after the burst.
    m_soon.setSingleShot(true);
    m_soon.setInterval(100);
    connect(&m_soon, &QTimer::timeout, this, &JsonFileDir::changed);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { m_soon.start(); });
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, [this] { m_soon.start(); });
}

QList<JsonFileDir::File> JsonFileDir::read() const {
    QList<File> out;
    const QFileInfoList infos =
        QDir(m_dir).entryInfoList({"*.json"}, QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
    int counted = 0;
    for (const QFileInfo& info : infos) {
        File f;
        f.name = info.fileName().chopped(5);
        f.path = info.filePath();
        f.shown = displayPath(f.path);
        if (counted >= m_limits.maxFiles) {
            f.nameOk = false;
            f.problem = QString("skipped: a service reads at most %1 %2 files").arg(m_limits.maxFiles).arg(m_limits.kind);
            out << f;
            break;
        }
        if (m_limits.validName && !m_limits.validName(f.name)) {
            f.nameOk = false;
            f.problem = QString("the file name is not a %1 name (%2)").arg(m_limits.kind, m_limits.nameRule);
            out << f;
            continue;
        }
        ++counted;
        // Only regular files are opened: a FIFO would block the service on open.
        if (!info.isFile()) {
            f.problem = info.isDir()       ? QString("is a directory, not a %1 file").arg(m_limits.kind)
                        : info.isSymLink() ? QString("cannot be read: it links to %1, which does not exist")
                                                 .arg(info.symLinkTarget())
                                           : QString("is not a regular file");
        } else if (info.size() > m_limits.maxFileBytes) {
            f.problem = QString("is larger than %1 KiB").arg(m_limits.maxFileBytes / 1024);
        } else if (QFile file(f.path); !file.open(QIODevice::ReadOnly)) {
            f.problem = "cannot be read: " + file.errorString();
        } else {
            const QByteArray data = file.read(m_limits.maxFileBytes + 1);
            QJsonParseError pe;
            const QJsonDocument doc = QJsonDocument::fromJson(data, &pe);
            if (pe.error != QJsonParseError::NoError)
                f.problem = QString("is not valid JSON: %1 at %2").arg(pe.errorString(), lineAndColumn(data, pe.offset));
            else if (!doc.isObject())
                f.problem = "must hold a JSON object (" + m_limits.objectExample + ")";
            else
                f.object = doc.object();
        }
        out << f;
    }
    return out;
}

Status JsonFileDir::write(const QString& name, const QJsonObject& object, QFileDevice::Permissions permissions) {
    if (!QDir().mkpath(m_dir))
        return makeError("io_error", "Cannot create " + displayPath(m_dir));
    const QString path = pathOf(name);
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly))
        return makeError("io_error", "Cannot write " + displayPath(path), f.errorString());
    if (permissions != QFileDevice::Permissions())
        f.setPermissions(permissions);
    f.write(QJsonDocument(object).toJson(QJsonDocument::Indented));
    if (!f.commit())
        return makeError("io_error", "Cannot write " + displayPath(path), f.errorString());
    return {};
}

Status JsonFileDir::remove(const QString& name) {
    QFile f(pathOf(name));
    if (!f.remove())
        return makeError("io_error", "Cannot remove " + displayPath(f.fileName()), f.errorString());
    return {};
}

void JsonFileDir::watch(const QStringList& files) {
    // inotify on the directory sees files come and go (and atomic saves, which are renames);
    // a watch on each file sees one rewritten in place.
    if (!m_watcher->directories().contains(m_dir) && QFileInfo(m_dir).isDir())
        m_watcher->addPath(m_dir);
    QStringList stale;
    for (const QString& f : m_watcher->files())
        if (!files.contains(f))
            stale << f;
    if (!stale.isEmpty())
        m_watcher->removePaths(stale);
    QStringList missing;
    for (const QString& f : files)
        if (!m_watcher->files().contains(f) && QFileInfo(f).isFile())
            missing << f;
    if (!missing.isEmpty())
        m_watcher->addPaths(missing);
}

} // namespace vivarium
