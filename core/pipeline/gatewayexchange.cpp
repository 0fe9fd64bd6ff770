// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/gatewayexchange.h"

#include "core/auth/bearertoken.h"
#include "core/auth/routepolicy.h"
#include "core/auth/tokenextractor.h"
#include "core/auth/tokenverdict.h"
#include "core/base/sha256.h"
#include "core/http/hopbyhop.h"
#include "core/http/httpconnection.h"
#include "core/observe/logging.h"
#include "core/pipeline/gatewayhandler.h"
#include "core/pipeline/methodoverride.h"
#include "core/pipeline/pathnormalizer.h"
#include "core/pipeline/proxyexchange.h"

#include <QDateTime>

#include <algorithm>

namespace Tokengate {

namespace {

// Tells the upstream the IdP was down and a cached answer past its TTL let the request in.
constexpr char StaleHeader[] = "X-Tokengate-Introspection";

} // namespace

GatewayExchange::GatewayExchange(GatewayHandler &handler, HttpConnection &client,
                                 const RequestHead &head)
    : m_handler(handler)
    , m_client(client)
    , m_head(head) {}

GatewayExchange::~GatewayExchange() = default;

void GatewayExchange::start() {
    m_handler.cleanClientHead(m_head.headers);
    if (!route())
        return;
    if (!m_head.upgrade.isEmpty() && !m_route->websocket) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  QStringLiteral("WebSocket upgrades are off on this route"));
        m_client.refuse(Reason::WebSocketNotAllowed);
        return;
    }
    if (m_route->clientCertificateRequired && !hasVerifiedCertificate())
        return;
    // Before the token is looked at: a flood of bad tokens never reaches the IdP.
    if (m_route->rateLimitsBeforeAuth > 0)
        limitThen(0, m_route->rateLimitsBeforeAuth, nullptr, AfterLimits::Authenticate);
    else
        authenticate();
}

bool GatewayExchange::hasVerifiedCertificate() {
    const ClientCertificate *certificate = m_client.clientCertificate();
    if (certificate && certificate->verifiedNow())
        return true;
    const QByteArray why =
        !m_client.isTls() ? QByteArrayLiteral("plain HTTP has no client certificate")
        : !certificate    ? QByteArrayLiteral("the client showed no certificate")
        : certificate->verified
            ? QByteArrayLiteral("the client certificate has expired")
            : "the client certificate is not valid here: " + certificate->problem;
    if (tracing())
        trace({Stage::Route, StepOutcome::Refused},
              QStringLiteral("route requires a verified client certificate; ") +
                  QString::fromLatin1(why));
    m_client.refuse(Reason::ClientCertificateRequired, why);
    return false;
}

bool GatewayExchange::matchRoute() {
    const PipelineSettings &s = m_handler.settings();
    if (s.routes.isEmpty()) {
        m_route = &m_handler.implicitRoute();
        // No header changes without routes (the drop-in forwards headers as sent); a
        // client's own id still reaches the log.
        if (!s.requestIdHeader.isEmpty()) {
            const QByteArrayView sent = m_head.headers.find(s.requestIdHeader);
            if (IdentityHeaders::isWellFormedRequestId(sent))
                m_client.requestEvent().requestId = sent.toByteArray();
        }
        return true;
    }
    // First, so that refusals are in the log under the id too.
    if (!s.requestIdHeader.isEmpty())
        m_client.requestEvent().requestId =
            IdentityHeaders::ensureRequestId(s.requestIdHeader, m_head.headers);
    const TargetParts parts = splitTarget(m_head.target);
    const QByteArrayView authority =
        parts.authority.isNull() ? m_head.headers.find("Host") : parts.authority;
    const QByteArrayView host = hostWithoutPort(authority);
    if (answeredPreflight(host, parts.path))
        return false;
    const MethodOverrides overrides = methodOverrides(m_head.headers, parts.query, m_head.method);
    if (overrides.unreadable) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  QStringLiteral("a method override that is not a method name"));
        m_client.refuse(Reason::MethodOverride, "The method override is not a method name");
        return false;
    }
    const RouteDecision decision =
        s.router.decide(m_head.method, host, parts.path, overrides.methods);
    if (decision.path.refused()) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused}, QString::fromLatin1(decision.path.message));
        m_client.refuse(decision.path.reason, decision.path.message);
        return false;
    }
    const int index = decision.index;
    if (index < 0) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  QStringLiteral("no route for %1 %2")
                      .arg(QString::fromLatin1(m_head.method), QString::fromUtf8(host)));
        m_client.refuse(Reason::RouteNotFound);
        return false;
    }
    // The upstream serves what the route was chosen for, not a spelling it may read otherwise.
    if (decision.path.path != parts.path) {
        QByteArray target = decision.path.path;
        if (parts.hasQuery)
            target += '?' + parts.query.toByteArray();
        m_head.target = std::move(target);
        if (tracing())
            trace({Stage::Route, StepOutcome::Ok},
                  QStringLiteral("path normalised to ") + QString::fromUtf8(decision.path.path));
    }
    m_route = &s.routes[index];
    m_client.requestEvent().route = m_route->name;
    // Every answer now carries the route's fields, refusals included: a page can read why it
    // got a 401 only if the 401 grants its origin access.
    if (m_route->cors || !m_route->responseHeaders.isEmpty() || !m_route->rateLimits.isEmpty())
        m_client.setResponseHeadFilter(this);
    return !m_route->cors || applyCors(authority, overrides.methods);
}

