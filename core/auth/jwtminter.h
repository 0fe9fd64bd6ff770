// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectionresult.h"

#include <QMap>

#include <memory>

namespace Tokengate {

class JwtSigner;

// The JWT the upstream receives (README, "Switching from introspection-microgateway", step 6):
// every introspection field except exp and iat, then iat = now and exp = now + lifetime, never
// later than the token's own exp; plus the configured extra claims. Signed by a JwtSigner (HS256,
// RS256 or ES256).
class JwtMinter {
public:
    // HS256 with `secret` (introspection-microgateway's JWT_SECRET).
    explicit JwtMinter(QByteArray secret, int lifetimeSecs = 3600);
    // `extraClaims`: JWT claim name -> introspection claim copied into it when present.
    JwtMinter(std::shared_ptr<const JwtSigner> signer, int lifetimeSecs,
              QMap<QString, QString> extraClaims = {});
    ~JwtMinter();

    QByteArray mint(const IntrospectionResult &result, qint64 nowSecs) const;
    static QJsonObject claims(const IntrospectionResult &result, qint64 nowSecs, int lifetimeSecs,
                              const QMap<QString, QString> &extraClaims = {});
    const JwtSigner *signer() const { return m_signer.get(); }

private:
    std::shared_ptr<const JwtSigner> m_signer;
    int m_lifetimeSecs;
    QMap<QString, QString> m_extraClaims;
};

} // namespace Tokengate
