// The agent's settings from the kernel command line: every `vivarium.KEY=VALUE` word.
// Read from a file path so tests (and `--cmdline FILE`) can replace /proc/cmdline.
// Unknown keys are kept but ignored by callers; nothing here validates values.
#pragma once

#include "Result.h"

#include <map>
#include <string>
#include <string_view>

namespace vivarium::agent {

class KernelCommandLine {
public:
    static constexpr const char* kDefaultPath = "/proc/cmdline";

    // Parses the text with the kernel's quoting rules: words split on whitespace, double
    // quotes group (`vivarium.x="a b"`), the last occurrence of a key wins.
    static KernelCommandLine parse(std::string_view text);
    static Result<KernelCommandLine> load(const std::string& path = kDefaultPath);

    // `key` without the "vivarium." prefix, e.g. value("root", "/dev/vda").
    std::string value(std::string_view key, std::string_view fallback = {}) const;
    bool has(std::string_view key) const { return m_values.find(key) != m_values.end(); }

private:
    std::map<std::string, std::string, std::less<>> m_values;
};

} // namespace vivarium::agent
