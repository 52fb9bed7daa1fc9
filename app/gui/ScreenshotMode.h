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
    ScreenshotMode(MainWindow* window, QString file, QObject* parent = nullptr);
    void start();

signals:
    void finished(int exitCode);

private:
    void poll();

    MainWindow* m_window;
    QString m_file;
    QTimer m_poll;
    QElapsedTimer m_clock;
    int m_settled = 0;
};

} // namespace vivarium::gui
