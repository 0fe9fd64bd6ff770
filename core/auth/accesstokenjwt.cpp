// SPDX-License-Identifier: Apache-2.0
#include "core/auth/accesstokenjwt.h"

#include "core/auth/jwt.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace Tokengate {

namespace {

LocalVerdict refused(Reason reason, QString why) {
    LocalVerdict v;
    v.kind = LocalVerdict::Kind::Refused;
    v.reason = reason;
    v.why = std::move(why);
    return v;
}

LocalVerdict invalid(QString why) {
    return refused(Reason::TokenInvalid, std::move(why));
}

std::optional<QJsonObject> jsonObject(QByteArrayView encoded) {
    const auto bytes = Jwt::fromBase64Url(encoded);
    if (!bytes)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(*bytes, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject())
        return std::nullopt;
    return doc.object();
}

// A value shown in the trace: short, and one line whatever the token holds.
QString shown(const QJsonValue &v) {
    QString s = v.isString()
                    ? v.toString()
                    : QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact))
                          .mid(1)
                          .chopped(1);
    return loggable(std::move(s), 80);
}

// What the header's typ must be; no `accepts`: anything.
struct TypeRule {
    bool (*accepts)(const QString &typ) = nullptr;
    QString name;
};

// A JWS checked against the keys: Valid with its payload bytes, or why not.
struct JwsCheck {
    LocalVerdict::Kind kind = LocalVerdict::Kind::Refused;
    QString why;
    QByteArray payload;
};

bool isAtJwt(const QString &typ) {
    // RFC 9068 section 4: "at+jwt", or its media type spelled out; case-insensitive (RFC 7515).
    return typ.compare(u"at+jwt", Qt::CaseInsensitive) == 0 ||
           typ.compare(u"application/at+jwt", Qt::CaseInsensitive) == 0;
}

LocalVerdict judgeClaims(IntrospectionResult r, const AccessTokenRules &rules, qint64 nowSecs) {
    if (r.malformedTimes)
        return invalid(QStringLiteral("exp or nbf is not a number of seconds"));
    const QJsonValue iss = r.claims.value(u"iss");
    if (!iss.isString() || iss.toString() != rules.issuer)
        return invalid(
            QStringLiteral("iss \"%1\" is not the issuer \"%2\"").arg(shown(iss), rules.issuer));
    const bool audienceFits =
        std::any_of(r.audiences.cbegin(), r.audiences.cend(),
                    [&](const QString &a) { return rules.audiences.contains(a); });
    if (!audienceFits)
        return invalid(
            QStringLiteral("aud %1 names none of %2")
                .arg(shown(r.claims.value(u"aud")), rules.audiences.join(QStringLiteral(", "))));
    // RFC 9068 section 2.2: exp is required; a token valid forever is not an access token.
    if (!r.exp)
        return invalid(QStringLiteral("no exp"));
    if (*r.exp + rules.leewaySecs <= nowSecs)
        return refused(Reason::TokenExpired, QStringLiteral("exp has passed"));
    if (r.nbf && *r.nbf - rules.leewaySecs > nowSecs)
        return refused(Reason::TokenNotYetValid, QStringLiteral("nbf is in the future"));
    if (r.iat && *r.iat - rules.leewaySecs > nowSecs)
        return refused(Reason::TokenNotYetValid, QStringLiteral("iat is in the future"));
    // The claims say what the fields say (the cache keeps the claims alone and reads the
    // fields back from them): active, the times the gateway accepts, the RFC 7662 names.
    r.active = true;
    r.claims.insert(u"active", true);
    *r.exp += rules.leewaySecs;
    r.claims.insert(u"exp", double(*r.exp));
    if (r.nbf) {
        *r.nbf -= rules.leewaySecs;
        r.claims.insert(u"nbf", double(*r.nbf));
    }
    if (r.clientId.isEmpty() && r.claims.value(u"azp").isString()) {
        r.clientId = r.claims.value(u"azp").toString(); // OpenID Connect's name for it
        r.claims.insert(u"client_id", r.clientId);
    }
    if (r.scope.isEmpty() && r.claims.contains(u"scp")) {
        const QJsonValue scp = r.claims.value(u"scp"); // Okta's and Entra ID's name for it
        QStringList scopes;
        for (const QJsonValue &s : scp.isArray() ? scp.toArray() : QJsonArray{scp})
            scopes << s.toString();
        r.scope = scopes.join(u' ');
        r.claims.insert(u"scope", r.scope);
    }
    LocalVerdict v;
    v.kind = LocalVerdict::Kind::Valid;
    v.result = std::make_shared<const IntrospectionResult>(std::move(r));
    return v;
}

