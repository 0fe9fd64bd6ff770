// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionclient.h"
#include "core/auth/introspectionconfig.h"
#include "core/base/clock.h"

#include <memory>
#include <optional>

namespace Tokengate {

class JwtSigner;

// RFC 7523 section 2.2 client authentication: a JWT signed with our private key, new for
// every call (fresh jti, iat, exp) because IdPs refuse a replayed assertion.
class ClientAssertion {
public:
    static constexpr int LifetimeSecs = 60;

    // RS256 or ES256, whichever the PEM key is for; nullptr with `error` otherwise.
    static std::shared_ptr<const ClientAssertion>
    create(const QByteArray &privateKeyPem, const QString &keyId, const QString &clientId,
           const QString &audience, const Clock &clock, QString *error);
    ~ClientAssertion();

    // "client_assertion_type=...&client_assertion=<JWT>&client_id=<id>", form-encoded.
    QByteArray formFields() const;
    const JwtSigner &signer() const { return *m_signer; }
    QString clientId() const { return m_clientId; }

private:
    ClientAssertion(std::unique_ptr<JwtSigner> signer, QString clientId, QString audience,
                    const Clock &clock);

    std::unique_ptr<JwtSigner> m_signer;
    QString m_clientId;
    QString m_audience;
    const Clock &m_clock;
};

// How a worker calls the endpoint `config` describes: URL, timeouts, and the client
// authentication of its method. nullopt with `error` when the URL or the key is unusable.
std::optional<IntrospectionEndpoint>
introspectionEndpoint(const IntrospectionConfig &config, QString *error,
                      const Clock &clock = SystemClock::instance());

// What the endpoint's client authentication method still lacks (Config::validate()), each
// problem naming the endpoint; the private key is loaded to check it.
QStringList clientAuthProblems(const IntrospectionConfig &endpoint);

} // namespace Tokengate
