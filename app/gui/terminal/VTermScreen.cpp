#include "VTermScreen.h"

extern "C" {
#include <vterm.h>
}

#include <QList>
#include <QStringList>

#include <deque>

namespace vivarium::gui {

namespace {
struct VTermDeleter {
    void operator()(VTerm* vt) const { vterm_free(vt); }
};
} // namespace

struct VTermScreen::Impl {
    std::unique_ptr<VTerm, VTermDeleter> vt;
    VTermScreen* q = nullptr;
    ::VTermScreen* screen = nullptr;
    int maxScrollback;
    // Raw cells, so sb_popline can give them back exactly; converted on reading.
    std::deque<std::vector<VTermScreenCell>> scrollbackRaw;
    mutable std::deque<TerminalLine> scrollbackCache; // parallel to scrollbackRaw
    QRect damage;
    bool scrolled = false;
    QPoint cursor;
    bool cursorVisible = true;
    bool altScreen = false;
    QString title;
    std::function<void(const QByteArray&)> output;

    TerminalCell convert(const VTermScreenCell& c) const;
    void addDamage(const VTermRect& r) {
        damage |= QRect(r.start_col, r.start_row, r.end_col - r.start_col, r.end_row - r.start_row);
    }
};

namespace {

int onDamage(VTermRect rect, void* user) {
    static_cast<VTermScreen::Impl*>(user)->addDamage(rect);
    return 1;
}

int onMoveRect(VTermRect dest, VTermRect src, void* user) {
    auto* d = static_cast<VTermScreen::Impl*>(user);
    d->addDamage(dest);
    d->addDamage(src);
    d->scrolled = true;
    return 0; // let libvterm turn it into plain damage too
}

int onMoveCursor(VTermPos pos, VTermPos oldpos, int visible, void* user) {
    auto* d = static_cast<VTermScreen::Impl*>(user);
    d->cursor = QPoint(pos.col, pos.row);
    d->cursorVisible = visible;
    d->addDamage({oldpos.row, oldpos.row + 1, oldpos.col, oldpos.col + 1});
    d->addDamage({pos.row, pos.row + 1, pos.col, pos.col + 1});
    return 1;
}

int onSetTermProp(VTermProp prop, VTermValue* val, void* user) {
    auto* d = static_cast<VTermScreen::Impl*>(user);
    switch (prop) {
    case VTERM_PROP_CURSORVISIBLE:
        d->cursorVisible = val->boolean;
        break;
    case VTERM_PROP_ALTSCREEN:
        d->altScreen = val->boolean;
        break;
    case VTERM_PROP_TITLE:
        d->title = QString::fromUtf8(val->string ? val->string : "");
        break;
    default:
        break;
    }
    return 1;
}

// A cell that shows nothing: no character, and nothing drawn where it would be.
bool isBlank(const VTermScreenCell& c) {
    return (c.chars[0] == 0 || c.chars[0] == ' ') && VTERM_COLOR_IS_DEFAULT_BG(&c.bg) &&
           !c.attrs.reverse && c.attrs.underline == VTERM_UNDERLINE_OFF && !c.attrs.strike;
}

int onPushLine(int cols, const VTermScreenCell* cells, void* user) {
    auto* d = static_cast<VTermScreen::Impl*>(user);
    if (d->maxScrollback <= 0)
        return 1;
    int used = cols;
    while (used > 0 && isBlank(cells[used - 1]))
        --used;
    d->scrollbackRaw.emplace_back(cells, cells + used);
    if (int(d->scrollbackRaw.size()) > d->maxScrollback) {
        d->scrollbackRaw.pop_front();
        if (!d->scrollbackCache.empty())
            d->scrollbackCache.pop_front();
    }
    d->scrolled = true;
    return 1;
}

int onPopLine(int cols, VTermScreenCell* cells, void* user) {
    auto* d = static_cast<VTermScreen::Impl*>(user);
    if (d->scrollbackRaw.empty())
        return 0;
    const auto& line = d->scrollbackRaw.back();
    VTermScreenCell blank{};
    blank.width = 1;
    vterm_color_indexed(&blank.fg, 7);
    blank.fg.type = VTermColorType(blank.fg.type | VTERM_COLOR_DEFAULT_FG);
    vterm_color_indexed(&blank.bg, 0);
    blank.bg.type = VTermColorType(blank.bg.type | VTERM_COLOR_DEFAULT_BG);
    for (int i = 0; i < cols; ++i)
        cells[i] = i < int(line.size()) ? line[i] : blank;
    d->scrollbackRaw.pop_back();
    if (d->scrollbackCache.size() > d->scrollbackRaw.size())
        d->scrollbackCache.resize(d->scrollbackRaw.size());
    d->scrolled = true;
    return 1;
}

void onOutput(const char* s, size_t len, void* user) {
    auto* d = static_cast<VTermScreen::Impl*>(user);
    if (d->output)
        d->output(QByteArray(s, qsizetype(len)));
}

const VTermScreenCallbacks kCallbacks = {
    onDamage, onMoveRect, onMoveCursor, onSetTermProp, nullptr, nullptr, onPushLine, onPopLine,
};

} // namespace

TerminalCell VTermScreen::Impl::convert(const VTermScreenCell& c) const {
    TerminalCell out;
    if (c.chars[0] == uint32_t(-1)) { // the right half of a wide character
        out.width = 0;
    } else {
        out.width = c.width;
        for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && c.chars[i]; ++i) {
            const char32_t ch = c.chars[i];
            out.text += QString::fromUcs4(&ch, 1);
        }
    }
    out.bold = c.attrs.bold;
    out.underline = c.attrs.underline != VTERM_UNDERLINE_OFF;
    out.italic = c.attrs.italic;
    out.reverse = c.attrs.reverse;
    out.strike = c.attrs.strike;
    out.fgDefault = VTERM_COLOR_IS_DEFAULT_FG(&c.fg);
    out.bgDefault = VTERM_COLOR_IS_DEFAULT_BG(&c.bg);
    out.fgIndex = VTERM_COLOR_IS_INDEXED(&c.fg) ? c.fg.indexed.idx : -1;
    out.bgIndex = VTERM_COLOR_IS_INDEXED(&c.bg) ? c.bg.indexed.idx : -1;
    VTermColor fg = c.fg, bg = c.bg;
    vterm_screen_convert_color_to_rgb(screen, &fg);
    vterm_screen_convert_color_to_rgb(screen, &bg);
    out.fg = qRgb(fg.rgb.red, fg.rgb.green, fg.rgb.blue);
    out.bg = qRgb(bg.rgb.red, bg.rgb.green, bg.rgb.blue);
    return out;
}

