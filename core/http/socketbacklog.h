// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QSslSocket>
#include <QTcpSocket>

namespace Tokengate {

// Bytes handed to `socket` that the kernel has not taken yet. A QSslSocket's bytesToWrite()
// counts only plaintext not yet encrypted: Qt encrypts all of it at once into the plain
// socket's unbounded buffer, so a bound on bytesToWrite() alone never holds back a writer
// whose TLS peer stopped reading.
inline qint64 unsentBytes(const QTcpSocket *socket) {
    const auto *tls = qobject_cast<const QSslSocket *>(socket);
    return socket->bytesToWrite() + (tls ? tls->encryptedBytesToWrite() : 0);
}

// Calls `onProgress` whenever `socket` hands bytes to the kernel (for TLS, the encrypted
// ones: bytesWritten() only says they were encrypted).
template<typename Receiver, typename Fn>
void onSendProgress(QTcpSocket *socket, Receiver *receiver, Fn onProgress) {
    if (auto *tls = qobject_cast<QSslSocket *>(socket))
        QObject::connect(tls, &QSslSocket::encryptedBytesWritten, receiver, onProgress);
    QObject::connect(socket, &QTcpSocket::bytesWritten, receiver, onProgress);
}

} // namespace Tokengate
