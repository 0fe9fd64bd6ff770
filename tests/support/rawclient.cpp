// SPDX-License-Identifier: Apache-2.0
#include "tests/support/rawclient.h"

#include "core/http/responseparser.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QFile>
#include <QSslConfiguration>

namespace Tokengate::Test {

namespace {

class Collector : public ResponseParser::Sink {
public:
    void onResponseHead(ResponseHead head) override {
        response.status = head.status;
        response.reason = head.reason;
        response.headers = head.headers;
        response.keepAlive = head.keepAlive;
        headSeen = true;
    }
    void onResponseBody(QByteArrayView chunk) override { response.body.append(chunk); }
    void onResponseComplete() override { complete = true; }

    ReceivedResponse response;
    bool headSeen = false;
    bool complete = false;
};

} // namespace

bool RawClient::pumpUntil(const std::function<bool()> &done, int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    while (!done()) {
        if (deadline.hasExpired())
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        if (m_socket.bytesAvailable() > 0)
            m_buffer.append(m_socket.readAll());
        else if (m_socket.state() != QAbstractSocket::UnconnectedState)
            m_socket.waitForReadyRead(5);
    }
    return true;
}

bool RawClient::connectTo(quint16 port, int timeoutMs) {
    // A server may accept, answer and close before this loop looks (a 503 for too many
    // connections): having been connected is what counts.
    bool connected = false;
    const auto watch =
        QObject::connect(&m_socket, &QTcpSocket::connected, [&] { connected = true; });
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    const bool ok = pumpUntil([&] { return connected; }, timeoutMs);
    QObject::disconnect(watch);
    return ok;
}

bool RawClient::presentCertificate(const QString &certFile, const QString &keyFile) {
    QFile key(keyFile);
    m_localChain = QSslCertificate::fromPath(certFile);
    m_localKey = key.open(QIODevice::ReadOnly) ? QSslKey(key.readAll(), QSsl::Ec) : QSslKey();
    return !m_localChain.isEmpty() && !m_localKey.isNull();
}

bool RawClient::connectTls(quint16 port, const QList<QSslCertificate> &cas,
                           const QString &serverName, bool checkName, int timeoutMs) {
    QSslConfiguration c = QSslConfiguration::defaultConfiguration();
    c.setCaCertificates(cas);
    c.setPeerVerifyMode(QSslSocket::VerifyPeer);
    c.setAllowedNextProtocols({QByteArray(QSslConfiguration::NextProtocolHttp1_1)});
    if (!m_localChain.isEmpty()) {
        c.setLocalCertificateChain(m_localChain);
        c.setPrivateKey(m_localKey);
    }
    m_socket.setSslConfiguration(c);
    bool done = false;
    m_tlsErrors.clear();
    const auto onEncrypted =
        QObject::connect(&m_socket, &QSslSocket::encrypted, [&] { done = true; });
    const auto onErrors =
        QObject::connect(&m_socket, &QSslSocket::sslErrors, [&](const QList<QSslError> &errors) {
            bool onlyTheName = true;
            for (const QSslError &e : errors) {
                m_tlsErrors << e.errorString();
                onlyTheName &= e.error() == QSslError::HostNameMismatch;
            }
            if (!checkName && onlyTheName)
                m_socket.ignoreSslErrors();
        });
    const auto onFailure = QObject::connect(&m_socket, &QAbstractSocket::errorOccurred,
                                            [&](QAbstractSocket::SocketError error) {
                                                // pumpUntil()'s short waits time out
                                                if (error == QAbstractSocket::SocketTimeoutError)
                                                    return;
                                                m_tlsErrors << m_socket.errorString();
                                                done = true;
                                            });
    m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port, serverName);
    pumpUntil([&] { return done; }, timeoutMs);
    QObject::disconnect(onEncrypted);
    QObject::disconnect(onErrors);
    QObject::disconnect(onFailure);
    return m_socket.isEncrypted();
}

void RawClient::send(const QByteArray &bytes) {
    m_socket.write(bytes.data(), bytes.size());
    m_socket.flush();
}

bool RawClient::isConnected() const {
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

std::optional<ReceivedResponse> RawClient::readResponse(int timeoutMs, bool headRequest,
                                                        bool keepInterim) {
    HttpLimits limits;
    limits.maxHeaderBytes = 1 << 20;
    limits.maxHeaderCount = 10'000;
    Collector collector;
    ResponseParser parser(limits, collector);
    parser.expectResponse(headRequest);
    qsizetype used = 0;
    bool failed = false;
    auto complete = [&] {
        if (used < m_buffer.size()) {
            QByteArrayView rest = QByteArrayView(m_buffer).sliced(used);
            if (keepInterim && rest.startsWith("HTTP/1.1 1")) {
                const qsizetype end = rest.indexOf("\r\n\r\n");
                if (end >= 0) {
                    collector.response.status = rest.sliced(9, 3).toInt();
                    used += end + 4;
                    collector.complete = true;
                    return true;
                }
                return false;
            }
            const auto r = parser.feed(rest);
            used += r.consumed;
            failed = r.status == MessageParser::Status::Error;
        }
        if (!collector.complete && m_socket.state() == QAbstractSocket::UnconnectedState &&
            m_socket.bytesAvailable() == 0 && collector.headSeen)
            parser.finishAtEof();
        return collector.complete || failed ||
               (m_socket.state() == QAbstractSocket::UnconnectedState &&
                m_socket.bytesAvailable() == 0 && used >= m_buffer.size());
    };
    const bool done = pumpUntil(complete, timeoutMs);
    m_buffer.remove(0, used);
    if (!done || !collector.complete)
        return std::nullopt;
    return collector.response;
}

bool RawClient::waitForClosed(int timeoutMs) {
    return pumpUntil([this] { return m_socket.state() == QAbstractSocket::UnconnectedState; },
                     timeoutMs);
}

bool RawClient::waitForBytes(qsizetype n, int timeoutMs) {
    return pumpUntil([&] { return m_buffer.size() >= n; }, timeoutMs);
}

QByteArray RawClient::takeBuffered() {
    if (m_socket.bytesAvailable() > 0)
        m_buffer.append(m_socket.readAll());
    return std::exchange(m_buffer, {});
}

std::optional<ReceivedResponse> requestOnce(quint16 port, const QByteArray &method,
                                            const QByteArray &target, const QByteArray &headers) {
    RawClient c;
    if (!c.connectTo(port))
        return std::nullopt;
    c.send(method + ' ' + target + " HTTP/1.1\r\nHost: t\r\n" + headers +
           "Connection: close\r\n\r\n");
    return c.readResponse(10000, method == "HEAD");
}

} // namespace Tokengate::Test
