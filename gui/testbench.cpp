// SPDX-License-Identifier: Apache-2.0
#include "gui/testbench.h"

#include "core/auth/jwks.h"
#include "core/auth/jwt.h"
#include "core/auth/jwtminter.h"
#include "core/auth/jwtsigner.h"
#include "core/auth/tokenverdict.h"
#include "core/base/sha256.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

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

QString curlCommand(const QString &url, const QByteArray &token, const Config &config) {
    QString line =
        QStringLiteral("curl -i -H ") +
        shellQuote(QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token));
    if (config.destinationMode())
        line += QStringLiteral(" -H ") +
                shellQuote(QStringLiteral("Destination: http://localhost:3000"));
    return line + u' ' + shellQuote(url + u'/');
}

TestBenchReport evaluateToken(const IntrospectionOutcome &answer, const Config &config,
                              const QString &listenUrl, const QByteArray &token, qint64 nowSecs,
                              const RevocationList *revocations) {
    TestBenchReport r;
    r.curl = curlCommand(listenUrl, token, config);
    if (answer.error != Reason::None || answer.refusal != Reason::None) {
        // The gateway refuses the request with this reason when the IdP gives no answer, or
        // the JWT fails its own validation.
        const Reason reason = answer.error != Reason::None ? answer.error : answer.refusal;
        r.introspection = answer.detail;
        r.decision = QStringLiteral("refused: %1 (%2)")
                         .arg(QLatin1StringView(reasonId(reason)), answer.detail);
        return r;
    }
    r.introspection = QString::fromUtf8(
        QJsonDocument(answer.result->claims).toJson(QJsonDocument::Indented).trimmed());
    const TokenVerdict verdict = judgeToken(*answer.result, nowSecs, config.requiredScopes);
    r.allowed = verdict.allowed;
    if (!verdict.allowed) {
        r.decision =
            QStringLiteral("refused: %1 (%2)")
                .arg(QLatin1StringView(reasonId(verdict.reason)), QLatin1StringView(verdict.why));
        return r;
    }
    if (revocations) {
        if (const auto revoked = revocations->match(sha256(token), *answer.result, nowSecs)) {
            r.allowed = false;
            r.decision = QStringLiteral("refused: %1 (revoked at the gateway by %2)")
                             .arg(QLatin1StringView(reasonId(Reason::TokenRevoked)),
                                  RevocationList::kindName(revoked->kind));
            return r;
        }
    }
    r.decision = config.requiredScopes.isEmpty()
                     ? QStringLiteral("allowed")
                     : QStringLiteral("allowed (has the required scopes %1)")
                           .arg(config.requiredScopes.join(u' '));
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
