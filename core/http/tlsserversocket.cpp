// SPDX-License-Identifier: Apache-2.0
#include "core/http/tlsserversocket.h"

#include <QHostAddress>
#include <QSocketNotifier>
#include <QVariant>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace Tokengate {

namespace {

constexpr int RecordBytes = 16 * 1024; // a TLS record's plaintext at most
constexpr qsizetype TrimBytes = 64 * 1024;

// OpenSSL's socket BIO writes with write(2): a client that has gone away would raise
// SIGPIPE, whose default action ends the process. This one sends with MSG_NOSIGNAL, as Qt's
// own sockets do; the rest (the descriptor, EOF) is the socket BIO's.
int sendNoSignal(BIO *bio, const char *data, int size) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::send(int(BIO_get_fd(bio, nullptr)), data, size_t(size), MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_write(bio);
    return int(n);
}

int receive(BIO *bio, char *data, int size) {
    BIO_clear_retry_flags(bio);
    const ssize_t n = ::recv(int(BIO_get_fd(bio, nullptr)), data, size_t(size), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        BIO_set_retry_read(bio);
    else if (n == 0)
        BIO_set_flags(bio, BIO_FLAGS_IN_EOF); // so OpenSSL tells a cut from a close_notify
    return int(n);
}

const BIO_METHOD *socketMethod() {
    static const BIO_METHOD *const method = [] {
        BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "tokengate socket");
        const BIO_METHOD *plain = BIO_s_socket();
        BIO_meth_set_write(m, sendNoSignal);
        BIO_meth_set_read(m, receive);
        BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(plain));
        BIO_meth_set_create(m, BIO_meth_get_create(plain));
        BIO_meth_set_destroy(m, BIO_meth_get_destroy(plain));
        return m;
    }();
    return method;
}

QSslCertificate toQt(X509 *certificate) {
    const int size = i2d_X509(certificate, nullptr);
    if (size <= 0)
        return QSslCertificate();
    QByteArray der(size, Qt::Uninitialized);
    auto *out = reinterpret_cast<unsigned char *>(der.data());
    i2d_X509(certificate, &out);
    return QSslCertificate(der, QSsl::Der);
}

QString handshakeFailure() {
    const unsigned long code = ERR_peek_last_error();
    ERR_clear_error();
    if (const char *reason = code ? ERR_reason_error_string(code) : nullptr)
        return QString::fromLatin1(reason);
    return QStringLiteral("the connection closed during the handshake");
}

void setAddress(int fd, bool peer, QHostAddress *address, quint16 *port) {
    sockaddr_storage storage{};
    socklen_t size = sizeof storage;
    auto *a = reinterpret_cast<sockaddr *>(&storage);
    if ((peer ? ::getpeername(fd, a, &size) : ::getsockname(fd, a, &size)) != 0)
        return;
    *address = QHostAddress(a);
    *port = storage.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6 *>(a)->sin6_port)
                                          : ntohs(reinterpret_cast<sockaddr_in *>(a)->sin_port);
}

// Decrypted into this, then copied out at their size: a connection keeps no 16 KiB block
// for the few bytes of a request.
char *scratch() {
    thread_local std::unique_ptr<char[]> block(new char[RecordBytes]);
    return block.get();
}

void enable(QSocketNotifier *notifier, bool on) {
    if (notifier && notifier->isEnabled() != on)
        notifier->setEnabled(on);
}

} // namespace

TlsServerSocket::TlsServerSocket(std::shared_ptr<SSL_CTX> context, QObject *parent)
    : QTcpSocket(parent)
    , m_context(std::move(context)) {}

TlsServerSocket::~TlsServerSocket() {
    closeDescriptor(false);
    SSL_free(m_ssl);
    // QAbstractSocket's destructor would abort() a socket it thinks connected.
    setSocketState(UnconnectedState);
}

