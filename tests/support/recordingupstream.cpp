// SPDX-License-Identifier: Apache-2.0
#include "tests/support/recordingupstream.h"

#include <QTcpSocket>

#include <memory>

namespace Tokengate::Test {

RecordingUpstream::RecordingUpstream() {
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            ++m_connections;
            auto reader = std::make_shared<StrictRequestReader>();
            connect(socket, &QTcpSocket::readyRead, this, [this, socket, reader] {
                for (SeenRequest &r : reader->feed(socket->readAll())) {
                    m_requests << std::move(r);
                    const QByteArray body = "seen " + QByteArray::number(m_requests.size());
                    socket->write(m_answer.isEmpty()
                                      ? "HTTP/1.1 200 OK\r\nContent-Length: " +
                                            QByteArray::number(body.size()) + "\r\n\r\n" + body
                                      : m_answer);
                }
                if (!reader->error().isEmpty()) {
                    m_errors << reader->error();
                    socket->abort();
                }
            });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    });
    m_server.listen(QHostAddress::LocalHost, 0);
}

QString RecordingUpstream::url() const {
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

void RecordingUpstream::clear() {
    m_requests.clear();
    m_errors.clear();
    m_answer.clear();
}

} // namespace Tokengate::Test
