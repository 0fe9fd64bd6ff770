// SPDX-License-Identifier: Apache-2.0
#include "core/admin/guardedtcpserver.h"

#include <QTcpSocket>
#include <QTimer>

namespace Tokengate {

GuardedTcpServer::GuardedTcpServer(Limits limits, QObject *parent)
    : QTcpServer(parent)
    , m_limits(limits) {}

void GuardedTcpServer::incomingConnection(qintptr socketDescriptor) {
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    if (m_open >= m_limits.maxConnections) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    ++m_open;
    connect(socket, &QObject::destroyed, this, [this] { --m_open; });
    // Connected before QHttpServer's own slot, so this sees each arrival before it is read.
    auto received = std::make_shared<qint64>(0);
    connect(socket, &QTcpSocket::readyRead, socket, [socket, received, this] {
        *received += socket->bytesAvailable();
        if (*received > m_limits.maxBytesPerConnection)
            socket->abort();
    });
    QTimer::singleShot(m_limits.maxLifetimeMs, socket, [socket] { socket->abort(); });
    // QHttpServer deletes its sockets on disconnect; an aborted one disconnects too.
    addPendingConnection(socket);
}

} // namespace Tokengate
