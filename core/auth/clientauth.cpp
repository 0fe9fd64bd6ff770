// SPDX-License-Identifier: Apache-2.0
#include "core/auth/clientauth.h"

#include "core/auth/jwtsigner.h"
#include "core/base/formencoding.h"
#include "core/server/tlscredentials.h"

#include <QFile>
#include <QJsonObject>
#include <QRandomGenerator>

namespace Tokengate {

ClientAssertion::ClientAssertion(std::unique_ptr<JwtSigner> signer, QString clientId,
                                 QString audience, const Clock &clock)
    : m_signer(std::move(signer))
    , m_clientId(std::move(clientId))
    , m_audience(std::move(audience))
    , m_clock(clock) {}

ClientAssertion::~ClientAssertion() = default;

std::shared_ptr<const ClientAssertion> ClientAssertion::create(const QByteArray &privateKeyPem,
                                                               const QString &keyId,
                                                               const QString &clientId,
                                                               const QString &audience,
                                                               const Clock &clock, QString *error) {
    QString rsaError;
    std::unique_ptr<JwtSigner> signer =
        JwtSigner::create(JwtAlgorithm::RS256, privateKeyPem, keyId, &rsaError);
    if (!signer)
        signer = JwtSigner::create(JwtAlgorithm::ES256, privateKeyPem, keyId, error);
    if (!signer) {
        *error = QStringLiteral("not an RSA (RS256) or EC P-256 (ES256) private key: ") + rsaError;
        return nullptr;
    }
    return std::shared_ptr<const ClientAssertion>(
        new ClientAssertion(std::move(signer), clientId, audience, clock));
}

QByteArray ClientAssertion::formFields() const {
    QByteArray jti(18, Qt::Uninitialized);
    QRandomGenerator::system()->generate(jti.begin(), jti.end());
    const qint64 now = m_clock.nowSecs();
    const QJsonObject claims{
        {QStringLiteral("iss"), m_clientId},
        {QStringLiteral("sub"), m_clientId},
        {QStringLiteral("aud"), m_audience},
        {QStringLiteral("jti"), QString::fromLatin1(jti.toBase64(QByteArray::Base64UrlEncoding |
                                                                 QByteArray::OmitTrailingEquals))},
        {QStringLiteral("iat"), double(now)},
        {QStringLiteral("exp"), double(now + LifetimeSecs)},
    };
    return "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-"
           "bearer&client_assertion=" +
           m_signer->sign(claims) + "&client_id=" + formEncode(m_clientId.toUtf8());
}

std::optional<IntrospectionEndpoint> introspectionEndpoint(const IntrospectionConfig &config,
                                                           QString *errorOut, const Clock &clock) {
    QString ignored;
    QString *error = errorOut ? errorOut : &ignored;
    IntrospectionEndpoint e;
    e.validation = config.validation;
    e.jwtRules = accessTokenRules(config);
    e.introspectOpaque = config.introspectOpaque;
    e.jwksUri = config.jwksUri;
    e.signedAnswers = config.signedAnswers;
    e.clientId = config.clientId;
    if (config.url.isEmpty() && !config.asksIdp())
        return e; // only ever validates JWTs itself
    const auto url = UpstreamTarget::parse(config.url, error);
    if (!url)
        return std::nullopt;
    e.url = *url;
    e.timeoutMs = config.timeoutMs;
    e.maxConnections = config.maxConnections;
    e.maxWaiting = config.maxWaiting;
    if (!config.tlsCaFile.isEmpty() || !config.tlsClientCertFile.isEmpty() ||
        !config.tlsClientKeyFile.isEmpty()) {
        e.tls =
            loadTlsClientSide(config.tlsCaFile, config.tlsClientCertFile, config.tlsClientKeyFile,
                              QStringLiteral("introspection \"%1\": tls.").arg(config.name), error);
        if (!e.tls)
            return std::nullopt;
    }
    switch (config.authMethod) {
    case ClientAuthMethod::ClientSecretBasic:
    case ClientAuthMethod::AuthorizationValue:
        // A verbatim value wins: TOKENGATE_INTROSPECTION_AUTHORIZATION sets only that.
        if (!config.authorization.isEmpty())
            e.authorization = config.authorization.toUtf8();
        else if (!config.clientId.isEmpty())
            e.authorization =
                basicAuthorization(config.clientId.toUtf8(), config.clientSecret.toUtf8());
        break;
    case ClientAuthMethod::ClientSecretPost:
        e.formCredentials = "client_id=" + formEncode(config.clientId.toUtf8()) +
                            "&client_secret=" + formEncode(config.clientSecret.toUtf8());
        break;
    case ClientAuthMethod::PrivateKeyJwt: {
        QFile key(config.privateKeyFile);
        if (!key.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read private_key_file \"%1\": %2")
                         .arg(config.privateKeyFile, key.errorString());
            return std::nullopt;
        }
        QString why;
        // RFC 7523 names the token endpoint; IdPs (oidc-provider, Okta) accept the URL of the
        // endpoint the assertion is sent to, which is the one we know for sure. Others want
        // their issuer (Keycloak): assertion_audience.
        const QString audience =
            config.assertionAudience.isEmpty() ? config.url : config.assertionAudience;
        e.assertion = ClientAssertion::create(key.read(1 << 20), config.keyId, config.clientId,
                                              audience, clock, &why);
        if (!e.assertion) {
            *error = QStringLiteral("private_key_file \"%1\": %2").arg(config.privateKeyFile, why);
            return std::nullopt;
        }
        break;
    }
    case ClientAuthMethod::TlsClientAuth:
    case ClientAuthMethod::SelfSignedTlsClientAuth:
        // The certificate, presented in the handshake, is the credential (e.tls).
        e.formCredentials = "client_id=" + formEncode(config.clientId.toUtf8());
        break;
    }
    return e;
}

