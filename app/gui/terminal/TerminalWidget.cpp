#include "TerminalWidget.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFontDatabase>
#include <QKeyEvent>
#include <QPainter>
#include <QScrollBar>

namespace vivarium::gui {

namespace {
constexpr int kRepaintMs = 16;

std::optional<VTermScreen::Key> keyOf(int qtKey) {
    using K = VTermScreen::Key;
    switch (qtKey) {
    case Qt::Key_Return:
    case Qt::Key_Enter: return K::Enter;
    case Qt::Key_Tab:
    case Qt::Key_Backtab: return K::Tab;
    case Qt::Key_Backspace: return K::Backspace;
    case Qt::Key_Escape: return K::Escape;
    case Qt::Key_Up: return K::Up;
    case Qt::Key_Down: return K::Down;
    case Qt::Key_Left: return K::Left;
    case Qt::Key_Right: return K::Right;
    case Qt::Key_Insert: return K::Insert;
    case Qt::Key_Delete: return K::Delete;
    case Qt::Key_Home: return K::Home;
    case Qt::Key_End: return K::End;
    case Qt::Key_PageUp: return K::PageUp;
    case Qt::Key_PageDown: return K::PageDown;
    default:
        if (qtKey >= Qt::Key_F1 && qtKey <= Qt::Key_F12)
            return K(int(K::F1) + (qtKey - Qt::Key_F1));
        return std::nullopt;
    }
}

VTermScreen::Modifiers modsOf(Qt::KeyboardModifiers m) {
    VTermScreen::Modifiers out;
    if (m & Qt::ShiftModifier)
        out |= VTermScreen::Shift;
    if (m & Qt::AltModifier)
        out |= VTermScreen::Alt;
    if (m & Qt::ControlModifier)
        out |= VTermScreen::Ctrl;
    return out;
}
} // namespace

TerminalWidget::TerminalWidget(QWidget* parent) : QAbstractScrollArea(parent), m_screen(24, 80) {
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_InputMethodEnabled, false);
    viewport()->setCursor(Qt::IBeamCursor);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setAccessibleName(tr("Terminal"));
    m_font = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_basePointSize = m_font.pointSize() > 0 ? m_font.pointSize() : 10;
    m_repaint.setSingleShot(true);
    m_repaint.setInterval(kRepaintMs);
    connect(&m_repaint, &QTimer::timeout, this, &TerminalWidget::repaintDamage);
    // Replies the emulator makes itself (cursor reports, …) go to the program like keys do.
    m_screen.setOutputHandler([this](const QByteArray& bytes) {
        if (!m_readOnly)
            emit input(bytes);
    });
    m_copy = new QAction(tr("&Copy"), this);
    m_copy->setShortcut(QKeySequence::Copy);
    m_copy->setShortcutContext(Qt::WidgetShortcut);
    connect(m_copy, &QAction::triggered, this, &TerminalWidget::copySelection);
    updateFontMetrics();
}

void TerminalWidget::setReadOnly(bool readOnly) {
    m_readOnly = readOnly;
    // A shell needs Tab and Ctrl+C; a read-only view gives them back to the window.
    setContextMenuPolicy(readOnly ? Qt::ActionsContextMenu : Qt::DefaultContextMenu);
    if (readOnly)
        addAction(m_copy);
    else
        removeAction(m_copy);
    viewport()->update();
}

TerminalWidget::~TerminalWidget() { m_screen.setOutputHandler({}); }

void TerminalWidget::feed(const QByteArray& bytes) {
    m_screen.feed(bytes);
    if (!m_repaint.isActive())
        m_repaint.start();
}

void TerminalWidget::reset() {
    m_screen.reset();
    m_hasSelection = false;
    updateScrollBar();
    viewport()->update();
}

void TerminalWidget::repaintDamage() {
    bool scrolled = false;
    const QRect damage = m_screen.takeDamage(&scrolled);
    if (scrolled) {
        const bool atBottom = scrollOffset() == 0;
        updateScrollBar();
        if (atBottom)
            verticalScrollBar()->setValue(verticalScrollBar()->maximum());
        viewport()->update();
        return;
    }
    if (damage.isEmpty())
        return;
    const int offset = scrollOffset();
    viewport()->update(QRect((damage.x()) * m_cell.width(), (damage.y() + offset) * m_cell.height(),
                             damage.width() * m_cell.width(), damage.height() * m_cell.height()));
}

void TerminalWidget::updateFontMetrics() {
    const QFontMetrics fm(m_font);
    m_cell = QSize(qMax(1, fm.horizontalAdvance(u'M')), qMax(1, fm.height()));
    m_ascent = fm.ascent();
    updateSize();
    viewport()->update();
}

void TerminalWidget::updateSize() {
    const QSize area = viewport()->size();
    const int rows = qBound(2, area.height() / m_cell.height(), 1000);
    const int cols = qBound(2, area.width() / m_cell.width(), 1000);
    if (rows == m_screen.rows() && cols == m_screen.cols())
        return;
    m_screen.resize(rows, cols);
    updateScrollBar();
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    viewport()->update();
    emit resized(rows, cols);
}

