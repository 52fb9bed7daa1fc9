// The output pane of the Runs tab: a header line (run number, status, command), the export
// menu, and the selected run's output on our terminal widget in read-only mode, so colours,
// cursor movement and progress bars look as they did on the run's terminal. Nothing typed
// here reaches any run.
//
// It is fed bytes (the sandbox view replays what RunsModel kept, then live output) and feeds
// the emulator in slices, a few milliseconds per event-loop turn, so a selected run with
// megabytes of output never holds up the window; the widget repaints its damage on a timer. Pipe runs end lines with a
// bare "\n", which a terminal only moves down on: they are fed with "\r\n" (LfToCrlf).
#pragma once

#include "RunExport.h"

#include <QJsonObject>
#include <QTimer>
#include <QWidget>

class QLabel;
class QStackedWidget;
class QToolButton;

namespace vivarium::gui {

class RunExportActions;
class TerminalWidget;

class RunOutputView : public QWidget {
    Q_OBJECT
public:
    static constexpr int kScrollbackLines = 10000;
    static constexpr qsizetype kFeedSlice = 32 * 1024; // bytes fed to the emulator at once
    static constexpr int kFeedBudgetMs = 8;             // feeding time per event-loop turn
    // A backlog bigger than this (output arriving faster than the emulator takes it in) is
    // skipped down to its last kKeepOnSkip bytes: more than the scrollback holds would only
    // scroll through unseen, and the window would fall ever further behind the run.
    static constexpr qsizetype kMaxBacklog = 4 * 1024 * 1024;
    static constexpr qsizetype kKeepOnSkip = 256 * 1024; // within the scrollback, note included

    explicit RunOutputView(QWidget* parent = nullptr);

    // A fresh screen for `run` (a run object of the API); an empty object shows nothing.
    void showRun(const QJsonObject& run);
    void clear() { showRun({}); }
    void appendOutput(const QByteArray& bytes);
    void appendNote(const QString& text); // a line of ours, e.g. that output was cut
    void setHeader(const QString& text);

    TerminalWidget* terminal() const { return m_terminal; }
    RunExportActions* exporter() const { return m_exporter; }
    QString text() const; // what the terminal shows, scrollback included
    bool feeding() const { return m_fed < m_queue.size(); }
    qint64 skippedBytes() const { return m_skipped; }

signals:
    // The terminal's width changed while a run was shown: lines already drawn keep their
    // old wrapping (libvterm has no reflow), so the owner may want to replay the run.
    void widthChanged();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void feedSome();
    void updateHeader();

    QLabel* m_header;
    QToolButton* m_export;
    QLabel* m_status;
    QStackedWidget* m_stack;
    TerminalWidget* m_terminal;
    RunExportActions* m_exporter;
    QString m_headerText;
    bool m_shown = false;
    qint64 m_run = 0;
    bool m_pipe = false;
    LfToCrlf m_crlf;
    QByteArray m_queue; // bytes not fed yet, from m_fed on
    qsizetype m_fed = 0;
    qint64 m_skipped = 0; // bytes of the shown run skipped so far
    QTimer m_feeder;
    QTimer m_widthSettled;
    int m_cols = 0;
};

} // namespace vivarium::gui