namespace {

bool loadsAsClientKey(const IntrospectionConfig &i, QString *why) {
    QFile key(i.privateKeyFile);
    if (!key.open(QIODevice::ReadOnly)) {
        *why = QStringLiteral("cannot read private_key_file \"%1\": %2")
                   .arg(i.privateKeyFile, key.errorString());
        return false;
    }
    QString error;
    if (!ClientAssertion::create(key.read(1 << 20), i.keyId, i.clientId, i.url,
                                 SystemClock::instance(), &error)) {
        *why = QStringLiteral("private_key_file \"%1\": %2").arg(i.privateKeyFile, error);
        return false;
    }
    return true;
}

} // namespace

// What each client authentication method needs (the config file, the environment and the
// command line may each have given a part).
QStringList clientAuthProblems(const IntrospectionConfig &i) {
    QStringList problems;
    const QString where = QStringLiteral("introspection \"%1\": ").arg(i.name);
    switch (i.authMethod) {
    case ClientAuthMethod::ClientSecretBasic:
        break; // the checks above; no credentials at all is allowed (an open endpoint)
    case ClientAuthMethod::ClientSecretPost:
        if (i.clientId.isEmpty() || i.clientSecret.isEmpty())
            problems << where + QStringLiteral("client_secret_post needs client_id and "
                                               "client_secret");
        break;
    case ClientAuthMethod::AuthorizationValue:
        if (i.authorization.isEmpty())
            problems << where + QStringLiteral("authorization_value needs authorization");
        break;
    case ClientAuthMethod::TlsClientAuth:
    case ClientAuthMethod::SelfSignedTlsClientAuth: {
        const QString method = QLatin1StringView(i.authMethod == ClientAuthMethod::TlsClientAuth
                                                     ? "tls_client_auth"
                                                     : "self_signed_tls_client_auth");
        if (i.clientId.isEmpty() || i.tlsClientCertFile.isEmpty())
            problems << where + method +
                            QStringLiteral(" needs client_id, tls.client_cert_file and "
                                           "tls.client_key_file");
        // Over plain HTTP no certificate is ever presented: the IdP would see no credential.
        if (!i.url.isEmpty() && !i.url.startsWith(u"https://", Qt::CaseInsensitive))
            problems << where + method + QStringLiteral(" needs an https:// url");
        break;
    }
    case ClientAuthMethod::PrivateKeyJwt:
        if (i.clientId.isEmpty() || i.privateKeyFile.isEmpty())
            problems << where + QStringLiteral("private_key_jwt needs client_id and "
                                               "private_key_file");
        else if (QString why; !loadsAsClientKey(i, &why))
            problems << where + why;
        break;
    }
    if (i.authMethod != ClientAuthMethod::AuthorizationValue &&
        i.authMethod != ClientAuthMethod::ClientSecretBasic && !i.authorization.isEmpty())
        problems << where + QStringLiteral("authorization is only used with authorization_value");
    if (QString why;
        !i.tlsCaFile.isEmpty() || !i.tlsClientCertFile.isEmpty() || !i.tlsClientKeyFile.isEmpty()) {
        if (!loadTlsClientSide(i.tlsCaFile, i.tlsClientCertFile, i.tlsClientKeyFile,
                               where + QStringLiteral("tls."), &why))
            problems << why;
    }
    return problems;
}

} // namespace Tokengate
