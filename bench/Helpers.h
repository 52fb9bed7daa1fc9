// Small helpers shared by the benchmark files: printing, ratios, and sandboxes that are
// removed whatever happens.
#pragma once

#include "Benchmarks.h"

#include <QJsonValue>

#include <cmath>
#include <cstdio>
#include <optional>

namespace bench {

inline constexpr int kBootTimeoutMs = 120000; // a sandbox create includes up to 3 boot attempts

template <typename... A> void say(const char* format, A... args) {
    std::printf(format, args...);
    std::fflush(stdout);
}
// printf arguments from Qt values.
struct S {
    QByteArray b;
    S(const QString& s) : b(s.toLocal8Bit()) {}
    S(int v) : b(QByteArray::number(v)) {}
    S(qint64 v) : b(QByteArray::number(v)) {}
    const char* c() const { return b.constData(); }
};

inline void fail(const QString& what) {
    std::fprintf(stderr, "  error: %s\n", qPrintable(what));
    std::fflush(stderr);
}

inline double ratio(double ours, double base) { return base > 0 ? ours / base : NAN; }

inline QJsonValue round3(double v) {
    return std::isnan(v) ? QJsonValue() : QJsonValue(std::round(v * 1000.0) / 1000.0);
}

// A sandbox made by a benchmark: removed when the scope ends, whatever happened.
class ScopedSandbox {
public:
    explicit ScopedSandbox(Api& api) : m_api(api) {}
    ~ScopedSandbox() { reset(); }
    void set(const QString& id) { m_id = id; }
    const QString& id() const { return m_id; }
    void reset() {
        if (m_id.isEmpty())
            return;
        QString error;
        if (!m_api.remove(m_id, &error))
            fail("cannot remove sandbox " + m_id + ": " + error);
        m_id.clear();
    }

private:
    Api& m_api;
    QString m_id;
};

inline std::optional<QString> createReady(Context& ctx, ScopedSandbox& sb, QString* error) {
    auto id = ctx.api.create("tiny", kBootTimeoutMs, error);
    if (id)
        sb.set(*id);
    return id;
}

} // namespace bench