bool GatewayExchange::answeredPreflight(QByteArrayView host, QByteArrayView path) {
    if (m_head.method != "OPTIONS") // every request passes here: no header lookup for most
        return false;
    const QByteArrayView origin = m_head.headers.find("Origin");
    const QByteArrayView method = m_head.headers.find("Access-Control-Request-Method");
    if (origin.isNull() || method.isNull())
        return false;
    // A preflight asks about the request the page means to send: it is answered for that
    // request's route, before any token is looked at (browsers send none with it). Never
    // forwarded, so the upstream cannot read it as anything else.
    const PipelineSettings &s = m_handler.settings();
    const RouteDecision decision = s.router.decide(method, host, path);
    if (decision.path.refused() || decision.index < 0 || !s.routes[decision.index].cors)
        return false;
    const RouteSettings &route = s.routes[decision.index];
    m_client.requestEvent().route = route.name;
    CorsPolicy::Preflight answer =
        m_head.headers.count("Origin") > 1
            ? CorsPolicy::Preflight{Reason::CorsOriginRefused, {}, {}}
            : route.cors->answerPreflight(
                  origin, method,
                  m_head.headers.values("Access-Control-Request-Headers").join(','));
    if (answer.refusal != Reason::None) {
        m_route = &route; // the refusal varies with Origin too (filterResponseHead)
        m_client.setResponseHeadFilter(this);
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  QStringLiteral("CORS preflight refused: ") +
                      (answer.detail.isEmpty() ? QStringLiteral("origin not allowed")
                                               : QString::fromLatin1(answer.detail)));
        m_client.refuse(answer.refusal, answer.detail);
        return true;
    }
    if (tracing())
        trace({Stage::Route, StepOutcome::Ok},
              QStringLiteral("CORS preflight for %1 answered by the gateway")
                  .arg(QString::fromLatin1(method)));
    m_client.sendResponseHead(std::move(answer.head));
    m_client.finishResponse();
    return true;
}

bool GatewayExchange::applyCors(QByteArrayView authority, const QList<QByteArray> &overrides) {
    const QByteArrayView origin = m_head.headers.find("Origin");
    // Browsers leave Origin off GET and HEAD requests that are not CORS ones (images,
    // links): those are not cross-origin requests the route could grant or refuse.
    if (origin.isNull())
        return true;
    const CorsPolicy &cors = *m_route->cors;
    const bool once = m_head.headers.count("Origin") == 1;
    if (once && isSameOriginRequest(origin, authority))
        return true;
    // Refused rather than only answered without a grant: a form or a simple POST from any
    // site would otherwise reach the upstream, with the user's cookie where that holds the
    // token.
    if (!once || !cors.allowsOrigin(origin)) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  QStringLiteral("CORS: origin not allowed on this route"));
        m_client.refuse(Reason::CorsOriginRefused);
        return false;
    }
    m_corsOrigin = origin.toByteArray();
    // A POST naming another method needs no preflight, yet the upstream acts on that method.
    for (const QByteArray &method : overrides) {
        if (!cors.allowsMethod(method)) {
            if (tracing())
                trace({Stage::Route, StepOutcome::Refused},
                      QStringLiteral("CORS: method override %1 not allowed cross-origin")
                          .arg(QString::fromLatin1(method)));
            m_client.refuse(Reason::CorsRequestRefused, QByteArray("Method override " + method +
                                                                   " is not allowed cross-origin"));
            return false;
        }
    }
    return true;
}

