// SPDX-License-Identifier: Apache-2.0
#include "gui/requestlogmodel.h"

#include "core/observe/accesslog.h"
#include "core/observe/eventhub.h"

#include <QBrush>

#include <QColor>
#include <QFile>
#include <QSaveFile>
#include <algorithm>

namespace Tokengate {

namespace {

constexpr qint64 SnapshotOverlapMs = 2000;

QVariant micros(qint64 us) {
    if (us < 0)
        return {};
    return QString::number(double(us) / 1000.0, 'f', 1);
}

} // namespace

RequestLogModel::RequestLogModel(qsizetype capacity, QObject *parent)
    : QAbstractTableModel(parent)
    , m_capacity(qMax<qsizetype>(1, capacity)) {
    m_flush.setInterval(100);
    m_flush.setSingleShot(true);
    connect(&m_flush, &QTimer::timeout, this, &RequestLogModel::flush);
}

QString RequestLogModel::eventKey(const RequestEvent &e) {
    return QString::number(e.start.toMSecsSinceEpoch()) + u'|' + e.peer + u'|' +
           QString::number(e.worker) + u'|' + QString::number(e.durationUs) + u'|' +
           QString::fromLatin1(e.target);
}

void RequestLogModel::attach(EventHub *hub) {
    if (m_connection)
        disconnect(m_connection);
    if (m_openConnection)
        disconnect(m_openConnection);
    m_hub = hub;
    m_snapshotKeys.clear();
    if (!hub)
        return;
    // Subscribe first, then snapshot: nothing published in between is lost; what shows up
    // in both is recognised by its key.
    m_connection = connect(hub, &EventHub::eventPublished, this, &RequestLogModel::receive,
                           Qt::QueuedConnection);
    m_openConnection = connect(hub, &EventHub::tunnelOpened, this, &RequestLogModel::receive,
                               Qt::QueuedConnection);
    const QList<RequestEvent> snapshot = hub->snapshot();
    for (const RequestEvent &e : snapshot)
        m_snapshotKeys.insert(eventKey(e));
    m_sinceAttach.start();
    append(snapshot);
}

void RequestLogModel::receive(const RequestEvent &event) {
    if (m_hub)
        m_hub->received();
    if (!m_snapshotKeys.isEmpty()) {
        if (m_sinceAttach.elapsed() > SnapshotOverlapMs)
            m_snapshotKeys.clear();
        else if (m_snapshotKeys.remove(eventKey(event)))
            return;
    }
    const bool opening = event.tunnelEnd == "open";
    // A WebSocket's end takes the place of its "open" row, wherever that row is now.
    if (!opening && event.tunnelId != 0 && replaceOpenTunnel(event)) {
        emit eventArrived(event);
        return;
    }
    if (!opening) // an opening is not a request answered (charts count those)
        emit eventArrived(event);
    m_pending.push_back(event);
    while (qsizetype(m_pending.size()) > m_capacity)
        m_pending.pop_front();
    if (!m_paused && !m_flush.isActive())
        m_flush.start();
}

bool RequestLogModel::replaceOpenTunnel(const RequestEvent &event) {
    auto same = [&](const RequestEvent &e) {
        return e.tunnelId == event.tunnelId && e.tunnelEnd == "open";
    };
    if (auto it = std::find_if(m_pending.begin(), m_pending.end(), same); it != m_pending.end()) {
        *it = event;
        return true;
    }
    auto it = std::find_if(m_rows.begin(), m_rows.end(), same);
    if (it == m_rows.end())
        return false;
    *it = event;
    const int row = int(it - m_rows.begin());
    emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
    return true;
}

void RequestLogModel::flush() {
    if (m_paused || m_pending.empty())
        return;
    QList<RequestEvent> batch(m_pending.begin(), m_pending.end());
    m_pending.clear();
    append(batch);
}

void RequestLogModel::append(const QList<RequestEvent> &events) {
    if (events.isEmpty())
        return;
    // Only the newest `capacity` of this batch can stay.
    const qsizetype take = qMin<qsizetype>(events.size(), m_capacity);
    const qsizetype overflow = qsizetype(m_rows.size()) + take - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(take) - 1);
    m_rows.insert(m_rows.end(), events.end() - take, events.end());
    endInsertRows();
}

void RequestLogModel::setPaused(bool paused) {
    m_paused = paused;
    if (!paused)
        flush();
}

void RequestLogModel::clear() {
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    endResetModel();
}

bool RequestLogModel::exportJsonLines(const QList<RequestEvent> &events, const QString &path,
                                      QString *error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = file.errorString();
        return false;
    }
    for (const RequestEvent &e : events)
        file.write(AccessLog::formatLine(e));
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

int RequestLogModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RequestLogModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RequestLogModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RequestEvent &e = m_rows[size_t(index.row())];
    if (role == EventIndexRole)
        return index.row();
    if (role == Qt::ForegroundRole && index.column() == Status) {
        if (e.status >= 500 || e.status == 0)
            return QBrush(QColor(0xc0, 0x1c, 0x28));
        if (e.status >= 400)
            return QBrush(QColor(0xb5, 0x83, 0x5a));
        return {};
    }
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case Status:
        case Duration:
        case Idp:
        case Upstream:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case Time:
        return e.start.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case Method:
        return QString::fromLatin1(e.method);
    case Target:
        return QString::fromLatin1(AccessLog::redactTarget(e.target));
    case Status:
        if (e.tunnelEnd == "open")
            return QStringLiteral("101 open");
        return e.status == 0 ? QStringLiteral("-") : QString::number(e.status);
    case Reason:
        return QString::fromLatin1(reasonId(e.reason));
    case Cache:
        return QString::fromLatin1(cacheOutcomeId(e.cache));
    case Duration:
        return micros(e.durationUs);
    case Idp:
        return micros(e.idpUs);
    case Upstream:
        return micros(e.upstreamUs);
    case Subject:
        return e.subject;
    case Token:
        return QString::fromLatin1(e.tokenFingerprint);
    }
    return {};
}

QVariant RequestLogModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char *const names[ColumnCount] = {"Time",        "Method",  "Target",   "Status",
                                                   "Reason",      "Cache",   "Total ms", "IdP ms",
                                                   "Upstream ms", "Subject", "Token fp"};
    if (section < 0 || section >= ColumnCount)
        return {};
    return QString::fromLatin1(names[section]);
}

} // namespace Tokengate