JwsCheck verifyJws(QByteArrayView token, const JwkSet *keys, const TypeRule &type) {
    JwsCheck check;
    check.kind = LocalVerdict::Kind::NotAJwt;
    const qsizetype firstDot = token.indexOf('.');
    const qsizetype secondDot = firstDot < 0 ? -1 : token.indexOf('.', firstDot + 1);
    if (secondDot < 0) {
        check.why = QStringLiteral("not a JWT");
        return check;
    }
    const auto header = jsonObject(token.first(firstDot));
    if (!header || !header->value(u"alg").isString()) {
        check.why = QStringLiteral("not a JWT: its header is not a JSON object with an alg");
        return check;
    }
    check.kind = LocalVerdict::Kind::Refused;
    const QByteArrayView payload = token.sliced(firstDot + 1, secondDot - firstDot - 1);
    const QByteArrayView signatureText = token.sliced(secondDot + 1);
    const QString algName = header->value(u"alg").toString();
    const auto alg = jwsAlgorithm(algName.toLatin1());
    const QString typ = header->value(u"typ").toString();
    if (signatureText.contains('.')) {
        check.why = QStringLiteral("an encrypted JWT (JWE) or more than three parts");
    } else if (!alg) {
        check.why = QStringLiteral("alg \"%1\" is not accepted").arg(shown(algName));
    } else if (header->contains(u"crit")) {
        check.why = QStringLiteral("the header has crit extensions");
    } else if (type.accepts && !type.accepts(typ)) {
        check.why = QStringLiteral("typ \"%1\" is not %2").arg(shown(typ), type.name);
    }
    if (!check.why.isEmpty())
        return check;
    const QByteArray kid = header->value(u"kid").toString().toUtf8();
    const VerificationKey *key = keys ? keys->find(kid, *alg) : nullptr;
    if (!key) {
        if (keys && (kid.isEmpty() || keys->hasKeyId(kid))) {
            check.why = kid.isEmpty()
                            ? QStringLiteral("no kid, and no single key fits %1").arg(algName)
                            : QStringLiteral("key \"%1\" does not sign with %2")
                                  .arg(shown(QString::fromUtf8(kid)), algName);
            return check;
        }
        check.kind = LocalVerdict::Kind::UnknownKey;
        check.why =
            QStringLiteral("the issuer publishes no key \"%1\"").arg(shown(QString::fromUtf8(kid)));
        return check;
    }
    const auto signature = Jwt::fromBase64Url(signatureText);
    if (!signature || !key->verify(*alg, token.first(secondDot), *signature)) {
        check.why = QStringLiteral("the signature does not verify (key \"%1\", %2)")
                        .arg(shown(QString::fromUtf8(kid)), algName);
        return check;
    }
    const auto payloadBytes = Jwt::fromBase64Url(payload);
    if (!payloadBytes) {
        check.why = QStringLiteral("the payload is not base64url");
        return check;
    }
    check.kind = LocalVerdict::Kind::Valid;
    check.payload = *payloadBytes;
    return check;
}

} // namespace

AccessTokenRules accessTokenRules(const IntrospectionConfig &config) {
    return {config.issuer, config.audiences, config.leewaySecs, config.requireAtJwt};
}

LocalVerdict validateAccessToken(QByteArrayView token, const JwkSet *keys,
                                 const AccessTokenRules &rules, qint64 nowSecs) {
    static const TypeRule atJwt{isAtJwt, QStringLiteral("at+jwt")};
    const JwsCheck jws = verifyJws(token, keys, rules.requireAtJwt ? atJwt : TypeRule{});
    if (jws.kind != LocalVerdict::Kind::Valid) {
        LocalVerdict v;
        v.kind = jws.kind;
        v.reason = Reason::TokenInvalid;
        v.why = jws.why;
        return v;
    }
    std::optional<IntrospectionResult> result = IntrospectionResult::fromJson(jws.payload, nullptr);
    if (!result)
        return invalid(QStringLiteral("the payload is not a JSON object"));
    return judgeClaims(std::move(*result), rules, nowSecs);
}

std::optional<QByteArray> signedIntrospectionAnswer(QByteArrayView jwt, const JwkSet *keys,
                                                    const QString &issuer, const QString &clientId,
                                                    qint64 nowSecs, int leewaySecs, QString *why,
                                                    bool *unknownKey) {
    static const TypeRule introspectionJwt{
        [](const QString &typ) {
            return typ.compare(u"token-introspection+jwt", Qt::CaseInsensitive) == 0 ||
                   typ.compare(u"application/token-introspection+jwt", Qt::CaseInsensitive) == 0;
        },
        QStringLiteral("token-introspection+jwt")};
    const JwsCheck jws = verifyJws(jwt, keys, introspectionJwt);
    *unknownKey = jws.kind == LocalVerdict::Kind::UnknownKey;
    if (jws.kind != LocalVerdict::Kind::Valid) {
        *why = jws.why;
        return std::nullopt;
    }
    const QJsonObject claims = QJsonDocument::fromJson(jws.payload).object();
    const QJsonValue aud = claims.value(u"aud");
    const bool forUs =
        aud.isString() ? aud.toString() == clientId : aud.toArray().contains(QJsonValue(clientId));
    if (claims.value(u"iss").toString() != issuer)
        *why = QStringLiteral("iss \"%1\" is not the issuer").arg(shown(claims.value(u"iss")));
    else if (!forUs)
        *why = QStringLiteral("aud %1 is not our client id").arg(shown(aud));
    else if (!claims.value(u"iat").isDouble())
        *why = QStringLiteral("no iat");
    // Signed, but not for this call: an answer captured earlier (before a revocation, or for
    // another token) replayed by something on the path.
    else if (const double iat = claims.value(u"iat").toDouble();
             iat > double(nowSecs + leewaySecs) ||
             iat < double(nowSecs - leewaySecs - SignedAnswerMaxAgeSecs))
        *why = QStringLiteral("iat is not within %1 s of now").arg(SignedAnswerMaxAgeSecs);
    else if (!claims.value(u"token_introspection").isObject())
        *why = QStringLiteral("no token_introspection object");
    if (!why->isEmpty())
        return std::nullopt;
    return QJsonDocument(claims.value(u"token_introspection").toObject())
        .toJson(QJsonDocument::Compact);
}

} // namespace Tokengate
