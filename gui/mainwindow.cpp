// SPDX-License-Identifier: Apache-2.0
#include "gui/mainwindow.h"

#include "gui/allsettingspage.h"
#include "gui/cacheinspectorpage.h"
#include "gui/configfileactions.h"
#include "gui/configsettings.h"
#include "gui/demotraffic.h"
#include "gui/endpointseditor.h"
#include "gui/eventdetails.h"
#include "gui/gatewaycontroller.h"
#include "gui/idpprobe.h"
#include "gui/livechart.h"
#include "gui/requestlogfilter.h"
#include "gui/requestlogmodel.h"
#include "gui/routeseditor.h"
#include "gui/secretstore.h"
#include "gui/settingspage.h"
#include "gui/testbenchpage.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

namespace Tokengate {

MainWindow::MainWindow(GatewayController *gateway, SecretStore *secrets, QSettings *settings,
                       QWidget *parent)
    : QMainWindow(parent)
    , m_gateway(gateway)
    , m_secrets(secrets)
    , m_settings(settings)
    , m_probe(new IdpProbe(this))
    , m_traffic(new DemoTraffic(gateway, this))
    , m_log(new RequestLogModel(5000, this))
    , m_filter(new RequestLogFilter(this)) {
    setWindowTitle(QStringLiteral("Tokengate"));
    // The installed icon (io.tokengate.Tokengate, from resources/icons); a stock one when
    // running from the build tree.
    setWindowIcon(QIcon::fromTheme(QStringLiteral("io.tokengate.Tokengate"),
                                   style()->standardIcon(QStyle::SP_DriveNetIcon)));

    m_status = new QLabel;
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setWordWrap(true);
    m_startStop = new QPushButton;
    m_trafficBox = new QCheckBox(QStringLiteral("Demo traffic"));
    m_trafficBox->setToolTip(
        QStringLiteral("Send sample requests through the demo gateway every quarter second"));
    auto *top = new QHBoxLayout;
    top->addWidget(m_status, 1);
    top->addWidget(m_trafficBox);
    top->addWidget(m_startStop);

    m_banner = new QLabel;
    m_banner->setWordWrap(true);
    m_banner->setStyleSheet(QStringLiteral(
        "background: #fdf0d5; color: #5c3c00; border: 1px solid #e5a50a; padding: 6px;"));
    m_banner->hide();

    m_settingsPage = new SettingsPage(m_probe);
    m_testBench = new TestBenchPage(gateway, m_probe);
    m_tabs = new QTabWidget;
    m_tabs->addTab(buildLogTab(), QStringLiteral("Live"));
    m_tabs->addTab(m_testBench, QStringLiteral("Test bench"));
    m_cacheInspector = new CacheInspectorPage(gateway);
    m_configFiles = new ConfigFileActions(m_settingsPage, secrets, settings, this);
    menuBar()->addMenu(m_configFiles->menu());
    connect(m_configFiles, &ConfigFileActions::pathChanged, this, [this](const QString &path) {
        m_settings->setValue(QStringLiteral("document/path"), path);
        setWindowFilePath(path);
        setWindowTitle(QStringLiteral("%1 — Tokengate").arg(QFileInfo(path).fileName()));
    });
    connect(m_configFiles, &ConfigFileActions::opened, this, [this](bool ok) {
        if (ok)
            m_tabs->setCurrentWidget(m_settingsPage);
    });
    m_tabs->addTab(m_cacheInspector, QStringLiteral("Cache"));
    m_tabs->addTab(m_settingsPage, QStringLiteral("Settings"));
    m_routesEditor = new RoutesEditor(m_settingsPage);
    m_tabs->addTab(m_routesEditor, QStringLiteral("Routes"));
    m_endpointsEditor = new EndpointsEditor(m_settingsPage, m_probe);
    m_tabs->addTab(m_endpointsEditor, QStringLiteral("Endpoints"));
    m_allSettings = new AllSettingsPage(m_settingsPage);
    m_tabs->addTab(m_allSettings, QStringLiteral("All settings"));
    addEditMenu();

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->addLayout(top);
    layout->addWidget(m_banner);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    connect(m_startStop, &QPushButton::clicked, this, [this] {
        if (m_gateway->isRunning())
            stopGateway();
        else
            startGateway();
    });
    connect(m_trafficBox, &QCheckBox::toggled, m_traffic, &DemoTraffic::setEnabled);
    connect(m_gateway, &GatewayController::stateChanged, this, &MainWindow::updateStatus);
    connect(m_gateway, &GatewayController::idpRecovered, this, &MainWindow::updateStatus);
    connect(m_gateway, &GatewayController::idpUnreachable, this, [this](const QString &reason) {
        updateStatus();
        const QString text =
            QStringLiteral("The IdP cannot be reached (%1): requests that need it are refused.")
                .arg(reason);
        statusBar()->showMessage(text, 30'000);
        if (m_tray && m_tray->isVisible())
            m_tray->showMessage(QStringLiteral("Tokengate: IdP unreachable"), text,
                                QSystemTrayIcon::Warning);
    });
    connect(m_settingsPage, &SettingsPage::applyRequested, this, &MainWindow::applySettings);
    connect(m_log, &RequestLogModel::eventArrived, this, [this](const RequestEvent &e) {
        if (m_firstEventMs < 0)
            m_firstEventMs = e.start.toMSecsSinceEpoch();
        m_series.add(e);
    });
    m_chartTimer.setInterval(1000);
    connect(&m_chartTimer, &QTimer::timeout, this, &MainWindow::refreshCharts);
    m_chartTimer.start();

    buildTray();
    m_log->attach(&m_gateway->events());

    m_config = ConfigSettings::load(*m_settings);
    m_settingsPage->setConfig(m_config);
    m_settingsPage->setApplied(m_config);
    if (!restoreGeometry(m_settings->value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1280, 800);
    m_splitter->restoreState(m_settings->value(QStringLiteral("window/split")).toByteArray());
    updateStatus();
    // The config file last opened or saved comes back once the app's own secrets are in
    // (its keychain: references are read the same way).
    connect(
        this, &MainWindow::secretsReady, this,
        [this] {
            const QString path = m_settings->value(QStringLiteral("document/path")).toString();
            if (!path.isEmpty() && QFileInfo::exists(path))
                m_configFiles->open(path);
        },
        Qt::SingleShotConnection);
    loadSecrets();
}

MainWindow::~MainWindow() = default;

QWidget *MainWindow::buildLogTab() {
    m_rateChart = new LiveChart(QStringLiteral("Requests/s"), QStringLiteral("/s"));
    m_hitChart = new LiveChart(QStringLiteral("Cache hit ratio"), QStringLiteral("%"), 1.0);
    m_idpChart = new LiveChart(QStringLiteral("IdP latency"), QStringLiteral("ms"));
    auto *charts = new QWidget;
    auto *chartRow = new QHBoxLayout(charts);
    chartRow->setContentsMargins(0, 0, 0, 0);
    for (LiveChart *chart : {m_rateChart, m_hitChart, m_idpChart})
        chartRow->addWidget(chart);
    charts->setMaximumHeight(150);

    auto *filterEdit = new QLineEdit;
    filterEdit->setPlaceholderText(QStringLiteral("Filter: words in any column (401 alice …)"));
    filterEdit->setClearButtonEnabled(true);
    auto *refused = new QCheckBox(QStringLiteral("Refused only"));
    m_pause = new QToolButton;
    m_pause->setText(QStringLiteral("Pause"));
    m_pause->setCheckable(true);
    m_heldBack = new QLabel;
    auto *clear = new QToolButton;
    clear->setText(QStringLiteral("Clear"));
    auto *exportButton = new QToolButton;
    exportButton->setText(QStringLiteral("Export…"));
    exportButton->setToolTip(
        QStringLiteral("Save the shown rows as JSON lines (query tokens redacted)"));
    auto *tools = new QHBoxLayout;
    tools->addWidget(filterEdit, 1);
    tools->addWidget(refused);
    tools->addWidget(m_heldBack);
    tools->addWidget(m_pause);
    tools->addWidget(clear);
    tools->addWidget(exportButton);

    m_filter->setSourceModel(m_log);
    m_view = new QTableView;
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_view->setAlternatingRowColors(true);
    const int charWidth = m_view->fontMetrics().averageCharWidth();
    const QFontMetrics headerFont = m_view->horizontalHeader()->fontMetrics();
    const int widths[RequestLogModel::ColumnCount] = {12, 5, 20, 5, 14, 8, 5, 5, 5, 8, 8};
    for (int c = 0; c < RequestLogModel::ColumnCount; ++c) {
        const QString title = m_log->headerData(c, Qt::Horizontal).toString();
        m_view->setColumnWidth(c, qMax(widths[c] * charWidth, headerFont.horizontalAdvance(title)) +
                                      16);
    }
    m_details = new QTextBrowser;
    m_details->setPlaceholderText(QStringLiteral("Select a request to see its decision trace."));
    m_splitter = new QSplitter(Qt::Horizontal);
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 1);

    auto *tab = new QWidget;
    auto *layout = new QVBoxLayout(tab);
    layout->addWidget(charts);
    layout->addLayout(tools);
    layout->addWidget(m_splitter, 1);

    connect(filterEdit, &QLineEdit::textChanged, m_filter, &RequestLogFilter::setText);
    connect(refused, &QCheckBox::toggled, m_filter, &RequestLogFilter::setRefusedOnly);
    connect(m_pause, &QToolButton::toggled, this, [this](bool paused) {
        m_log->setPaused(paused);
        m_pause->setText(paused ? QStringLiteral("Resume") : QStringLiteral("Pause"));
        m_heldBack->clear();
    });
    connect(m_log, &RequestLogModel::eventArrived, this, [this] {
        if (m_log->isPaused())
            m_heldBack->setText(QStringLiteral("%1 new").arg(m_log->heldBack()));
    });
    connect(clear, &QToolButton::clicked, this, [this] {
        m_log->clear();
        m_details->clear();
        m_heldBack->clear();
    });
    connect(exportButton, &QToolButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, QStringLiteral("Export the request log"),
                                         QStringLiteral("tokengate-requests.jsonl"),
                                         QStringLiteral("JSON lines (*.jsonl);;All files (*)"));
        QString error;
        if (!path.isEmpty() && !exportLog(path, &error))
            QMessageBox::warning(this, QStringLiteral("Export failed"), error);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::showDetails);
    // Follow the newest row unless the user scrolled up to read.
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (!m_view->currentIndex().isValid())
            m_view->scrollToBottom();
    });
    return tab;
}