bool GatewayExchange::isSameOriginRequest(QByteArrayView origin, QByteArrayView authority) const {
    // Sec-Fetch-Site, which pages cannot set, compares schemes too, and says "same-origin"
    // for a page whose referrer policy makes its Origin "null".
    const QByteArrayView site = m_head.headers.find("Sec-Fetch-Site");
    if (!site.isNull())
        return site == "same-origin";
    return CorsPolicy::isSameOrigin(origin, authority);
}

void GatewayExchange::filterResponseHead(ResponseHead &head) {
    // The upstream's answers only, as a response transformer: a Cache-Control meant for them
    // must not let a shared cache keep a 401 or a 502.
    if (!head.fromGateway)
        m_route->responseHeaders.apply(head.headers, nullptr);
    if (m_rateChecked) {
        // draft-ietf-httpapi-ratelimit-headers: every policy, and the bucket nearest empty.
        // The upstream's own would read as more of the route's.
        head.headers.removeAll("RateLimit-Policy");
        head.headers.removeAll("RateLimit");
        head.headers.append(QByteArrayLiteral("RateLimit-Policy"), m_route->rateLimitPolicy);
        head.headers.append(QByteArrayLiteral("RateLimit"),
                            "\"limit" + QByteArray::number(m_rate.decisive + 1) +
                                "\";r=" + QByteArray::number(m_rate.remaining) +
                                ";t=" + QByteArray::number((m_rate.resetMs + 999) / 1000));
        if (!m_rate.allowed)
            head.headers.append("Retry-After",
                                QByteArray::number((m_rate.retryAfterMs + 999) / 1000));
    }
    if (m_route->cors) // last: the route's cors section owns the Access-Control-* fields
        m_route->cors->decorate(head.headers, m_corsOrigin);
}

bool GatewayExchange::route() {
    if (!matchRoute())
        return false;
    if (LoopGuard::passedHere(m_head.headers)) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  QStringLiteral("Via shows this gateway: a loop"));
        m_client.refuse(Reason::LoopDetected);
        return false;
    }
    if (!pickTarget())
        return false;
    if (m_handler.loopGuard().targetsSelf(m_target.origin)) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  shown(m_target) + QStringLiteral(" is this gateway"));
        m_client.refuse(Reason::DestinationLoop);
        return false;
    }
    return true;
}

QString GatewayExchange::shown(const UpstreamTarget &target) const {
    return QString::fromLatin1(m_handler.redactor().redact(target.toString().toLatin1()));
}

bool GatewayExchange::pickTarget() {
    const QString label =
        !tracing() || m_handler.settings().routes.isEmpty()
            ? QString()
            : QStringLiteral("route \"%1\", ").arg(QString::fromUtf8(m_route->name));
    if (m_route->upstream) {
        m_target = *m_route->upstream;
        if (tracing())
            trace({Stage::Route, StepOutcome::Ok},
                  label + QStringLiteral("upstream ") + shown(m_target));
        return true;
    }
    const QList<QByteArray> destinations = m_head.headers.values("Destination");
    QString why;
    const std::optional<UpstreamTarget> target =
        destinations.size() == 1
            ? UpstreamTarget::parse(QString::fromLatin1(destinations.first().trimmed()), &why)
            : std::nullopt;
    if (!target) {
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused},
                  label + QStringLiteral("no valid Destination header"));
        m_client.refuse(Reason::DestinationInvalid);
        return false;
    }
    // The Destination's path goes in front of the request's: a spelling an upstream reads
    // otherwise ("/public/..;/admin") would undo what the route was chosen for.
    const PipelineSettings &s = m_handler.settings();
    if (!s.routes.isEmpty() && !target->basePath.isEmpty()) {
        const NormalizedPath base = normalizePath(target->basePath, s.router.paths());
        if (base.refused() || base.path != target->basePath) {
            if (tracing())
                trace({Stage::Route, StepOutcome::Refused},
                      label + QStringLiteral("Destination path not in normal form"));
            m_client.refuse(Reason::DestinationInvalid);
            return false;
        }
    }
    why = m_route->destinations.check(target->origin);
    if (!why.isEmpty()) {
        qCWarning(lcProxy).noquote() << "Destination refused:" << why;
        if (tracing())
            trace({Stage::Route, StepOutcome::Refused}, label + why);
        m_client.refuse(Reason::DestinationForbidden);
        return false;
    }
    m_target = *target;
    if (tracing())
        trace({Stage::Route, StepOutcome::Ok},
              label + QStringLiteral("Destination ") + shown(m_target));
    return true;
}

