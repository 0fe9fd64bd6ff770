// SPDX-License-Identifier: Apache-2.0
#include "gui/testbench.h"

#include "core/auth/jwks.h"
#include "core/auth/jwt.h"
#include "core/auth/jwtminter.h"
#include "core/auth/jwtsigner.h"
#include "core/auth/routepolicy.h"
#include "core/auth/tokenverdict.h"
#include "core/base/sha256.h"
#include "core/config/routecompiler.h"
#include "core/pipeline/router.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace Tokengate {

namespace {

QString shellQuote(const QString &s) {
    QString out = s;
    out.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + out + u'\'';
}

QString prettyJson(const QByteArray &json) {
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    return doc.isNull() ? QString::fromUtf8(json)
                        : QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
}

} // namespace

QString curlCommand(const BenchRequest &request, const QByteArray &token, const Config &config,
                    const QList<TokenSource> &sources) {
    QString line = QStringLiteral("curl -i");
    if (request.method != u"GET")
        line += QStringLiteral(" -X ") + shellQuote(request.method);
    // Where the route looks first: a route taking tokens only from a cookie ignores the header.
    const TokenSource source = sources.value(0);
    const QString value = QString::fromLatin1(token);
    QString target = request.target;
    switch (source.kind) {
    case TokenSource::Kind::BearerHeader:
        line +=
            QStringLiteral(" -H ") + shellQuote(QStringLiteral("Authorization: Bearer ") + value);
        break;
    case TokenSource::Kind::Header:
        line += QStringLiteral(" -H ") + shellQuote(source.name + QStringLiteral(": ") + value);
        break;
    case TokenSource::Kind::Cookie:
        line += QStringLiteral(" -b ") + shellQuote(source.name + u'=' + value);
        break;
    case TokenSource::Kind::Query:
        // '+' would read as a space in a query: the token is percent-encoded there.
        target += (target.contains(u'?') ? u'&' : u'?') + source.name + u'=' +
                  QString::fromLatin1(QUrl::toPercentEncoding(value));
        break;
    }
    if (!request.host.isEmpty())
        line += QStringLiteral(" -H ") + shellQuote(QStringLiteral("Host: ") + request.host);
    if (config.destinationMode())
        line += QStringLiteral(" -H ") +
                shellQuote(QStringLiteral("Destination: http://localhost:3000"));
    return line + u' ' + shellQuote(request.listenUrl + target);
}

BenchRoute benchRoute(const Config &config, const BenchRequest &request) {
    BenchRoute out;
    if (!request.target.startsWith(u'/')) {
        out.summary = QStringLiteral("The path must start with /, e.g. /api/orders");
        return out;
    }
    if (config.routes.isEmpty()) {
        // As GatewayHandler's implicit route: the top-level settings judge every request.
        out.route.authenticate = config.auth == AuthMode::Introspection;
        out.route.exactScopes = config.requiredScopes;
        out.route.anonymousWhenMissing = config.allowMissingToken;
        out.routed = true;
        return out;
    }
    QString error;
    const std::optional<Router> router = Router::compile(config.routes, config.paths, &error);
    if (!router) {
        out.summary = QStringLiteral("the routes do not compile: ") + error;
        return out;
    }
    const QByteArray target = request.target.toUtf8();
    const QString host = request.host.isEmpty() ? QUrl(request.listenUrl).host() : request.host;
    const RouteDecision d =
        router->decide(request.method.toUpper().toLatin1(),
                       hostWithoutPort(host.toLower().toUtf8()), splitTarget(target).path);
    if (d.path.refused()) {
        out.summary =
            QStringLiteral("refused before any route: %1 %2 (%3)")
                .arg(httpStatus(d.path.reason))
                .arg(QLatin1StringView(reasonId(d.path.reason)), QLatin1StringView(d.path.message));
        return out;
    }
    const QList<RouteSettings> compiled = compileRoutes(config);
    if (d.index < 0 || d.index >= compiled.size()) {
        out.summary = QStringLiteral("refused: 404 %1 (no route takes %2 %3 on host %4)")
                          .arg(QLatin1StringView(reasonId(Reason::RouteNotFound)),
                               request.method.toUpper(), QString::fromUtf8(d.path.path), host);
        return out;
    }
    out.routed = true;
    out.route = compiled[d.index];
    out.summary =
        QStringLiteral("route %1 \"%2\"").arg(d.index + 1).arg(QString::fromUtf8(out.route.name));
    return out;
}

