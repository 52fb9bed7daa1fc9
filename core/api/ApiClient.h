// A client of vivariumd's WebSocket API, used by `viv` and the desktop app (the same API an
// agent uses). Requests are matched to replies by id; progress, events, run data and exits
// arrive as signals. Also knows how to find and auto-start the local service.
#pragma once

#include "ApiProtocol.h"
#include "Result.h"

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QWebSocket>

#include <functional>

namespace vivarium {

struct Endpoint {
    QUrl url;
    QString token;
    bool explicitUrl = false; // from VIVARIUM_URL: never auto-start a local service for it
    // Empty url: no local service is running (no endpoint file).
};

class ApiClient : public QObject {
    Q_OBJECT
public:
    using Reply = std::function<void(Result<QJsonObject>)>;
    using Progress = std::function<void(int percent, const QString& message)>;
    // The whole progress message, for requests whose progress says more (image.pull's layers).
    using DetailedProgress = std::function<void(const QJsonObject& message)>;

    explicit ApiClient(QObject* parent = nullptr);
    ~ApiClient() override;

    // VIVARIUM_URL / VIVARIUM_TOKEN when set, else the local service's endpoint file and token.
    static Endpoint localEndpoint();

    void open(const Endpoint& endpoint);
    bool isConnected() const { return m_ready; }
    QJsonObject serverHello() const { return m_hello; }

    qint64 request(const QString& type, QJsonObject body, Reply reply, Progress progress = {},
                   DetailedProgress detailed = {});
    void sendData(quint32 channel, const QByteArray& data); // stdin; empty closes it
    void sendData(api::DataKind kind, quint32 channel, const QByteArray& data);

signals:
    void ready();                       // connected, authenticated, hello received
    void failed(const QString& reason); // could not connect or was refused
    void disconnected();
    void event(const QJsonObject& event);
    void data(vivarium::api::DataKind kind, quint32 channel, const QByteArray& bytes);
    void exited(const QJsonObject& exit);
    // run.attached, run.caught_up, run.lagging: a channel now carries a run / has delivered
    // everything stored so far / fell behind and is being served from the run record.
    void runMessage(const QJsonObject& message);
    // file.ready and file.window: a file transfer's channel and flow credits.
    void fileMessage(const QJsonObject& message);

private:
    void onText(const QString& message);

    QWebSocket m_socket;
    QHash<qint64, Reply> m_replies;
    QHash<qint64, Progress> m_progress;
    QHash<qint64, DetailedProgress> m_detailed;
    qint64 m_nextId = 1;
    bool m_ready = false;
    QJsonObject m_hello;
};

} // namespace vivarium