bool GatewayExchange::webSocketMayUseCookie(int source) {
    if (source < 0 || source >= m_route->tokenSources.size() ||
        m_route->tokenSources[source].kind != TokenSource::Kind::Cookie)
        return true;
    // A browser sends the cookie with a WebSocket any page opens, and no same-origin policy
    // keeps that page from reading the socket (cross-site WebSocket hijacking): the page must
    // be this origin or one the route's cors section lets send credentials (a grant without
    // them, `*` included, only ever let pages read answers made without the cookie). Browsers
    // always send Origin on a WebSocket; a client without one is not a browser a page could
    // drive.
    const QList<QByteArray> origins = m_head.headers.values("Origin");
    if (origins.isEmpty())
        return true;
    const TargetParts parts = splitTarget(m_head.target);
    const QByteArrayView authority =
        parts.authority.isNull() ? m_head.headers.find("Host") : parts.authority;
    if (origins.size() == 1 &&
        (isSameOriginRequest(origins.first(), authority) ||
         (m_route->cors && m_route->cors->allowsCredentialedOrigin(origins.first()))))
        return true;
    if (tracing())
        trace({Stage::Token, StepOutcome::Refused},
              QStringLiteral("a WebSocket with the cookie's token from another origin"));
    m_client.refuse(Reason::CorsOriginRefused);
    return false;
}

void GatewayExchange::authenticate() {
    const PipelineSettings &s = m_handler.settings();
    if (!s.authenticate || !m_route->authenticate) {
        if (tracing())
            trace({Stage::Token, StepOutcome::Skipped},
                  s.authenticate ? QStringLiteral("public route")
                                 : QStringLiteral("authentication is off"));
        forward(nullptr);
        return;
    }
    const TokenExtractor::Found found = TokenExtractor::find(m_route->tokenSources, m_head);
    if (found.malformed) {
        refuseMalformed(found.source);
        return;
    }
    if (found.token.isEmpty()) {
        if (m_route->anonymousWhenMissing) {
            if (tracing())
                trace({Stage::Token, StepOutcome::Skipped},
                      QStringLiteral("no token; allowed without one"));
            forward(nullptr);
            return;
        }
        if (tracing())
            trace({Stage::Token, StepOutcome::Refused},
                  m_route->tokenSources.isEmpty() ? QStringLiteral("no Bearer token")
                                                  : QStringLiteral("no token in any source"));
        m_client.refuse(Reason::TokenMissing);
        return;
    }
    if (!m_head.upgrade.isEmpty() && !webSocketMayUseCookie(found.source))
        return;
    TokenIntrospector *introspector = m_handler.introspector(m_route->introspection);
    if (!introspector) {
        // validate() makes this unreachable; refuse rather than guess at an IdP.
        if (tracing())
            trace({Stage::Introspect, StepOutcome::Error},
                  QStringLiteral("no introspection endpoint"));
        m_client.refuse(Reason::IdpUnreachable, "No identity provider configured");
        return;
    }
    m_tokenDigest = sha256(found.token);
    m_fingerprint = fingerprintOfDigest(m_tokenDigest);
    m_client.requestEvent().tokenFingerprint = m_fingerprint;
    const TokenSource source =
        m_route->tokenSources.isEmpty() ? TokenSource{} : m_route->tokenSources.at(found.source);
    if (tracing())
        trace({Stage::Token, StepOutcome::Ok}, TokenExtractor::describe(source) +
                                                   QStringLiteral(", fp=") +
                                                   QString::fromLatin1(m_fingerprint));
    // Before the lookup: an eviction landing while the upstream answers still counts.
    if (!m_head.upgrade.isEmpty() && m_handler.settings().cache)
        m_evictionGeneration = m_handler.settings().cache->evictionGeneration();
    m_ticket = introspector->check(
        found.token, m_fingerprint,
        [this](const IntrospectionOutcome &outcome) { onIntrospected(outcome); });
}

