// See KernelCommandLine.h.
#include "KernelCommandLine.h"

#include "BoundedRead.h"

#include <fcntl.h>
#include <unistd.h>

#include "UniqueFd.h"

namespace vivarium::agent {

namespace {
constexpr std::string_view kPrefix = "vivarium.";
// The kernel's own limit is a few KiB; anything near this is not a command line.
constexpr std::size_t kMaxSize = 64 * 1024;

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
} // namespace

KernelCommandLine KernelCommandLine::parse(std::string_view text) {
    KernelCommandLine result;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && isSpace(text[i]))
            ++i;
        std::string word;
        bool quoted = false;
        for (; i < text.size() && (quoted || !isSpace(text[i])); ++i) {
            if (text[i] == '"')
                quoted = !quoted;
            else
                word.push_back(text[i]);
        }
        if (word.size() <= kPrefix.size() || word.compare(0, kPrefix.size(), kPrefix) != 0)
            continue;
        const std::size_t eq = word.find('=');
        const std::string key = word.substr(
            kPrefix.size(), eq == std::string::npos ? std::string::npos : eq - kPrefix.size());
        if (key.empty())
            continue;
        result.m_values[key] = eq == std::string::npos ? std::string() : word.substr(eq + 1);
    }
    return result;
}

Result<KernelCommandLine> KernelCommandLine::load(const std::string& path) {
    auto text = readBounded(path, kMaxSize);
    if (!text)
        return text.error();
    return parse(text.value());
}

std::string KernelCommandLine::value(std::string_view key, std::string_view fallback) const {
    const auto it = m_values.find(key);
    return it == m_values.end() ? std::string(fallback) : it->second;
}

} // namespace vivarium::agent
