// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/gatewayexchange.h"

#include "core/auth/bearertoken.h"
#include "core/auth/tokenverdict.h"
#include "core/http/httpconnection.h"
#include "core/http/reason.h"
#include "core/observe/logging.h"
#include "core/pipeline/gatewayhandler.h"
#include "core/proxy/proxyexchange.h"

#include <string_view>

namespace Tokengate {

namespace {

// introspection-microgateway's texts (COMPAT.md A.1, A.3, A.5): clients may match on them.
constexpr char DestinationInvalidText[] = "Destination header should be a valid URL";
constexpr char TokenMissingText[] = "Access Token needed for the given URL";
constexpr char TokenInvalidText[] = "Access Token is invalid";
// Tells the upstream the IdP was down and a cached answer past its TTL let the request in.
constexpr char StaleHeader[] = "X-Tokengate-Introspection";

} // namespace

GatewayExchange::GatewayExchange(GatewayHandler &handler, HttpConnection &client,
                                 const RequestHead &head)
    : m_handler(handler)
    , m_client(client)
    , m_head(head) {
    if (route())
        authenticate();
}

GatewayExchange::~GatewayExchange() = default;

bool GatewayExchange::route() {
    const PipelineSettings &s = m_handler.settings();
    if (s.upstream) {
        m_target = *s.upstream;
        trace("route", "ok", QStringLiteral("upstream ") + m_target.toString());
        return true;
    }
    const QList<QByteArray> destinations = m_head.headers.values("Destination");
    QString why;
    const std::optional<UpstreamTarget> target =
        destinations.size() == 1
            ? UpstreamTarget::parse(QString::fromLatin1(destinations.first().trimmed()), &why)
            : std::nullopt;
    if (!target) {
        trace("route", "refused", QStringLiteral("no valid Destination header"));
        m_client.sendTextResponse(400, Reason::DestinationInvalid, DestinationInvalidText);
        return false;
    }
    why = s.destinations.check(target->origin);
    if (!why.isEmpty()) {
        qCWarning(lcProxy).noquote() << "Destination refused:" << why;
        trace("route", "refused", why);
        m_client.sendSimpleResponse(403, Reason::DestinationForbidden, "Destination not allowed");
        return false;
    }
    m_target = *target;
    trace("route", "ok", QStringLiteral("Destination ") + m_target.toString());
    return true;
}

void GatewayExchange::authenticate() {
    const PipelineSettings &s = m_handler.settings();
    if (!s.authenticate) {
        trace("token", "skipped", QStringLiteral("authentication is off"));
        forward(nullptr);
        return;
    }
    const QByteArray token = bearerToken(m_head.headers);
    if (token.isEmpty()) {
        if (s.allowMissingToken) {
            trace("token", "skipped", QStringLiteral("no token; allowed without one"));
            forward(nullptr);
            return;
        }
        trace("token", "refused", QStringLiteral("no Bearer token"));
        HeaderMap challenge;
        challenge.append("WWW-Authenticate", "Bearer");
        m_client.sendTextResponse(401, Reason::TokenMissing, TokenMissingText,
                                  std::move(challenge));
        return;
    }
    m_fingerprint = tokenFingerprint(token);
    m_client.event().tokenFingerprint = m_fingerprint;
    trace("token", "ok", QStringLiteral("Bearer header, fp=") + QString::fromLatin1(m_fingerprint));
    m_ticket = m_handler.introspector()->check(
        token, m_fingerprint,
        [this](const IntrospectionOutcome &outcome) { onIntrospected(outcome); });
}

void GatewayExchange::onIntrospected(const IntrospectionOutcome &outcome) {
    RequestEvent &event = m_client.event();
    if (outcome.latencyUs > 0)
        event.idpUs = outcome.latencyUs;
    event.cache = outcome.cache;
    if (outcome.error[0]) {
        trace("introspect", "error", QString::fromLatin1(outcome.error));
        qCWarning(lcAuth).noquote()
            << "introspection failed for fp=" + m_fingerprint << outcome.error << outcome.detail;
        m_client.sendSimpleResponse(outcome.status, outcome.error,
                                    outcome.status == 504
                                        ? "The identity provider did not answer in time"
                                        : "The identity provider cannot check tokens now");
        return;
    }
    const IntrospectionResult &result = *outcome.result;
    event.subject = result.subject;
    event.clientId = result.clientId;
    trace("introspect", "ok",
          QStringLiteral("active=%1, cache %2")
              .arg(result.active ? QStringLiteral("true") : QStringLiteral("false"),
                   outcome.cache[0] ? QString::fromLatin1(outcome.cache) : QStringLiteral("off")));
    const PipelineSettings &s = m_handler.settings();
    const TokenVerdict verdict = judgeToken(result, s.clock->nowSecs(), s.requiredScopes);
    if (!verdict.allowed) {
        qCInfo(lcAuth).noquote() << "token fp=" + m_fingerprint << "refused:" << verdict.why;
        trace("decide", "refused",
              QString::fromLatin1(verdict.reason) + QStringLiteral(": ") +
                  QString::fromLatin1(verdict.why));
        if (verdict.reason == Reason::ScopeInsufficient) {
            HeaderMap challenge;
            challenge.append("WWW-Authenticate", "Bearer error=\"insufficient_scope\", scope=\"" +
                                                     s.requiredScopes.join(u' ').toUtf8() + '"');
            m_client.sendTextResponse(403, verdict.reason,
                                      "The token lacks a required scope (scope_insufficient)\n",
                                      std::move(challenge));
            return;
        }
        refuseToken(verdict.reason, TokenInvalidText);
        return;
    }
    trace("decide", "ok", QString());
    forward(outcome.result, std::string_view(outcome.cache) == "stale");
}

void GatewayExchange::trace(const char *stage, const char *outcome, QString detail) {
    m_client.event().trace.append(
        DecisionStep{QByteArray(stage), QByteArray(outcome), std::move(detail)});
}

void GatewayExchange::refuseToken(const char *reason, QByteArrayView text) {
    HeaderMap challenge;
    challenge.append("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    m_client.sendTextResponse(401, reason, text.toByteArray(), std::move(challenge));
}

void GatewayExchange::forward(const std::shared_ptr<const IntrospectionResult> &identity,
                              bool stale) {
    const PipelineSettings &s = m_handler.settings();
    // Only the gateway says whether an answer was stale; a client cannot claim it either way.
    if (s.authenticate) {
        m_head.headers.removeAll(StaleHeader);
        if (stale)
            m_head.headers.append(StaleHeader, "stale");
    }
    if (!s.jwtHeader.isEmpty()) {
        const bool clientSentOne = m_head.headers.contains(s.jwtHeader);
        if (!(s.jwtPassthrough && clientSentOne)) {
            m_head.headers.removeAll(s.jwtHeader); // any letter case: it could be forged
            if (identity)
                m_head.headers.append(s.jwtHeader, m_handler.jwtFor(identity, s.clock->nowSecs()));
        }
    }
    trace("forward", "ok", QStringLiteral("to ") + m_target.toString());
    m_proxy = std::make_unique<ProxyExchange>(m_client, m_handler.upstreamPool(), m_target, m_head);
    if (m_requestComplete && !m_head.hasBody())
        m_proxy->onRequestComplete();
}

void GatewayExchange::onRequestBody(QByteArrayView chunk) {
    if (m_proxy)
        m_proxy->onRequestBody(chunk);
}

void GatewayExchange::onRequestComplete() {
    m_requestComplete = true;
    if (m_proxy)
        m_proxy->onRequestComplete();
}

void GatewayExchange::onClientWritable() {
    if (m_proxy)
        m_proxy->onClientWritable();
}

void GatewayExchange::onClientGone() {
    m_ticket.reset();
    if (m_proxy)
        m_proxy->onClientGone();
}

} // namespace Tokengate
