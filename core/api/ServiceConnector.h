// Finds vivariumd for a client and, when no local service is running, starts the one
// installed next to the calling program, then keeps retrying until it listens (or a
// deadline passes). It owns no connection: it drives ApiClient::open on the client it is
// given and reports one outcome. It never starts a service for an explicit VIVARIUM_URL,
// and never retries a refusal (a wrong token will not fix itself).
#pragma once

#include "ApiClient.h"
#include "Result.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

namespace vivarium {

class ServiceConnector : public QObject {
    Q_OBJECT
public:
    // client must outlive this object's connection attempts.
    explicit ServiceConnector(ApiClient* client, QObject* parent = nullptr);

    // Where vivariumd is looked for; defaults to the calling program's own directory.
    void setServiceDir(const QString& dir) { m_serviceDir = dir; }
    void setStartTimeoutMs(int ms) { m_startTimeoutMs = ms; }

    void connectToService(); // one attempt cycle; ends in connected() or failed()
    Endpoint endpoint() const { return m_endpoint; }

signals:
    void connected();
    void startingService(); // a local vivariumd was launched and is being waited for
    void failed(const vivarium::Error& error);

private:
    void onFailed(const QString& reason);
    bool launchService(Error* error);

    QPointer<ApiClient> m_client;
    Endpoint m_endpoint;
    QString m_serviceDir;
    QElapsedTimer m_clock;
    int m_startTimeoutMs = 20000;
    bool m_attempting = false;
    bool m_launched = false;
};

} // namespace vivarium
