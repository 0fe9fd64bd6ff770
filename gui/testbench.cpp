// SPDX-License-Identifier: Apache-2.0
#include "gui/testbench.h"

#include "core/auth/jwks.h"
#include "core/auth/jwt.h"
#include "core/auth/jwtminter.h"
#include "core/auth/jwtsigner.h"
#include "core/auth/routepolicy.h"
#include "core/auth/tokenextractor.h"
#include "core/auth/tokenverdict.h"
#include "core/base/sha256.h"
#include "core/config/routecompiler.h"
#include "core/http/requesttarget.h"
#include "core/pipeline/methodoverride.h"
#include "core/pipeline/router.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
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

// Where the bench's request carries the token: the first of the route's sources (a route
// taking tokens only from a cookie ignores the Authorization header).
struct PlacedToken {
    QString target; // the request's, with the query parameter when that is the source
    QList<std::pair<QString, QString>> headers;
    bool cookie = false; // the one header is a Cookie
};

PlacedToken placeToken(const BenchRequest &request, const QByteArray &token,
                       const QList<TokenSource> &sources) {
    const TokenSource source = sources.value(0);
    const QString value = QString::fromLatin1(token);
    PlacedToken placed{request.target, {}};
    switch (source.kind) {
    case TokenSource::Kind::BearerHeader:
        placed.headers.append({QStringLiteral("Authorization"), QStringLiteral("Bearer ") + value});
        break;
    case TokenSource::Kind::Header:
        placed.headers.append({source.name, value});
        break;
    case TokenSource::Kind::Cookie:
        placed.headers.append({QStringLiteral("Cookie"), source.name + u'=' + value});
        placed.cookie = true;
        break;
    case TokenSource::Kind::Query: {
        // Percent-encoded: '+' would read as a space, '&' and '=' would split the pair.
        const QString name = source.name.isEmpty() ? QStringLiteral("access_token") : source.name;
        placed.target += (placed.target.contains(u'?') ? u'&' : u'?') +
                         QString::fromLatin1(QUrl::toPercentEncoding(name) + '=' +
                                             QUrl::toPercentEncoding(value));
        break;
    }
    }
    return placed;
}

// The Host the gateway would see: as typed, else the listen URL's authority ("[::1]:8080").
QString hostOf(const BenchRequest &request) {
    return request.host.isEmpty() ? QUrl(request.listenUrl).authority() : request.host;
}

bool isMethodName(const QString &method) {
    static const QRegularExpression tchars(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
    return tchars.match(method).hasMatch();
}

} // namespace

QString curlCommand(const BenchRequest &request, const QByteArray &token, const BenchRoute &route) {
    // --path-as-is: curl would squash "/../" itself, and the gateway must see what was typed;
    // -g: brackets and braces in a path are not curl's globs.
    QString line = QStringLiteral("curl -i --path-as-is -g");
    if (request.method == u"HEAD")
        line += QStringLiteral(" -I"); // -X HEAD would wait for a body that never comes
    else if (request.method != u"GET")
        line += QStringLiteral(" -X ") + shellQuote(request.method);
    const PlacedToken placed = placeToken(request, token, route.route.tokenSources);
    for (const auto &[name, value] : placed.headers) {
        line += placed.cookie ? QStringLiteral(" -b ") + shellQuote(value)
                              : QStringLiteral(" -H ") + shellQuote(name + u": " + value);
    }
    if (!request.host.isEmpty())
        line += QStringLiteral(" -H ") + shellQuote(QStringLiteral("Host: ") + request.host);
    if (route.needsDestination)
        line += QStringLiteral(" -H ") +
                shellQuote(QStringLiteral("Destination: http://localhost:3000"));
    return line + u' ' + shellQuote(request.listenUrl + placed.target);
}