void GatewayExchange::onIntrospected(const IntrospectionOutcome &outcome) {
    if (m_client.responseStarted())
        return; // the connection answered or closed meanwhile: nothing more goes upstream
    RequestEvent &event = m_client.requestEvent();
    if (outcome.latencyUs > 0)
        event.idpUs = outcome.latencyUs;
    event.cache = outcome.cache;
    // An answer asked for before this request looked may predate an eviction it missed.
    m_evictionGeneration = std::min(m_evictionGeneration, outcome.evictionGeneration);
    if (outcome.error != Reason::None) {
        if (tracing())
            trace({Stage::Introspect, StepOutcome::Error},
                  QLatin1StringView(reasonId(outcome.error)));
        qCWarning(lcAuth).noquote() << "introspection failed for fp=" + m_fingerprint
                                    << reasonId(outcome.error) << outcome.detail;
        m_client.refuse(outcome.error);
        return;
    }
    if (outcome.refusal != Reason::None) {
        refuse(outcome.refusal, QStringLiteral("JWT validated locally: ") + outcome.detail);
        return;
    }
    const IntrospectionResult &result = *outcome.result;
    event.subject = result.subject;
    event.clientId = result.clientId;
    if (tracing())
        trace({Stage::Introspect, StepOutcome::Ok},
              QStringLiteral("active=%1, %2%3")
                  .arg(result.active ? QStringLiteral("true") : QStringLiteral("false"),
                       outcome.checkedLocally ? QStringLiteral("JWT valid locally, then ")
                                              : QString(),
                       outcome.cache == CacheOutcome::Local
                           ? QStringLiteral("JWT validated locally")
                       : outcome.cache != CacheOutcome::None
                           ? QStringLiteral("cache ") +
                                 QString::fromLatin1(cacheOutcomeId(outcome.cache))
                           : QStringLiteral("cache off")));
    const PipelineSettings &s = m_handler.settings();
    const TokenVerdict verdict = judgeToken(result, s.clock->nowSecs(), m_route->exactScopes);
    if (!verdict.allowed) {
        refuse(verdict.reason, QString::fromLatin1(verdict.why));
        return;
    }
    const ClientCertificate *certificate = m_client.clientCertificate();
    const TokenVerdict binding =
        judgeCertificateBinding(result, certificate ? certificate->sha256 : QByteArray());
    if (!binding.allowed) {
        refuse(binding.reason, QString::fromLatin1(binding.why));
        return;
    }
    if (s.revocations && !s.revocations->isEmpty()) {
        if (const auto revoked = s.revocations->match(m_tokenDigest, result, s.clock->nowSecs())) {
            refuse(Reason::TokenRevoked,
                   QStringLiteral("revoked at the gateway (by %1) until %2")
                       .arg(RevocationList::kindName(revoked->kind),
                            QDateTime::fromSecsSinceEpoch(revoked->untilSecs, Qt::UTC)
                                .toString(Qt::ISODate)));
            return;
        }
    }
    if (!m_route->policy.isEmpty()) {
        const PolicyVerdict policy = judgePolicy(result, m_route->policy);
        if (!policy.allowed) {
            refuse(policy.reason, policy.why);
            return;
        }
    }
    if (tracing())
        trace({Stage::Decide, StepOutcome::Ok}, QString());
    forward(outcome.result, outcome.cache == CacheOutcome::Stale);
}

void GatewayExchange::refuseMalformed(int source) {
    const QList<TokenSource> &sources =
        m_route->tokenSources.isEmpty() ? TokenExtractor::defaultSources() : m_route->tokenSources;
    const QString what = QStringLiteral("malformed credential in the ") +
                         TokenExtractor::describe(sources.value(source));
    if (m_route->anonymousWhenRefused) {
        forwardAnonymously({Stage::Token, StepOutcome::Anonymous}, what);
        return;
    }
    if (tracing())
        trace({Stage::Token, StepOutcome::Refused}, what);
    m_client.refuse(Reason::TokenMalformed);
}

