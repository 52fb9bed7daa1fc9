#include "ServiceFixture.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <optional>

#include <csignal>

ServiceFixture::ServiceFixture(const QStringList& extraEnv) {
    QDir().mkpath(m_dir.path() + "/run");
    QFile::setPermissions(m_dir.path() + "/run", QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    m_env = QProcessEnvironment::systemEnvironment();
    m_env.insert("XDG_RUNTIME_DIR", m_dir.path() + "/run");
    m_env.insert("XDG_DATA_HOME", m_dir.path() + "/data");
    m_env.insert("XDG_CONFIG_HOME", m_dir.path() + "/config");
    m_env.insert("VIVARIUM_LISTEN", "127.0.0.1:0");
    m_env.insert("VIVARIUM_ACCEL", "tcg");
    m_env.remove("VIVARIUM_URL");
    m_env.remove("VIVARIUM_TOKEN");
    if (!m_env.contains("VIVARIUM_CACHE_DIR"))
        m_env.insert("VIVARIUM_CACHE_DIR", QDir::homePath() + "/.local/share/vivarium");
    m_env.insert("QT_MESSAGE_PATTERN", "%{time process} %{category} %{message}");
    for (const QString& kv : extraEnv)
        m_env.insert(kv.section('=', 0, 0), kv.section('=', 1));
}

ServiceFixture::~ServiceFixture() {
    removeAllSandboxes();
    killService(SIGTERM);
}

QString ServiceFixture::binDir() const { return QStringLiteral(VIVARIUM_BIN_DIR); }

QProcess* ServiceFixture::startViv(const QStringList& args, QObject* parent) const {
    auto* p = new QProcess(parent);
    p->setProcessEnvironment(m_env);
    p->start(binDir() + "/viv", args);
    return p;
}

VivResult ServiceFixture::vivServing(const QStringList& args, int timeoutMs) const {
    std::unique_ptr<QProcess> p(startViv(args, nullptr));
    VivResult v;
    if (!QTest::qWaitFor([&] { return p->state() == QProcess::NotRunning; }, timeoutMs)) {
        v.err = "viv did not finish: " + args.join(' ').toUtf8();
        p->kill();
        p->waitForFinished();
        return v;
    }
    v.code = p->exitStatus() == QProcess::NormalExit ? p->exitCode() : -1;
    v.out = p->readAllStandardOutput();
    v.err = p->readAllStandardError();
    return v;
}

VivResult ServiceFixture::viv(const QStringList& args, const QByteArray& stdinData, int timeoutMs,
                              const QStringList& extraEnv) const {
    QProcess p;
    QProcessEnvironment env = m_env;
    for (const QString& kv : extraEnv)
        env.insert(kv.section('=', 0, 0), kv.section('=', 1));
    p.setProcessEnvironment(env);
    p.start(binDir() + "/viv", args);
    p.waitForStarted();
    if (!stdinData.isEmpty())
        p.write(stdinData);
    p.closeWriteChannel();
    VivResult r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "viv timed out: " + args.join(' ').toUtf8();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

static QByteArray readTrimmed(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray();
}

QString ServiceFixture::url() const { return QString::fromUtf8(readTrimmed(runtimeDir() + "/endpoint")); }

QString ServiceFixture::ownerToken() const {
    return QString::fromUtf8(readTrimmed(configDir() + "/token"));
}

qint64 ServiceFixture::serviceRssKiB() const {
    for (const QByteArray& line : readTrimmed(QString("/proc/%1/status").arg(servicePid())).split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    return 0;
}

qint64 ServiceFixture::servicePid() const {
    QFile lock(runtimeDir() + "/vivariumd.lock");
    if (!lock.open(QIODevice::ReadOnly))
        return 0;
    const qint64 pid = lock.readLine().trimmed().toLongLong();
    return pid > 0 && ::kill(pid_t(pid), 0) == 0 ? pid : 0;
}

bool ServiceFixture::killService(int sig) {
    const qint64 pid = servicePid();
    if (!pid)
        return true;
    ::kill(pid_t(pid), sig);
    // Not our child (viv started it detached): wait on the condition, with a deadline.
    return QTest::qWaitFor([pid] { return ::kill(pid_t(pid), 0) != 0; }, 20000);
}

void ServiceFixture::removeAllSandboxes() {
    if (!servicePid())
        return;
    const VivResult ls = viv({"ls", "--json"}, {}, 30000);
    for (const QJsonValue& v : QJsonDocument::fromJson(ls.out).array())
        viv({"rm", v.toObject().value("id").toString()}, {}, 60000);
}

QJsonObject ServiceFixture::sandboxJson(const QString& id) const {
    const VivResult ls = viv({"ls", "--json"});
    for (const QJsonValue& v : QJsonDocument::fromJson(ls.out).array())
        if (v.toObject().value("id").toString() == id)
            return v.toObject();
    return {};
}

vivarium::Result<QJsonObject> callApi(vivarium::ApiClient& client, const QString& type,
                                      const QJsonObject& body, int timeoutMs) {
    std::optional<vivarium::Result<QJsonObject>> reply;
    client.request(type, body, [&reply](vivarium::Result<QJsonObject> r) { reply.emplace(std::move(r)); });
    if (!QTest::qWaitFor([&reply] { return reply.has_value(); }, timeoutMs))
        return vivarium::makeError("timeout", type + " got no reply");
    return std::move(*reply);
}

void ServiceFixture::useInThisProcess() const {
    const QProcessEnvironment env = environment();
    for (const char* key : {"XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "VIVARIUM_LISTEN",
                            "VIVARIUM_ACCEL", "VIVARIUM_CACHE_DIR"})
        qputenv(key, env.value(QString::fromLatin1(key)).toLocal8Bit());
    qunsetenv("VIVARIUM_URL");
    qunsetenv("VIVARIUM_TOKEN");
}
