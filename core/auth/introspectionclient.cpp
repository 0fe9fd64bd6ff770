// SPDX-License-Identifier: Apache-2.0
#include "core/auth/introspectionclient.h"

#include "core/auth/jwkssource.h"
#include "core/auth/tokenintrospector.h" // JwksWaiter holds an IntrospectionTicket

#include <QDateTime>

#include "core/auth/clientauth.h"
#include "core/auth/jwtsigner.h"
#include "core/base/formencoding.h"
#include "core/base/reason.h"

#include <algorithm>

namespace Tokengate {

namespace {

// The HTTP client's failure, said of the IdP: the client must learn the IdP failed, not
// that some upstream did (a forbidden address or a reset is the IdP being unreachable).
Reason idpReasonFor(Reason upstream) {
    switch (upstream) {
    case Reason::UpstreamTimeout:
        return Reason::IdpTimeout;
    case Reason::UpstreamTls:
        return Reason::IdpTls;
    case Reason::UpstreamBadResponse:
        return Reason::IdpBadResponse;
    default:
        return Reason::IdpUnreachable;
    }
}

} // namespace

UpstreamSettings idpConnectionSettings(UpstreamSettings upstream) {
    upstream.refuseInternalPeers = false;
    upstream.forwarded = ForwardedMode::Off;
    // The upstreams' client certificate says who we are to them, not to the IdP.
    if (upstream.clientSide && !upstream.clientSide->chain.isEmpty())
        upstream.clientSide =
            std::make_shared<TlsClientSide>(TlsClientSide{upstream.clientSide->caFile, {}, {}});
    upstream.clientCertFile.clear();
    upstream.clientKeyFile.clear();
    return upstream;
}

UpstreamSettings idpConnectionSettings(UpstreamSettings upstream,
                                       const IntrospectionEndpoint &endpoint) {
    upstream = idpConnectionSettings(std::move(upstream));
    if (endpoint.tls)
        upstream.clientSide = endpoint.tls;
    return upstream;
}

IntrospectionClient::IntrospectionClient(IntrospectionEndpoint endpoint, UpstreamSettings settings,
                                         HttpLimits limits, DeadlineSweeper &sweeper)
    : m_endpoint(std::move(endpoint))
    , m_sweeper(sweeper)
    , m_pool(
          [&] {
              // The call's own deadline is the real bound; these only keep a stuck
              // connection from outliving it.
              settings.connectTimeoutMs = m_endpoint.timeoutMs;
              settings.responseTimeoutMs = m_endpoint.timeoutMs;
              settings.maxIdlePerOrigin = m_endpoint.maxConnections;
              return settings;
          }(),
          limits, sweeper) {}

IntrospectionClient::~IntrospectionClient() = default;

QByteArray IntrospectionEndpoint::clientIdentity() const {
    return authorization + '\n' + formCredentials + '\n' +
           (assertion ? assertion->clientId().toUtf8() + '\n' + assertion->signer().keyId().toUtf8()
                      : QByteArray()) +
           '\n' +
           (tls && !tls->chain.isEmpty() ? tls->chain.first().digest(QCryptographicHash::Sha256)
                                         : QByteArray());
}

QByteArray IntrospectionClient::requestBytes(const IntrospectionEndpoint &endpoint,
                                             QByteArrayView token) {
    QByteArray body = "token=" + formEncode(token) + "&token_type_hint=access_token";
    if (!endpoint.formCredentials.isEmpty())
        body += '&' + endpoint.formCredentials;
    if (endpoint.assertion)
        body += '&' + endpoint.assertion->formFields();
    QByteArray out;
    out.reserve(256 + body.size());
    out.append("POST ");
    out.append(endpoint.url.basePath.isEmpty() ? QByteArray("/") : endpoint.url.basePath);
    out.append(" HTTP/1.1\r\nHost: ");
    out.append(endpoint.url.authority);
    out.append(endpoint.signedAnswers
                   ? QByteArrayView("\r\nAccept: application/token-introspection+jwt\r\n")
                   : QByteArrayView("\r\nAccept: application/json\r\n"));
    out.append("Content-Type: application/x-www-form-urlencoded\r\n");
    if (!endpoint.authorization.isEmpty()) {
        out.append("Authorization: ");
        out.append(endpoint.authorization);
        out.append("\r\n");
    }
    out.append("Content-Length: ");
    out.append(QByteArray::number(body.size()));
    out.append("\r\n\r\n");
    out.append(body);
    return out;
}

std::unique_ptr<IntrospectionCall>
IntrospectionClient::introspect(const QByteArray &token, IntrospectionCall::Callback done) {
    std::unique_ptr<IntrospectionCall> call(new IntrospectionCall(*this, token, std::move(done)));
    if (m_active < m_endpoint.maxConnections) {
        ++m_active;
        call->send(false);
    } else if (qsizetype(m_waiting.size()) < m_endpoint.maxWaiting) {
        enqueue(call.get());
    } else {
        refuse(call.get());
    }
    return call;
}

void IntrospectionClient::refuse(IntrospectionCall *call) {
    // A full line answers at once rather than letting a flood of unknown tokens hold every
    // request for the whole timeout. Not from inside introspect(): callers keep the returned
    // call only after it has returned.
    call->m_refused = true;
    m_refused.push_back(call);
    if (m_refused.size() == 1)
        QMetaObject::invokeMethod(
            &m_pool, [this] { answerRefused(); }, Qt::QueuedConnection);
}

void IntrospectionClient::answerRefused() {
    // Each finish takes its call out of m_refused, and its callback may end others.
    while (!m_refused.empty())
        m_refused.front()->finishWithError(
            Reason::IdpOverloaded,
            QStringLiteral("%1 introspection calls already wait for a connection to the IdP")
                .arg(m_endpoint.maxWaiting));
}

void IntrospectionClient::enqueue(IntrospectionCall *call) {
    call->m_queued = true;
    m_waiting.push_back(call);
}

void IntrospectionClient::dequeue(IntrospectionCall *call) {
    call->m_queued = false;
    m_waiting.erase(std::remove(m_waiting.begin(), m_waiting.end(), call), m_waiting.end());
}

void IntrospectionClient::callEnded() {
    --m_active;
    if (m_waiting.empty())
        return;
    IntrospectionCall *next = m_waiting.front();
    m_waiting.pop_front();
    next->m_queued = false;
    ++m_active;
    next->send(false);
}

IntrospectionCall::IntrospectionCall(IntrospectionClient &client, const QByteArray &token,
                                     Callback done)
    : m_client(client)
    , m_token(token)
    , m_done(std::move(done))
    , m_deadlineMs(client.m_sweeper.nowMs() + client.m_endpoint.timeoutMs) {
    m_clock.start();
    m_client.m_sweeper.add(this);
}

IntrospectionCall::~IntrospectionCall() {
    end();
}

void IntrospectionCall::end() {
    if (m_finished)
        return;
    m_finished = true;
    if (m_keysWaiter)
        m_keysWaiter->cancelled = true; // its retry would reach a call that has ended
    m_client.m_sweeper.remove(this);
    if (m_refused) {
        auto &refused = m_client.m_refused;
        refused.erase(std::remove(refused.begin(), refused.end(), this), refused.end());
    } else if (m_queued) {
        m_client.dequeue(this);
    } else {
        releaseConnection(false);
        m_client.callEnded();
    }
}

void IntrospectionCall::send(bool freshConnection) {
    m_body.clear();
    m_status = 0;
    // Built per attempt: a private_key_jwt assertion is single-use (a new jti each time), and
    // IdPs that remember jti values refuse a replayed one.
    const QByteArray request = IntrospectionClient::requestBytes(m_client.m_endpoint, m_token);
    m_connection = m_client.m_pool.acquire(m_client.m_endpoint.url.origin, freshConnection);
    m_connection->begin(this, request, false);
}

void IntrospectionCall::releaseConnection(bool reusable) {
    if (m_connection)
        m_client.m_pool.release(std::exchange(m_connection, nullptr), reusable);
}

// Both run inside the connection's parser callbacks: finishing here releases the connection,
// which tells its parser to stop.
void IntrospectionCall::onUpstreamHead(ResponseHead head) {
    m_status = head.status;
    if (!m_finished && head.contentLength > m_client.m_endpoint.maxResponseBytes)
        finishTooLarge(); // announced: no need to wait for the bytes
}

void IntrospectionCall::onUpstreamBody(QByteArrayView chunk) {
    if (m_finished)
        return;
    if (m_body.size() + chunk.size() > m_client.m_endpoint.maxResponseBytes) {
        finishTooLarge();
        return;
    }
    m_body.append(chunk);
}

void IntrospectionCall::finishTooLarge() {
    finishWithError(Reason::IdpBadResponse,
                    QStringLiteral("introspection response larger than %1 bytes")
                        .arg(m_client.m_endpoint.maxResponseBytes));
}

void IntrospectionCall::onUpstreamComplete(bool reusable) {
    releaseConnection(reusable);
    if (m_finished)
        return;
    if (m_status == 401 || m_status == 403) {
        finishWithError(
            Reason::IdpRejectedClient,
            QStringLiteral("the IdP refused our client credentials (HTTP %1)").arg(m_status));
        return;
    }
    if (m_status < 200 || m_status > 299) {
        finishWithError(Reason::IdpBadResponse,
                        QStringLiteral("the IdP answered HTTP %1").arg(m_status));
        return;
    }
    judgeAnswer();
}

void IntrospectionCall::judgeAnswer() {
    QString why;
    QByteArray body = m_body;
    if (const IntrospectionEndpoint &e = m_client.endpoint(); e.signedAnswers) {
        // RFC 9701: only an answer signed with the issuer's keys is believed; a plain JSON
        // one (a proxy's, an attacker's on the path) is not an answer at all.
        const quint64 generation = e.jwks ? e.jwks->generation() : 0; // before the keys
        const std::shared_ptr<const JwkSet> keys = e.jwks ? e.jwks->current() : nullptr;
        bool unknownKey = false;
        const auto answer = signedIntrospectionAnswer(
            m_body.trimmed(), keys.get(), e.jwtRules.issuer, e.clientId,
            QDateTime::currentSecsSinceEpoch(), e.jwtRules.leewaySecs, &why, &unknownKey);
        if (!answer && unknownKey && e.jwks && !m_keysWaiter) {
            // Signed with a key not fetched yet (the first answers after a start, or the IdP
            // rotated): judged once more when the fetch in flight, or one started now, lands.
            // The call's deadline still bounds the wait.
            m_keysWaiter = std::make_shared<JwksWaiter>();
            m_keysWaiter->context = &m_client.m_pool;
            m_keysWaiter->retry = [this] { judgeAnswer(); };
            switch (e.jwks->awaitFetch(m_keysWaiter, generation)) {
            case JwksKeys::Wait::Waiting:
                return;
            case JwksKeys::Wait::Newer:
                judgeAnswer();
                return;
            case JwksKeys::Wait::TooSoon:
                break;
            }
        }
        if (!answer) {
            finishWithError(Reason::IdpBadResponse,
                            QStringLiteral("the IdP's signed answer does not hold: ") + why);
            return;
        }
        body = *answer;
    }
    auto result = IntrospectionResult::fromJson(body, &why);
    if (!result) {
        finishWithError(Reason::IdpBadResponse, QStringLiteral("the IdP's answer is ") + why);
        return;
    }
    IntrospectionOutcome outcome;
    outcome.result = std::make_shared<const IntrospectionResult>(std::move(*result));
    finish(std::move(outcome));
}

void IntrospectionCall::onUpstreamFailed(Reason reason, const QString &detail, bool retryable) {
    // Closed and detached already, but only the pool deletes it (later: we are inside its
    // call); forgetting it here would keep it, and its sweeper entry, for the pool's lifetime.
    releaseConnection(false);
    if (m_finished)
        return;
    if (retryable && !m_retried) {
        // A pooled connection the IdP had already closed; introspection is safe to repeat.
        m_retried = true;
        send(true);
        return;
    }
    finishWithError(idpReasonFor(reason), detail);
}

void IntrospectionCall::checkDeadline(qint64 nowMs) {
    // Like every other deadline: passed once more than the bound has gone by.
    if (m_finished || nowMs <= m_deadlineMs)
        return;
    finishWithError(
        Reason::IdpTimeout,
        QStringLiteral("no introspection answer within %1 ms").arg(m_client.m_endpoint.timeoutMs));
}

void IntrospectionCall::finishWithError(Reason reason, QString detail) {
    IntrospectionOutcome outcome;
    outcome.error = reason;
    outcome.detail = std::move(detail);
    finish(std::move(outcome));
}

void IntrospectionCall::finish(IntrospectionOutcome outcome) {
    end();
    outcome.latencyUs = m_clock.nsecsElapsed() / 1000;
    // The callback may destroy this call; nothing of it is touched afterwards.
    Callback done = std::move(m_done);
    done(outcome);
}

} // namespace Tokengate