void GatewayExchange::forwardAnonymously(StepKind step, const QString &why) {
    // The upstream must never see a credential the gateway did not accept, whatever
    // stripCredential says: it could take it for one that was checked.
    TokenExtractor::strip(m_route->tokenSources, m_head);
    if (tracing())
        trace(step, why + QStringLiteral("; passThrough forwards without identity or credential"));
    forward(nullptr);
}

void GatewayExchange::refuse(Reason reason, const QString &why) {
    qCInfo(lcAuth).noquote() << "token fp=" + m_fingerprint << "refused:" << reasonId(reason)
                             << why;
    const QString said = QLatin1StringView(reasonId(reason)) + QStringLiteral(": ") + why;
    if (m_route->anonymousWhenRefused) {
        forwardAnonymously({Stage::Decide, StepOutcome::Anonymous}, said);
        return;
    }
    if (tracing())
        trace({Stage::Decide, StepOutcome::Refused}, said);
    if (reason != Reason::ScopeInsufficient) {
        m_client.refuse(reason);
        return;
    }
    // Every scope the route needs (RFC 6750 3: the scope needed to access the resource).
    QStringList scopes = m_route->exactScopes;
    for (const QString &own : m_route->policy.requiredScopes) {
        if (!scopes.contains(own))
            scopes << own;
    }
    const QByteArray scope = ", scope=\"" + scopes.join(u' ').toUtf8() + '"';
    m_client.refuse(reason, {}, scope);
}

bool GatewayExchange::tracing() const {
    return m_handler.settings().decisionTrace;
}

void GatewayExchange::trace(StepKind step, QString detail) {
    m_client.requestEvent().trace.append(DecisionStep{step.stage, step.outcome, std::move(detail)});
}

void GatewayExchange::mutate(const IntrospectionResult *identity) {
    // Only for a routing table: without one the request is forwarded as before.
    QStringList done;
    if (m_route->authenticate && m_route->stripCredential) {
        TokenExtractor::strip(m_route->tokenSources, m_head);
        done << QStringLiteral("credential stripped");
    }
    if (!m_route->identityHeaders.isEmpty()) {
        const QList<QByteArray> set =
            IdentityHeaders::apply(m_route->identityHeaders, identity, m_head.headers);
        QStringList names;
        for (const QByteArray &name : set)
            names << QString::fromLatin1(name);
        done << (names.isEmpty() ? QStringLiteral("identity headers removed")
                                 : QStringLiteral("identity headers ") + names.join(u','));
    }
    if (!m_route->clientCertificateHeaders.isEmpty()) {
        // Client copies are gone already (GatewayHandler::cleanClientHead).
        const ClientCertificate *certificate = m_client.clientCertificate();
        QStringList names;
        for (const RouteSettings::CertificateHeader &h : m_route->clientCertificateHeaders) {
            QByteArray value = clientCertificateValue(certificate, h.field);
            if (value.isEmpty())
                continue;
            m_head.headers.append(h.header, std::move(value));
            names << QString::fromLatin1(h.header);
        }
        done << (names.isEmpty()
                     ? QStringLiteral("no client certificate headers")
                     : QStringLiteral("client certificate headers ") + names.join(u','));
    }
    if (!m_route->requestHeaders.isEmpty()) {
        const int written = m_route->requestHeaders.apply(m_head.headers, identity);
        done << QStringLiteral("header rules (%1 written)").arg(written);
    }
    if (!m_route->preserveHost)
        m_head.headers.set("Host", m_target.authority);
    if (!m_route->stripPrefix.isEmpty()) {
        QByteArray target = m_route->rewriteTarget(m_head.target);
        if (target != m_head.target) {
            m_head.target = std::move(target);
            done << QStringLiteral("path rewritten");
        }
    }
    if (tracing())
        trace({Stage::Mutate, StepOutcome::Ok}, done.join(QStringLiteral("; ")));
}

