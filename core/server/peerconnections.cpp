// SPDX-License-Identifier: Apache-2.0
#include "core/server/peerconnections.h"

#include <QMutexLocker>

namespace Tokengate {

QByteArray PeerConnections::key(const QHostAddress &peer) {
    bool isV4 = false;
    const quint32 v4 = peer.toIPv4Address(&isV4);
    if (isV4)
        return QByteArray::number(v4);
    const Q_IPV6ADDR v6 = peer.toIPv6Address();
    return QByteArray(reinterpret_cast<const char *>(v6.c), 8);
}

bool PeerConnections::tryAdd(const QHostAddress &peer, int limit) {
    const QByteArray k = key(peer);
    QMutexLocker lock(&m_mutex);
    int &n = m_counts[k];
    if (n >= limit) {
        if (n == 0)
            m_counts.remove(k);
        return false;
    }
    ++n;
    return true;
}

void PeerConnections::remove(const QHostAddress &peer) {
    const QByteArray k = key(peer);
    QMutexLocker lock(&m_mutex);
    const auto it = m_counts.find(k);
    if (it == m_counts.end())
        return;
    if (--it.value() <= 0)
        m_counts.erase(it);
}

int PeerConnections::count(const QHostAddress &peer) const {
    QMutexLocker lock(&m_mutex);
    return m_counts.value(key(peer));
}

} // namespace Tokengate
