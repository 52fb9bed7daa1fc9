// The WebSocket API's wire constants, written once and shared by the server (ApiSession),
// the client (ApiClient) and the tests. docs/api.md documents every message.
//
// Text frames carry JSON objects. Binary frames carry run data:
//   u8 kind, u32 little-endian channel, then bytes.
//   kind 1 = stdout, 2 = stderr (server→client); kind 0 = stdin (client→server, an empty
//   payload closes the run's stdin); kind 3 = file data (either way, an empty payload ends
//   an upload).
#pragma once

#include <QByteArray>
#include <QtGlobal>

#include <optional>

namespace vivarium::api {

inline constexpr int kVersion = 1;
inline constexpr quint16 kDefaultPort = 8270;
// Largest message a client may send (JSON or binary): bigger ones get a "too_large" error.
inline constexpr qint64 kMaxMessage = 1024 * 1024;
// Past this the WebSocket layer closes the connection instead of buffering the message.
inline constexpr qint64 kHardMaxMessage = 64 * 1024 * 1024;
// What may be queued towards one client before its followers fall back to the run record.
inline constexpr qint64 kSendBudget = 4 * 1024 * 1024;
inline constexpr int kBinaryHeader = 5;

enum class DataKind : quint8 { Stdin = 0, Stdout = 1, Stderr = 2, File = 3 };

inline QByteArray dataFrame(DataKind kind, quint32 channel, const QByteArray& data) {
    QByteArray out;
    out.reserve(kBinaryHeader + data.size());
    out.append(char(kind));
    for (int i = 0; i < 4; ++i)
        out.append(char((channel >> (8 * i)) & 0xff));
    out.append(data);
    return out;
}

struct DataFrame {
    DataKind kind;
    quint32 channel;
    QByteArray data;
};

inline std::optional<DataFrame> parseDataFrame(const QByteArray& frame) {
    if (frame.size() < kBinaryHeader || quint8(frame[0]) > 3)
        return std::nullopt;
    quint32 channel = 0;
    for (int i = 0; i < 4; ++i)
        channel |= quint32(quint8(frame[1 + i])) << (8 * i);
    return DataFrame{DataKind(quint8(frame[0])), channel, frame.mid(kBinaryHeader)};
}

} // namespace vivarium::api
