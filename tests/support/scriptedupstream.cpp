// SPDX-License-Identifier: Apache-2.0
#include "tests/support/scriptedupstream.h"

#include <QCoreApplication>
#include <QDeadlineTimer>

namespace Tokengate::Test {

bool waitFor(const std::function<bool()> &done, int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

ScriptedUpstream::ScriptedUpstream(Script script)
    : m_script(std::move(script)) {
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            const int index = int(m_connections.size());
            m_connections.append({socket, {}, false});
            connect(socket, &QTcpSocket::readyRead, this, [this, socket, index] {
                m_connections[index].received.append(socket->readAll());
                if (m_script)
                    m_script(*this, index);
            });
            connect(socket, &QTcpSocket::disconnected, this,
                    [this, index] { m_connections[index].closedByPeer = true; });
        }
    });
    m_server.listen(QHostAddress::LocalHost, 0);
}

ScriptedUpstream::~ScriptedUpstream() {
    // The sockets are children and outlive m_connections; silence them first.
    for (const Connection &c : std::as_const(m_connections)) {
        if (c.socket)
            c.socket->disconnect(this);
    }
}

QString ScriptedUpstream::url() const {
    return QStringLiteral("http://127.0.0.1:%1").arg(port());
}

int ScriptedUpstream::requestTotal() const {
    int n = 0;
    for (int i = 0; i < m_connections.size(); ++i)
        n += requestCount(i);
    return n;
}

int ScriptedUpstream::requestCount(int index) const {
    return int(m_connections.value(index).received.count("\r\n\r\n"));
}

void ScriptedUpstream::reply(int index, QByteArrayView bytes) {
    if (QTcpSocket *s = m_connections.value(index).socket)
        s->write(bytes.data(), bytes.size());
}

ScriptedUpstream::Script ScriptedUpstream::answerEachRequest() {
    auto answered = std::make_shared<QHash<int, int>>();
    return [answered](ScriptedUpstream &up, int index) {
        const QByteArray &all = up.connections()[index].received;
        qsizetype pos = 0;
        int seen = 0;
        while (true) {
            const qsizetype end = all.indexOf("\r\n\r\n", pos);
            if (end < 0)
                break;
            if (seen++ >= (*answered)[index]) {
                const QByteArray line = all.mid(pos, all.indexOf("\r\n", pos) - pos);
                const QByteArray body = line.split(' ').value(1);
                const QByteArray response =
                    "HTTP/1.1 200 OK\r\nContent-Length: " + QByteArray::number(body.size()) +
                    "\r\n\r\n" + body;
                up.reply(index, response);
                ++(*answered)[index];
            }
            pos = end + 4;
        }
    };
}

ScriptedUpstream::Script ScriptedUpstream::answerEachRequestWith(QByteArray response) {
    auto answered = std::make_shared<QHash<int, int>>();
    return [answered, response](ScriptedUpstream &up, int index) {
        while ((*answered)[index] < up.requestCount(index)) {
            ++(*answered)[index];
            up.reply(index, response);
        }
    };
}

} // namespace Tokengate::Test
