#include "ServiceConnector.h"

#include "Paths.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QProcess>
#include <QTimer>

namespace vivarium {

ServiceConnector::ServiceConnector(ApiClient* client, QObject* parent)
    : QObject(parent), m_client(client), m_serviceDir(QCoreApplication::applicationDirPath()) {
    connect(client, &ApiClient::ready, this, [this] {
        if (std::exchange(m_attempting, false))
            emit connected();
    });
    connect(client, &ApiClient::failed, this, [this](const QString& reason) {
        if (m_attempting)
            onFailed(reason);
    });
}

void ServiceConnector::connectToService() {
    if (!m_client)
        return;
    m_attempting = true;
    m_launched = false;
    m_clock.start();
    m_endpoint = ApiClient::localEndpoint();
    m_client->open(m_endpoint);
}

void ServiceConnector::onFailed(const QString& reason) {
    auto fail = [this](Error e) {
        m_attempting = false;
        emit failed(e);
    };
    // A refusal is final; "unreachable" may only mean "not started yet".
    if (reason.contains("token") || m_endpoint.explicitUrl) {
        fail(makeError("unreachable", tr("Cannot use vivariumd at %1.")
                                          .arg(m_endpoint.url.toString()), reason));
        return;
    }
    if (!m_launched) {
        Error e;
        if (!launchService(&e)) {
            fail(e);
            return;
        }
        m_launched = true;
        m_clock.restart();
        emit startingService();
    }
    if (m_clock.elapsed() > m_startTimeoutMs) {
        fail(makeError("unreachable",
                       tr("vivariumd did not come up within %1 s.").arg(m_startTimeoutMs / 1000),
                       tr("See %1").arg(Paths::dataDir() + "/vivariumd.log")));
        return;
    }
    // The service writes its endpoint file once it listens: re-read it on every try.
    QTimer::singleShot(100, this, [this] {
        if (!m_client || !m_attempting)
            return;
        m_endpoint = ApiClient::localEndpoint();
        m_client->open(m_endpoint);
    });
}

bool ServiceConnector::launchService(Error* error) {
    const QString daemon = m_serviceDir + "/vivariumd";
    if (!QFileInfo(daemon).isExecutable()) {
        *error = makeError("unreachable", tr("vivariumd is not running and was not found."),
                           tr("Looked for %1").arg(daemon));
        return false;
    }
    Paths::ensureDir(Paths::dataDir());
    QProcess p;
    p.setProgram(daemon);
    p.setStandardOutputFile(Paths::dataDir() + "/vivariumd.log", QIODevice::Append);
    p.setStandardErrorFile(Paths::dataDir() + "/vivariumd.log", QIODevice::Append);
    p.setStandardInputFile(QProcess::nullDevice());
    if (!p.startDetached()) {
        *error = makeError("unreachable", tr("Cannot start vivariumd."), p.errorString());
        return false;
    }
    return true;
}

} // namespace vivarium
