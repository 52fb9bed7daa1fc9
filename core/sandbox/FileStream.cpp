#include "FileStream.h"

#include "GuestProtocol.h"
#include "Log.h"

#include <QFile>
#include <QJsonArray>

namespace vivarium {

using protocol::FrameType;

namespace {
constexpr int kAnswerTimeoutMs = 30000; // stat/list/remove, and silence on any stream
}

QJsonObject fileInfoJson(const protocol::FileInfo& i) {
    QJsonObject o{{"type", QString::fromLatin1(protocol::fileKindName(i.type).data(),
                                               qsizetype(protocol::fileKindName(i.type).size()))},
                  {"size", qint64(i.size)},
                  {"mode", qint64(i.mode)},
                  {"mtime", qint64(i.mtime)},
                  {"uid", qint64(i.uid)},
                  {"gid", qint64(i.gid)}};
    if (i.type == protocol::FileKind::Symlink)
        o["target"] = QString::fromStdString(i.target);
    return o;
}

FileStream::FileStream(Kind kind, quint32 stream, QString path, QString spoolPath, QObject* parent)
    : OutputSource(parent), m_kind(kind), m_stream(stream), m_path(std::move(path)) {
    if (kind == Kind::Download)
        if (auto s = m_spool.open(spoolPath, /*truncate=*/true); !s)
            qCWarning(lcSandbox) << s.error().text();
    // An agent that does not know a request (older image) stays silent: give up in time.
    m_timeout.setSingleShot(true);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        finish(makeError("timeout", "The guest did not answer the file request for " + m_path +
                                        " (is the sandbox's image older than this host?)"));
    });
    m_timeout.start(kAnswerTimeoutMs);
    // Window credits come through GuestChannel, not onFrame: they are signs of life too.
    connect(this, &FileStream::credit, this, [this] {
        if (!m_finished)
            m_timeout.start(kAnswerTimeoutMs);
    });
}

FileStream::~FileStream() {
    if (m_kind == Kind::Download) {
        m_spool.close();
        QFile::remove(m_spool.path());
    }
}

void FileStream::finish(Result<QJsonObject> result) {
    if (m_finished)
        return;
    m_finished = true;
    m_timeout.stop();
    emit done(result);
    emit exited();
}

void FileStream::fail(const Error& error) { finish(error); }

void FileStream::onFrame(const protocol::Frame& f) {
    if (m_finished)
        return;
    m_timeout.start(kAnswerTimeoutMs);
    const QByteArray bytes(reinterpret_cast<const char*>(f.payload.data()), qsizetype(f.payload.size()));
    switch (f.type) {
    case FrameType::Window:
        if (auto n = protocol::parseWindow(f.payloadText()); n && m_kind == Kind::Upload)
            emit credit(qint64(*n));
        return;
    case FrameType::FileInfo: {
        auto i = protocol::parseFileInfo(f.payloadText());
        if (!i)
            return finish(makeError("guest_error", "The guest sent malformed file information",
                                    QString::fromStdString(i.error)));
        m_info = fileInfoJson(*i);
        if (m_kind == Kind::Download)
            emit info(m_info);
        return;
    }
    case FrameType::FileEntries: {
        auto e = protocol::parseFileEntries(f.payloadText());
        if (!e || m_kind != Kind::List)
            return finish(makeError("guest_error", "The guest sent a malformed directory listing",
                                    QString::fromStdString(e.error)));
        for (const auto& entry : e->entries) {
            if (m_entries.size() >= qsizetype(protocol::kMaxListEntries))
                return finish(makeError("too_many_entries",
                                        "The directory " + m_path + " has too many entries to list."));
            QJsonObject o = fileInfoJson(entry.info);
            o["name"] = QString::fromStdString(entry.name);
            m_entries.append(o);
        }
        return;
    }
    case FrameType::FileData:
        if (m_kind != Kind::Download)
            return finish(makeError("guest_error", "The guest sent file data on a " +
                                                       QString(m_kind == Kind::Upload ? "upload" : "request") +
                                                       " stream"));
        if (auto r = m_spool.append(OutputKind::Stdout, bytes); r) {
            m_bytes += bytes.size();
            emit output(OutputKind::Stdout, bytes, r->start, r->end);
        } else {
            finish(r.error().wrap("Cannot spool the download of " + m_path));
        }
        return;
    case FrameType::FileEnd:
        switch (m_kind) {
        case Kind::Upload:
            return finish(QJsonObject{{"path", m_path}, {"size", m_bytes}});
        case Kind::Download:
            return finish(QJsonObject{{"path", m_path}, {"size", m_bytes}});
        case Kind::Stat:
            if (m_info.isEmpty())
                return finish(makeError("guest_error", "The guest ended a stat without an answer"));
            return finish(QJsonObject{{"path", m_path}, {"stat", m_info}});
        case Kind::List:
            return finish(QJsonObject{{"path", m_path}, {"entries", m_entries}});
        case Kind::Remove:
            return finish(QJsonObject{{"path", m_path}});
        }
        return;
    case FrameType::Error: {
        auto e = protocol::parseStreamError(f.payloadText());
        return finish(e ? makeError(QString::fromStdString(e->code), QString::fromStdString(e->message))
                        : makeError("guest_error", "The guest reported an error on " + m_path));
    }
    default:
        return finish(makeError("guest_error", QString("The guest sent an unexpected %1 frame")
                                                   .arg(QString::fromLatin1(protocol::frameTypeName(f.type).data()))));
    }
}

} // namespace vivarium