VTermScreen::VTermScreen(int rows, int cols, int scrollbackLines) : d(std::make_unique<Impl>()) {
    d->q = this;
    d->maxScrollback = scrollbackLines;
    d->vt.reset(vterm_new(qMax(1, rows), qMax(1, cols)));
    vterm_set_utf8(d->vt.get(), 1);
    vterm_output_set_callback(d->vt.get(), onOutput, d.get());
    d->screen = vterm_obtain_screen(d->vt.get());
    vterm_screen_set_callbacks(d->screen, &kCallbacks, d.get());
    vterm_screen_set_damage_merge(d->screen, VTERM_DAMAGE_SCROLL);
    vterm_screen_enable_altscreen(d->screen, 1);
    vterm_screen_reset(d->screen, 1);
}

VTermScreen::~VTermScreen() = default;

void VTermScreen::feed(const QByteArray& bytes) {
    if (bytes.isEmpty())
        return;
    vterm_input_write(d->vt.get(), bytes.constData(), size_t(bytes.size()));
    vterm_screen_flush_damage(d->screen);
}

void VTermScreen::resize(int rows, int cols) {
    rows = qMax(1, rows);
    cols = qMax(1, cols);
    if (rows == this->rows() && cols == this->cols())
        return;
    vterm_set_size(d->vt.get(), rows, cols);
    vterm_screen_flush_damage(d->screen);
    d->damage = QRect(0, 0, cols, rows);
    d->scrolled = true;
}

void VTermScreen::reset() {
    d->scrollbackRaw.clear();
    d->scrollbackCache.clear();
    vterm_screen_reset(d->screen, 1);
    d->damage = QRect(0, 0, cols(), rows());
    d->scrolled = true;
    d->title.clear();
}

int VTermScreen::rows() const {
    int r = 0, c = 0;
    vterm_get_size(d->vt.get(), &r, &c);
    return r;
}

int VTermScreen::cols() const {
    int r = 0, c = 0;
    vterm_get_size(d->vt.get(), &r, &c);
    return c;
}

TerminalCell VTermScreen::cell(int row, int col) const {
    VTermScreenCell c{};
    if (!vterm_screen_get_cell(d->screen, VTermPos{row, col}, &c))
        return {};
    return d->convert(c);
}

TerminalLine VTermScreen::line(int row) const {
    TerminalLine out;
    const int n = cols();
    out.reserve(size_t(n));
    for (int col = 0; col < n; ++col)
        out.push_back(cell(row, col));
    return out;
}

