// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/redistier.h"

#include <QObject>

#include <memory>

namespace Tokengate {

class RedisConnection;

// Manual eviction across instances. An eviction by fingerprint or subject here deletes the
// matching entries from Redis (through the index sets), then is published on the eviction
// channel; every instance (this one too) listens there and evicts from its local tier as the
// message arrives. After a lost subscription the local tier is emptied, since evictions may
// have been missed meanwhile. Lives in the service's thread.
class RedisEvictions : public QObject {
public:
    RedisEvictions(std::shared_ptr<RedisTier> tier, std::shared_ptr<IntrospectionCache> cache,
                   QObject *parent = nullptr);
    ~RedisEvictions() override;

private:
    void publish(const QByteArray &fingerprint, const QString &subject);
    void received(const QByteArray &message);

    std::shared_ptr<RedisTier> m_tier;
    std::weak_ptr<IntrospectionCache> m_cache;
    QByteArray m_prefix;
    std::unique_ptr<RedisConnection> m_subscriber;
    std::unique_ptr<RedisConnection> m_commands;
    bool m_subscribedBefore = false;
};

} // namespace Tokengate
