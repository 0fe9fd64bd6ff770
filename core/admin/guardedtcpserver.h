// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QTcpServer>

namespace Tokengate {

// The listener under the admin endpoints' QHttpServer, which in Qt 6.4 reads requests without
// any bound. Operators may bind it beyond loopback, so its connections are bounded here: how
// many at once, how many bytes each may send, and how long each may stay open.
class GuardedTcpServer : public QTcpServer {
    Q_OBJECT
public:
    struct Limits {
        int maxConnections = 64;
        qint64 maxBytesPerConnection = 64 * 1024; // admin requests are a line and a few fields
        int maxLifetimeMs = 30'000;               // scrapers reconnect; nobody needs longer
    };
    explicit GuardedTcpServer(Limits limits, QObject *parent = nullptr);
    int openConnections() const { return m_open; }

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    Limits m_limits;
    int m_open = 0;
};

} // namespace Tokengate
