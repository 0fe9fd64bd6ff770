// SPDX-License-Identifier: Apache-2.0
#include "core/server/sharedtlscontext.h"

#include <QSslSocket>

#ifdef TOKENGATE_SHARED_TLS_CONTEXT
#include <QtNetwork/private/qsslsocket_p.h>
#endif

namespace Tokengate {

SharedTlsContext::SharedTlsContext() = default;
SharedTlsContext::~SharedTlsContext() = default;

void SharedTlsContext::applyTo(QSslSocket *socket) const {
#ifdef TOKENGATE_SHARED_TLS_CONTEXT
    if (m_context)
        QSslSocketPrivate::checkSettingSslContext(socket, m_context);
#else
    Q_UNUSED(socket);
#endif
}

void SharedTlsContext::learnFrom(QSslSocket *socket) {
#ifdef TOKENGATE_SHARED_TLS_CONTEXT
    // A context that failed to build is never shared: the socket reported it and closes.
    if (!m_context && socket->error() == QAbstractSocket::UnknownSocketError)
        m_context = QSslSocketPrivate::sslContext(socket);
#else
    Q_UNUSED(socket);
#endif
}

void SharedTlsContext::reset() {
    m_context.reset();
}

} // namespace Tokengate