BenchRoute benchRoute(const Config &config, const BenchRequest &request) {
    BenchRoute out;
    out.refusal = Reason::BadRequest;
    if (!isMethodName(request.method)) {
        out.summary = QStringLiteral("not a method name: %1").arg(request.method);
        return out;
    }
    // The request parser's rule: printable ASCII only, no fragment.
    static const QRegularExpression unsendable(QStringLiteral("[^\\x21-\\x7e]|#"));
    if (!request.target.startsWith(u'/') || request.target.contains(unsendable)) {
        out.summary = QStringLiteral("enter the path and query as a client sends them, e.g. "
                                     "/api/orders?page=2: percent-encoded (%20 for a space, "
                                     "UTF-8 bytes as %C3%A9...), no #fragment (it never leaves "
                                     "the client)");
        return out;
    }
    if (!isValidAuthority(hostOf(request).toUtf8())) {
        out.summary = QStringLiteral("refused before any route: 400 (not a valid Host: %1)")
                          .arg(hostOf(request));
        return out;
    }
    out.curlable = true;
    if (request.method == u"CONNECT") {
        out.refusal = Reason::MethodNotAllowed;
        out.summary = QStringLiteral("refused before any route: 405 %1 (a gateway is no "
                                     "CONNECT proxy)")
                          .arg(QLatin1StringView(reasonId(out.refusal)));
        return out;
    }
    if (config.routes.isEmpty()) {
        // As GatewayHandler's implicit route: the top-level settings judge every request.
        out.route.authenticate = config.auth == AuthMode::Introspection;
        out.route.exactScopes = config.requiredScopes;
        out.route.anonymousWhenMissing = config.allowMissingToken;
        out.needsDestination = config.destinationMode();
        out.routed = true;
        out.refusal = Reason::None;
        return out;
    }
    QString error;
    const std::optional<Router> router = Router::compile(config.routes, config.paths, &error);
    if (!router) {
        out.summary = QStringLiteral("the routes do not compile: ") + error;
        return out;
    }
    const QByteArray target = request.target.toUtf8();
    const TargetParts parts = splitTarget(target);
    const QByteArray method = request.method.toLatin1();
    // As GatewayExchange::matchRoute: every method the query asks the upstream to act on
    // instead must take the same route (the bench sends no override header).
    const MethodOverrides overrides = methodOverrides(HeaderMap(), parts.query, method);
    if (overrides.unreadable) {
        out.refusal = Reason::MethodOverride;
        out.summary = QStringLiteral("refused before any route: 400 %1 (a method override that "
                                     "is not a method name)")
                          .arg(QLatin1StringView(reasonId(Reason::MethodOverride)));
        return out;
    }
    const QString host = hostOf(request);
    const RouteDecision d = router->decide(method, hostWithoutPort(host.toLower().toUtf8()),
                                           parts.path, overrides.methods);
    if (d.path.refused()) {
        out.refusal = d.path.reason;
        out.summary =
            QStringLiteral("refused before any route: %1 %2 (%3)")
                .arg(httpStatus(d.path.reason))
                .arg(QLatin1StringView(reasonId(d.path.reason)), QLatin1StringView(d.path.message));
        return out;
    }
    const QList<RouteSettings> compiled = compileRoutes(config);
    if (d.index < 0 || d.index >= compiled.size()) {
        out.refusal = Reason::RouteNotFound;
        out.summary = QStringLiteral("refused: 404 %1 (no route takes %2 %3 on host %4)")
                          .arg(QLatin1StringView(reasonId(Reason::RouteNotFound)), request.method,
                               QString::fromUtf8(d.path.path), host);
        return out;
    }
    out.route = compiled[d.index];
    out.needsDestination = !out.route.upstream;
    out.summary =
        QStringLiteral("route %1 \"%2\"").arg(d.index + 1).arg(QString::fromUtf8(out.route.name));
    if (out.route.clientCertificateRequired) {
        // Checked before any token (GatewayExchange): the bench shows no certificate.
        out.refusal = Reason::ClientCertificateRequired;
        out.summary = QStringLiteral("refused: 403 %1 (%2 requires a verified client "
                                     "certificate, which the bench cannot show)")
                          .arg(QLatin1StringView(reasonId(out.refusal)), out.summary);
        return out;
    }
    out.routed = true;
    out.refusal = Reason::None;
    return out;
}

