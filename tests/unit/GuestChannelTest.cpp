// GuestChannel against a hostile "guest": a local socket server in the test that sends
// garbage, oversized lengths, host-only frames and forged acks. The channel must keep going
// and still deliver the valid frames that follow.
#include "GuestChannel.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace vivarium;
using protocol::FrameType;

namespace {
QByteArray frame(FrameType t, quint32 stream, const QByteArray& payload) {
    std::vector<std::uint8_t> out;
    protocol::encodeFrame(out, t, stream, std::string_view(payload.constData(), size_t(payload.size())));
    return QByteArray(reinterpret_cast<const char*>(out.data()), qsizetype(out.size()));
}
} // namespace

class GuestChannelTest : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QLocalServer m_server;
    QLocalSocket* m_guest = nullptr;
    GuestChannel m_channel;

private slots:
    void init() {
        QLocalServer::removeServer(m_dir.filePath("g.sock"));
        QVERIFY(m_server.listen(m_dir.filePath("g.sock")));
        QSignalSpy connected(&m_channel, &GuestChannel::connected);
        m_channel.connectTo(m_dir.filePath("g.sock"));
        QVERIFY(m_server.waitForNewConnection(5000));
        m_guest = m_server.nextPendingConnection();
        QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 5000);
    }
    void cleanup() {
        m_channel.close();
        m_server.close();
    }

    void garbageThenHello() {
        QSignalSpy hello(&m_channel, &GuestChannel::hello);
        QSignalSpy errors(&m_channel, &GuestChannel::protocolError);
        QByteArray junk(3000, Qt::Uninitialized);
        for (auto& c : junk)
            c = char(QRandomGenerator::global()->bounded(256) & 0x75); // never the magic 0x76
        m_guest->write(junk);
        m_guest->write(frame(FrameType::Hello, 0, R"({"version":1,"agent":"a","hostname":"h"})"));
        m_guest->flush();
        QVERIFY(hello.wait(5000));
        QVERIFY(errors.size() >= 1);
        QVERIFY(m_channel.corruptFrames() >= 1);
    }

    void oversizedLengthIsSkipped() {
        QSignalSpy frames(&m_channel, &GuestChannel::streamFrame);
        QByteArray huge = frame(FrameType::Stdout, 1, "x");
        huge[8] = huge[9] = huge[10] = char(0xff);
        m_guest->write(huge);
        m_guest->write(frame(FrameType::Stdout, 2, "valid"));
        m_guest->flush();
        QTRY_COMPARE_WITH_TIMEOUT(frames.size(), 1, 5000);
        const auto f = frames.first().first().value<protocol::Frame>();
        QCOMPARE(f.stream, 2u);
        QCOMPARE(QByteArray(f.payloadText().data(), qsizetype(f.payload.size())), QByteArray("valid"));
    }

    void hostOnlyAndMalformedFramesAreReported() {
        QSignalSpy errors(&m_channel, &GuestChannel::protocolError);
        QSignalSpy hello(&m_channel, &GuestChannel::hello);
        QSignalSpy synced(&m_channel, &GuestChannel::synced);
        m_guest->write(frame(FrameType::Exec, 5, R"({"argv":["sh"]})"));
        m_guest->write(frame(FrameType::Shutdown, 0, R"({"action":"poweroff"})"));
        m_guest->write(frame(FrameType::Hello, 0, "{not json"));
        // A SyncAck with a nonce the host never sent is ignored.
        m_guest->write(frame(FrameType::SyncAck, 0, R"({"version":1,"nonce":12345})"));
        // A window credit for a stream the host never opened changes nothing.
        m_guest->write(frame(FrameType::Window, 9, R"({"bytes":4294967295})"));
        m_guest->flush();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 3, 5000);
        QCOMPARE(hello.size(), 0);
        QCOMPARE(synced.size(), 0);
        QCOMPARE(m_channel.queuedStreamBytes(9), 0);
    }

    void stdinHonoursTheWindow() {
        const QByteArray data(3 * 1024 * 1024, 'd');
        m_channel.sendStreamData(FrameType::Stdin, 4, data);
        // Only one window's worth is sent until the guest acknowledges.
        QCOMPARE(m_channel.queuedStreamBytes(4), qint64(data.size() - protocol::kStreamWindow));
        QByteArray received;
        protocol::FrameReader reader;
        auto drain = [&] {
            const QByteArray b = m_guest->readAll();
            reader.append(std::span(reinterpret_cast<const std::uint8_t*>(b.constData()), size_t(b.size())));
            while (auto f = reader.next())
                received.append(reinterpret_cast<const char*>(f->payload.data()), qsizetype(f->payload.size()));
        };
        QTRY_VERIFY_WITH_TIMEOUT((drain(), received.size() == qsizetype(protocol::kStreamWindow)), 5000);
        m_guest->write(frame(FrameType::Window, 4, QByteArray::fromStdString(protocol::windowJson(protocol::kStreamWindow))));
        m_guest->flush();
        QTRY_VERIFY_WITH_TIMEOUT((drain(), received.size() == qsizetype(2 * protocol::kStreamWindow)), 5000);
    }
};

QTEST_GUILESS_MAIN(GuestChannelTest)
#include "GuestChannelTest.moc"
