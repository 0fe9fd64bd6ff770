// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHttpServerResponse>
#include <QJsonObject>

#include <optional>

class QHttpServerRequest;

namespace Tokengate {

// Answers of the admin listener's JSON calls: never cached by anyone in between.
QHttpServerResponse adminJson(const QJsonObject &body, QHttpServerResponse::StatusCode status);
// An RFC 6749-style error object: {"error": ..., "error_description": ...}.
QHttpServerResponse adminProblem(QHttpServerResponse::StatusCode status, const char *error,
                                 const QString &description);

// Nothing when `request` carries `configured` (admin.token) as its Bearer token; else the
// refusal to send: 403 when no admin.token is configured (`what` names the calls that need
// it), 401 with a WWW-Authenticate challenge when the token is missing or wrong.
std::optional<QHttpServerResponse> refuseWithoutAdminToken(const QHttpServerRequest &request,
                                                           const QString &configured,
                                                           const QString &what);

} // namespace Tokengate
