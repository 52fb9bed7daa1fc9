#include "NetworkLog.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcNetworkLog, "vivarium.net.log", QtInfoMsg)

namespace vivarium {

QJsonObject NetworkLogEntry::toJson() const {
    QJsonObject o{{"time", time.toUTC().toString(Qt::ISODateWithMs)},
                  {"kind", kind},
                  {"status", status},
                  {"bytes_up", bytesUp},
                  {"bytes_down", bytesDown},
                  {"duration_ms", durationMs}};
    if (!method.isEmpty())
        o["method"] = method;
    if (!host.isEmpty())
        o["host"] = host;
    if (port)
        o["port"] = port;
    if (!path.isEmpty())
        o["path"] = path;
    if (!route.isEmpty())
        o["route"] = route;
    if (!error.isEmpty())
        o["error"] = error;
    return o;
}

NetworkLogEntry NetworkLogEntry::fromJson(const QJsonObject& o) {
    NetworkLogEntry e;
    e.time = QDateTime::fromString(o.value("time").toString(), Qt::ISODateWithMs).toUTC();
    e.kind = o.value("kind").toString();
    e.method = o.value("method").toString();
    e.host = o.value("host").toString();
    e.port = o.value("port").toInt();
    e.path = o.value("path").toString();
    e.status = o.value("status").toInt();
    e.bytesUp = o.value("bytes_up").toInteger();
    e.bytesDown = o.value("bytes_down").toInteger();
    e.route = o.value("route").toString();
    e.error = o.value("error").toString();
    e.durationMs = o.value("duration_ms").toInteger();
    return e;
}

NetworkLog::NetworkLog(QString path, qint64 maxBytes)
    : m_path(std::move(path)), m_maxBytes(std::max<qint64>(maxBytes, 1024)) {}

bool NetworkLog::append(const NetworkLogEntry& entry) {
    if (!m_file.isOpen()) {
        QDir().mkpath(QFileInfo(m_path).absolutePath());
        m_file.setFileName(m_path);
        if (!m_file.open(QIODevice::WriteOnly | QIODevice::Append)) {
            qCWarning(lcNetworkLog)
                << "cannot write the network log" << m_path << m_file.errorString();
            return false;
        }
    }
    const QByteArray line = QJsonDocument(entry.toJson()).toJson(QJsonDocument::Compact) + '\n';
    if (m_file.write(line) != line.size() || !m_file.flush()) {
        qCWarning(lcNetworkLog) << "cannot write the network log" << m_path << m_file.errorString();
        m_file.close();
        return false;
    }
    if (m_file.size() >= m_maxBytes) {
        m_file.close();
        const QString rotated = m_path + ".1";
        QFile::remove(rotated);
        if (!QFile::rename(m_path, rotated))
            qCWarning(lcNetworkLog) << "cannot rotate the network log" << m_path;
    }
    return true;
}

QList<NetworkLogEntry> NetworkLog::entries(int limit, const QDateTime& before) const {
    QList<NetworkLogEntry> all;
    for (const QString& name : {m_path + ".1", m_path}) {
        QFile f(name);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        while (!f.atEnd()) {
            const QByteArray line = f.readLine();
            QJsonParseError error;
            const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
            if (error.error != QJsonParseError::NoError || !doc.isObject())
                continue;
            NetworkLogEntry e = NetworkLogEntry::fromJson(doc.object());
            if (before.isValid() && !(e.time < before))
                continue;
            all << std::move(e);
        }
    }
    if (limit >= 0 && all.size() > limit)
        all = all.mid(all.size() - limit);
    return all;
}

} // namespace vivarium
