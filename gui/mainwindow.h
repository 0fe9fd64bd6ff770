// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "gui/metricsseries.h"

#include <QMainWindow>
#include <QTimer>

class QAction;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;
class QSplitter;
class QSystemTrayIcon;
class QTabWidget;
class QTableView;
class QTextBrowser;
class QToolButton;

namespace Tokengate {

class AllSettingsPage;
class CacheInspectorPage;
class ConfigFileActions;
class DemoTraffic;
class GatewayController;
class IdpProbe;
class LiveChart;
class RequestLogFilter;
class RequestLogModel;
class RoutesEditor;
class EndpointsEditor;
class SecretStore;
class SettingsPage;
class TestBenchPage;

// The desktop app's window: gateway status with start/stop, the live request log with its
// decision trace, live charts, the token test bench, the cache inspector and the settings
// editor. Non-secret settings and the window's geometry go to `settings`; secrets to
// `secrets` only.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(GatewayController *gateway, SecretStore *secrets, QSettings *settings,
               QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts the gateway with the settings page's config; false (and shown) on problems.
    bool startGateway();
    void stopGateway();
    void setDemoTraffic(bool on);

    RequestLogModel *logModel() const { return m_log; }
    RequestLogFilter *logFilter() const { return m_filter; }
    QTableView *logView() const { return m_view; }
    QTextBrowser *detailsPane() const { return m_details; }
    SettingsPage *settingsPage() const { return m_settingsPage; }
    TestBenchPage *testBench() const { return m_testBench; }
    CacheInspectorPage *cacheInspector() const { return m_cacheInspector; }
    ConfigFileActions *configFiles() const { return m_configFiles; }
    RoutesEditor *routesEditor() const { return m_routesEditor; }
    EndpointsEditor *endpointsEditor() const { return m_endpointsEditor; }
    QAction *undoAction() const { return m_undo; }
    QAction *redoAction() const { return m_redo; }
    AllSettingsPage *allSettings() const { return m_allSettings; }
    QTabWidget *tabs() const { return m_tabs; }
    DemoTraffic *demoTraffic() const { return m_traffic; }
    QString statusText() const;
    // Empty while the keychain works; else says plainly that secrets are kept for this run.
    QString keychainNotice() const;
    bool secretsLoaded() const { return m_pendingSecrets == 0; }
    // Writes the visible (filtered) rows as redacted JSON lines.
    bool exportLog(const QString &path, QString *error) const;
    void refreshCharts();

signals:
    void secretsReady();
    void settingsSaved(bool ok);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QWidget *buildLogTab();
    // Undo and Redo of the settings pages' edits.
    void addEditMenu();
    QWidget *buildChartsTab();
    void buildTray();
    void loadSecrets();
    void applySettings(const Config &config);
    void saveSecrets(const Config &config);
    void keychainUnavailable(const QString &why);
    void updateStatus();
    void showDetails();

    GatewayController *m_gateway;
    SecretStore *m_secrets;
    QSettings *m_settings;
    IdpProbe *m_probe;
    DemoTraffic *m_traffic;
    Config m_config;
    int m_pendingSecrets = 0;
    bool m_keychainAvailable = true;
    QString m_keychainNotice;

    QTabWidget *m_tabs;
    QLabel *m_status;
    QLabel *m_banner;
    QPushButton *m_startStop;
    QCheckBox *m_trafficBox;
    RequestLogModel *m_log;
    RequestLogFilter *m_filter;
    QTableView *m_view;
    QTextBrowser *m_details;
    QSplitter *m_splitter;
    QToolButton *m_pause;
    QLabel *m_heldBack;
    MetricsSeries m_series;
    qint64 m_firstEventMs = -1;
    LiveChart *m_rateChart;
    LiveChart *m_hitChart;
    LiveChart *m_idpChart;
    QTimer m_chartTimer;
    SettingsPage *m_settingsPage;
    TestBenchPage *m_testBench;
    CacheInspectorPage *m_cacheInspector;
    ConfigFileActions *m_configFiles;
    RoutesEditor *m_routesEditor;
    EndpointsEditor *m_endpointsEditor;
    QAction *m_undo = nullptr;
    QAction *m_redo = nullptr;
    AllSettingsPage *m_allSettings;
    QSystemTrayIcon *m_tray = nullptr;
    QAction *m_trayStart = nullptr;
    QAction *m_trayStop = nullptr;
};

} // namespace Tokengate
