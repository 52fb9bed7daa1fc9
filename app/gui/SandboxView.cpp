#include "SandboxView.h"

#include "FilesTab.h"
#include "NetworkTab.h"
#include "SnapshotsTab.h"
#include "RunExportActions.h"
#include "RunOutputView.h"
#include "RunsModel.h"
#include "SandboxModel.h"
#include "terminal/TerminalTab.h"
#include "terminal/TerminalWidget.h"

#include <QAction>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace vivarium::gui {

namespace {
QString localTime(const QJsonValue& iso) {
    const QDateTime t = QDateTime::fromString(iso.toString(), Qt::ISODateWithMs);
    return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::LongFormat) : QString();
}
} // namespace

SandboxView::SandboxView(QWidget* parent)
    : QWidget(parent), m_runs(new RunsModel(this)), m_runsProxy(new QSortFilterProxyModel(this)),
      m_stack(new QStackedWidget(this)), m_tabs(new QTabWidget(this)) {
    auto* placeholder = new QLabel(tr("Select a sandbox to see its runs and details."), this);
    placeholder->setAlignment(Qt::AlignCenter);
    placeholder->setEnabled(false);
    m_tabs->addTab(buildRunsTab(), tr("&Runs"));
    m_tabs->addTab(buildDetailsTab(), tr("&Details"));
    m_terminal = new TerminalTab(this);
    m_tabs->addTab(m_terminal, tr("&Terminal"));
    m_files = new FilesTab(this);
    m_tabs->addTab(m_files, tr("F&iles")); // Alt+F is the File menu
    m_network = new NetworkTab(this);
    m_tabs->addTab(m_network, tr("Net&work"));
    m_snapshots = new SnapshotsTab(this);
    m_tabs->addTab(m_snapshots, tr("S&napshots"));
    connect(m_snapshots, &SnapshotsTab::openSandbox, this, &SandboxView::openSandbox);
    m_stack->addWidget(placeholder);
    m_stack->addWidget(m_tabs);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_stack);

    connect(m_runs, &RunsModel::outputAppended, this, &SandboxView::onOutput);
    connect(m_runs, &RunsModel::runFinished, this, [this](int row) {
        if (m_runs->runAt(row) == m_shownRun)
            updateOutputHeader();
    });
    // A new run while none is selected: follow it, as a watcher would want.
    connect(m_runs, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex&, int, int last) {
        if (selectedRow() < 0 && m_runs->isLive(last))
            selectRun(m_runs->runAt(last));
    });
}

SandboxView::~SandboxView() = default;

QWidget* SandboxView::buildRunsTab() {
    auto* tab = new QWidget(this);
    m_runsProxy->setSourceModel(m_runs);
    m_runsProxy->setSortRole(RunsModel::SortRole);
    m_runsTable = new QTableView(tab);
    m_runsTable->setModel(m_runsProxy);
    m_runsTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_runsTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_runsTable->setSortingEnabled(true);
    m_runsTable->sortByColumn(RunsModel::Number, Qt::AscendingOrder);
    m_runsTable->verticalHeader()->hide();
    m_runsTable->setAlternatingRowColors(true);
    m_runsTable->setWordWrap(false);
    m_runsTable->horizontalHeader()->setSectionResizeMode(RunsModel::Command, QHeaderView::Stretch);
    m_runsTable->horizontalHeader()->setSectionResizeMode(RunsModel::Number,
                                                          QHeaderView::ResizeToContents);
    m_runsTable->horizontalHeader()->setSectionResizeMode(RunsModel::Started,
                                                          QHeaderView::ResizeToContents);
    m_runsTable->setAccessibleName(tr("Runs"));
    connect(m_runsTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &SandboxView::showSelectedRun);

    m_runsStatus = new QLabel(tab);
    m_runsStatus->setWordWrap(true);
    m_runsStatus->hide();

    m_output = new RunOutputView(tab);
    // Lines drawn at the old width keep its wrapping: draw the run again at the new one.
    connect(m_output, &RunOutputView::widthChanged, this, &SandboxView::showSelectedRun);
    // Right-clicking a row selects it, so the menu's actions apply to the run clicked.
    m_runsTable->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_runsTable->addAction(m_output->exporter()->castAction());
    m_runsTable->addAction(m_output->exporter()->textAction());

    auto* split = new QSplitter(Qt::Vertical, tab);
    split->addWidget(m_runsTable);
    split->addWidget(m_output);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setChildrenCollapsible(false);

    auto* layout = new QVBoxLayout(tab);
    layout->addWidget(m_runsStatus);
    layout->addWidget(split);
    return tab;
}

