// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/redistier.h"
#include "core/cache/revocationlist.h"

#include <QObject>

#include <memory>
#include <vector>

namespace Tokengate {

class RedisConnection;
struct RedisReply;

// Manual eviction across instances. An eviction by fingerprint or subject here deletes the
// matching entries from Redis (through the index sets), then is published on the eviction
// channel; every instance (this one too) listens there and evicts from its local tier as the
// message arrives. After a lost subscription the local tier is emptied, since evictions may
// have been missed meanwhile. Lives in the service's thread.
// Revocations at the gateway travel the same way, and are kept in Redis until they end: an
// instance that starts (or comes back) reads every one, so none is missed.
class RedisEvictions : public QObject {
public:
    RedisEvictions(std::shared_ptr<RedisTier> tier, std::shared_ptr<IntrospectionCache> cache,
                   std::shared_ptr<RevocationList> revocations, const Clock &clock,
                   QObject *parent = nullptr);
    ~RedisEvictions() override;

private:
    void publish(const QByteArray &fingerprint, const QString &subject);
    void publishRevocation(const RevocationList::Entry &entry, bool removed);
    // Sends the changes Redis missed, then reads every revocation it holds, once both
    // connections are up.
    void loadRevocations();
    bool loadRevocationPage(qsizetype offset);
    void received(const QByteArray &message);
    void countFailure(const RedisReply &reply) const;

    std::shared_ptr<RedisTier> m_tier;
    std::weak_ptr<IntrospectionCache> m_cache;
    std::shared_ptr<RevocationList> m_revocations;
    const Clock &m_clock;
    bool m_revocationsWanted = false;                             // subscribed since the last load
    std::vector<std::pair<RevocationList::Entry, bool>> m_unsent; // changes Redis missed
    QByteArray m_prefix;
    std::unique_ptr<RedisConnection> m_subscriber;
    std::unique_ptr<RedisConnection> m_commands;
    bool m_subscribedBefore = false;
};

} // namespace Tokengate
