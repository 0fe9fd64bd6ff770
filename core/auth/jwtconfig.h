// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMap>
#include <QString>

namespace Tokengate {

enum class JwtAlgorithm { HS256, RS256, ES256 };

// The JWT minted for the upstream (introspection-microgateway's JWT_* variables).
struct JwtConfig {
    static constexpr char DefaultSecret[] = "secret";
    QString headerName; // empty: no JWT
    JwtAlgorithm algorithm = JwtAlgorithm::HS256;
    QString secret = QString::fromLatin1(DefaultSecret); // HS256
    QString secretRef;      // the config file's reference for `secret` (see IntrospectionConfig)
    QString privateKeyFile; // RS256/ES256: PEM private key; its public key is served as JWKS
    QString keyId;          // "kid" in the JWT header and the JWKS
    bool allowPassthrough = false; // keep a client-sent header of that name
    int lifetimeSecs = 3600;       // never beyond the token's own exp
    // Extra claims: JWT claim name -> introspection claim it is copied from.
    QMap<QString, QString> claims;

    bool operator==(const JwtConfig &) const = default;
};

} // namespace Tokengate
