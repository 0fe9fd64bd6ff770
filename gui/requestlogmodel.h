// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/observe/requestevent.h"

#include <QAbstractTableModel>
#include <QElapsedTimer>
#include <QPointer>
#include <QSet>
#include <QTimer>

#include <deque>

namespace Tokengate {

class EventHub;

// The live request log: the last `capacity` RequestEvents of an EventHub, newest last. It
// takes the hub's snapshot, then follows new events; they arrive batched (one insert per
// `flushMs`) so a busy gateway does not drown the view. Paused, it holds new events back
// (bounded by the capacity too) and shows them on resume.
class RequestLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        Time,
        Method,
        Target,
        Status,
        Reason,
        Cache,
        Duration,
        Idp,
        Upstream,
        Subject,
        Token,
        ColumnCount
    };
    enum Role { EventIndexRole = Qt::UserRole + 1 };

    explicit RequestLogModel(qsizetype capacity = 5000, QObject *parent = nullptr);

    // Shows `hub`'s recent events and follows it (null: detaches).
    void attach(EventHub *hub);
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    void clear();
    void setFlushInterval(int ms) { m_flush.setInterval(ms); }
    qsizetype capacity() const { return m_capacity; }
    qsizetype heldBack() const { return qsizetype(m_pending.size()); }

    const RequestEvent &event(int row) const { return m_rows[size_t(row)]; }

    // Writes the given rows as access-log JSON lines (query tokens redacted); false with
    // `error` when the file cannot be written.
    static bool exportJsonLines(const QList<RequestEvent> &events, const QString &path,
                                QString *error);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    // Every event as it arrives, paused or not (charts, tray notifications).
    void eventArrived(const Tokengate::RequestEvent &event);

private:
    void receive(const RequestEvent &event);
    void flush();
    void append(const QList<RequestEvent> &events);
    // Puts a WebSocket's end in its "open" row (shown or held back); false: no such row.
    bool replaceOpenTunnel(const RequestEvent &event);
    static QString eventKey(const RequestEvent &event);

    qsizetype m_capacity;
    std::deque<RequestEvent> m_rows;
    std::deque<RequestEvent> m_pending;
    QPointer<EventHub> m_hub;
    QMetaObject::Connection m_connection;
    QMetaObject::Connection m_openConnection;
    // Events in the snapshot that may still arrive through the signal (published while we
    // subscribed); dropped so they do not show twice. Kept only briefly.
    QSet<QString> m_snapshotKeys;
    QElapsedTimer m_sinceAttach;
    QTimer m_flush;
    bool m_paused = false;
};

} // namespace Tokengate
