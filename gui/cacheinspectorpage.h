// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QTimer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace Tokengate {

class GatewayController;

// What the running gateway's cache holds, one row per entry (a token's fingerprint, never the
// token), refreshed every second while shown; evicts the selected entries, a subject's or all.
// The next request with an evicted token goes to the IdP (or is validated again) afresh.
class CacheInspectorPage : public QWidget {
    Q_OBJECT
public:
    // Rows shown at most: the most recently used entries.
    static constexpr qsizetype MaxRows = 1000;
    enum Column { Fingerprint, Subject, Client, Scope, ExpiresIn, Hits, Source, State, Columns };

    explicit CacheInspectorPage(GatewayController *gateway, QWidget *parent = nullptr);

    void refresh();
    QTableWidget *table() const { return m_table; }
    QString outcome() const;

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void evictSelected();
    void evictSubject();
    void evictAll();
    void report(const QString &what, qsizetype count);

    GatewayController *m_gateway;
    QTimer m_timer;
    QLabel *m_summary;
    QLineEdit *m_subject;
    QTableWidget *m_table;
    QPushButton *m_evictSelected;
    QPushButton *m_evictSubject;
    QPushButton *m_evictAll;
    QLabel *m_outcome;
};

} // namespace Tokengate
