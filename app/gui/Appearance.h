// The app's colour scheme: System (the platform's style and palette, as the desktop sets
// them), Light or Dark (Qt's Fusion style with a palette of our own, so both look the same
// on every desktop). Chosen in View ▸ Appearance, remembered in QSettings, and applied to
// the whole application; widgets that paint themselves (terminal, badges, sparklines) read
// the palette, so they follow without knowing about this class.
#pragma once

#include <QObject>
#include <QPalette>
#include <QString>

class QStyle;

namespace vivarium::gui {

class Appearance : public QObject {
    Q_OBJECT
public:
    enum class Scheme { System, Light, Dark };
    Q_ENUM(Scheme)

    explicit Appearance(QObject* parent = nullptr);

    Scheme scheme() const { return m_scheme; }
    // Applies `scheme` to the application and remembers it.
    void setScheme(Scheme scheme);
    // Applies the remembered scheme (System when none was chosen).
    void restore();

    static QString key(Scheme scheme);          // "system" | "light" | "dark"
    static Scheme fromKey(const QString& key);  // anything else is System
    static QPalette lightPalette();
    static QPalette darkPalette();
    // Whether `palette` is dark (its window colour is darker than its text).
    static bool isDark(const QPalette& palette);

signals:
    void schemeChanged(vivarium::gui::Appearance::Scheme scheme);

private:
    void apply();

    Scheme m_scheme = Scheme::System;
    QString m_systemStyle;    // the style the platform chose, to return to from Light/Dark
    QPalette m_systemPalette; // ditto for its palette
};

} // namespace vivarium::gui