void MainWindow::buildTray() {
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(windowIcon(), this);
    auto *menu = new QMenu(this);
    menu->addAction(QStringLiteral("Show Tokengate"), this, [this] {
        showNormal();
        activateWindow();
    });
    m_trayStart =
        menu->addAction(QStringLiteral("Start gateway"), this, [this] { startGateway(); });
    m_trayStop = menu->addAction(QStringLiteral("Stop gateway"), this, [this] { stopGateway(); });
    menu->addSeparator();
    menu->addAction(QStringLiteral("Quit"), qApp, &QApplication::quit);
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        if (r == QSystemTrayIcon::Trigger) {
            showNormal();
            activateWindow();
        }
    });
    m_tray->show();
}

void MainWindow::loadSecrets() {
    m_pendingSecrets = int(secretFields().size());
    for (const SecretField &field : secretFields()) {
        m_secrets->read(field.key, this, [this, field](const SecretStore::Result &r) {
            if (r.status == SecretStore::Status::Ok)
                field.field(m_config) = r.value;
            else if (r.status == SecretStore::Status::Unavailable)
                keychainUnavailable(r.error);
            else if (r.status == SecretStore::Status::Failed)
                statusBar()->showMessage(
                    QStringLiteral("Could not read the %1 from the keychain: %2")
                        .arg(field.label, r.error),
                    30'000);
            if (--m_pendingSecrets > 0)
                return;
            // Keep what the user typed meanwhile; fill only the secrets.
            Config edited = m_settingsPage->config();
            for (const SecretField &f : secretFields()) {
                if (f.field(edited).isEmpty())
                    f.field(edited) = f.field(m_config);
            }
            m_settingsPage->setConfig(edited);
            if (m_keychainAvailable)
                m_settingsPage->setSecretStorage(
                    QStringLiteral("Secrets are kept in %1 (service \"Tokengate\").")
                        .arg(m_secrets->description()),
                    true);
            emit secretsReady();
        });
    }
}

void MainWindow::keychainUnavailable(const QString &why) {
    if (!m_keychainAvailable)
        return;
    m_keychainAvailable = false;
    m_keychainNotice =
        QStringLiteral("No keychain is available on this system%1. Secrets you enter are used "
                       "for this run only and are not saved anywhere; enter them again next "
                       "time, or run where a Secret Service (GNOME Keyring, KWallet) is "
                       "available.")
            .arg(why.isEmpty() ? QString() : QStringLiteral(" (") + why + u')');
    m_banner->setText(m_keychainNotice);
    m_banner->show();
    m_settingsPage->setSecretStorage(
        QStringLiteral("No keychain: secrets are kept for this run only."), false);
}

QString MainWindow::keychainNotice() const {
    return m_keychainNotice;
}

void MainWindow::applySettings(const Config &config) {
    ConfigSettings::save(*m_settings, config);
    m_settings->sync();
    m_config = config;
    saveSecrets(config);
    QStringList errors;
    QStringList notes;
    const bool ok = m_gateway->apply(config, &errors, &notes);
    if (ok)
        m_settingsPage->setApplied(config);
    m_settingsPage->setOutcome(ok ? notes.join(u'\n') : errors.join(u'\n'), ok);
    updateStatus();
}

void MainWindow::saveSecrets(const Config &config) {
    if (!m_keychainAvailable)
        return; // this run only: nothing to write
    // With a file open its secrets are its references (a typed one goes to the file's own
    // entry when saved): the app's own entries are neither overwritten with them nor, for one
    // this machine cannot read, removed.
    if (!m_configFiles->path().isEmpty()) {
        emit settingsSaved(true);
        return;
    }
    auto failures = std::make_shared<QStringList>();
    auto pending = std::make_shared<int>(int(secretFields().size()));
    Config copy = config;
    for (const SecretField &field : secretFields()) {
        const QString value = field.field(copy);
        auto done = [this, field, failures, pending](const SecretStore::Result &r) {
            if (r.status == SecretStore::Status::Unavailable)
                keychainUnavailable(r.error);
            else if (r.status != SecretStore::Status::Ok &&
                     r.status != SecretStore::Status::NotFound)
                *failures << QStringLiteral("%1: %2").arg(field.label, r.error);
            if (--*pending > 0)
                return;
            if (!failures->isEmpty())
                m_settingsPage->setOutcome(
                    QStringLiteral("Not saved to the keychain: ") + failures->join(u"; "), false);
            emit settingsSaved(failures->isEmpty() && m_keychainAvailable);
        };
        if (value.isEmpty())
            m_secrets->remove(field.key, this, done);
        else
            m_secrets->write(field.key, value, this, done);
    }
}

bool MainWindow::startGateway() {
    QStringList errors = m_settingsPage->problems();
    if (errors.isEmpty())
        m_gateway->start(m_settingsPage->config(), &errors);
    if (!errors.isEmpty()) {
        m_settingsPage->setOutcome(QStringLiteral("Cannot start: ") + errors.join(u'\n'), false);
        m_tabs->setCurrentWidget(m_settingsPage);
        updateStatus();
        return false;
    }
    m_settingsPage->setApplied(m_settingsPage->config());
    return true;
}

void MainWindow::stopGateway() {
    m_gateway->stop();
}

void MainWindow::setDemoTraffic(bool on) {
    m_trafficBox->setChecked(on);
}

QString MainWindow::statusText() const {
    return m_status->text();
}

void MainWindow::updateStatus() {
    const bool running = m_gateway->isRunning();
    const QString color = !running                    ? QStringLiteral("#77767b")
                          : m_gateway->idpReachable() ? QStringLiteral("#26a269")
                                                      : QStringLiteral("#e5a50a");
    m_status->setText(QStringLiteral("<span style=\"color:%1\">●</span> %2")
                          .arg(color, m_gateway->statusText().toHtmlEscaped()));
    m_startStop->setText(running ? QStringLiteral("Stop") : QStringLiteral("Start"));
    m_startStop->setIcon(
        style()->standardIcon(running ? QStyle::SP_MediaStop : QStyle::SP_MediaPlay));
    const bool demo = running && m_gateway->runningConfig().demo;
    m_trafficBox->setEnabled(demo);
    if (!demo)
        m_trafficBox->setChecked(false);
    if (m_tray) {
        m_tray->setToolTip(QStringLiteral("Tokengate: ") + m_gateway->statusText());
        m_trayStart->setEnabled(!running);
        m_trayStop->setEnabled(running);
    }
    m_testBench->updateEnabled();
}

void MainWindow::showDetails() {
    const QModelIndex current = m_filter->mapToSource(m_view->currentIndex());
    if (!current.isValid()) {
        m_details->clear();
        return;
    }
    m_details->setHtml(eventDetailsHtml(m_log->event(current.row())));
}

bool MainWindow::exportLog(const QString &path, QString *error) const {
    QList<RequestEvent> rows;
    for (int r = 0; r < m_filter->rowCount(); ++r)
        rows << m_log->event(m_filter->mapToSource(m_filter->index(r, 0)).row());
    return RequestLogModel::exportJsonLines(rows, path, error);
}

void MainWindow::refreshCharts() {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // Until the window has filled, the charts span the time since the first request.
    const qsizetype seconds =
        m_firstEventMs < 0 ? 30
                           : qBound(qint64(30), (now - m_firstEventMs) / 1000 + 2, qint64(100000));
    const auto recent = [seconds](const QList<double> &values) {
        return values.mid(qMax<qsizetype>(0, values.size() - seconds));
    };
    m_rateChart->setValues(recent(m_series.requestsPerSecond(now)));
    m_hitChart->setValues(recent(m_series.cacheHitRatio(now)));
    m_idpChart->setValues(recent(m_series.idpLatencyMs(now)));
}

void MainWindow::closeEvent(QCloseEvent *event) {
    m_settings->setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_settings->setValue(QStringLiteral("window/split"), m_splitter->saveState());
    m_settings->sync();
    QMainWindow::closeEvent(event);
}

void MainWindow::addEditMenu() {
    QMenu *menu = menuBar()->addMenu(QStringLiteral("&Edit"));
    m_undo = menu->addAction(QStringLiteral("&Undo"));
    m_undo->setObjectName(QStringLiteral("undo"));
    m_undo->setShortcut(QKeySequence::Undo);
    m_redo = menu->addAction(QStringLiteral("&Redo"));
    m_redo->setObjectName(QStringLiteral("redo"));
    m_redo->setShortcut(QKeySequence::Redo);
    connect(m_undo, &QAction::triggered, m_settingsPage, &SettingsPage::undo);
    connect(m_redo, &QAction::triggered, m_settingsPage, &SettingsPage::redo);
    // The menu names what a step changes: "Undo routes.open.path_prefix".
    const auto named = [](const QString &verb, const QStringList &changes) -> QString {
        if (changes.isEmpty())
            return verb;
        QString first = changes.first().section(QStringLiteral(": "), 0, 0);
        if (changes.size() > 1)
            first += QStringLiteral(" and %1 more").arg(changes.size() - 1);
        return verb + u' ' + first;
    };
    const auto update = [this, named] {
        m_undo->setEnabled(m_settingsPage->canUndo());
        m_redo->setEnabled(m_settingsPage->canRedo());
        m_undo->setText(named(QStringLiteral("&Undo"), m_settingsPage->undoText()));
        m_redo->setText(named(QStringLiteral("&Redo"), m_settingsPage->redoText()));
    };
    connect(m_settingsPage, &SettingsPage::historyChanged, this, update);
    update();
}

} // namespace Tokengate
