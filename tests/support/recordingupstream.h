// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tests/support/strictrequestreader.h"

#include <QByteArray>
#include <QList>
#include <QTcpServer>

namespace Tokengate::Test {

// An upstream on 127.0.0.1:0 that frames what it receives with StrictRequestReader, records
// every request, and answers each with 200 and "seen <n>" (keep-alive), unless a test
// scripts the answer bytes. A stream it cannot frame is recorded as an error and closed.
class RecordingUpstream : public QObject {
    Q_OBJECT
public:
    RecordingUpstream();
    quint16 port() const { return m_server.serverPort(); }
    QString url() const;

    const QList<SeenRequest> &requests() const { return m_requests; }
    const QStringList &errors() const { return m_errors; }
    int connectionCount() const { return m_connections; }
    // Raw bytes written for every later request instead of the default answer.
    void setAnswer(QByteArray raw) { m_answer = std::move(raw); }
    void clear();

private:
    QTcpServer m_server;
    QList<SeenRequest> m_requests;
    QStringList m_errors;
    QByteArray m_answer;
    int m_connections = 0;
};

} // namespace Tokengate::Test
