// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionconfig.h"
#include "core/auth/jwks.h"
#include "core/base/reason.h"
#include "core/cache/introspectionresult.h"

#include <QStringList>

#include <memory>

namespace Tokengate {

// What a locally validated access token (RFC 9068) must say beyond a good signature.
struct AccessTokenRules {
    QString issuer;        // "iss" must be exactly this
    QStringList audiences; // "aud" must name one of these
    int leewaySecs = 30;   // clock skew allowed on exp, nbf and iat
    static constexpr int MaxLeewaySecs = 600;
    bool requireAtJwt = false; // header "typ" must be at+jwt (RFC 9068 section 2.1)

    bool operator==(const AccessTokenRules &) const = default;
};

// How a token fared against the issuer's keys, without asking the IdP.
struct LocalVerdict {
    enum class Kind {
        Valid,      // signed by a key of the set, and the rules hold: `result` describes it
        Refused,    // a JWT that must not be accepted: `reason` and `why`
        NotAJwt,    // not a JWS at all (an opaque token): only introspection can judge it
        UnknownKey, // a JWS whose key the set lacks: a newer set may have it
    };
    Kind kind = Kind::Refused;
    std::shared_ptr<const IntrospectionResult> result; // Valid: active, with the token's claims
    Reason reason = Reason::None;
    QString why; // for the decision trace and the log; never the token
};

// Judges `token` with `keys` (null: none known yet) at `nowSecs`. The signature is checked
// before any claim is read; "none", HS* and any alg the named key does not fit are refused.
// A Valid result's exp and nbf, in its fields and its claims, are widened by the leeway: they
// are when the gateway accepts it. Its claims carry "active": true, and client_id and scope
// when the token names them azp and scp: they read back as the same result.
// The rules an introspection endpoint's settings give (issuer, audience, leeway, typ).
AccessTokenRules accessTokenRules(const IntrospectionConfig &config);

LocalVerdict validateAccessToken(QByteArrayView token, const JwkSet *keys,
                                 const AccessTokenRules &rules, qint64 nowSecs);

// How old a signed introspection answer may be (beyond the leeway): the answer is for a call
// made now, not one replayed from earlier.
inline constexpr int SignedAnswerMaxAgeSecs = 60;

// RFC 9701: an introspection answer the IdP signed as a JWT (typ token-introspection+jwt, iss
// the issuer, aud our client id, iat within the leeway of `nowSecs` and at most
// SignedAnswerMaxAgeSecs old). The token_introspection object's JSON, or nullopt with `why`
// set; `unknownKey` when the kid is one `keys` lack (a newer key set may have it). RFC 9701
// does not bind the answer to the token asked about: the iat window bounds a replay.
std::optional<QByteArray> signedIntrospectionAnswer(QByteArrayView jwt, const JwkSet *keys,
                                                    const QString &issuer, const QString &clientId,
                                                    qint64 nowSecs, int leewaySecs, QString *why,
                                                    bool *unknownKey);

} // namespace Tokengate
