// The terminal emulator: a headless screen over libvterm. Bytes from the run's pty go in
// (feed), cells, cursor and damage come out; keys go in and the bytes to send to the pty come
// out through the output handler. It is the only file that includes <vterm.h> (the wrapper
// owns the VTerm with RAII). It must not know about widgets, painting or the API: the view
// (TerminalWidget) reads it, the transport (TerminalTab) feeds it.
//
// libvterm 0.1.4 has no reflow and no scrollback of its own: lines scrolled off the top come
// to us through sb_pushline and are kept here (bounded, and without their blank right-hand
// cells, so a long scrollback of short lines stays small); sb_popline gives them back when
// the screen grows taller.
#pragma once

#include <QByteArray>
#include <QRect>
#include <QRgb>
#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace vivarium::gui {

// One cell, with colours resolved to RGB. A default colour has its flag set (the view then
// uses its palette); an indexed colour keeps its index (0–255), else -1.
struct TerminalCell {
    QString text;        // empty for a blank cell or the right half of a wide character
    int width = 1;       // 2 for a wide character, 0 for the cell covered by one
    QRgb fg = 0, bg = 0;
    bool fgDefault = true, bgDefault = true;
    int fgIndex = -1, bgIndex = -1;
    bool bold = false, underline = false, italic = false, reverse = false, strike = false;
};

using TerminalLine = std::vector<TerminalCell>;

class VTermScreen {
public:
    enum class Key { Enter, Tab, Backspace, Escape, Up, Down, Left, Right, Insert, Delete,
                     Home, End, PageUp, PageDown, F1, F2, F3, F4, F5, F6, F7, F8, F9, F10,
                     F11, F12 };
    enum Modifier { NoModifier = 0, Shift = 1, Alt = 2, Ctrl = 4 };
    Q_DECLARE_FLAGS(Modifiers, Modifier)

    static constexpr int kDefaultScrollbackLines = 5000;

    VTermScreen(int rows, int cols, int scrollbackLines = kDefaultScrollbackLines);
    ~VTermScreen();
    VTermScreen(const VTermScreen&) = delete;
    VTermScreen& operator=(const VTermScreen&) = delete;

    void feed(const QByteArray& bytes);
    void resize(int rows, int cols);
    void reset(); // a fresh screen and no scrollback, for a new session

    int rows() const;
    int cols() const;
    TerminalCell cell(int row, int col) const;
    TerminalLine line(int row) const;
    QString rowText(int row) const; // the row's characters, trailing blanks trimmed

    QPoint cursor() const; // x = column, y = row
    bool cursorVisible() const;
    bool altScreen() const;
    QString title() const;

    // Scrollback, oldest first. Lines keep the width they had when they scrolled off, minus
    // trailing blank cells.
    int scrollbackSize() const;
    int scrollbackLimit() const;
    void setScrollbackLimit(int lines); // drops the oldest lines over a lower limit
    const TerminalLine& scrollbackLine(int index) const;
    static QString lineText(const TerminalLine& line);
    // Everything there is to read: the scrollback, then the screen's rows, one line each,
    // without trailing blank lines.
    QString text() const;

    // Damaged cells since the last call, in cells (x = column, y = row); empty when none.
    // A scroll also counts as damage (scrolled = true), since the whole view moves.
    QRect takeDamage(bool* scrolled = nullptr);

    // Keys and text to bytes for the pty; the bytes come out through the output handler.
    void setOutputHandler(std::function<void(const QByteArray&)> handler);
    void sendKey(Key key, Modifiers mods = NoModifier);
    void sendChar(char32_t c, Modifiers mods = NoModifier);
    void sendText(const QString& text); // e.g. a paste, bracketed when the program asked

    struct Impl;

private:
    std::unique_ptr<Impl> d;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(VTermScreen::Modifiers)

} // namespace vivarium::gui
