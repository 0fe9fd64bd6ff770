// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QTcpSocket>

#include <memory>

class QSocketNotifier;
typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace Tokengate {

// The server side of an HTTPS connection: OpenSSL reading and writing the descriptor itself,
// behind the QTcpSocket interface HttpConnection and Tunnel speak. Qt's QSslSocket costs a
// second socket object, copies of its whole configuration and parsed cipher descriptions on
// every handshake: about 200 µs of CPU per new connection above OpenSSL's own work, most of
// the gap to nginx's handshake rate. Here a connection is one SSL and two notifiers.
//
// Semantics kept from QTcpSocket: readyRead() when decrypted bytes arrive, bytesWritten()
// when queued bytes leave (writes leave when the event loop ends its turn), disconnected()
// once, disconnectFromHost() sends what is queued then closes (with close_notify first),
// abort() closes at once (no close_notify: a cut response must not look complete), and
// the end of the client's stream closes the socket after what is queued (with close_notify
// only if the client sent one).
class TlsServerSocket : public QTcpSocket {
    Q_OBJECT
public:
    explicit TlsServerSocket(std::shared_ptr<SSL_CTX> context, QObject *parent = nullptr);
    ~TlsServerSocket() override;

    // Takes a connected descriptor (closed here on failure). The handshake starts with
    // startHandshake(), once whoever listens to the signals is connected.
    bool adopt(qintptr descriptor);
    void startHandshake();

    bool isEncrypted() const { return m_established; }
    // The certificate the client presented, then the intermediates it sent; empty if none.
    QList<QSslCertificate> peerCertificateChain() const;
    // The socket's descriptor (socketDescriptor() knows only Qt's own engines); -1 closed.
    qintptr descriptor() const { return m_fd; }
    // close_notify, then the write side shut (a lingering close reads on).
    void shutdownOutput();
    // Drops this connection's session from the cache: it cannot be resumed.
    void forgetSession();

    qint64 bytesAvailable() const override;
    qint64 bytesToWrite() const override;
    void disconnectFromHost() override;
    void close() override;
    void setReadBufferSize(qint64 size) override;
    void setSocketOption(QAbstractSocket::SocketOption option, const QVariant &value) override;

signals:
    void encrypted();
    void handshakeFailed(const QString &why);

protected:
    qint64 readData(char *data, qint64 maxSize) override;
    qint64 skipData(qint64 maxSize) override;
    qint64 writeData(const char *data, qint64 size) override;

private:
    void onReadable();
    void onWritable();
    void handshake();
    void fill();
    void flushOut();
    void scheduleFill();
    qint64 takeInput(char *data, qint64 maxSize); // null `data`: skipped
    bool sendCloseNotify();
    void closeDescriptor(bool notify);
    void updateNotifiers();

    std::shared_ptr<SSL_CTX> m_context;
    SSL *m_ssl = nullptr;
    int m_fd = -1;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QByteArray m_in; // decrypted, not read yet, from m_inPos
    qsizetype m_inPos = 0;
    QByteArray m_out; // accepted by write(), not taken by SSL_write yet, from m_outPos
    qsizetype m_outPos = 0;
    qint64 m_readBound = 64 * 1024;
    bool m_started = false;
    bool m_established = false;
    bool m_readWantsWrite = false;     // SSL_read needs the socket writable (a key update)
    bool m_writeWantsRead = false;     // SSL_write needs the client's next bytes
    bool m_peerDone = false;           // close_notify, end of stream or a broken record read
    bool m_peerCut = false;            // ...without close_notify: the client may miss bytes
    bool m_broken = false;             // a failed handshake, a protocol error, a failed write
    bool m_closing = false;            // disconnectFromHost(): close once m_out is sent
    bool m_closeNotifyPending = false; // SSL_shutdown() waits for the socket to take it
    bool m_outputShut = false;         // shutdownOutput(): nothing more is written
    bool m_fillScheduled = false;
};

// The descriptor under `socket`, whichever kind it is.
inline qintptr descriptorOf(const QTcpSocket *socket) {
    if (const auto *tls = qobject_cast<const TlsServerSocket *>(socket))
        return tls->descriptor();
    return socket->socketDescriptor();
}

} // namespace Tokengate