TestBenchReport evaluateWithoutToken(const BenchRoute &route, const Config &config,
                                     const BenchRequest &request, const QByteArray &token) {
    TestBenchReport r;
    r.curl = curlCommand(request, token, config, route.route.tokenSources);
    r.introspection = QStringLiteral("Not asked: the gateway looks at no token here.");
    if (!route.routed) {
        r.decision = route.summary;
        return r;
    }
    r.allowed = true;
    r.decision =
        QStringLiteral("allowed: %1 is public, no token is looked at")
            .arg(route.summary.isEmpty() ? QStringLiteral("every request") : route.summary);
    return r;
}

namespace {

// The data path's refusal on `route`: pass_through forwards such a request without identity.
void refuse(TestBenchReport &r, const BenchRoute &route, Reason reason, const QString &why) {
    r.allowed = false;
    r.decision = QStringLiteral("refused: %1 (%2)").arg(QLatin1StringView(reasonId(reason)), why);
    if (route.route.anonymousWhenRefused)
        r.decision += QStringLiteral("; pass_through forwards the request without identity or "
                                     "credential");
}

} // namespace

TestBenchReport evaluateToken(const IntrospectionOutcome &answer, const Config &config,
                              const BenchRoute &route, const BenchRequest &request,
                              const QByteArray &token, qint64 nowSecs,
                              const RevocationList *revocations) {
    TestBenchReport r;
    r.curl = curlCommand(request, token, config, route.route.tokenSources);
    if (answer.error != Reason::None) {
        // No answer: refused whatever the route says (fail closed).
        r.introspection = answer.detail;
        r.decision = QStringLiteral("refused: %1 (%2)")
                         .arg(QLatin1StringView(reasonId(answer.error)), answer.detail);
        return r;
    }
    if (answer.refusal != Reason::None) {
        // The JWT failed the gateway's own validation.
        r.introspection = answer.detail;
        refuse(r, route, answer.refusal, answer.detail);
        return r;
    }
    r.introspection = QString::fromUtf8(
        QJsonDocument(answer.result->claims).toJson(QJsonDocument::Indented).trimmed());
    const TokenVerdict verdict = judgeToken(*answer.result, nowSecs, route.route.exactScopes);
    if (!verdict.allowed) {
        refuse(r, route, verdict.reason, QLatin1StringView(verdict.why));
        return r;
    }
    if (revocations) {
        if (const auto revoked = revocations->match(sha256(token), *answer.result, nowSecs)) {
            refuse(r, route, Reason::TokenRevoked,
                   QStringLiteral("revoked at the gateway by %1")
                       .arg(RevocationList::kindName(revoked->kind)));
            return r;
        }
    }
    if (!route.route.policy.isEmpty()) {
        const PolicyVerdict policy = judgePolicy(*answer.result, route.route.policy);
        if (!policy.allowed) {
            refuse(r, route, policy.reason, policy.why);
            return r;
        }
    }
    r.allowed = true;
    QStringList held;
    if (!route.summary.isEmpty())
        held << QStringLiteral("by ") + route.summary;
    QStringList scopes = route.route.exactScopes;
    for (const QString &own : route.route.policy.requiredScopes) {
        if (!scopes.contains(own))
            scopes << own;
    }
    if (!scopes.isEmpty())
        held << QStringLiteral("has the required scopes ") + scopes.join(u' ');
    if (!route.route.policy.audiences.isEmpty() || !route.route.policy.issuers.isEmpty() ||
        !route.route.policy.claimRules.isEmpty())
        held << QStringLiteral("the route's aud, iss and claim rules hold");
    r.decision = held.isEmpty()
                     ? QStringLiteral("allowed")
                     : QStringLiteral("allowed (%1)").arg(held.join(QStringLiteral("; ")));
    if (config.jwt.headerName.isEmpty())
        return r;
    // The same signer the gateway builds: RS256/ES256 keys, kid and extra claims included.
    QString why;
    std::shared_ptr<const JwtSigner> signer = JwtSigner::fromConfig(config.jwt, &why);
    if (!signer) {
        r.decision += QStringLiteral("; no JWT: ") + why;
        return r;
    }
    r.jwt = JwtMinter(std::move(signer), config.jwt.lifetimeSecs, config.jwt.claims)
                .mint(*answer.result, nowSecs);
    const QList<QByteArray> parts = r.jwt.split('.');
    if (parts.size() == 3) {
        const auto decode = [](const QByteArray &part) {
            return QByteArray::fromBase64(part, QByteArray::Base64UrlEncoding |
                                                    QByteArray::OmitTrailingEquals);
        };
        r.jwtHeader = prettyJson(decode(parts[0]));
        r.jwtPayload = prettyJson(decode(parts[1]));
    }
    return r;
}

