// SPDX-License-Identifier: Apache-2.0
#include "core/cache/revocationlist.h"

namespace Tokengate {

QString RevocationList::kindName(Kind kind) {
    switch (kind) {
    case Kind::Token:
        return QStringLiteral("token");
    case Kind::Jti:
        return QStringLiteral("jti");
    case Kind::Subject:
        return QStringLiteral("sub");
    }
    return {};
}

std::optional<RevocationList::Kind> RevocationList::kindFromName(QStringView name) {
    for (Kind k : {Kind::Token, Kind::Jti, Kind::Subject}) {
        if (name == kindName(k))
            return k;
    }
    return std::nullopt;
}

RevocationList::Map &RevocationList::mapFor(Kind kind) {
    return kind == Kind::Token ? m_tokens : kind == Kind::Jti ? m_jtis : m_subjects;
}

const RevocationList::Map &RevocationList::mapFor(Kind kind) const {
    return kind == Kind::Token ? m_tokens : kind == Kind::Jti ? m_jtis : m_subjects;
}

void RevocationList::updateSize() {
    m_size.store(qsizetype(m_tokens.size() + m_jtis.size() + m_subjects.size()),
                 std::memory_order_release);
}

void RevocationList::dropExpired(qint64 nowSecs) {
    if (nowSecs <= m_firstEndSecs)
        return; // nothing has ended: a sweep per addition would make filling the list quadratic
    m_firstEndSecs = INT64_MAX;
    qint64 last = 0;
    for (Map *map : {&m_tokens, &m_jtis, &m_subjects}) {
        std::erase_if(*map,
                      [nowSecs](const auto &item) { return item.second.untilSecs < nowSecs; });
        for (const auto &[key, e] : *map) {
            m_firstEndSecs = std::min(m_firstEndSecs, e.untilSecs);
            last = std::max(last, e.untilSecs);
        }
    }
    m_lastEndSecs.store(last, std::memory_order_release);
    updateSize();
}

void RevocationList::setListener(Listener listener) {
    QMutexLocker lock(&m_listenerMutex);
    m_listener = std::move(listener);
}

void RevocationList::tell(const Entry &entry, bool removed) {
    QMutexLocker lock(&m_listenerMutex);
    if (m_listener)
        m_listener(entry, removed);
}

bool RevocationList::add(const Entry &entry, qint64 nowSecs, QString *error, Reach reach) {
    if (entry.key.isEmpty() || entry.key.size() > MaxKeyBytes) {
        *error = QStringLiteral("the value must have 1 to %1 bytes").arg(MaxKeyBytes);
        return false;
    }
    if (entry.kind == Kind::Token && entry.key.size() != 32) {
        *error = QStringLiteral("a token is revoked by its SHA-256");
        return false;
    }
    // Written so that no sum can overflow: the times may come from Redis, written by anyone.
    if (entry.untilSecs < nowSecs || entry.untilSecs - MaxLifetimeSecs > entry.revokedAtSecs ||
        entry.revokedAtSecs > nowSecs + SubjectSkewSecs) {
        *error = QStringLiteral("the revocation must start by now and end between now and %1 "
                                "days after it")
                     .arg(MaxLifetimeSecs / 86400);
        return false;
    }
    QWriteLocker lock(&m_lock);
    dropExpired(nowSecs);
    Map &map = mapFor(entry.kind);
    auto it = map.find(entry.key);
    if (it == map.end() && size() >= MaxEntries) {
        *error = QStringLiteral("the revocation list is full (%1 entries)").arg(MaxEntries);
        return false;
    }
    m_firstEndSecs = std::min(m_firstEndSecs, entry.untilSecs);
    if (entry.untilSecs > m_lastEndSecs.load(std::memory_order_relaxed))
        m_lastEndSecs.store(entry.untilSecs, std::memory_order_release);
    if (it == map.end()) {
        map.emplace(entry.key, entry);
    } else {
        // A later revocation of a subject moves its line forward; a shorter one never
        // shortens what was revoked.
        it->second.revokedAtSecs = std::max(it->second.revokedAtSecs, entry.revokedAtSecs);
        it->second.untilSecs = std::max(it->second.untilSecs, entry.untilSecs);
    }
    updateSize();
    lock.unlock();
    if (reach == Reach::Everywhere)
        tell(entry, false);
    return true;
}

bool RevocationList::remove(Kind kind, const QByteArray &key, Reach reach) {
    QWriteLocker lock(&m_lock);
    const bool removed = mapFor(kind).erase(key) > 0;
    updateSize();
    lock.unlock();
    // Told even when absent here: another instance may hold it (a revocation made while this
    // one was away from Redis).
    if (reach == Reach::Everywhere)
        tell({kind, key, 0, 0}, true);
    return removed;
}

std::optional<RevocationList::Entry> RevocationList::match(QByteArrayView tokenDigest,
                                                           const IntrospectionResult &result,
                                                           qint64 nowSecs) const {
    if (isEmpty() || nowSecs > m_lastEndSecs.load(std::memory_order_acquire))
        return std::nullopt;
    QReadLocker lock(&m_lock);
    const auto live = [&](const Map &map, const QByteArray &key) -> const Entry * {
        const auto it = map.find(key);
        return it != map.end() && it->second.untilSecs >= nowSecs ? &it->second : nullptr;
    };
    const Entry *found = nullptr;
    if (!m_tokens.empty())
        found = live(m_tokens, tokenDigest.toByteArray());
    if (!found && !m_jtis.empty()) {
        const QJsonValue jti = result.claims.value(QLatin1StringView("jti"));
        if (jti.isString())
            found = live(m_jtis, jti.toString().toUtf8());
    }
    if (!found && !m_subjects.empty() && !result.subject.isEmpty()) {
        const Entry *bySubject = live(m_subjects, result.subject.toUtf8());
        if (bySubject && (!result.iat || *result.iat <= bySubject->revokedAtSecs + SubjectSkewSecs))
            found = bySubject;
    }
    if (!found)
        return std::nullopt;
    m_refusals.fetch_add(1, std::memory_order_relaxed);
    return *found;
}

QList<RevocationList::Entry> RevocationList::entries(qint64 nowSecs) const {
    QList<Entry> out;
    {
        QReadLocker lock(&m_lock);
        for (const Map *map : {&m_tokens, &m_jtis, &m_subjects}) {
            for (const auto &[key, entry] : *map) {
                if (entry.untilSecs >= nowSecs)
                    out.append(entry);
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const Entry &a, const Entry &b) {
        return a.revokedAtSecs != b.revokedAtSecs ? a.revokedAtSecs < b.revokedAtSecs
                                                  : a.key < b.key;
    });
    return out;
}

std::array<qsizetype, 3> RevocationList::counts(qint64 nowSecs) const {
    std::array<qsizetype, 3> out{};
    QReadLocker lock(&m_lock);
    for (const Map *map : {&m_tokens, &m_jtis, &m_subjects}) {
        for (const auto &[key, entry] : *map) {
            if (entry.untilSecs >= nowSecs)
                ++out[std::size_t(entry.kind)];
        }
    }
    return out;
}

} // namespace Tokengate