std::optional<TestBenchReport> refuseUnreadableToken(const BenchRoute &route,
                                                     const BenchRequest &request,
                                                     const QByteArray &token) {
    // The request as the gateway would parse it, the token where the route looks first.
    const PlacedToken placed = placeToken(request, token, route.route.tokenSources);
    RequestHead head;
    head.method = request.method.toLatin1();
    head.target = placed.target.toUtf8();
    head.headers.append("Host", hostOf(request).toUtf8());
    for (const auto &[name, value] : placed.headers)
        head.headers.append(name.toLatin1(), value.toUtf8());
    const QList<TokenSource> &sources = route.route.tokenSources.isEmpty()
                                            ? TokenExtractor::defaultSources()
                                            : route.route.tokenSources;
    const TokenExtractor::Found found = TokenExtractor::find(sources, head);
    if (!found.malformed && found.token == token)
        return std::nullopt;
    TestBenchReport r;
    r.curl = curlCommand(request, token, route);
    r.introspection = QStringLiteral("Not asked: the gateway would not read this token whole.");
    const QString where = TokenExtractor::describe(sources.value(qMax(found.source, 0)));
    if (!found.malformed && !found.token.isEmpty()) {
        // A cookie value in quotes or cut at ';': the gateway would judge another token.
        r.decision = QStringLiteral("not judged: the gateway would read a different token "
                                    "from the %1 than the one pasted")
                         .arg(where);
        return r;
    }
    const Reason reason = found.malformed ? Reason::TokenMalformed : Reason::TokenMissing;
    r.anonymous =
        found.malformed ? route.route.anonymousWhenRefused : route.route.anonymousWhenMissing;
    r.status = r.anonymous ? 200 : httpStatus(reason);
    r.decision = QStringLiteral("refused: %1 (not one well-formed token in the %2)")
                     .arg(QLatin1StringView(reasonId(reason)), where);
    if (r.anonymous)
        r.decision += QStringLiteral("; pass_through forwards the request without identity");
    return r;
}

TestBenchReport evaluateWithoutToken(const BenchRoute &route, const BenchRequest &request,
                                     const QByteArray &token) {
    TestBenchReport r;
    if (route.curlable)
        r.curl = curlCommand(request, token, route);
    r.introspection = QStringLiteral("Not asked: the gateway looks at no token here.");
    if (!route.routed) {
        r.decision = route.summary;
        r.status = httpStatus(route.refusal);
        return r;
    }
    r.allowed = true;
    r.status = 200;
    r.decision =
        QStringLiteral("allowed: %1 is public, no token is looked at")
            .arg(route.summary.isEmpty() ? QStringLiteral("every request") : route.summary);
    return r;
}

namespace {

// The data path's refusal on `route`: pass_through forwards such a request without identity.
void refuse(TestBenchReport &r, const BenchRoute &route, Reason reason, const QString &why) {
    r.allowed = false;
    r.anonymous = route.route.anonymousWhenRefused;
    r.status = r.anonymous ? 200 : httpStatus(reason);
    r.decision = QStringLiteral("refused: %1 (%2)").arg(QLatin1StringView(reasonId(reason)), why);
    if (r.anonymous)
        r.decision += QStringLiteral("; pass_through forwards the request without identity or "
                                     "credential");
}

} // namespace

TestBenchReport evaluateToken(const IntrospectionOutcome &answer, const Config &config,
                              const BenchRoute &route, const BenchRequest &request,
                              const QByteArray &token, qint64 nowSecs,
                              const RevocationList *revocations) {
    TestBenchReport r;
    r.curl = curlCommand(request, token, route);
    if (answer.error != Reason::None) {
        // No answer: refused whatever the route says (fail closed).
        r.introspection = answer.detail;
        r.status = httpStatus(answer.error);
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
    const TokenVerdict binding = judgeCertificateBinding(*answer.result, {});
    if (!binding.allowed) {
        // The bench shows no client certificate; a token bound to one passes only over HTTPS
        // from the client holding it.
        refuse(r, route, binding.reason, QLatin1StringView(binding.why));
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
    r.status = 200;
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