bool TlsServerSocket::adopt(qintptr descriptor) {
    m_fd = int(descriptor);
    const int flags = ::fcntl(m_fd, F_GETFL);
    if (flags < 0 || (!(flags & O_NONBLOCK) && ::fcntl(m_fd, F_SETFL, flags | O_NONBLOCK) != 0)) {
        closeDescriptor(false);
        return false;
    }
    BIO *bio = m_context ? BIO_new(socketMethod()) : nullptr;
    m_ssl = bio ? SSL_new(m_context.get()) : nullptr;
    if (!m_ssl) {
        BIO_free(bio);
        ERR_clear_error();
        closeDescriptor(false);
        return false;
    }
    BIO_set_fd(bio, m_fd, BIO_NOCLOSE);
    SSL_set_bio(m_ssl, bio, bio);
    SSL_set_accept_state(m_ssl);

    QHostAddress address;
    quint16 port = 0;
    setAddress(m_fd, true, &address, &port);
    setPeerAddress(address);
    setPeerPort(port);
    setAddress(m_fd, false, &address, &port);
    setLocalAddress(address);
    setLocalPort(port);
    setSocketState(ConnectedState);
    QIODevice::open(QIODevice::ReadWrite | QIODevice::Unbuffered);

    m_readNotifier = new QSocketNotifier(QSocketNotifier::Read, this);
    m_readNotifier->setSocket(m_fd);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &TlsServerSocket::onReadable);
    m_writeNotifier = new QSocketNotifier(QSocketNotifier::Write, this);
    m_writeNotifier->setSocket(m_fd);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &TlsServerSocket::onWritable);
    return true;
}

void TlsServerSocket::startHandshake() {
    if (m_started || m_fd < 0)
        return;
    m_started = true;
    handshake(); // the hello is already here: it picked the certificate
}

void TlsServerSocket::handshake() {
    if (m_fd < 0)
        return;
    ERR_clear_error();
    const int result = SSL_do_handshake(m_ssl);
    if (result == 1) {
        m_established = true;
        emit encrypted();
        if (m_fd < 0)
            return;
        flushOut(); // what was written before the handshake ended
        if (m_fd >= 0)
            fill(); // a request sent right behind the client's Finished
        return;
    }
    switch (SSL_get_error(m_ssl, result)) {
    case SSL_ERROR_WANT_READ:
        enable(m_writeNotifier, false);
        enable(m_readNotifier, true);
        return;
    case SSL_ERROR_WANT_WRITE:
        enable(m_readNotifier, false);
        enable(m_writeNotifier, true);
        return;
    default: {
        m_broken = true;
        const QString why = handshakeFailure();
        emit handshakeFailed(why);
        closeDescriptor(true);
    }
    }
}

void TlsServerSocket::onReadable() {
    if (m_fd < 0)
        return;
    if (!m_established)
        handshake();
    else
        fill();
}

void TlsServerSocket::onWritable() {
    if (m_fd < 0)
        return;
    if (!m_established) {
        handshake();
        return;
    }
    if (m_closeNotifyPending) {
        m_closeNotifyPending = false;
        if (m_closing)
            disconnectFromHost();
        else
            shutdownOutput();
        return;
    }
    if (m_readWantsWrite)
        fill();
    if (m_fd >= 0)
        flushOut();
}

// Decrypts what the socket holds, up to the read bound, and tells the reader.
void TlsServerSocket::fill() {
    m_fillScheduled = false;
    if (!m_established || m_peerDone || m_fd < 0)
        return;
    m_readWantsWrite = false;
    // A reader taking a part at a time (a tunnel ending a frame) never empties the block:
    // what it took goes, or the block would grow with the whole stream.
    if (m_inPos > 0 && m_inPos * 2 >= m_in.size()) {
        m_in.remove(0, m_inPos);
        m_inPos = 0;
    }
    bool got = false;
    while (m_in.size() - m_inPos < m_readBound) {
        const int want = int(qMin<qint64>(RecordBytes, m_readBound - (m_in.size() - m_inPos)));
        ERR_clear_error();
        const int n = SSL_read(m_ssl, scratch(), want);
        if (n > 0) {
            m_in.append(scratch(), n);
            got = true;
            // Read ahead (the context's setting) took what the socket held: another read
            // would only cost a recv() answering EAGAIN, and the notifier, level-triggered,
            // says when more comes.
            if (!SSL_has_pending(m_ssl))
                break;
            continue;
        }
        const int error = SSL_get_error(m_ssl, n);
        if (error == SSL_ERROR_WANT_WRITE) {
            m_readWantsWrite = true;
        } else if (error == SSL_ERROR_ZERO_RETURN) {
            // close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) the stream's end without one,
            // which only the socket BIO can tell.
            m_peerDone = true;
            m_peerCut = BIO_test_flags(SSL_get_rbio(m_ssl), BIO_FLAGS_IN_EOF) != 0;
        } else if (error != SSL_ERROR_WANT_READ) {
            m_peerDone = m_peerCut = true; // a reset, or a bad record
            m_broken = error == SSL_ERROR_SSL;
        }
        ERR_clear_error();
        break;
    }
    updateNotifiers();
    // A write that waited for the client's bytes (the rest of a key update) can go on.
    if (m_writeWantsRead && !m_peerDone) {
        m_writeWantsRead = false;
        flushOut();
        if (m_fd < 0)
            return;
    }
    if (got)
        emit readyRead();
    // As a plain socket at its end of stream: what is queued goes, then the socket closes.
    if (m_peerDone && m_fd >= 0)
        disconnectFromHost();
}

