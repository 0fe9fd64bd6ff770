// SPDX-License-Identifier: Apache-2.0
#include "core/devidp/demoidp.h"

#include "core/base/formencoding.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonObject>
#include <QRandomGenerator>

namespace Tokengate {

namespace {

constexpr qsizetype MaxGrants = 100'000;

QByteArray randomToken(int bytes) {
    QByteArray raw(bytes, Qt::Uninitialized);
    QRandomGenerator::system()->generate(raw.begin(), raw.end());
    return raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

QByteArray tokenKey(QByteArrayView token) {
    return QCryptographicHash::hash(token, QCryptographicHash::Sha256);
}

QByteArray header(const QHttpServerRequest &request, QByteArrayView name) {
    for (const auto &[key, value] : request.headers()) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool sameSecret(QByteArrayView a, QByteArrayView b) {
    // Constant time, so the demo does not teach a timing oracle.
    if (a.size() != b.size())
        return false;
    unsigned char diff = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

QHttpServerResponse oauthError(const char *error, QHttpServerResponse::StatusCode status) {
    QHttpServerResponse r(QJsonObject{{QStringLiteral("error"), QLatin1StringView(error)}}, status);
    if (status == QHttpServerResponse::StatusCode::Unauthorized)
        r.setHeader("WWW-Authenticate", "Basic realm=\"tokengate-demo\"");
    return r;
}

} // namespace

DemoIdp::DemoIdp(QObject *parent)
    : QObject(parent)
    , m_clientId("tokengate-demo")
    , m_clientSecret(randomToken(24)) {
    using Method = QHttpServerRequest::Method;
    m_server.route(QStringLiteral("/token"), Method::Post,
                   [this](const QHttpServerRequest &r) { return token(r); });
    m_server.route(QStringLiteral("/mint"), Method::Post,
                   [this](const QHttpServerRequest &r) { return mintEndpoint(r); });
    m_server.route(QStringLiteral("/introspect"), Method::Post,
                   [this](const QHttpServerRequest &r) { return introspect(r); });
    m_server.route(QStringLiteral("/revoke"), Method::Post,
                   [this](const QHttpServerRequest &r) { return revokeEndpoint(r); });
    m_server.route(QStringLiteral("/.well-known/openid-configuration"), Method::Get,
                   [this] { return discovery(); });
    m_server.route(QStringLiteral("/.well-known/oauth-authorization-server"), Method::Get,
                   [this] { return discovery(); });
}

DemoIdp::~DemoIdp() = default;

void DemoIdp::setClient(const QByteArray &id, const QByteArray &secret) {
    m_clientId = id;
    m_clientSecret = secret;
}

bool DemoIdp::start(quint16 port, QString *error) {
    m_port = m_server.listen(QHostAddress::LocalHost, port);
    if (m_port == 0 && error)
        *error = QStringLiteral("demo IdP cannot listen on 127.0.0.1:%1").arg(port);
    return m_port != 0;
}

QString DemoIdp::issuer() const {
    return QStringLiteral("http://127.0.0.1:%1").arg(m_port);
}

QString DemoIdp::introspectionUrl() const {
    return issuer() + QStringLiteral("/introspect");
}

bool DemoIdp::authenticateClient(const QHttpServerRequest &request) const {
    QByteArray id;
    QByteArray secret;
    const QByteArray authorization = header(request, "Authorization");
    if (!authorization.isEmpty()) {
        if (!parseBasicAuthorization(authorization, &id, &secret))
            return false;
    } else {
        const FormFields form = parseForm(request.body());
        id = formValue(form, "client_id");
        secret = formValue(form, "client_secret");
    }
    return sameSecret(id, m_clientId) && sameSecret(secret, m_clientSecret);
}

QByteArray DemoIdp::issue(Grant grant) {
    if (m_grants.size() >= MaxGrants)
        dropExpired();
    if (m_grants.size() >= MaxGrants)
        m_grants.erase(m_grants.begin()); // memory stays bounded however long the demo runs
    const QByteArray token = randomToken(32);
    m_grants.insert(tokenKey(token), std::move(grant));
    return token;
}

void DemoIdp::dropExpired() {
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    m_grants.removeIf([now](const auto &it) { return it.value().expiresAt <= now; });
}

QByteArray DemoIdp::mint(const QString &subject, const QString &scope, int lifetimeSecs) {
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    return issue({subject, QString::fromLatin1(m_clientId), scope, now, now + lifetimeSecs});
}

void DemoIdp::revoke(const QByteArray &token) {
    m_grants.remove(tokenKey(token));
}

QHttpServerResponse DemoIdp::token(const QHttpServerRequest &request) {
    if (!authenticateClient(request))
        return oauthError("invalid_client", QHttpServerResponse::StatusCode::Unauthorized);
    const FormFields form = parseForm(request.body());
    if (formValue(form, "grant_type") != "client_credentials")
        return oauthError("unsupported_grant_type", QHttpServerResponse::StatusCode::BadRequest);
    const QString scope = QString::fromUtf8(formValue(form, "scope"));
    const int lifetime = 3600;
    const QByteArray token = mint(QString::fromLatin1(m_clientId), scope, lifetime);
    QJsonObject answer{{QStringLiteral("access_token"), QString::fromLatin1(token)},
                       {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                       {QStringLiteral("expires_in"), lifetime}};
    if (!scope.isEmpty())
        answer.insert(QStringLiteral("scope"), scope);
    return QHttpServerResponse(answer);
}

QHttpServerResponse DemoIdp::mintEndpoint(const QHttpServerRequest &request) {
    if (!authenticateClient(request))
        return oauthError("invalid_client", QHttpServerResponse::StatusCode::Unauthorized);
    const FormFields form = parseForm(request.body());
    const QString subject = QString::fromUtf8(formValue(form, "sub"));
    bool ok = true;
    const QByteArray lifetimeText = formValue(form, "expires_in");
    const int lifetime = lifetimeText.isEmpty() ? 3600 : lifetimeText.toInt(&ok);
    if (subject.isEmpty() || !ok || lifetime < -86400 || lifetime > 30 * 86400)
        return oauthError("invalid_request", QHttpServerResponse::StatusCode::BadRequest);
    const QByteArray token = mint(subject, QString::fromUtf8(formValue(form, "scope")), lifetime);
    return QHttpServerResponse(
        QJsonObject{{QStringLiteral("access_token"), QString::fromLatin1(token)},
                    {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                    {QStringLiteral("expires_in"), lifetime}});
}

QHttpServerResponse DemoIdp::introspect(const QHttpServerRequest &request) {
    ++m_introspections;
    if (!authenticateClient(request))
        return oauthError("invalid_client", QHttpServerResponse::StatusCode::Unauthorized);
    const QByteArray token = formValue(parseForm(request.body()), "token");
    const auto it = m_grants.constFind(tokenKey(token));
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    if (token.isEmpty() || it == m_grants.constEnd() || it->expiresAt <= now)
        return QHttpServerResponse(QJsonObject{{QStringLiteral("active"), false}});
    QJsonObject answer{{QStringLiteral("active"), true},
                       {QStringLiteral("sub"), it->subject},
                       {QStringLiteral("client_id"), it->clientId},
                       {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                       {QStringLiteral("iss"), issuer()},
                       {QStringLiteral("iat"), double(it->issuedAt)},
                       {QStringLiteral("exp"), double(it->expiresAt)}};
    if (!it->scope.isEmpty())
        answer.insert(QStringLiteral("scope"), it->scope);
    return QHttpServerResponse(answer);
}

QHttpServerResponse DemoIdp::revokeEndpoint(const QHttpServerRequest &request) {
    if (!authenticateClient(request))
        return oauthError("invalid_client", QHttpServerResponse::StatusCode::Unauthorized);
    // RFC 7009 section 2.2: unknown tokens are answered 200 as well.
    revoke(formValue(parseForm(request.body()), "token"));
    return QHttpServerResponse(QHttpServerResponse::StatusCode::Ok);
}

QHttpServerResponse DemoIdp::discovery() const {
    const QString base = issuer();
    const QJsonArray authMethods{QStringLiteral("client_secret_basic"),
                                 QStringLiteral("client_secret_post")};
    return QHttpServerResponse(QJsonObject{
        {QStringLiteral("issuer"), QJsonValue(base)},
        {QStringLiteral("token_endpoint"), QString(base + QStringLiteral("/token"))},
        {QStringLiteral("introspection_endpoint"), QString(base + QStringLiteral("/introspect"))},
        {QStringLiteral("revocation_endpoint"), QString(base + QStringLiteral("/revoke"))},
        {QStringLiteral("grant_types_supported"), QJsonArray{QStringLiteral("client_credentials")}},
        {QStringLiteral("token_endpoint_auth_methods_supported"), authMethods},
        {QStringLiteral("introspection_endpoint_auth_methods_supported"), authMethods},
        {QStringLiteral("revocation_endpoint_auth_methods_supported"), authMethods},
    });
}

} // namespace Tokengate
