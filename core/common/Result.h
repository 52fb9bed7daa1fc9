// Errors as values. C++20 on GCC 12 has no std::expected, so this is the project's one
// Result type: a value or an Error (stable code, one-line message for a user, detail).
// Errors gain context as they rise (wrap), and never cross a module as exceptions.
#pragma once

#include <QString>

#include <optional>
#include <utility>
#include <variant>

namespace vivarium {

struct Error {
    QString code;    // stable identifier for programs, e.g. "libvirt", "not_found"
    QString message; // one line that says what failed and what to do
    QString detail;  // optional: the underlying cause, for an expandable view or a log

    Error wrap(const QString& context) const {
        return {code, context + ": " + message, detail};
    }
    QString text() const { return detail.isEmpty() ? message : message + " (" + detail + ")"; }
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error error) : m_v(std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    const Error& error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

template <> class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}
    bool ok() const { return !m_error; }
    explicit operator bool() const { return ok(); }
    const Error& error() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

using Status = Result<void>;

inline Error makeError(QString code, QString message, QString detail = {}) {
    return Error{std::move(code), std::move(message), std::move(detail)};
}

} // namespace vivarium