void TlsServerSocket::scheduleFill() {
    if (m_fillScheduled)
        return;
    m_fillScheduled = true;
    QMetaObject::invokeMethod(this, &TlsServerSocket::fill, Qt::QueuedConnection);
}

void TlsServerSocket::flushOut() {
    qint64 sent = 0;
    while (m_fd >= 0 && m_outPos < m_out.size()) {
        ERR_clear_error();
        // A retry after WANT_WRITE passes the same bytes again, or more: OpenSSL allows that
        // (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, set on the context).
        const int size = int(qMin<qsizetype>(m_out.size() - m_outPos, INT_MAX / 2));
        const int n = SSL_write(m_ssl, m_out.constData() + m_outPos, size);
        if (n > 0) {
            m_outPos += n;
            sent += n;
            continue;
        }
        const int error = SSL_get_error(m_ssl, n);
        ERR_clear_error();
        if (error == SSL_ERROR_WANT_READ) {
            m_writeWantsRead = true; // fill() retries once the client's bytes came
            break;
        }
        if (error != SSL_ERROR_WANT_WRITE) {
            m_broken = true; // the client is gone: nothing else would drain the queue
            closeDescriptor(true);
            return;
        }
        break;
    }
    if (m_outPos == m_out.size()) {
        m_out.clear();
        m_outPos = 0;
    } else if (m_outPos >= TrimBytes && m_outPos * 2 >= m_out.size()) {
        // A writer refilling the queue before it ever empties (a download to a slow reader)
        // would otherwise keep every byte sent. OpenSSL accepts the moved buffer
        // (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER).
        m_out.remove(0, m_outPos);
        m_outPos = 0;
    }
    updateNotifiers();
    if (sent > 0)
        emit bytesWritten(sent);
    if (m_fd >= 0 && m_closing && m_out.isEmpty())
        disconnectFromHost();
}

void TlsServerSocket::updateNotifiers() {
    if (m_fd < 0 || !m_established)
        return; // the handshake says what it waits for
    const bool buffered = m_in.size() - m_inPos >= m_readBound;
    enable(m_readNotifier, !m_peerDone && !m_readWantsWrite && !buffered);
    enable(m_writeNotifier, m_readWantsWrite || m_closeNotifyPending ||
                                (m_outPos < m_out.size() && !m_writeWantsRead));
}

qint64 TlsServerSocket::readData(char *data, qint64 maxSize) {
    const qint64 n = takeInput(data, maxSize);
    if (n == 0 && m_fd < 0)
        return -1;
    return n;
}

qint64 TlsServerSocket::skipData(qint64 maxSize) {
    return takeInput(nullptr, maxSize);
}

qint64 TlsServerSocket::takeInput(char *data, qint64 maxSize) {
    const qint64 n = qMin<qint64>(maxSize, m_in.size() - m_inPos);
    if (n <= 0)
        return 0;
    if (data)
        std::memcpy(data, m_in.constData() + m_inPos, size_t(n));
    m_inPos += n;
    if (m_inPos == m_in.size()) {
        m_in.clear(); // an idle connection holds no input block
        m_inPos = 0;
    }
    // Reading resumes once the reader made room; what OpenSSL already holds would wait for
    // the socket's next bytes, so it is fetched on the next turn.
    if (m_established && !m_peerDone && m_fd >= 0 && !m_readNotifier->isEnabled()) {
        updateNotifiers();
        if (SSL_has_pending(m_ssl))
            scheduleFill();
    }
    return n;
}

