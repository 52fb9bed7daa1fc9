#include "Terminal.h"

#include <csignal>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace vivarium {

namespace {
int g_winchPipe[2] = {-1, -1};
void onWinch(int) {
    const char c = 1;
    (void)!::write(g_winchPipe[0], &c, 1);
}
} // namespace

Terminal::Terminal(QObject* parent) : QObject(parent) {}

Terminal::~Terminal() { restore(); }

bool Terminal::isTerminal(int fd) { return ::isatty(fd) == 1; }

bool Terminal::enterRawMode() {
    if (!isTerminal(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &m_saved) != 0)
        return false;
    termios raw = m_saved;
    cfmakeraw(&raw);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0)
        return false;
    m_raw = true;
    if (g_winchPipe[0] < 0)
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, g_winchPipe);
    m_winch = std::make_unique<QSocketNotifier>(g_winchPipe[1], QSocketNotifier::Read);
    connect(m_winch.get(), &QSocketNotifier::activated, this, [this] {
        char buf[64];
        while (::read(g_winchPipe[1], buf, sizeof buf) > 0) {
        }
        const auto [rows, cols] = size();
        emit resized(rows, cols);
    });
    std::signal(SIGWINCH, onWinch);
    return true;
}

void Terminal::restore() {
    if (m_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &m_saved);
        m_raw = false;
    }
}

std::pair<int, int> Terminal::size() {
    winsize ws{};
    for (int fd : {STDIN_FILENO, STDOUT_FILENO})
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
            return {ws.ws_row, ws.ws_col};
    return {24, 80};
}

} // namespace vivarium
