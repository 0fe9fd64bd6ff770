// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace Tokengate::Test {

// Verifies a compact JWS the way an upstream would: the public key rebuilt from a JWK
// (RSA n/e or EC P-256 x/y) and OpenSSL's EVP_DigestVerify. Independent of JwtSigner's code.
// Empty string when the signature holds, else why not.
QString verifyJws(const QByteArray &jws, const QJsonObject &jwk);

// Finds the key with `kid` (or the only key when kid is empty) in a JWKS document and
// verifies `jws` with it.
QString verifyJwsWithJwks(const QByteArray &jws, const QByteArray &jwks);

// A fresh private key as PEM: "RSA" with `bits`, "EC" with a curve name ("P-256"), or
// "ED25519". `passphrase`: encrypt it with AES-256-CBC.
QByteArray generatePrivateKeyPem(const char *type, int bits = 2048, const char *curve = nullptr,
                                 const QByteArray &passphrase = {});

// The decoded JSON header and payload of a compact JWS.
QJsonObject jwsHeader(const QByteArray &jws);
QJsonObject jwsPayload(const QByteArray &jws);

} // namespace Tokengate::Test