qint64 TlsServerSocket::writeData(const char *data, qint64 size) {
    if (m_fd < 0 || m_closing || m_outputShut) {
        setErrorString(QStringLiteral("the connection is closed"));
        return -1;
    }
    // Queued, and written when the event loop finishes its turn (the write notifier), as a
    // plain QTcpSocket does: a response's head and body leave as one record in one send.
    m_out.append(data, size);
    updateNotifiers();
    return size;
}

qint64 TlsServerSocket::bytesAvailable() const {
    // QIODevice's own buffer holds what a peek() took.
    return m_in.size() - m_inPos + QIODevice::bytesAvailable();
}

qint64 TlsServerSocket::bytesToWrite() const {
    return m_out.size() - m_outPos;
}

void TlsServerSocket::disconnectFromHost() {
    if (m_fd < 0)
        return;
    m_closing = true;
    if (state() == ConnectedState)
        setSocketState(ClosingState);
    if (m_established && !m_out.isEmpty()) {
        updateNotifiers(); // flushOut() comes back here once it is sent
        return;
    }
    if (!sendCloseNotify())
        return; // onWritable() comes back here once it has left
    closeDescriptor(true);
}

void TlsServerSocket::shutdownOutput() {
    if (m_fd < 0 || !m_established || m_closing)
        return;
    m_outputShut = true;
    if (sendCloseNotify())
        ::shutdown(m_fd, SHUT_WR);
}

// close_notify, so the client can tell the end from a cut. True once it has left, or when
// none is due: no handshake, a broken connection, or a client whose stream was cut (after a
// cut, close_notify would vouch for a response the client may not have whole). False while
// the kernel pushes back (the write notifier calls back).
bool TlsServerSocket::sendCloseNotify() {
    if (!m_established || m_peerCut || m_broken)
        return true;
    ERR_clear_error();
    const int result = SSL_shutdown(m_ssl);
    const bool pending = result < 0 && SSL_get_error(m_ssl, result) == SSL_ERROR_WANT_WRITE;
    ERR_clear_error();
    if (!pending)
        return true;
    m_closeNotifyPending = true;
    updateNotifiers();
    return false;
}

void TlsServerSocket::close() {
    closeDescriptor(true);
    m_in.clear();
    m_inPos = 0;
    QIODevice::close();
}

void TlsServerSocket::closeDescriptor(bool notify) {
    if (m_fd < 0)
        return;
    // Disabled, not deleted: this may run inside one of their own activations.
    enable(m_readNotifier, false);
    enable(m_writeNotifier, false);
    // OpenSSL drops a session from the cache when its connection ends without close_notify,
    // as many do here (an aborted response, a client that just closes): a sound one stays
    // resumable. One with a protocol error keeps OpenSSL's verdict.
    if (m_ssl && m_established && !m_broken)
        SSL_set_shutdown(m_ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    ::close(m_fd);
    m_fd = -1;
    m_out.clear();
    m_outPos = 0;
    m_closeNotifyPending = false;
    const bool wasOpen = state() != UnconnectedState;
    setSocketState(UnconnectedState);
    if (notify && wasOpen)
        emit disconnected();
}

void TlsServerSocket::setReadBufferSize(qint64 size) {
    m_readBound = size > 0 ? size : 1024 * 1024;
}

void TlsServerSocket::setSocketOption(QAbstractSocket::SocketOption option, const QVariant &value) {
    if (m_fd < 0)
        return;
    const int on = value.toInt();
    if (option == LowDelayOption)
        ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    else if (option == KeepAliveOption)
        ::setsockopt(m_fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
}

void TlsServerSocket::forgetSession() {
    if (m_ssl && m_established) {
        if (SSL_SESSION *session = SSL_get_session(m_ssl))
            SSL_CTX_remove_session(SSL_get_SSL_CTX(m_ssl), session);
    }
}

QList<QSslCertificate> TlsServerSocket::peerCertificateChain() const {
    QList<QSslCertificate> chain;
    X509 *leaf = m_ssl && m_established ? SSL_get0_peer_certificate(m_ssl) : nullptr;
    if (!leaf)
        return chain;
    chain << toQt(leaf);
    // A server's view of the chain leaves the client's own certificate out.
    if (STACK_OF(X509) *sent = SSL_get_peer_cert_chain(m_ssl)) {
        for (int i = 0; i < sk_X509_num(sent); ++i)
            chain << toQt(sk_X509_value(sent, i));
    }
    return chain;
}

} // namespace Tokengate
