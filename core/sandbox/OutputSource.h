// Something whose output is kept in an OutputLog and can be followed: a run, or a file
// being downloaded from a guest. Followers (core/api/RunFollower) replay the log from any
// record boundary and then take new records live from `output`, until `exited`.
#pragma once

#include "OutputLog.h"

#include <QObject>

namespace vivarium {

class OutputSource : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    virtual QString outputPath() const = 0;
    virtual qint64 outputLogSize() const = 0;
    virtual bool finished() const = 0;

signals:
    // `start`/`end`: the record's byte range in the log, so a follower that has read up to
    // `start` can take this chunk live and one that has not can catch up. -1 when the chunk
    // could not be stored (then live is the only way it is delivered).
    void output(vivarium::OutputKind kind, const QByteArray& data, qint64 start, qint64 end);
    void exited();
};

} // namespace vivarium
