// `vivarium --screenshot FILE`: waits until the window shows a live picture (a sandbox
// selected, a run selected with its output), saves the window as a PNG and quits. For
// documentation; it drives the real window against the real service, like a user would.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>
#include <QElapsedTimer>

namespace vivarium::gui {

class MainWindow;

class ScreenshotMode : public QObject {
    Q_OBJECT
public:
    // `tab`: the sandbox view's tab to show (its title without '&', case-insensitive, e.g.
    // "network"); empty: Runs.
    ScreenshotMode(MainWindow* window, QString file, QString tab = {}, QObject* parent = nullptr);
    void start();

signals:
    void finished(int exitCode);

private:
    void poll();

    MainWindow* m_window;
    QString m_file;
    QString m_tab;
    QTimer m_poll;
    QElapsedTimer m_clock;
    int m_settled = 0;
};

} // namespace vivarium::gui
