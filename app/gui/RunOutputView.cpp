#include "RunOutputView.h"

#include "RunExportActions.h"
#include "terminal/TerminalWidget.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace vivarium::gui {

RunOutputView::RunOutputView(QWidget* parent)
    : QWidget(parent), m_header(new QLabel(this)), m_export(new QToolButton(this)),
      m_status(new QLabel(this)), m_stack(new QStackedWidget(this)),
      m_terminal(new TerminalWidget(this)), m_exporter(new RunExportActions(this)) {
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_header->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    auto* menu = new QMenu(m_export);
    menu->addAction(m_exporter->castAction());
    menu->addAction(m_exporter->textAction());
    m_export->setText(tr("E&xport"));
    m_export->setToolTip(tr("Save the selected run's output as an asciinema cast or as text"));
    m_export->setMenu(menu);
    m_export->setPopupMode(QToolButton::InstantPopup);
    m_export->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_export->setEnabled(false);
    connect(m_exporter->castAction(), &QAction::changed, this,
            [this] { m_export->setEnabled(m_exporter->castAction()->isEnabled()); });

    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();
    connect(m_exporter, &RunExportActions::finished, this,
            [this](bool ok, const QString&, const QString& message) {
                m_status->setText(message);
                QPalette pal = palette();
                if (!ok) // the runs table's red: readable on light and dark palettes
                    pal.setColor(QPalette::WindowText, QColor(0xe0, 0x45, 0x45));
                m_status->setPalette(pal);
                m_status->show();
            });

    m_terminal->setReadOnly(true);
    m_terminal->setScrollbackLines(kScrollbackLines);
    m_terminal->setAccessibleName(tr("Run output"));
    auto* placeholder = new QLabel(tr("Select a run to see its output."), this);
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setEnabled(false);
    m_stack->addWidget(placeholder);
    m_stack->addWidget(m_terminal);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_header, 1);
    bar->addWidget(m_export);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(m_status);
    layout->addWidget(m_stack, 1);

    m_feeder.setSingleShot(true);
    m_feeder.setInterval(0);
    connect(&m_feeder, &QTimer::timeout, this, &RunOutputView::feedSome);
    // A window being dragged wider resizes many times: replay once it has settled.
    m_widthSettled.setSingleShot(true);
    m_widthSettled.setInterval(150);
    connect(&m_widthSettled, &QTimer::timeout, this, [this] {
        if (m_shown)
            emit widthChanged();
    });
    connect(m_terminal, &TerminalWidget::resized, this, [this](int, int cols) {
        if (cols != m_cols && m_shown)
            m_widthSettled.start();
    });
}

void RunOutputView::showRun(const QJsonObject& run) {
    const qint64 number = run.value("run").toInteger();
    if (number != m_run)
        m_status->hide(); // an export's result belongs to the run it was about
    m_run = number;
    m_shown = !run.isEmpty();
    m_pipe = !run.value("pty").toBool();
    m_crlf = LfToCrlf();
    m_queue.clear();
    m_fed = 0;
    m_skipped = 0;
    m_feeder.stop();
    m_widthSettled.stop();
    m_terminal->reset();
    m_cols = m_terminal->cols();
    m_stack->setCurrentIndex(m_shown ? 1 : 0);
    m_exporter->setRun(m_shown ? number : 0);
    if (!m_shown)
        setHeader({});
}

void RunOutputView::appendOutput(const QByteArray& bytes) {
    if (!m_shown || bytes.isEmpty())
        return;
    m_queue += m_pipe ? m_crlf.convert(bytes) : bytes;
    if (m_queue.size() - m_fed > kMaxBacklog) {
        // Skip to a line start near the last kKeepOnSkip bytes, and say so on screen.
        qsizetype from = m_queue.size() - kKeepOnSkip;
        if (const qsizetype nl = m_queue.indexOf('\n', from); nl >= 0 && nl - from < 4096)
            from = nl + 1;
        m_skipped += from - m_fed;
        const QByteArray note = "\r\n\x1b[0;7m" +
                                tr("[%1 of output skipped to keep up; Export has all of it]")
                                    .arg(QLocale().formattedDataSize(m_skipped))
                                    .toUtf8() +
                                "\x1b[0m\r\n";
        m_queue = note + m_queue.mid(from);
        m_fed = 0;
    }
    if (!m_feeder.isActive())
        m_feeder.start();
}

void RunOutputView::appendNote(const QString& text) {
    // Ours, not the run's: on a line of its own, whatever mode the run left the terminal in.
    appendOutput(QByteArray(m_pipe ? "\n" : "\r\n") + "\x1b[0m" + text.toUtf8() +
                 (m_pipe ? "\n" : "\r\n"));
}

void RunOutputView::feedSome() {
    // Slices until a few milliseconds are spent, then the rest on the next turn: input and
    // painting get their share however much output is waiting.
    QElapsedTimer spent;
    spent.start();
    while (m_fed < m_queue.size() && spent.elapsed() < kFeedBudgetMs) {
        const qsizetype n = std::min(kFeedSlice, m_queue.size() - m_fed);
        m_terminal->feed(m_queue.mid(m_fed, n));
        m_fed += n;
    }
    if (m_fed < m_queue.size()) {
        m_feeder.start();
        return;
    }
    m_queue.clear();
    m_fed = 0;
}

QString RunOutputView::text() const { return m_terminal->plainText(); }

void RunOutputView::setHeader(const QString& text) {
    m_headerText = text;
    updateHeader();
}

void RunOutputView::updateHeader() {
    // One line however long the command; the whole of it is in the tooltip.
    m_header->setText(m_header->fontMetrics().elidedText(m_headerText, Qt::ElideRight,
                                                         qMax(100, m_header->width())));
    m_header->setToolTip(m_headerText);
}

void RunOutputView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateHeader();
}

} // namespace vivarium::gui