QString VTermScreen::lineText(const TerminalLine& line) {
    QString text;
    for (const TerminalCell& c : line) {
        if (c.width == 0)
            continue;
        text += c.text.isEmpty() ? QStringLiteral(" ") : c.text;
    }
    while (text.endsWith(u' '))
        text.chop(1);
    return text;
}

QString VTermScreen::rowText(int row) const { return lineText(line(row)); }

QPoint VTermScreen::cursor() const { return d->cursor; }
bool VTermScreen::cursorVisible() const { return d->cursorVisible; }
bool VTermScreen::altScreen() const { return d->altScreen; }
QString VTermScreen::title() const { return d->title; }

int VTermScreen::scrollbackSize() const { return int(d->scrollbackRaw.size()); }
int VTermScreen::scrollbackLimit() const { return d->maxScrollback; }

void VTermScreen::setScrollbackLimit(int lines) {
    d->maxScrollback = std::max(0, lines);
    bool dropped = false;
    while (int(d->scrollbackRaw.size()) > d->maxScrollback) {
        d->scrollbackRaw.pop_front();
        if (!d->scrollbackCache.empty())
            d->scrollbackCache.pop_front();
        dropped = true;
    }
    d->scrolled = d->scrolled || dropped;
}

QString VTermScreen::text() const {
    QStringList lines;
    lines.reserve(scrollbackSize() + rows());
    for (int i = 0; i < scrollbackSize(); ++i)
        lines << lineText(scrollbackLine(i));
    for (int row = 0; row < rows(); ++row)
        lines << rowText(row);
    while (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast();
    return lines.join(u'\n');
}

const TerminalLine& VTermScreen::scrollbackLine(int index) const {
    // Converted lazily and cached: the raw deque only grows at the back and shrinks at either
    // end, and both ends are mirrored in the cache.
    while (d->scrollbackCache.size() <= size_t(index)) {
        const auto& raw = d->scrollbackRaw[d->scrollbackCache.size()];
        TerminalLine line;
        line.reserve(raw.size());
        for (const VTermScreenCell& c : raw)
            line.push_back(d->convert(c));
        d->scrollbackCache.push_back(std::move(line));
    }
    return d->scrollbackCache[size_t(index)];
}

QRect VTermScreen::takeDamage(bool* scrolled) {
    if (scrolled)
        *scrolled = d->scrolled;
    d->scrolled = false;
    return std::exchange(d->damage, QRect());
}

void VTermScreen::setOutputHandler(std::function<void(const QByteArray&)> handler) {
    d->output = std::move(handler);
}

namespace {
VTermModifier toVTerm(VTermScreen::Modifiers mods) {
    int m = VTERM_MOD_NONE;
    if (mods & VTermScreen::Shift)
        m |= VTERM_MOD_SHIFT;
    if (mods & VTermScreen::Alt)
        m |= VTERM_MOD_ALT;
    if (mods & VTermScreen::Ctrl)
        m |= VTERM_MOD_CTRL;
    return VTermModifier(m);
}

VTermKey toVTerm(VTermScreen::Key key) {
    using K = VTermScreen::Key;
    switch (key) {
    case K::Enter: return VTERM_KEY_ENTER;
    case K::Tab: return VTERM_KEY_TAB;
    case K::Backspace: return VTERM_KEY_BACKSPACE;
    case K::Escape: return VTERM_KEY_ESCAPE;
    case K::Up: return VTERM_KEY_UP;
    case K::Down: return VTERM_KEY_DOWN;
    case K::Left: return VTERM_KEY_LEFT;
    case K::Right: return VTERM_KEY_RIGHT;
    case K::Insert: return VTERM_KEY_INS;
    case K::Delete: return VTERM_KEY_DEL;
    case K::Home: return VTERM_KEY_HOME;
    case K::End: return VTERM_KEY_END;
    case K::PageUp: return VTERM_KEY_PAGEUP;
    case K::PageDown: return VTERM_KEY_PAGEDOWN;
    default:
        return VTermKey(VTERM_KEY_FUNCTION(1 + int(key) - int(K::F1)));
    }
}
} // namespace

void VTermScreen::sendKey(Key key, Modifiers mods) {
    vterm_keyboard_key(d->vt.get(), toVTerm(key), toVTerm(mods));
}

void VTermScreen::sendChar(char32_t c, Modifiers mods) {
    vterm_keyboard_unichar(d->vt.get(), uint32_t(c), toVTerm(mods));
}

void VTermScreen::sendText(const QString& text) {
    vterm_keyboard_start_paste(d->vt.get());
    for (char32_t c : text.toUcs4())
        vterm_keyboard_unichar(d->vt.get(), c == '\n' ? U'\r' : c, VTERM_MOD_NONE);
    vterm_keyboard_end_paste(d->vt.get());
}

} // namespace vivarium::gui
