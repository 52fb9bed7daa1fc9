// The Indonesian translation, as shipped: the .qm that qt_add_translations compiles from
// translations/vivarium_id.ts, embedded here under :/i18n as in the app, and the .ts itself.
// Every message of the catalogue must be translated (no "unfinished"), keep its %1-style
// placeholders, its %n (plural forms) and its keyboard accelerator, and come back from
// QCoreApplication::translate() through the compiled .qm.
#include <QCoreApplication>
#include <QFile>
#include <QLocale>
#include <QRegularExpression>
#include <QTest>
#include <QTranslator>
#include <QXmlStreamReader>

namespace {

struct Message {
    QString context;
    QString source;
    bool numerus = false;
    bool unfinished = false;
    QStringList translations;  // one, or one per plural form
};

QList<Message> readTs(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    QList<Message> messages;
    QXmlStreamReader xml(&f);
    QString context;
    Message m;
    while (!xml.atEnd()) {
        xml.readNext();
        if (xml.isStartElement()) {
            const auto name = xml.name();
            if (name == u"context") {
                context.clear();
            } else if (name == u"name" && context.isEmpty()) {
                context = xml.readElementText();
            } else if (name == u"message") {
                m = Message{context, {}, xml.attributes().value("numerus") == u"yes", false, {}};
            } else if (name == u"source") {
                m.source = xml.readElementText();
            } else if (name == u"translation") {
                const auto type = xml.attributes().value("type");
                m.unfinished = type == u"unfinished";
                if (type == u"obsolete" || type == u"vanished")
                    m.context.clear();  // not shipped; skipped below
                if (!m.numerus)
                    m.translations << xml.readElementText();
            } else if (name == u"numerusform") {
                m.translations << xml.readElementText();
            }
        } else if (xml.isEndElement() && xml.name() == u"message" && !m.context.isEmpty()) {
            messages << m;
        }
    }
    if (xml.hasError())
        qFatal("%s: %s", qPrintable(path), qPrintable(xml.errorString()));
    return messages;
}

QSet<QString> placeholders(const QString& text) {
    static const QRegularExpression re(QStringLiteral("%(?:L?\\d+|n)"));
    QSet<QString> found;
    for (const auto& match : re.globalMatch(text))
        found << match.captured();
    return found;
}

bool hasAccelerator(QString text) {
    text.replace(QLatin1String("&&"), QString());
    return text.contains(u'&');
}

}  // namespace

class TranslationTest : public QObject {
    Q_OBJECT
    QTranslator m_translator;
    QList<Message> m_messages;

private slots:
    void initTestCase() {
        // Loaded the way main() does it: by locale from the embedded resource.
        QVERIFY(QFile::exists(":/i18n/vivarium_id.qm"));
        QVERIFY(m_translator.load(QLocale(QLocale::Indonesian, QLocale::Indonesia), "vivarium", "_", ":/i18n"));
        QCOMPARE(m_translator.language(), QStringLiteral("id_ID"));
        QVERIFY(QCoreApplication::installTranslator(&m_translator));
        m_messages = readTs(QStringLiteral(VIVARIUM_TS_DIR "/vivarium_id.ts"));
        QVERIFY(m_messages.size() > 100);
    }

    void knownStrings() {
        QCOMPARE(QCoreApplication::translate("vivarium::gui::MainWindow", "&New Sandbox…"),
                 QStringLiteral("Sandbox &Baru…"));
        QCOMPARE(QCoreApplication::translate("vivarium::gui::MainWindow", "Connected to %1 at %2")
                     .arg("vivariumd", "/run/vivarium.sock"),
                 QStringLiteral("Terhubung ke vivariumd di /run/vivarium.sock"));
        QCOMPARE(QCoreApplication::translate("vivarium::gui::SandboxModel", "ready"), QStringLiteral("siap"));
        QCOMPARE(QCoreApplication::translate("vivarium::gui::RunsModel", "Exit status"),
                 QStringLiteral("Status keluar"));
        // Plurals: Indonesian has one form, whatever n.
        for (int n : {1, 2, 5})
            QCOMPARE(QCoreApplication::translate("vivarium::gui::SandboxView", "%n vCPU(s), %1 MiB memory", nullptr, n)
                         .arg(512),
                     QStringLiteral("%1 vCPU, memori 512 MiB").arg(n));
    }

    // Every message of the catalogue comes back translated from the compiled .qm.
    void everyMessageInQm() {
        for (const Message& m : std::as_const(m_messages)) {
            QVERIFY2(!m.translations.isEmpty(), qPrintable(m.source));
            const QString got = QCoreApplication::translate(qPrintable(m.context), qPrintable(m.source),
                                                            nullptr, m.numerus ? 1 : -1);
            // translate() substitutes %n itself.
            QString want = m.translations.first();
            if (m.numerus)
                want.replace(QLatin1String("%n"), QLatin1String("1"));
            QVERIFY2(got == want,
                     qPrintable(QStringLiteral("%1 / %2: got \"%3\"").arg(m.context, m.source, got)));
        }
    }

    void noUnfinished() {
        for (const Message& m : std::as_const(m_messages)) {
            QVERIFY2(!m.unfinished, qPrintable(m.context + " / " + m.source));
            for (const QString& t : m.translations)
                QVERIFY2(!t.isEmpty(), qPrintable(m.context + " / " + m.source));
        }
    }

    void placeholdersKept() {
        for (const Message& m : std::as_const(m_messages)) {
            const QSet<QString> wanted = placeholders(m.source);
            for (const QString& t : m.translations)
                QVERIFY2(placeholders(t) == wanted,
                         qPrintable(QStringLiteral("%1 / \"%2\" → \"%3\"").arg(m.context, m.source, t)));
        }
    }

    void acceleratorsKept() {
        for (const Message& m : std::as_const(m_messages))
            for (const QString& t : m.translations)
                QVERIFY2(hasAccelerator(t) == hasAccelerator(m.source),
                         qPrintable(QStringLiteral("\"%1\" → \"%2\"").arg(m.source, t)));
    }
};

QTEST_GUILESS_MAIN(TranslationTest)
#include "TranslationTest.moc"
