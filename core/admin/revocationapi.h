// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/accesstokenjwt.h"
#include "core/cache/revocationlist.h"

#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonValue>
#include <QMap>

namespace Tokengate {

class GatewayService;

// The operator's revocation calls on the admin listener: POST /revocations revokes a token,
// a jti or a subject at the gateway (whatever the IdP or the JWT's signature says), GET lists
// what is revoked, DELETE takes a revocation back. Every one requires admin.token as a Bearer
// token; without admin.token they are refused.
class RevocationApi {
public:
    // How long a revocation lasts when the call does not say and the token's own exp is
    // unknown: longer than access tokens usually live.
    static constexpr qint64 DefaultLifetimeSecs = 24 * 3600;
    // After a JWT's exp the revocation is kept this much longer: validation tolerates clock
    // skew by up to the endpoint's leeway, which is at most this.
    static constexpr qint64 ExpMarginSecs = AccessTokenRules::MaxLeewaySecs;

    explicit RevocationApi(const GatewayService &service);
    QHttpServerResponse handle(const QHttpServerRequest &request) const;

    // A call's fields, from a JSON object or a form body (RFC 7009's shape: token=...).
    struct Fields {
        QString error;
        QMap<QString, QJsonValue> values;
    };
    // The one of token, jti and sub the call names.
    struct Target {
        QString error;
        RevocationList::Kind kind = RevocationList::Kind::Token;
        QString value;
    };

private:
    QHttpServerResponse revoke(const Fields &fields, const Target &target) const;
    QHttpServerResponse unrevoke(const Target &target) const;
    QHttpServerResponse list() const;

    const GatewayService &m_service;
};

} // namespace Tokengate
