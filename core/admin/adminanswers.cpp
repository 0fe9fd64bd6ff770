// SPDX-License-Identifier: Apache-2.0
#include "core/admin/adminanswers.h"

#include "core/base/sha256.h"

#include <QHttpServerRequest>

#include <openssl/crypto.h>

namespace Tokengate {

using Status = QHttpServerResponse::StatusCode;

QHttpServerResponse adminJson(const QJsonObject &body, Status status) {
    QHttpServerResponse r(body, status);
    r.setHeader("Cache-Control", "no-store");
    return r;
}

QHttpServerResponse adminProblem(Status status, const char *error, const QString &description) {
    return adminJson({{QStringLiteral("error"), QLatin1StringView(error)},
                      {QStringLiteral("error_description"), description}},
                     status);
}

std::optional<QHttpServerResponse> refuseWithoutAdminToken(const QHttpServerRequest &request,
                                                           const QString &configured,
                                                           const QString &what) {
    if (configured.isEmpty())
        return adminProblem(Status::Forbidden, "access_denied",
                            what + QStringLiteral(" need admin.token in the configuration"));
    const QByteArray authorization = request.value("Authorization");
    const QByteArray given = authorization.toLower().startsWith("bearer ")
                                 ? authorization.mid(7).trimmed()
                                 : QByteArray();
    // Compared as hashes, in constant time: neither length nor prefix leaks.
    const QByteArray a = sha256(given);
    const QByteArray b = sha256(configured.toUtf8());
    if (!given.isEmpty() && CRYPTO_memcmp(a.constData(), b.constData(), size_t(a.size())) == 0)
        return std::nullopt;
    QHttpServerResponse r =
        adminProblem(Status::Unauthorized, "invalid_token",
                     QStringLiteral("send the admin token: Authorization: Bearer <admin.token>"));
    r.setHeader("WWW-Authenticate", "Bearer realm=\"tokengate-admin\"");
    return r;
}

} // namespace Tokengate
