// SPDX-License-Identifier: Apache-2.0
#include "gui/cacheinspectorpage.h"

#include "core/cache/introspectioncache.h"
#include "gui/gatewaycontroller.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelection>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QTableWidget>
#include <QVBoxLayout>

namespace Tokengate {

namespace {

QString duration(qint64 ms) {
    const qint64 secs = std::max<qint64>(0, ms / 1000);
    if (secs >= 3600)
        return QStringLiteral("%1 h %2 min").arg(secs / 3600).arg(secs % 3600 / 60);
    if (secs >= 60)
        return QStringLiteral("%1 min %2 s").arg(secs / 60).arg(secs % 60);
    return QStringLiteral("%1 s").arg(secs);
}

QTableWidgetItem *item(const QString &text) {
    auto *i = new QTableWidgetItem(text);
    i->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    return i;
}

// Sorted by the number, shown as text.
class NumberItem : public QTableWidgetItem {
public:
    using QTableWidgetItem::QTableWidgetItem;
    bool operator<(const QTableWidgetItem &other) const override {
        return data(Qt::UserRole).toLongLong() < other.data(Qt::UserRole).toLongLong();
    }
};

QTableWidgetItem *sortableNumber(qint64 sortKey, const QString &text) {
    auto *i = new NumberItem(text);
    i->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    i->setData(Qt::UserRole, sortKey);
    return i;
}

} // namespace

CacheInspectorPage::CacheInspectorPage(GatewayController *gateway, QWidget *parent)
    : QWidget(parent)
    , m_gateway(gateway) {
    m_summary = new QLabel;
    m_summary->setObjectName(QStringLiteral("cache-summary"));
    m_summary->setWordWrap(true);

    m_subject = new QLineEdit;
    m_subject->setObjectName(QStringLiteral("cache-subject"));
    m_subject->setPlaceholderText(QStringLiteral("Subject (sub): shows only its entries"));
    m_subject->setClearButtonEnabled(true);
    m_evictSubject = new QPushButton(QStringLiteral("Evict this subject's entries"));
    m_evictSubject->setObjectName(QStringLiteral("cache-evict-subject"));
    auto *subjectRow = new QHBoxLayout;
    subjectRow->addWidget(m_subject, 1);
    subjectRow->addWidget(m_evictSubject);

    m_table = new QTableWidget(0, Columns);
    m_table->setObjectName(QStringLiteral("cache-table"));
    m_table->setHorizontalHeaderLabels(
        {QStringLiteral("Token fingerprint"), QStringLiteral("Subject"), QStringLiteral("Client"),
         QStringLiteral("Scope"), QStringLiteral("Expires in"), QStringLiteral("Hits"),
         QStringLiteral("Source"), QStringLiteral("State")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder); // most recently used first, as listed
    m_table->setToolTip(QStringLiteral(
        "The first 8 hex digits of the token's SHA-256, as the access log shows them"));

    m_evictSelected = new QPushButton(QStringLiteral("Evict selected"));
    m_evictSelected->setObjectName(QStringLiteral("cache-evict-selected"));
    m_evictAll = new QPushButton(QStringLiteral("Evict all"));
    m_evictAll->setObjectName(QStringLiteral("cache-evict-all"));
    auto *refreshButton = new QPushButton(QStringLiteral("Refresh"));
    refreshButton->setObjectName(QStringLiteral("cache-refresh"));
    m_outcome = new QLabel;
    m_outcome->setObjectName(QStringLiteral("cache-outcome"));
    m_outcome->setWordWrap(true);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_evictSelected);
    buttons->addWidget(m_evictAll);
    buttons->addWidget(m_outcome, 1);
    buttons->addWidget(refreshButton);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addLayout(subjectRow);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);

    connect(m_evictSelected, &QPushButton::clicked, this, &CacheInspectorPage::evictSelected);
    connect(m_evictSubject, &QPushButton::clicked, this, &CacheInspectorPage::evictSubject);
    connect(m_evictAll, &QPushButton::clicked, this, &CacheInspectorPage::evictAll);
    connect(refreshButton, &QPushButton::clicked, this, &CacheInspectorPage::refresh);
    connect(m_subject, &QLineEdit::textChanged, this, &CacheInspectorPage::refresh);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        m_evictSelected->setEnabled(!m_table->selectionModel()->selectedRows().isEmpty());
    });
    connect(m_gateway, &GatewayController::stateChanged, this, &CacheInspectorPage::refresh);
    m_timer.setInterval(1000);
    connect(&m_timer, &QTimer::timeout, this, &CacheInspectorPage::refresh);
    refresh();
}

QString CacheInspectorPage::outcome() const {
    return m_outcome->text();
}

void CacheInspectorPage::showEvent(QShowEvent *event) {
    QWidget::showEvent(event);
    refresh();
    m_timer.start();
}

void CacheInspectorPage::hideEvent(QHideEvent *event) {
    QWidget::hideEvent(event);
    m_timer.stop();
}