namespace {

QString whenText(qint64 secs, qint64 nowSecs) {
    const qint64 delta = secs - nowSecs;
    const qint64 magnitude = delta < 0 ? -delta : delta;
    const QString span = magnitude < 120    ? QStringLiteral("%1 s").arg(magnitude)
                         : magnitude < 7200 ? QStringLiteral("%1 min").arg(magnitude / 60)
                                            : QStringLiteral("%1 h").arg(magnitude / 3600);
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(Qt::ISODate) +
           (delta < 0 ? QStringLiteral(" (%1 ago)") : QStringLiteral(" (in %1)")).arg(span);
}

} // namespace

QString decodeJwt(const QByteArray &token, qint64 nowSecs) {
    const QList<QByteArray> parts = token.split('.');
    if (parts.size() != 3)
        return {};
    const auto header = Jwt::fromBase64Url(parts[0]);
    const auto payload = Jwt::fromBase64Url(parts[1]);
    const QJsonDocument headerJson = QJsonDocument::fromJson(header.value_or(QByteArray()));
    const QJsonDocument claims = QJsonDocument::fromJson(payload.value_or(QByteArray()));
    if (!headerJson.isObject() || !claims.isObject())
        return {};
    QString text = QStringLiteral("Header\n") + prettyJson(headerJson.toJson()) +
                   QStringLiteral("\n\nClaims\n") + prettyJson(claims.toJson());
    QString times;
    for (const char *name : {"iat", "nbf", "exp"}) {
        const QJsonValue v = claims.object().value(QLatin1StringView(name));
        if (const auto secs = v.isDouble() ? wholeNumber(v.toDouble()) : std::nullopt)
            times +=
                QStringLiteral("\n%1: %2").arg(QLatin1StringView(name), whenText(*secs, nowSecs));
    }
    return times.isEmpty() ? text : text + u'\n' + times;
}

LocalCheck checkLocally(const QByteArray &token, const JwkSet *keys,
                        const IntrospectionConfig &endpoint, qint64 nowSecs) {
    LocalCheck check;
    check.local.cache = CacheOutcome::Local;
    const AccessTokenRules rules = accessTokenRules(endpoint);
    const LocalVerdict verdict = validateAccessToken(token, keys, rules, nowSecs);
    switch (verdict.kind) {
    case LocalVerdict::Kind::Valid:
        check.summary = QStringLiteral("valid locally: signature, iss, aud and times hold");
        check.needsIdp = endpoint.validation == TokenValidation::JwtThenIntrospect;
        check.local.result = verdict.result;
        return check;
    case LocalVerdict::Kind::NotAJwt:
        check.needsIdp =
            endpoint.validation == TokenValidation::JwtThenIntrospect || endpoint.introspectOpaque;
        check.summary = QStringLiteral("not a JWT: ") +
                        (check.needsIdp ? QStringLiteral("the IdP judges it")
                                        : QStringLiteral("this endpoint accepts JWTs only"));
        check.local.refusal = Reason::TokenInvalid;
        check.local.detail = check.summary;
        return check;
    case LocalVerdict::Kind::UnknownKey:
        if (!keys) {
            check.local.error = Reason::IdpUnreachable;
            check.local.detail = QStringLiteral("the gateway holds no keys from the issuer's JWK "
                                                "Set yet: the log says why the fetch failed");
            check.summary = check.local.detail;
            return check;
        }
        break;
    case LocalVerdict::Kind::Refused:
        break;
    }
    check.local.refusal =
        verdict.kind == LocalVerdict::Kind::UnknownKey ? Reason::TokenInvalid : verdict.reason;
    check.local.detail = verdict.why;
    check.summary = QStringLiteral("failed: ") + verdict.why;
    if (verdict.kind == LocalVerdict::Kind::UnknownKey)
        check.summary += QStringLiteral(" (with the keys held now; after a key rotation the "
                                        "gateway fetches the JWK Set again, at most once per "
                                        "jwks_refetch_interval, before it refuses)");
    return check;
}

} // namespace Tokengate
