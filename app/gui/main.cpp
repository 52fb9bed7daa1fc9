// vivarium: the desktop app. Sets up the application (identity, icons, options) and shows
// the main window; everything else lives in the gui library.
#include "Appearance.h"
#include "MainWindow.h"
#include "ScreenshotMode.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    // The app follows the system locale: Qt's own strings (dialog buttons, …) where Qt ships
    // them, then ours, embedded under :/i18n by qt_add_translations. Installed before any
    // tr() below runs.
    QTranslator qtTranslator;
    if (qtTranslator.load(QLocale(), "qtbase", "_", QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator appTranslator;
    if (appTranslator.load(QLocale(), "vivarium", "_", ":/i18n"))
        QApplication::installTranslator(&appTranslator);
    QApplication::setApplicationName("vivarium");
    QApplication::setApplicationDisplayName(QApplication::tr("Vivarium"));
    QApplication::setApplicationVersion(VIVARIUM_VERSION);
    QApplication::setOrganizationDomain("vivarium.dev");
    QApplication::setDesktopFileName("dev.vivarium.Vivarium");
    // The desktop's icon theme first; the bundled icons where it has none (and always
    // under the offscreen platform, whose theme is empty).
    QIcon::setThemeSearchPaths(QIcon::themeSearchPaths() << ":/icons");
    QIcon::setFallbackThemeName("vivarium");
    if (QIcon::themeName().isEmpty())
        QIcon::setThemeName("vivarium");
    QApplication::setWindowIcon(QIcon(":/icons/dev.vivarium.Vivarium.svg"));

    QCommandLineParser options;
    options.setApplicationDescription(QApplication::tr("Watch and manage Vivarium sandboxes."));
    options.addHelpOption();
    options.addVersionOption();
    const QCommandLineOption screenshot(
        "screenshot", QApplication::tr("Save the window as a PNG once a run is shown, then quit."),
        QApplication::tr("file"));
    options.addOption(screenshot);
    const QCommandLineOption screenshotTab(
        "screenshot-tab", QApplication::tr("With --screenshot: the sandbox tab (runs, details, terminal, files, network, snapshots) or window page (pools) to show."),
        QApplication::tr("tab"));
    options.addOption(screenshotTab);
    options.process(app);

    vivarium::gui::MainWindow window;
    window.appearance()->restore();
    window.show();
    window.connectToService();
    if (options.isSet(screenshot)) {
        auto* mode = new vivarium::gui::ScreenshotMode(&window, options.value(screenshot),
                                                       options.value(screenshotTab), &app);
        QObject::connect(mode, &vivarium::gui::ScreenshotMode::finished, &app, &QApplication::exit);
        mode->start();
    }
    return app.exec();
}
