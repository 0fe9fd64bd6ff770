// SPDX-License-Identifier: Apache-2.0
#include "core/http/upstreamconnection.h"

#include "core/base/reason.h"
#include "core/http/flowcontrol.h"
#include "core/http/internaladdress.h"
#include "core/http/socketbacklog.h"

#include <QPointer>
#include <QSslConfiguration>
#include <QSslSocket>

namespace Tokengate {

using namespace FlowControl;

UpstreamConnection::UpstreamConnection(const Origin &origin, const UpstreamSettings &settings,
                                       const HttpLimits &limits, DeadlineSweeper &sweeper,
                                       QObject *parent)
    : QObject(parent)
    , m_origin(origin)
    , m_settings(settings)
    , m_sweeper(sweeper)
    , m_parser(limits, *this) {
    m_sweeper.add(this);
}

UpstreamConnection::~UpstreamConnection() {
    m_sweeper.remove(this);
}

bool UpstreamConnection::isIdleUsable() const {
    return m_socket && !m_user && m_responseDone && m_connected &&
           m_socket->state() == QAbstractSocket::ConnectedState && m_socket->bytesAvailable() == 0;
}

void UpstreamConnection::connectSocket() {
    if (m_origin.tls) {
        auto *ssl = new QSslSocket(this);
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        if (const TlsClientSide *side = m_settings.clientSide.get()) {
            if (!side->caFile.isEmpty())
                conf.addCaCertificates(side->caFile);
            if (!side->chain.isEmpty()) {
                conf.setLocalCertificateChain(side->chain);
                conf.setPrivateKey(side->key);
            }
        } else if (!m_settings.caFile.isEmpty()) {
            conf.addCaCertificates(m_settings.caFile);
        }
        conf.setPeerVerifyMode(m_settings.verifyTls ? QSslSocket::VerifyPeer
                                                    : QSslSocket::VerifyNone);
        ssl->setSslConfiguration(conf);
        m_socket = ssl;
    } else {
        m_socket = new QTcpSocket(this);
    }
    // Bounded so a fast upstream and a slow client cannot fill our memory.
    m_socket->setReadBufferSize(ReadChunk);
    connect(m_socket, &QTcpSocket::connected, this, [this] {
        if (m_settings.refuseInternalPeers && isInternalAddress(m_socket->peerAddress()) &&
            !m_settings.internalPeersAllowed.contains(m_origin.host.toLower())) {
            fail(Reason::DestinationForbidden,
                 QStringLiteral("%1 resolved to %2, a link-local or metadata address")
                     .arg(m_origin.host, m_socket->peerAddress().toString()));
            return;
        }
        m_connected = true;
        m_lastActivity = m_sweeper.nowMs();
        m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    });
    connect(m_socket, &QTcpSocket::readyRead, this, &UpstreamConnection::readResponse);
    onSendProgress(m_socket, this, [this] { onBytesWritten(); });
    connect(m_socket, &QTcpSocket::errorOccurred, this, &UpstreamConnection::onSocketError);
    connect(m_socket, &QTcpSocket::disconnected, this, &UpstreamConnection::onDisconnected);
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket))
        ssl->connectToHostEncrypted(m_origin.host, m_origin.port);
    else
        m_socket->connectToHost(m_origin.host, m_origin.port);
}

void UpstreamConnection::begin(User *user, QByteArrayView head, bool headRequest,
                               QByteArrayView upgrade) {
    m_user = user;
    m_responseDone = false;
    m_headDone = false;
    m_headStartedMs = 0;
    m_readPaused = false;
    m_waitingWritable = false;
    ++m_exchanges;
    m_parser.expectResponse(headRequest, upgrade);
    m_lastActivity = m_sweeper.nowMs();
    if (!m_socket)
        connectSocket();
    write(head);
    if (m_connected)
        m_socket->flush(); // see HttpConnection::finishResponse
}