void CacheInspectorPage::refresh() {
    const IntrospectionCache *cache =
        m_gateway->isRunning() ? m_gateway->service().cache() : nullptr;
    const bool enabled = cache && cache->settings().enabled;
    m_evictSubject->setEnabled(enabled);
    m_evictAll->setEnabled(enabled);
    // Kept across refreshes: the rows are rebuilt every second.
    QSet<QString> selected;
    for (const QModelIndex &row : m_table->selectionModel()->selectedRows(Fingerprint))
        selected.insert(row.data().toString());
    m_table->setSortingEnabled(false);
    m_table->setRowCount(0);
    if (!enabled) {
        m_summary->setText(!m_gateway->isRunning()
                               ? QStringLiteral("The gateway is stopped: nothing is cached.")
                               : QStringLiteral("The cache is off (Settings: cache)."));
        m_evictSelected->setEnabled(false);
        m_table->setSortingEnabled(true);
        return;
    }
    const qint64 now = m_gateway->service().clock().nowMs();
    qsizetype total = 0;
    const QList<IntrospectionCache::EntryInfo> entries =
        cache->entries(MaxRows, m_subject->text().trimmed(), &total);
    m_table->setRowCount(int(entries.size()));
    QItemSelection keep;
    for (int row = 0; row < entries.size(); ++row) {
        const IntrospectionCache::EntryInfo &e = entries[row];
        const bool stale = e.active && now >= e.freshUntilMs;
        m_table->setItem(row, Fingerprint, item(QString::fromLatin1(e.fingerprint)));
        m_table->setItem(row, Subject, item(e.subject));
        m_table->setItem(row, Client, item(e.clientId));
        m_table->setItem(row, Scope, item(e.scope));
        const qint64 untilMs = stale ? e.staleUntilMs : e.freshUntilMs;
        m_table->setItem(
            row, ExpiresIn,
            sortableNumber(untilMs, stale ? QStringLiteral("grace: ") + duration(untilMs - now)
                                          : duration(untilMs - now)));
        m_table->setItem(row, Hits, sortableNumber(e.hits, QString::number(e.hits)));
        m_table->setItem(row, Source, item(cacheSourceName(e.source)));
        m_table->setItem(row, State,
                         item(!e.active ? QStringLiteral("inactive (refused)")
                              : stale   ? QStringLiteral("stale (the IdP is not "
                                                           "answering)")
                                        : QStringLiteral("active")));
        if (selected.contains(QString::fromLatin1(e.fingerprint)))
            keep.select(m_table->model()->index(row, 0), m_table->model()->index(row, Columns - 1));
    }
    // All at once: selectRow() per row would leave only the last one selected.
    m_table->selectionModel()->select(keep, QItemSelectionModel::ClearAndSelect);
    m_table->setSortingEnabled(true);
    const CacheStats s = cache->stats();
    QString summary = QStringLiteral("%1 entries").arg(total);
    if (total > entries.size())
        summary += QStringLiteral(" (the %1 most recently used shown)").arg(entries.size());
    summary += QStringLiteral(" · %1 hits, %2 refusals from the cache, %3 misses · %4 KiB")
                   .arg(s.hits)
                   .arg(s.negativeHits)
                   .arg(s.misses)
                   .arg(s.bytes / 1024);
    m_summary->setText(summary);
    m_evictSelected->setEnabled(!m_table->selectionModel()->selectedRows().isEmpty());
}

void CacheInspectorPage::report(const QString &what, qsizetype count) {
    m_outcome->setText(QStringLiteral("Evicted %1 (%2 %3): the next request with it asks "
                                      "again.")
                           .arg(what)
                           .arg(count)
                           .arg(count == 1 ? QStringLiteral("entry") : QStringLiteral("entries")));
    refresh();
}

void CacheInspectorPage::evictSelected() {
    IntrospectionCache *cache = m_gateway->isRunning() ? m_gateway->service().cache() : nullptr;
    if (!cache)
        return;
    qsizetype count = 0;
    QStringList fingerprints;
    for (const QModelIndex &row : m_table->selectionModel()->selectedRows(Fingerprint)) {
        fingerprints << row.data().toString();
        count += cache->evictFingerprint(row.data().toString().toLatin1());
    }
    if (!fingerprints.isEmpty())
        report(QStringLiteral("token %1").arg(fingerprints.join(QStringLiteral(", "))), count);
}

void CacheInspectorPage::evictSubject() {
    IntrospectionCache *cache = m_gateway->isRunning() ? m_gateway->service().cache() : nullptr;
    const QString subject = m_subject->text().trimmed();
    if (!cache)
        return;
    if (subject.isEmpty()) {
        m_outcome->setText(QStringLiteral("Type the subject whose entries to evict."));
        return;
    }
    report(QStringLiteral("subject %1").arg(subject), cache->evictSubject(subject));
}

void CacheInspectorPage::evictAll() {
    IntrospectionCache *cache = m_gateway->isRunning() ? m_gateway->service().cache() : nullptr;
    if (cache)
        report(QStringLiteral("everything"), cache->evictAll());
}

} // namespace Tokengate
