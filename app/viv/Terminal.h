// The local terminal for `viv exec -t`: raw mode for the duration (restored on every exit
// path), the window size, and SIGWINCH delivered into the Qt event loop.
#pragma once

#include <QObject>
#include <QSocketNotifier>

#include <memory>
#include <termios.h>

namespace vivarium {

class Terminal : public QObject {
    Q_OBJECT
public:
    explicit Terminal(QObject* parent = nullptr);
    ~Terminal() override;

    static bool isTerminal(int fd);
    bool enterRawMode(); // stdin; false when stdin is not a terminal
    void restore();
    static std::pair<int, int> size(); // rows, cols (24x80 when unknown)

signals:
    void resized(int rows, int cols);

private:
    bool m_raw = false;
    termios m_saved{};
    std::unique_ptr<QSocketNotifier> m_winch;
};

} // namespace vivarium
