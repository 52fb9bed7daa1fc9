// A real HTTP server on the host for the network tests: it records every request head and
// answers each with what the test's handler returns (a whole response). A response that says
// `Connection: close` ends its connection; others keep it alive. It runs on the test's event
// loop: run `viv` with ServiceFixture::vivServing while it must answer.
#pragma once

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

class HttpResponder : public QObject {
public:
    using Handler = std::function<QByteArray(const QByteArray& head)>;

    explicit HttpResponder(Handler handler) : m_handler(std::move(handler)) {}

    bool listen(const QHostAddress& address = QHostAddress::LocalHost) {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* s = m_server.nextPendingConnection()) {
                s->setParent(this);
                connect(s, &QTcpSocket::readyRead, s, [this, s] { serve(s); });
            }
        });
        return m_server.listen(address, 0);
    }
    quint16 port() const { return m_server.serverPort(); }

    // "HTTP/1.1 <status>" with a body and its length.
    static QByteArray response(const QByteArray& status, const QByteArray& body,
                               const QByteArray& extraHeaders = {}) {
        return "HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " +
               QByteArray::number(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
    }

    QList<QByteArray> heads; // every request head, in arrival order

private:
    void serve(QTcpSocket* s) {
        QByteArray& buffer = m_buffers[s];
        buffer += s->readAll();
        for (qsizetype end; (end = buffer.indexOf("\r\n\r\n")) >= 0;) {
            const QByteArray head = buffer.left(end);
            buffer.remove(0, end + 4);
            heads << head;
            const QByteArray answer = m_handler(head);
            s->write(answer);
            if (answer.left(answer.indexOf("\r\n\r\n")).toLower().contains("connection: close")) {
                s->disconnectFromHost();
                return;
            }
        }
    }

    Handler m_handler;
    QTcpServer m_server;
    QHash<QTcpSocket*, QByteArray> m_buffers;
};