void GatewayExchange::limitThen(qsizetype from, qsizetype to, const IntrospectionResult *identity,
                                AfterLimits then) {
    QVarLengthArray<RateLimiter::Ask, 4> asks;
    for (qsizetype i = from; i < to; ++i) {
        const RateLimitSpec &spec = m_route->rateLimits[i];
        // Two copies of the key: which one the upstream reads cannot be told, and a random
        // second one would open a fresh bucket per request.
        if (spec.key == RateLimitSpec::Key::Header &&
            m_head.headers.count(spec.name.toLatin1()) > 1) {
            if (tracing())
                trace({Stage::Route, StepOutcome::Refused},
                      QStringLiteral("rate limit key header repeated"));
            m_client.refuse(Reason::BadRequest, "The rate limit's key header is repeated");
            return;
        }
        // A long key (a header's value can be kilobytes) is hashed: the table holds many.
        QByteArray key = m_route->rateLimitIds[i] + rateLimitKey(spec, identity);
        if (key.size() > 96)
            key = sha256(key).first(16);
        asks.append({std::move(key), spec.limit, spec.periodMs});
    }
    RateLimitClient &limits = m_handler.rateLimits();
    // Without Redis the check is a lookup: no callback is built for it.
    if (!limits.usesRedis()) {
        if (admitted(limits.takeLocally(asks), from, then))
            afterLimits(then);
        return;
    }
    if (!m_alive)
        m_alive = std::make_shared<char>();
    const std::optional<RateLimiter::Answer> answer =
        limits.take(asks, [this, alive = std::weak_ptr<char>(m_alive), from,
                           then](const RateLimiter::Answer &later) {
            // An answer to a request the connection has given up on (closed, or answered
            // itself): nothing may go upstream for it any more.
            if (!alive.expired() && !m_client.responseStarted() && admitted(later, from, then))
                afterLimits(then);
        });
    if (answer && admitted(*answer, from, then))
        afterLimits(then);
}

void GatewayExchange::afterLimits(AfterLimits then) {
    if (then == AfterLimits::Authenticate)
        authenticate();
    else
        forwardNow(m_identity, m_stale);
}

bool GatewayExchange::admitted(RateLimiter::Answer answer, qsizetype from, AfterLimits then) {
    const bool beforeAuth = then == AfterLimits::Authenticate;
    answer.decisive += int(from);
    // After the check before auth, the fields show whichever bucket is nearer empty.
    if (!m_rateChecked || !answer.allowed || answer.remaining <= m_rate.remaining)
        m_rate = answer;
    m_rateChecked = true;
    if (answer.allowed)
        return true;
    if (tracing()) {
        const QString why =
            QStringLiteral("rate limit %1%2: empty, next request in %3 ms")
                .arg(m_route->rateLimits[answer.decisive].text(),
                     answer.shared ? QStringLiteral(" (counted in Redis)") : QString())
                .arg(answer.retryAfterMs);
        if (beforeAuth)
            trace({Stage::Route, StepOutcome::Refused}, why);
        else
            trace({Stage::Decide, StepOutcome::Refused}, why);
    }
    m_client.refuse(Reason::RateLimited);
    return false;
}

QByteArray GatewayExchange::rateLimitKey(const RateLimitSpec &spec,
                                         const IntrospectionResult *identity) const {
    QByteArray value;
    switch (spec.key) {
    case RateLimitSpec::Key::Route:
        return "r";
    case RateLimitSpec::Key::Address:
        break;
    case RateLimitSpec::Key::Subject:
        value = identity ? identity->subject.toUtf8() : QByteArray();
        break;
    case RateLimitSpec::Key::ClientId:
        value = identity ? identity->clientId.toUtf8() : QByteArray();
        break;
    case RateLimitSpec::Key::Claim:
        value = identity ? IdentityHeaders::headerValue(claimValue(identity->claims, spec.name))
                         : QByteArray();
        break;
    case RateLimitSpec::Key::Header:
        value = m_head.headers.value(spec.name.toLatin1());
        break;
    }
    // Without its key a request is still limited, by the address it came from.
    return value.isEmpty() ? "a:" + clientAddress() : "v:" + value;
}

QByteArray GatewayExchange::clientAddress() const {
    // Behind trusted proxies (forwarded: append) the client is the address the nearest
    // untrusted hop was seen from; earlier X-Forwarded-For entries are the client's own words.
    QHostAddress address = m_client.peerAddress();
    if (m_handler.forwardedFor(m_client) == ForwardedMode::Append)
        address = m_handler.trustedProxies().clientBehind(address,
                                                          m_head.headers.values("X-Forwarded-For"));
    bool mapped = false;
    const quint32 v4 = address.toIPv4Address(&mapped);
    if (mapped)
        return QHostAddress(v4).toString().toLatin1();
    // One host holds a whole /64: counted per address, it would have 2^64 buckets.
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        Q_IPV6ADDR bytes = address.toIPv6Address();
        std::fill(std::begin(bytes.c) + 8, std::end(bytes.c), quint8(0));
        return QHostAddress(bytes).toString().toLatin1() + "/64";
    }
    return address.toString().toLatin1();
}

