#include "Appearance.h"

#include <QApplication>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>

namespace vivarium::gui {

namespace {
constexpr auto kSettingsKey = "appearance/scheme";
} // namespace

Appearance::Appearance(QObject* parent)
    : QObject(parent), m_systemStyle(QApplication::style()->name()),
      m_systemPalette(QApplication::palette()) {}

QString Appearance::key(Scheme scheme) {
    switch (scheme) {
    case Scheme::Light: return QStringLiteral("light");
    case Scheme::Dark: return QStringLiteral("dark");
    case Scheme::System: break;
    }
    return QStringLiteral("system");
}

Appearance::Scheme Appearance::fromKey(const QString& key) {
    if (key == QLatin1String("light"))
        return Scheme::Light;
    if (key == QLatin1String("dark"))
        return Scheme::Dark;
    return Scheme::System;
}

void Appearance::restore() {
    m_scheme = fromKey(QSettings().value(kSettingsKey).toString());
    apply();
}

void Appearance::setScheme(Scheme scheme) {
    QSettings().setValue(kSettingsKey, key(scheme));
    if (scheme == m_scheme)
        return;
    m_scheme = scheme;
    apply();
    emit schemeChanged(scheme);
}

void Appearance::apply() {
    if (m_scheme == Scheme::System) {
        QApplication::setStyle(QStyleFactory::create(m_systemStyle));
        QApplication::setPalette(m_systemPalette);
        return;
    }
    // Fusion honours a custom palette fully on every platform; native styles may not.
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(m_scheme == Scheme::Dark ? darkPalette() : lightPalette());
}

bool Appearance::isDark(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < palette.color(QPalette::WindowText).lightness();
}

QPalette Appearance::lightPalette() {
    QPalette p;
    const QColor window(0xf6, 0xf7, 0xf9), base(Qt::white), text(0x1c, 0x1f, 0x24);
    const QColor accent(0x1f, 0x6f, 0xc5);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0xee, 0xf1, 0xf5));
    p.setColor(QPalette::ToolTipBase, QColor(0xff, 0xff, 0xe8));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x80, 0x86, 0x8f));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0xec, 0xee, 0xf1));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Light, Qt::white);
    p.setColor(QPalette::Midlight, QColor(0xe3, 0xe6, 0xea));
    p.setColor(QPalette::Mid, QColor(0xb8, 0xbe, 0xc6));
    p.setColor(QPalette::Dark, QColor(0x8a, 0x91, 0x9a));
    p.setColor(QPalette::Shadow, QColor(0x40, 0x40, 0x40));
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, accent);
    p.setColor(QPalette::LinkVisited, QColor(0x6a, 0x3d, 0xb8));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x9a, 0xa0, 0xa8));
    return p;
}

QPalette Appearance::darkPalette() {
    QPalette p;
    const QColor window(0x25, 0x27, 0x2b), base(0x1b, 0x1d, 0x20), text(0xe4, 0xe6, 0xea);
    const QColor accent(0x3d, 0x8b, 0xe0);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x23, 0x26, 0x2a));
    p.setColor(QPalette::ToolTipBase, QColor(0x32, 0x35, 0x3b));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x90, 0x99));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x31, 0x34, 0x39));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    p.setColor(QPalette::Light, QColor(0x40, 0x44, 0x4a));
    p.setColor(QPalette::Midlight, QColor(0x36, 0x39, 0x3f));
    p.setColor(QPalette::Mid, QColor(0x2a, 0x2d, 0x31));
    p.setColor(QPalette::Dark, QColor(0x16, 0x17, 0x1a));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, accent);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xb0, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xb0, 0x8c, 0xff));
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, QColor(0x6e, 0x74, 0x7c));
    return p;
}

} // namespace vivarium::gui
