#include "Run.h"

#include "Log.h"

namespace vivarium {

Run::Run(std::unique_ptr<RunRecord> record, QObject* parent)
    : QObject(parent), m_record(std::move(record)) {}

void Run::addOutput(OutputKind kind, const QByteArray& data) {
    if (finished())
        return;
    if (auto s = m_record->appendOutput(kind, data); !s)
        qCWarning(lcSandbox) << s.error().text();
    emit output(kind, data);
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