void GatewayExchange::forward(const std::shared_ptr<const IntrospectionResult> &identity,
                              bool stale) {
    if (m_route->rateLimits.size() > m_route->rateLimitsBeforeAuth) {
        m_identity = identity;
        m_stale = stale;
        limitThen(m_route->rateLimitsBeforeAuth, m_route->rateLimits.size(), identity.get(),
                  AfterLimits::Forward);
        return;
    }
    forwardNow(identity, stale);
}

void GatewayExchange::forwardNow(const std::shared_ptr<const IntrospectionResult> &identity,
                                 bool stale) {
    const PipelineSettings &s = m_handler.settings();
    // Only the gateway says whether an answer was stale; a client cannot claim it either way.
    if (s.authenticate) {
        m_head.headers.removeAll(StaleHeader);
        if (stale)
            m_head.headers.append(StaleHeader, "stale");
    }
    if (!s.routes.isEmpty())
        mutate(identity.get());
    if (!s.jwtHeader.isEmpty()) {
        const bool clientSentOne = m_head.headers.contains(s.jwtHeader);
        if (!(s.jwtPassthrough && clientSentOne)) {
            m_head.headers.removeAll(s.jwtHeader); // any letter case: it could be forged
            // Empty only when the signing key is missing: then no JWT, never a forgeable one.
            QByteArray jwt =
                identity ? m_handler.jwtFor(identity, s.clock->nowSecs()) : QByteArray();
            if (!jwt.isEmpty())
                m_head.headers.append(s.jwtHeader, std::move(jwt));
        }
    }
    TunnelSlots::Slot tunnelSlot; // handed to the exchange, then to its tunnel
    if (!m_head.upgrade.isEmpty()) {
        // Counted from here, authenticated: a flood of refused upgrades holds no place.
        tunnelSlot = s.tunnels->acquire(m_route->name, m_route->maxTunnels);
        if (!tunnelSlot) {
            if (tracing())
                trace({Stage::Decide, StepOutcome::Refused},
                      QStringLiteral("%1 WebSockets already open on this route")
                          .arg(m_route->maxTunnels));
            m_client.refuse(Reason::TooManyTunnels);
            return;
        }
    }
    if (tracing())
        trace({Stage::Forward, StepOutcome::Ok}, QStringLiteral("to ") + shown(m_target));
    LoopGuard::stamp(m_head);
    m_proxy = std::make_unique<ProxyExchange>(m_client, m_handler.upstreamPool(), m_target, m_head,
                                              m_handler.forwardedFor(m_client),
                                              std::move(tunnelSlot), tunnelLimit(identity));
    m_proxy->start();
    if (m_requestComplete && !m_head.hasBody())
        m_proxy->onRequestComplete();
}

TunnelLimit
GatewayExchange::tunnelLimit(const std::shared_ptr<const IntrospectionResult> &identity) const {
    if (m_head.upgrade.isEmpty() || !m_route->websocketUntilExpiry || !identity)
        return {};
    const PipelineSettings &s = m_handler.settings();
    TunnelLimit limit;
    // On the connection deadlines' clock, counted from now: the upstream's time to answer
    // is part of the token's life.
    if (identity->exp)
        limit.untilMs = m_client.deadlineNowMs() +
                        std::max<qint64>(0, *identity->exp - s.clock->nowSecs()) * 1000;
    if (s.revocations)
        limit.revoked = [list = s.revocations, digest = m_tokenDigest, identity, clock = s.clock] {
            return !list->isEmpty() && list->match(digest, *identity, clock->nowSecs());
        };
    if (s.cache)
        limit.evicted = [log = s.cache->evictionLog(), since = m_evictionGeneration,
                         fingerprint = m_fingerprint, subject = identity->subject]() mutable {
            const quint64 now = log->generation();
            if (log->evictedSince(since, fingerprint, subject))
                return true;
            since = now;
            return false;
        };
    return limit;
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
    m_alive.reset();
    if (m_proxy)
        m_proxy->onClientGone();
}

} // namespace Tokengate