void UpstreamConnection::write(QByteArrayView bytes) {
    if (m_socket && !bytes.isEmpty())
        m_socket->write(bytes.data(), bytes.size());
}

bool UpstreamConnection::writeBacklogged() {
    if (!m_socket || unsentBytes(m_socket) <= SendHighWater)
        return false;
    m_waitingWritable = true;
    return true;
}

void UpstreamConnection::onBytesWritten() {
    // Upload progress counts as activity: many upstreams answer only after the whole body.
    m_lastActivity = m_sweeper.nowMs();
    if (m_headStartedMs)
        m_headStartedMs = m_lastActivity; // an early 1xx while the request is still going out
    if (m_waitingWritable && unsentBytes(m_socket) <= SendLowWater) {
        m_waitingWritable = false;
        if (m_user)
            m_user->onUpstreamWritable();
    }
}

void UpstreamConnection::setReadPaused(bool paused) {
    const bool resumed = m_readPaused && !paused;
    m_readPaused = paused;
    if (resumed) {
        m_lastActivity = m_sweeper.nowMs();
        // Not inline: the caller may be inside our own callbacks.
        QMetaObject::invokeMethod(this, &UpstreamConnection::readResponse, Qt::QueuedConnection);
    }
}

void UpstreamConnection::readResponse() {
    if (m_reading || !m_socket)
        return;
    if (!m_user) {
        // An idle pooled connection received bytes or EOF: it cannot be reused.
        if (m_responseDone) {
            close();
            emit idleClosed(this);
        }
        return;
    }
    m_reading = true;
    // A user callback may end the exchange (detach, fail) and even get this connection deleted
    // later; the parser is told to stop then, and nothing here runs on after it.
    const QPointer<UpstreamConnection> alive(this);
    while (m_user && !m_readPaused && !m_responseDone && m_socket->bytesAvailable() > 0) {
        const QByteArray data = m_socket->read(qMin(m_socket->bytesAvailable(), ReadChunk));
        m_lastActivity = m_sweeper.nowMs();
        if (!m_headStartedMs)
            m_headStartedMs = m_lastActivity;
        const auto result = m_parser.feed(data);
        if (!alive)
            return;
        if (!m_user || !m_socket) {
            m_reading = false;
            return; // the exchange ended inside a callback; the connection is closed
        }
        if (result.status == MessageParser::Status::Error) {
            m_reading = false;
            fail(m_parser.error().reason, QString::fromLatin1(m_parser.error().message));
            return;
        }
        if (result.status == MessageParser::Status::Switched) {
            m_reading = false;
            User *user = std::exchange(m_user, nullptr);
            user->onUpstreamSwitched(std::exchange(m_switchHead, {}), data.sliced(result.consumed));
            return;
        }
        if (m_responseDone) {
            // Bytes after the response mean the upstream and we disagree on framing.
            const bool reusable = m_keepAlive && result.consumed == data.size() &&
                                  m_socket->bytesAvailable() == 0 &&
                                  m_socket->state() == QAbstractSocket::ConnectedState;
            User *user = std::exchange(m_user, nullptr);
            if (!reusable)
                close();
            m_reading = false;
            user->onUpstreamComplete(reusable);
            return;
        }
    }
    m_reading = false;
    if (m_user && m_eof && !m_readPaused && m_socket->bytesAvailable() == 0)
        finishAtEof();
}

void UpstreamConnection::finishAtEof() {
    if (m_parser.finishAtEof()) {
        User *user = std::exchange(m_user, nullptr);
        m_responseDone = true;
        close();
        if (user)
            user->onUpstreamComplete(false);
        return;
    }
    if (!m_user)
        return;
    fail(Reason::UpstreamReset,
         m_parser.startedResponse()
             ? QStringLiteral("Upstream closed the connection in the middle of its response")
             : QStringLiteral("Upstream closed the connection without answering"));
}

