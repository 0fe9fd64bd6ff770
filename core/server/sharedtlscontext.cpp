// SPDX-License-Identifier: Apache-2.0
#include "core/server/sharedtlscontext.h"

#include <QSslSocket>

#ifdef TOKENGATE_SHARED_TLS_CONTEXT
#include <QtNetwork/private/qsslsocket_p.h>

#include <openssl/ssl.h>
#endif

namespace Tokengate {

#ifdef TOKENGATE_SHARED_TLS_CONTEXT
namespace {

static_assert(QT_VERSION >= QT_VERSION_CHECK(6, 4, 0) && QT_VERSION < QT_VERSION_CHECK(6, 5, 0),
              "QSslContext's layout below is Qt 6.4's: check it against the new version");

// OpenSSL ends a TLS 1.2 handshake with a fatal alert, instead of a full handshake, when a
// client resumes a cached session on a server that asks for client certificates and has
// given its sessions no context id; Qt sets none. Sessions of the shared context get one.
// QSslContext (Qt 6.4's OpenSSL plugin) has no virtual table and holds its SSL_CTX first.
void nameSessions(const std::shared_ptr<QSslContext> &context) {
    // The layout is read from the headers built against; the library loaded at run time must
    // be that one too, with its OpenSSL backend.
    static const bool sameQt =
        QLatin1StringView(qVersion()).startsWith(QLatin1StringView("6.4.")) &&
        QSslSocket::activeBackend() == u"openssl";
    if (!sameQt)
        return;
    static constexpr unsigned char Id[] = "tokengate-client-certificates";
    SSL_CTX *ctx = *reinterpret_cast<SSL_CTX *const *>(context.get());
    if (ctx)
        SSL_CTX_set_session_id_context(ctx, Id, sizeof Id - 1);
}

} // namespace
#endif

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

void SharedTlsContext::learnFrom(QSslSocket *socket, bool asksForCertificates) {
#ifdef TOKENGATE_SHARED_TLS_CONTEXT
    // A context that failed to build is never shared: the socket reported it and closes.
    if (m_context || socket->error() != QAbstractSocket::UnknownSocketError)
        return;
    m_context = QSslSocketPrivate::sslContext(socket);
    // The first connection's own session has no id: with an empty cache it resumes nothing,
    // and later clients offering it only miss the cache.
    if (m_context && asksForCertificates)
        nameSessions(m_context);
#else
    // Without a shared context nothing is cached, so nothing resumes.
    Q_UNUSED(socket);
    Q_UNUSED(asksForCertificates);
#endif
}

void SharedTlsContext::reset() {
    m_context.reset();
}

} // namespace Tokengate
