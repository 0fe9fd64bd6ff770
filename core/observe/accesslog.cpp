// SPDX-License-Identifier: Apache-2.0
#include "core/observe/accesslog.h"

#include "core/observe/targetredactor.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace Tokengate {

AccessLog::AccessLog(QObject *parent)
    : QObject(parent) {}

bool AccessLog::open(const QString &target, QString *error) {
    const bool ok = target == u"stdout" ? m_file.open(stdout, QIODevice::WriteOnly)
                                        : (m_file.setFileName(target),
                                           m_file.open(QIODevice::WriteOnly | QIODevice::Append));
    if (!ok && error)
        *error = QStringLiteral("access log \"%1\": %2").arg(target, m_file.errorString());
    return ok;
}

void AccessLog::write(const RequestEvent &event) {
    m_file.write(formatLine(event));
    m_file.flush();
}

QByteArray AccessLog::redactTarget(const QByteArray &target) {
    // The gateway publishes targets redacted already (with its routes' parameters too);
    // this catches access_token in events from anywhere else.
    static const TargetRedactor redactor;
    return redactor.redact(target);
}

QByteArray AccessLog::formatLine(const RequestEvent &e) {
    QJsonObject o{
        {QStringLiteral("time"), e.start.toString(Qt::ISODateWithMs)},
        {QStringLiteral("peer"), e.peer},
        {QStringLiteral("method"), QString::fromLatin1(e.method)},
        {QStringLiteral("target"), QString::fromLatin1(redactTarget(e.target))},
        {QStringLiteral("status"), e.status},
        {QStringLiteral("reason"), QLatin1StringView(reasonId(e.reason))},
        {QStringLiteral("request_bytes"), double(e.requestBodyBytes)},
        {QStringLiteral("response_bytes"), double(e.responseBodyBytes)},
        {QStringLiteral("duration_ms"), double(e.durationUs) / 1000.0},
        {QStringLiteral("worker"), e.worker},
    };
    if (e.upstreamUs >= 0)
        o.insert(QStringLiteral("upstream_ms"), double(e.upstreamUs) / 1000.0);
    if (e.idpUs >= 0)
        o.insert(QStringLiteral("idp_ms"), double(e.idpUs) / 1000.0);
    if (e.cache != CacheOutcome::None)
        o.insert(QStringLiteral("cache"), QLatin1StringView(cacheOutcomeId(e.cache)));
    if (!e.tokenFingerprint.isEmpty())
        o.insert(QStringLiteral("token_fp"), QString::fromLatin1(e.tokenFingerprint));
    if (!e.subject.isEmpty())
        o.insert(QStringLiteral("sub"), e.subject);
    if (!e.clientId.isEmpty())
        o.insert(QStringLiteral("client_id"), e.clientId);
    if (!e.requestId.isEmpty())
        o.insert(QStringLiteral("request_id"), QString::fromLatin1(e.requestId));
    if (!e.route.isEmpty())
        o.insert(QStringLiteral("route"), QString::fromLatin1(e.route));
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace Tokengate
