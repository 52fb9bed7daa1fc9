#include "Run.h"

#include "Log.h"

namespace vivarium {

Run::Run(std::unique_ptr<RunRecord> record, QObject* parent)
    : OutputSource(parent), m_record(std::move(record)) {}

void Run::addOutput(OutputKind kind, const QByteArray& data) {
    if (finished())
        return;
    const auto range = m_record->appendOutput(kind, data);
    if (!range) {
        // Not stored means not replayable: followers still get it live.
        qCWarning(lcSandbox) << range.error().text();
        emit output(kind, data, -1, -1);
        return;
    }
    emit output(kind, data, range->start, range->end);
}

void Run::finish(std::optional<int> exitCode, int signal, const QString& error,
                 const QString& errorCode) {
    if (finished())
        return;
    if (auto s = m_record->finish(exitCode, signal, error, errorCode); !s)
        qCWarning(lcSandbox) << s.error().text();
    emit exited();
}

} // namespace vivarium