void TerminalWidget::updateScrollBar() {
    QScrollBar* bar = verticalScrollBar();
    const int back = m_screen.altScreen() ? 0 : m_screen.scrollbackSize();
    const int oldMax = bar->maximum();
    const int oldValue = bar->value();
    bar->setRange(0, back);
    bar->setPageStep(m_screen.rows());
    bar->setSingleStep(1);
    // Keep a scrolled-back view on the same lines as new ones arrive.
    if (oldValue != oldMax)
        bar->setValue(oldValue + (back - oldMax));
}

int TerminalWidget::scrollOffset() const {
    const QScrollBar* bar = verticalScrollBar();
    return bar->maximum() - bar->value();
}

void TerminalWidget::scrollContentsBy(int, int) { viewport()->update(); }

const TerminalLine* TerminalWidget::lineAt(int absLine, TerminalLine& storage) const {
    if (absLine >= 0) {
        if (absLine >= m_screen.rows())
            return nullptr;
        storage = const_cast<VTermScreen&>(m_screen).line(absLine);
        return &storage;
    }
    const int index = m_screen.scrollbackSize() + absLine;
    if (index < 0)
        return nullptr;
    return &m_screen.scrollbackLine(index);
}

void TerminalWidget::paintEvent(QPaintEvent* event) {
    QPainter p(viewport());
    const QPalette& pal = palette();
    const QColor defaultBg = pal.color(QPalette::Base);
    const QColor defaultFg = pal.color(QPalette::Text);
    p.fillRect(event->rect(), defaultBg);

    const int offset = scrollOffset();
    const int firstRow = qMax(0, event->rect().top() / m_cell.height());
    const int lastRow = qMin(m_screen.rows() - 1, event->rect().bottom() / m_cell.height());
    QFont bold = m_font;
    bold.setBold(true);
    TerminalLine storage;
    for (int row = firstRow; row <= lastRow; ++row) {
        const int absLine = row - offset;
        const TerminalLine* line = lineAt(absLine, storage);
        if (!line)
            continue;
        const int y = row * m_cell.height();
        for (int col = 0; col < int(line->size()); ++col) {
            const TerminalCell& c = (*line)[size_t(col)];
            if (c.width == 0)
                continue;
            QColor fg = c.fgDefault ? defaultFg : QColor(c.fg);
            QColor bg = c.bgDefault ? defaultBg : QColor(c.bg);
            bool inverse = c.reverse != isSelected(absLine, col);
            const bool isCursor = !m_readOnly && absLine == m_screen.cursor().y() &&
                                  col == m_screen.cursor().x() && m_screen.cursorVisible() &&
                                  offset >= 0;
            if (isCursor && hasFocus())
                inverse = !inverse;
            if (inverse)
                std::swap(fg, bg);
            const QRect cellRect(col * m_cell.width(), y, m_cell.width() * qMax(1, c.width),
                                 m_cell.height());
            if (bg != defaultBg)
                p.fillRect(cellRect, bg);
            if (isCursor && !hasFocus()) {
                p.setPen(defaultFg);
                p.drawRect(cellRect.adjusted(0, 0, -1, -1));
            }
            if (!c.text.isEmpty() && c.text != QLatin1String(" ")) {
                p.setFont(c.bold ? bold : m_font);
                p.setPen(fg);
                p.drawText(cellRect.x(), y + m_ascent, c.text);
            }
            if (c.underline) {
                p.setPen(fg);
                p.drawLine(cellRect.left(), y + m_ascent + 1, cellRect.right(), y + m_ascent + 1);
            }
            if (c.strike) {
                p.setPen(fg);
                const int mid = y + m_cell.height() / 2;
                p.drawLine(cellRect.left(), mid, cellRect.right(), mid);
            }
        }
    }
}

void TerminalWidget::resizeEvent(QResizeEvent* event) {
    QAbstractScrollArea::resizeEvent(event);
    updateSize();
}

void TerminalWidget::changeEvent(QEvent* event) {
    QAbstractScrollArea::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        viewport()->update();
}

bool TerminalWidget::focusNextPrevChild(bool next) {
    if (m_readOnly)
        return QAbstractScrollArea::focusNextPrevChild(next);
    return false; // Tab belongs to the shell
}

void TerminalWidget::zoom(int steps) {
    const int size = steps == 0 ? m_basePointSize : qBound(5, m_font.pointSize() + steps, 72);
    m_font.setPointSize(size);
    updateFontMetrics();
}