QWidget* SandboxView::buildDetailsTab() {
    auto* tab = new QWidget(this);
    m_details = new QFormLayout(tab);
    m_details->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    const std::pair<const char*, QString> fields[] = {
        {"name", tr("Name:")},           {"id", tr("ID:")},
        {"template", tr("Template:")},   {"image", tr("Image:")},
        {"state", tr("State:")},         {"resources", tr("Resources:")},
        {"accelerator", tr("Accelerator:")}, {"created", tr("Created:")},
        {"ready_since", tr("Ready since:")}, {"agent", tr("Agent:")},
        {"runs", tr("Runs:")},           {"disk", tr("Disk use:")},
        {"error", tr("Last error:")},
    };
    for (const auto& [key, label] : fields) {
        auto* value = new QLabel(tab);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        m_details->addRow(label, value);
        m_detailLabels.insert(key, value);
    }
    return tab;
}

void SandboxView::showSandbox(const QJsonObject& sandbox) {
    const QString id = sandbox.value("id").toString();
    const bool changed = id != sandboxId();
    m_sandbox = sandbox;
    m_stack->setCurrentIndex(id.isEmpty() ? 0 : 1);
    updateDetails();
    m_files->showSandbox(sandbox, m_endpoint);
    m_network->showSandbox(sandbox, m_endpoint);
    m_snapshots->showSandbox(sandbox, m_endpoint);
    if (changed)
        follow(id);
}

void SandboxView::clear() { showSandbox({}); }

void SandboxView::resume() {
    if (sandboxId().isEmpty() || (m_client && m_client->isConnected()))
        return;
    // Following again replays the runs; bring back the run the user was looking at.
    const qint64 shown = m_shownRun;
    follow(sandboxId());
    if (shown <= 0)
        return;
    auto* once = new QObject(this);
    connect(m_runs, &QAbstractItemModel::rowsInserted, once, [this, once, shown] {
        if (selectRun(shown))
            once->deleteLater();
    });
    connect(m_runs, &QAbstractItemModel::modelReset, once, &QObject::deleteLater);
}

void SandboxView::showTerminal() {
    m_tabs->setCurrentWidget(m_terminal);
    m_terminal->openShell();
    if (TerminalWidget* w = m_terminal->terminal())
        w->setFocus();
}

void SandboxView::forgetSandbox(const QString& id) { m_terminal->forget(id); }

void SandboxView::follow(const QString& id) {
    m_terminal->showSandbox(m_endpoint, id);
    m_client.reset();
    m_runs->clear();
    m_shownRun = 0;
    m_output->clear();
    m_output->exporter()->setSandbox(m_endpoint, id, m_sandbox.value("name").toString());
    m_runsStatus->hide();
    if (id.isEmpty())
        return;

    m_client = std::make_unique<ApiClient>();
    ApiClient* c = m_client.get();
    connect(c, &ApiClient::runMessage, m_runs, &RunsModel::applyRunMessage);
    connect(c, &ApiClient::data, m_runs, &RunsModel::applyData);
    connect(c, &ApiClient::exited, m_runs, &RunsModel::applyExit);
    auto showProblem = [this](const QString& text) {
        m_runsStatus->setText(text);
        m_runsStatus->show();
    };
    connect(c, &ApiClient::ready, this, [this, c, id, showProblem] {
        c->request("sandbox.subscribe", {{"sandbox", id}}, [showProblem](Result<QJsonObject> r) {
            if (!r)
                showProblem(tr("Cannot follow the runs of this sandbox: %1").arg(r.error().text()));
        });
    });
    connect(c, &ApiClient::failed, this, [showProblem](const QString& reason) {
        showProblem(tr("Cannot follow the runs of this sandbox: %1").arg(reason));
    });
    connect(c, &ApiClient::disconnected, this, [showProblem] {
        showProblem(tr("The connection to vivariumd was lost; runs are no longer updated."));
    });
    c->open(m_endpoint);
}

