// SPDX-License-Identifier: Apache-2.0
#include "core/admin/revocationapi.h"

#include "core/admin/adminanswers.h"

#include "core/auth/bearertoken.h"
#include "core/auth/jwks.h"
#include "core/auth/jwt.h"
#include "core/base/formencoding.h"
#include "core/base/sha256.h"
#include "core/observe/logging.h"
#include "core/service/gatewayservice.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Tokengate {

namespace {

using Status = QHttpServerResponse::StatusCode;

QString isoTime(qint64 secs) {
    return QDateTime::fromSecsSinceEpoch(secs, Qt::UTC).toString(Qt::ISODate);
}

using Fields = RevocationApi::Fields;
using Target = RevocationApi::Target;

Fields readFields(const QHttpServerRequest &request) {
    Fields f;
    const QByteArray type = request.value("Content-Type").split(';').first().trimmed().toLower();
    if (type == "application/json") {
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body(), &parseError);
        if (!doc.isObject()) {
            f.error = QStringLiteral("the body is not a JSON object");
            return f;
        }
        const QJsonObject o = doc.object();
        for (auto it = o.begin(); it != o.end(); ++it)
            f.values.insert(it.key(), it.value());
    } else if (type == "application/x-www-form-urlencoded") {
        for (const auto &[name, value] : parseForm(request.body())) {
            const QString key = QString::fromUtf8(name);
            if (f.values.contains(key)) {
                f.error = QStringLiteral("the field %1 is repeated").arg(loggable(key, 40));
                return f;
            }
            bool number = false;
            const qint64 n = value.toLongLong(&number);
            f.values.insert(key, number && key != u"token" && key != u"jti" && key != u"sub"
                                     ? QJsonValue(double(n))
                                     : QJsonValue(QString::fromUtf8(value)));
        }
    } else {
        f.error = QStringLiteral("send application/json or application/x-www-form-urlencoded");
    }
    return f;
}

Target readTarget(const Fields &fields) {
    Target t;
    int named = 0;
    for (const auto kind :
         {RevocationList::Kind::Token, RevocationList::Kind::Jti, RevocationList::Kind::Subject}) {
        const auto field = fields.values.constFind(RevocationList::kindName(kind));
        if (field == fields.values.cend())
            continue;
        const QJsonValue &v = *field;
        ++named;
        if (!v.isString() || v.toString().isEmpty()) {
            t.error =
                RevocationList::kindName(kind) + QStringLiteral(" must be a non-empty string");
            return t;
        }
        t.kind = kind;
        t.value = v.toString();
    }
    if (named == 1 && t.kind == RevocationList::Kind::Token && !isB64Token(t.value.toUtf8())) {
        // A pasted "Bearer ..." or a "+" a form decoded to a space would revoke some other
        // value's hash and leave the real token working.
        t.error = QStringLiteral("token must be the token alone (RFC 6750 characters: letters, "
                                 "digits, -._~+/ and trailing =)");
        return t;
    }
    if (named != 1)
        t.error = QStringLiteral("name exactly one of token, jti and sub");
    return t;
}

// The JWT's exp, read without verifying it: it only bounds how long the refusal lasts, and
// only an operator holding admin.token can send it.
std::optional<qint64> unverifiedExp(const QString &token) {
    const QList<QStringView> parts = QStringView(token).split(u'.');
    if (parts.size() != 3)
        return std::nullopt;
    const auto payload = Jwt::fromBase64Url(parts[1].toLatin1());
    if (!payload)
        return std::nullopt;
    const QJsonValue exp = QJsonDocument::fromJson(*payload).object().value(u"exp");
    return exp.isDouble() ? wholeNumber(exp.toDouble()) : std::nullopt;
}

QByteArray entryKey(const Target &t) {
    return t.kind == RevocationList::Kind::Token ? sha256(t.value.toUtf8()) : t.value.toUtf8();
}

QJsonObject describe(const RevocationList::Entry &e) {
    QJsonObject o{{QStringLiteral("kind"), RevocationList::kindName(e.kind)},
                  {QStringLiteral("revoked_at"), isoTime(e.revokedAtSecs)},
                  {QStringLiteral("until"), isoTime(e.untilSecs)}};
    if (e.kind == RevocationList::Kind::Token)
        o.insert(QStringLiteral("fingerprint"), QString::fromLatin1(fingerprintOfDigest(e.key)));
    else
        o.insert(RevocationList::kindName(e.kind), QString::fromUtf8(e.key));
    return o;
}

