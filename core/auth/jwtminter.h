// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionresult.h"

namespace Tokengate {

// The HS256 JWT the upstream receives (COMPAT.md A.6): every introspection field except
// exp and iat, then iat = now and exp = now + lifetime, never later than the token's own exp.
class JwtMinter {
public:
    JwtMinter(QByteArray secret, int lifetimeSecs = 3600);
    QByteArray mint(const IntrospectionResult &result, qint64 nowSecs) const;
    static QJsonObject claims(const IntrospectionResult &result, qint64 nowSecs, int lifetimeSecs);

private:
    QByteArray m_secret;
    int m_lifetimeSecs;
};

} // namespace Tokengate