void SandboxView::updateDetails() {
    const QJsonObject& s = m_sandbox;
    auto set = [this](const char* key, const QString& text) {
        QLabel* l = m_detailLabels.value(key);
        l->setText(text.isEmpty() ? tr("—") : text);
    };
    set("name", s.value("name").toString());
    set("id", s.value("id").toString());
    set("template", s.value("template").toString());
    set("image", s.value("image").toString());
    set("state", SandboxModel::stateText(s.value("state").toString()));
    set("resources", s.isEmpty() ? QString()
                                 : tr("%n vCPU(s), %1 MiB memory", nullptr, s.value("vcpus").toInt())
                                       .arg(s.value("memory_mib").toInt()));
    const QString accel = s.value("accelerator").toString();
    set("accelerator", accel == "tcg" ? tr("TCG (emulation; not a security boundary)")
                       : accel == "kvm" ? tr("KVM (hardware virtualization)")
                                        : accel);
    set("created", localTime(s.value("created")));
    set("ready_since", localTime(s.value("ready_since")));
    set("agent", s.value("agent").toString());
    set("runs", s.isEmpty() ? QString() : QString::number(s.value("runs").toInteger()));
    // What the sandbox's own disk layer takes on the host; the base image is shared.
    set("disk", s.contains("disk_bytes")
                    ? tr("%1 on the host, besides the shared base image")
                          .arg(SandboxModel::sizeText(s.value("disk_bytes").toInteger()))
                    : QString());
    set("error", s.value("error").toString());
}

int SandboxView::selectedRow() const {
    const QModelIndex current = m_runsTable->selectionModel()->currentIndex();
    return current.isValid() ? m_runsProxy->mapToSource(current).row() : -1;
}

bool SandboxView::selectRun(qint64 run) {
    const int row = m_runs->rowOfRun(run);
    if (row < 0)
        return false;
    const QModelIndex index = m_runsProxy->mapFromSource(m_runs->index(row, 0));
    m_runsTable->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_runsTable->scrollTo(index);
    return true;
}

void SandboxView::showSelectedRun() {
    const int row = selectedRow();
    m_shownRun = m_runs->runAt(row);
    m_output->showRun(m_runs->run(row)); // a fresh screen (an empty one for no row)
    if (row < 0)
        return;
    if (const qint64 dropped = m_runs->droppedBytes(row); dropped > 0)
        m_output->appendNote(tr("[The first %1 of this run's output are not shown here. All of it: "
                                "Export, or viv logs %2 %3]")
                                 .arg(QLocale().formattedDataSize(dropped))
                                 .arg(sandboxId())
                                 .arg(m_shownRun));
    m_output->appendOutput(m_runs->output(row));
    updateOutputHeader();
}

void SandboxView::onOutput(int row, const QByteArray& bytes) {
    if (m_runs->runAt(row) != m_shownRun || m_shownRun == 0)
        return;
    m_output->appendOutput(bytes);
}

void SandboxView::updateOutputHeader() {
    const int row = m_runs->rowOfRun(m_shownRun);
    if (row < 0) {
        m_output->setHeader({});
        return;
    }
    const QJsonObject run = m_runs->run(row);
    const QString text =
        m_runs->isLive(row)
            ? tr("Run %1 (running): %2").arg(m_shownRun).arg(RunsModel::commandText(run))
            : tr("Run %1 (%2): %3")
                  .arg(m_shownRun)
                  .arg(RunsModel::statusText(run), RunsModel::commandText(run));
    m_output->setHeader(text);
}

} // namespace vivarium::gui