void TerminalWidget::keyPressEvent(QKeyEvent* event) {
    const Qt::KeyboardModifiers m = event->modifiers() & ~Qt::KeypadModifier;
    const int key = event->key();
    if (m == (Qt::ControlModifier | Qt::ShiftModifier) && key == Qt::Key_C)
        return copySelection();
    if (m == (Qt::ControlModifier | Qt::ShiftModifier) && key == Qt::Key_V)
        return paste();
    if (m & Qt::ControlModifier) {
        if (key == Qt::Key_Equal || key == Qt::Key_Plus)
            return zoom(1);
        if (key == Qt::Key_Minus)
            return zoom(-1);
        if (key == Qt::Key_0)
            return zoom(0);
    }
    if (m == Qt::ShiftModifier && (key == Qt::Key_PageUp || key == Qt::Key_PageDown)) {
        QScrollBar* bar = verticalScrollBar();
        bar->setValue(bar->value() + (key == Qt::Key_PageUp ? -1 : 1) * bar->pageStep());
        return;
    }
    if (m_readOnly) {
        if (event->matches(QKeySequence::Copy))
            return copySelection();
        if (m == Qt::ControlModifier && key == Qt::Key_Home)
            return verticalScrollBar()->setValue(0);
        if (m == Qt::ControlModifier && key == Qt::Key_End)
            return verticalScrollBar()->setValue(verticalScrollBar()->maximum());
        // Arrows and page keys scroll; anything else is the window's (nothing is sent).
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }

    // Typing returns the view to the live screen.
    verticalScrollBar()->setValue(verticalScrollBar()->maximum());
    VTermScreen::Modifiers mods = modsOf(m);
    if (auto k = keyOf(key)) {
        if (key == Qt::Key_Backtab)
            mods |= VTermScreen::Shift;
        m_screen.sendKey(*k, mods);
        return;
    }
    if ((m & Qt::ControlModifier) && key >= Qt::Key_A && key <= Qt::Key_Z) {
        // libvterm maps Ctrl+lowercase letters to C0 controls (Ctrl+C → 0x03).
        m_screen.sendChar(char32_t('a' + (key - Qt::Key_A)), mods & ~VTermScreen::Shift);
        return;
    }
    if ((m & Qt::ControlModifier) && key == Qt::Key_Space) {
        m_screen.sendChar(U' ', mods & ~VTermScreen::Shift);
        return;
    }
    const QString text = event->text();
    if (text.isEmpty()) {
        QAbstractScrollArea::keyPressEvent(event);
        return;
    }
    for (char32_t c : text.toUcs4()) {
        if (c < 0x20 || c == 0x7f) { // a control character Qt already composed
            emit input(QByteArray(1, char(c)));
            continue;
        }
        m_screen.sendChar(c, mods & ~(VTermScreen::Shift | VTermScreen::Ctrl));
    }
}

QPoint TerminalWidget::cellAt(const QPoint& pos) const {
    const int col = qBound(0, pos.x() / m_cell.width(), m_screen.cols() - 1);
    const int row = qBound(0, pos.y() / m_cell.height(), m_screen.rows() - 1);
    return QPoint(col, row - scrollOffset());
}

bool TerminalWidget::isSelected(int absLine, int col) const {
    if (!m_hasSelection)
        return false;
    QPoint a = m_selStart, b = m_selEnd;
    if (std::pair(b.y(), b.x()) < std::pair(a.y(), a.x()))
        std::swap(a, b);
    const auto here = std::pair(absLine, col);
    return here >= std::pair(a.y(), a.x()) && here <= std::pair(b.y(), b.x());
}

void TerminalWidget::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        m_selecting = true;
        m_hasSelection = false;
        m_selStart = m_selEnd = cellAt(event->position().toPoint());
        viewport()->update();
    } else if (event->button() == Qt::MiddleButton && !m_readOnly) {
        const QString text = QApplication::clipboard()->text(QClipboard::Selection);
        if (!text.isEmpty())
            m_screen.sendText(text);
    }
}

void TerminalWidget::mouseMoveEvent(QMouseEvent* event) {
    if (!m_selecting)
        return;
    m_selEnd = cellAt(event->position().toPoint());
    m_hasSelection = m_selEnd != m_selStart;
    viewport()->update();
}

void TerminalWidget::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton || !m_selecting)
        return;
    m_selecting = false;
    if (m_hasSelection && QApplication::clipboard()->supportsSelection())
        QApplication::clipboard()->setText(selectedText(), QClipboard::Selection);
}

QString TerminalWidget::selectedText() const {
    if (!m_hasSelection)
        return {};
    QPoint a = m_selStart, b = m_selEnd;
    if (std::pair(b.y(), b.x()) < std::pair(a.y(), a.x()))
        std::swap(a, b);
    QStringList lines;
    TerminalLine storage;
    for (int abs = a.y(); abs <= b.y(); ++abs) {
        const TerminalLine* line = lineAt(abs, storage);
        if (!line)
            continue;
        const int from = abs == a.y() ? a.x() : 0;
        const int to = abs == b.y() ? b.x() : int(line->size()) - 1;
        TerminalLine part;
        for (int col = from; col <= to && col < int(line->size()); ++col)
            part.push_back((*line)[size_t(col)]);
        lines << VTermScreen::lineText(part);
    }
    return lines.join(u'\n');
}

void TerminalWidget::copySelection() {
    const QString text = selectedText();
    if (!text.isEmpty())
        QApplication::clipboard()->setText(text);
}

void TerminalWidget::paste() {
    if (m_readOnly)
        return;
    const QString text = QApplication::clipboard()->text();
    if (!text.isEmpty())
        m_screen.sendText(text);
}

} // namespace vivarium::gui