void UpstreamConnection::onResponseHead(ResponseHead head) {
    m_keepAlive = head.keepAlive;
    m_headDone = true;
    if (head.status == 101) {
        m_switchHead = std::move(head); // handed over with the bytes after it (readResponse)
        return;
    }
    if (m_user)
        m_user->onUpstreamHead(std::move(head));
    if (!m_user)
        m_parser.abandon();
}

void UpstreamConnection::onResponseBody(QByteArrayView chunk) {
    if (m_user)
        m_user->onUpstreamBody(chunk);
    if (!m_user)
        m_parser.abandon();
}

void UpstreamConnection::onResponseComplete() {
    if (m_user)
        m_responseDone = true;
    else
        m_parser.abandon();
}

void UpstreamConnection::onSocketError(QAbstractSocket::SocketError error) {
    if (error == QAbstractSocket::RemoteHostClosedError) {
        onDisconnected();
        return;
    }
    if (!m_user) {
        close();
        emit idleClosed(this);
        return;
    }
    Reason reason = Reason::UpstreamUnreachable;
    if (error == QAbstractSocket::SslHandshakeFailedError ||
        error == QAbstractSocket::SslInternalError ||
        error == QAbstractSocket::SslInvalidUserDataError)
        reason = Reason::UpstreamTls;
    else if (m_connected)
        reason = Reason::UpstreamReset;
    fail(reason, m_socket->errorString());
}

void UpstreamConnection::onDisconnected() {
    if (m_eof)
        return;
    m_eof = true;
    if (!m_user) {
        close();
        emit idleClosed(this);
        return;
    }
    readResponse();
}

void UpstreamConnection::fail(Reason reason, const QString &detail) {
    // Only a connection that served earlier requests can have been closed by the upstream's
    // keep-alive timer just as we reused it; a new one failing means the upstream is down.
    const bool retryable =
        m_exchanges > 1 && !m_parser.startedResponse() && (reason == Reason::UpstreamReset);
    User *user = std::exchange(m_user, nullptr);
    close();
    if (user)
        user->onUpstreamFailed(reason, detail, retryable);
}

QTcpSocket *UpstreamConnection::takeSocket() {
    QTcpSocket *socket = std::exchange(m_socket, nullptr);
    if (socket) {
        disconnect(socket, nullptr, this, nullptr);
        socket->setParent(nullptr);
    }
    m_user = nullptr;
    return socket;
}

void UpstreamConnection::detach() {
    m_user = nullptr;
    close();
}

void UpstreamConnection::close() {
    if (!m_socket)
        return;
    m_responseDone = false;
    disconnect(m_socket, nullptr, this, nullptr);
    m_socket->abort();
    m_socket->deleteLater();
    m_socket = nullptr;
}

void UpstreamConnection::markIdle() {
    m_lastActivity = m_sweeper.nowMs();
}

void UpstreamConnection::checkDeadline(qint64 now) {
    if (!m_socket)
        return;
    if (!m_user) {
        if (now - m_lastActivity > m_settings.idleTimeoutMs) {
            close();
            emit idleClosed(this);
        }
        return;
    }
    if (!m_connected) {
        if (now - m_lastActivity > m_settings.connectTimeoutMs)
            fail(Reason::UpstreamTimeout, QStringLiteral("Timed out connecting to the upstream"));
    } else if (!m_readPaused && now - m_lastActivity > m_settings.responseTimeoutMs) {
        fail(Reason::UpstreamTimeout, QStringLiteral("Upstream did not answer in time"));
    } else if (!m_headDone && m_headStartedMs &&
               now - m_headStartedMs > m_settings.responseTimeoutMs) {
        // Each byte is activity, so a head trickled, or 1xx answers sent forever, would
        // otherwise hold the exchange without end.
        fail(Reason::UpstreamTimeout,
             QStringLiteral("Upstream did not complete its response head in time"));
    }
}

} // namespace Tokengate
