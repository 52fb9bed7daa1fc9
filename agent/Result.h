// Errors as values for the agent: the same shape as core/common/Result.h, without Qt.
// An Error's code is the protocol's stable Error code when it reaches the host
// ("not_found", "exec_failed", ...); its message is one line for a person.
// Nothing in the agent lets an exception cross a function boundary on purpose.
#pragma once

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace vivarium::agent {

struct Error {
    std::string code;
    std::string message;

    Error wrap(const std::string& context) const { return {code, context + ": " + message}; }
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

// The protocol code for an errno from a file or exec operation.
inline const char* errnoCode(int err) {
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return "not_found";
    case EACCES:
    case EPERM:
    case EROFS:
        return "permission_denied";
    case EISDIR:
        return "is_a_directory";
    default:
        return "io_error";
    }
}

// "<what>: <strerror>" with the matching code; `err` is passed explicitly because any call
// in between (even building `what`) may clobber errno.
inline Error errnoError(int err, const std::string& what) {
    return {errnoCode(err), what + ": " + std::strerror(err)};
}

} // namespace vivarium::agent