// What logs may say about the target: never the token.
QString logged(const Target &t, const QByteArray &key) {
    if (t.kind == RevocationList::Kind::Token)
        return QStringLiteral("token fp=") + QString::fromLatin1(fingerprintOfDigest(key));
    return RevocationList::kindName(t.kind) + u'=' + loggable(t.value, 80);
}

} // namespace

RevocationApi::RevocationApi(const GatewayService &service)
    : m_service(service) {}

QHttpServerResponse RevocationApi::handle(const QHttpServerRequest &request) const {
    if (auto refusal = refuseWithoutAdminToken(request, m_service.config().admin.token,
                                               QStringLiteral("revocation calls")))
        return std::move(*refusal);
    if (request.method() == QHttpServerRequest::Method::Get)
        return list();
    const Fields fields = readFields(request);
    if (!fields.error.isEmpty())
        return adminProblem(Status::BadRequest, "invalid_request", fields.error);
    const Target target = readTarget(fields);
    if (!target.error.isEmpty())
        return adminProblem(Status::BadRequest, "invalid_request", target.error);
    return request.method() == QHttpServerRequest::Method::Post ? revoke(fields, target)
                                                                : unrevoke(target);
}

QHttpServerResponse RevocationApi::revoke(const Fields &fields, const Target &target) const {
    const qint64 now = m_service.clock().nowSecs();
    RevocationList::Entry entry{target.kind, entryKey(target), now, now + DefaultLifetimeSecs};
    if (fields.values.contains(QStringLiteral("expires_in"))) {
        const QJsonValue expiresIn = fields.values.value(QStringLiteral("expires_in"));
        const auto secs = expiresIn.isDouble() ? wholeNumber(expiresIn.toDouble()) : std::nullopt;
        if (!secs || *secs < 1 || *secs > RevocationList::MaxLifetimeSecs)
            return adminProblem(
                Status::BadRequest, "invalid_request",
                QStringLiteral("expires_in must be a whole number of seconds from 1 "
                               "to %1")
                    .arg(RevocationList::MaxLifetimeSecs));
        entry.untilSecs = now + *secs;
    } else if (target.kind == RevocationList::Kind::Token) {
        // Clamped first: exp is the caller's number, and may be near the end of qint64.
        const qint64 latest = now + RevocationList::MaxLifetimeSecs;
        if (const auto exp = unverifiedExp(target.value); exp && *exp >= now - ExpMarginSecs)
            entry.untilSecs = std::min(*exp, latest - ExpMarginSecs) + ExpMarginSecs;
    }
    QString why;
    if (!m_service.revocations().add(entry, now, &why))
        return adminProblem(why.contains(u"full") ? Status::InsufficientStorage
                                                  : Status::BadRequest,
                            "invalid_request", why);
    // The list refuses cached answers too; evicting them spares the cache entries nobody
    // may use any more (in every instance sharing the Redis tier).
    qsizetype evicted = 0;
    if (IntrospectionCache *cache = m_service.cache()) {
        if (target.kind == RevocationList::Kind::Token)
            evicted = cache->evictFingerprint(fingerprintOfDigest(entry.key));
        else if (target.kind == RevocationList::Kind::Subject)
            evicted = cache->evictSubject(target.value);
    }
    qCWarning(lcAuth).noquote() << "revoked at the gateway:" << logged(target, entry.key) << "until"
                                << isoTime(entry.untilSecs);
    QJsonObject body = describe(entry);
    body.insert(QStringLiteral("cache_entries_evicted"), double(evicted));
    return adminJson(body, Status::Created);
}

QHttpServerResponse RevocationApi::unrevoke(const Target &target) const {
    const QByteArray key = entryKey(target);
    if (!m_service.revocations().remove(target.kind, key))
        return adminProblem(Status::NotFound, "not_found",
                            QStringLiteral("nothing revoked by that"));
    qCWarning(lcAuth).noquote() << "revocation taken back:" << logged(target, key);
    return adminJson({{QStringLiteral("removed"), true}}, Status::Ok);
}

QHttpServerResponse RevocationApi::list() const {
    QJsonArray all;
    for (const RevocationList::Entry &e :
         m_service.revocations().entries(m_service.clock().nowSecs()))
        all.append(describe(e));
    return adminJson({{QStringLiteral("revocations"), all}}, Status::Ok);
}

} // namespace Tokengate
