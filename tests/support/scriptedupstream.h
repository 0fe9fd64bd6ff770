// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QList>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

#include <functional>

namespace Tokengate::Test {

// A raw TCP upstream on 127.0.0.1:0 for cases the echo upstream cannot play: it records
// every byte each connection sends and lets the test answer (or misbehave) by hand.
class ScriptedUpstream : public QObject {
    Q_OBJECT
public:
    struct Connection {
        QPointer<QTcpSocket> socket;
        QByteArray received;
        bool closedByPeer = false;
    };
    // Called whenever a connection receives bytes; `index` is the connection's number.
    using Script = std::function<void(ScriptedUpstream &upstream, int index)>;

    explicit ScriptedUpstream(Script script = {});
    ~ScriptedUpstream() override;
    quint16 port() const { return m_server.serverPort(); }
    QString url() const;

    QList<Connection> &connections() { return m_connections; }
    // Number of complete request heads ("\r\n\r\n") seen on connection `index`.
    int requestCount(int index) const;
    // Complete request heads over all connections.
    int requestTotal() const;
    void reply(int index, QByteArrayView bytes);
    // Answers every complete bodiless request on every connection with a 200 and the
    // target in the body, keeping connections alive.
    static Script answerEachRequest();
    // Answers every complete request with the same raw `response` bytes.
    static Script answerEachRequestWith(QByteArray response);

private:
    QTcpServer m_server;
    QList<Connection> m_connections;
    Script m_script;
};

// Waits (pumping events) until `done` holds; false after `timeoutMs`.
bool waitFor(const std::function<bool()> &done, int timeoutMs = 10000);

} // namespace Tokengate::Test
