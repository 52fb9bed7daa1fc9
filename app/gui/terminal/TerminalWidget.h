// The terminal view: paints a VTermScreen with QPainter and turns keys, pastes and its own
// size into bytes and (rows, cols) for whoever carries them (TerminalTab). It never talks to
// the API and never includes libvterm. Output is fed to the emulator at once, but painting
// is coalesced: damage collects and is repainted on a ~16 ms timer, not per byte.
// Read-only (a recorded run's output, RunOutputView): no key, paste or terminal reply ever
// leaves it; selecting, copying, scrolling and zooming still work, and no cursor is drawn.
#pragma once

#include "VTermScreen.h"

#include <QAbstractScrollArea>
#include <QTimer>

namespace vivarium::gui {

class TerminalWidget : public QAbstractScrollArea {
    Q_OBJECT
public:
    explicit TerminalWidget(QWidget* parent = nullptr);
    ~TerminalWidget() override;

    void feed(const QByteArray& bytes); // output of the program
    void reset();                       // a fresh screen for a new session
    void setReadOnly(bool readOnly);
    bool isReadOnly() const { return m_readOnly; }
    void setScrollbackLines(int lines) { m_screen.setScrollbackLimit(lines); }
    QString plainText() const { return m_screen.text(); } // scrollback and screen
    VTermScreen& screen() { return m_screen; }
    int rows() const { return m_screen.rows(); }
    int cols() const { return m_screen.cols(); }
    QSize cellSize() const { return m_cell; }
    QString selectedText() const;
    void copySelection();
    void paste();
    void zoom(int steps); // font size in points; 0 resets

signals:
    void input(const QByteArray& bytes); // to the program's stdin
    void resized(int rows, int cols);

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void changeEvent(QEvent* event) override;
    bool focusNextPrevChild(bool next) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    void repaintDamage();
    void updateFontMetrics();
    void updateSize();
    void updateScrollBar();
    int scrollOffset() const; // lines scrolled back from the bottom
    const TerminalLine* lineAt(int absLine, TerminalLine& storage) const;
    QPoint cellAt(const QPoint& pos) const; // x = column, y = absolute line
    bool isSelected(int absLine, int col) const;

    VTermScreen m_screen;
    QTimer m_repaint;
    QFont m_font;
    int m_basePointSize = 0;
    QSize m_cell{8, 16};
    int m_ascent = 12;
    // Selection in absolute lines: negative = scrollback (-1 is its newest line).
    bool m_selecting = false;
    QPoint m_selStart{-1, 0}, m_selEnd{-1, 0};
    bool m_hasSelection = false;
    bool m_readOnly = false;
    QAction* m_copy = nullptr; // the context menu's, in read-only mode
};

} // namespace vivarium::gui
