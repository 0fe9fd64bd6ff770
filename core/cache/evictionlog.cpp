// SPDX-License-Identifier: Apache-2.0
#include "core/cache/evictionlog.h"

#include <QMutexLocker>

namespace Tokengate {

void EvictionLog::record(QByteArray fingerprint, QString subject) {
    QMutexLocker lock(&m_mutex);
    const quint64 next = m_generation.load(std::memory_order_relaxed) + 1;
    m_records.push_back({next, std::move(fingerprint), std::move(subject)});
    if (qsizetype(m_records.size()) > Size)
        m_records.pop_front();
    m_generation.store(next, std::memory_order_release);
}

bool EvictionLog::evictedSince(quint64 generation, QByteArrayView fingerprint,
                               const QString &subject) const {
    if (this->generation() == generation)
        return false;
    QMutexLocker lock(&m_mutex);
    if (m_records.empty() || m_records.front().generation > generation + 1)
        return true;
    // Newest first, down to the first one already seen.
    for (auto r = m_records.crbegin(); r != m_records.crend() && r->generation > generation; ++r) {
        if (r->fingerprint.isEmpty() && r->subject.isEmpty())
            return true;
        if ((!r->fingerprint.isEmpty() && r->fingerprint == fingerprint) ||
            (!r->subject.isEmpty() && r->subject == subject))
            return true;
    }
    return false;
}

} // namespace Tokengate
