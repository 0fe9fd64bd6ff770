// SPDX-License-Identifier: Apache-2.0
#include "core/observe/accesslog.h"

#include "core/observe/jsonline.h"
#include "core/observe/targetredactor.h"

namespace Tokengate {

bool AccessLog::open(const QString &target, QString *error) {
    return m_writer.open(target, error);
}

void AccessLog::write(const RequestEvent &event) {
    // Reused per thread: a line costs no allocation once the buffer has grown.
    thread_local QByteArray line;
    line.resize(0);
    appendLine(line, event);
    m_writer.append(line);
}

QByteArray AccessLog::redactTarget(const QByteArray &target) {
    // The gateway publishes targets redacted already (with its routes' parameters too);
    // this catches access_token in events from anywhere else.
    static const TargetRedactor redactor;
    return redactor.redact(target);
}

QByteArray AccessLog::formatLine(const RequestEvent &event) {
    QByteArray line;
    appendLine(line, event);
    return line;
}

void AccessLog::appendLine(QByteArray &out, const RequestEvent &e) {
    JsonLine o(out);
    o.utcTime("time", e.start.toMSecsSinceEpoch());
    o.text("peer", e.peer);
    o.latin1("method", e.method);
    o.latin1("target", redactTarget(e.target));
    o.number("status", e.status);
    o.latin1("reason", reasonId(e.reason));
    o.number("request_bytes", e.requestBodyBytes);
    o.number("response_bytes", e.responseBodyBytes);
    o.millis("duration_ms", e.durationUs);
    o.number("worker", e.worker);
    if (e.upstreamUs >= 0)
        o.millis("upstream_ms", e.upstreamUs);
    if (e.idpUs >= 0)
        o.millis("idp_ms", e.idpUs);
    if (e.cache != CacheOutcome::None)
        o.latin1("cache", cacheOutcomeId(e.cache));
    if (!e.tokenFingerprint.isEmpty())
        o.latin1("token_fp", e.tokenFingerprint);
    if (!e.subject.isEmpty())
        o.text("sub", e.subject);
    if (!e.clientId.isEmpty())
        o.text("client_id", e.clientId);
    if (!e.requestId.isEmpty())
        o.latin1("request_id", e.requestId);
    if (!e.route.isEmpty())
        o.latin1("route", e.route);
    if (!e.tunnelEnd.isEmpty())
        o.latin1("tunnel_closed_by", e.tunnelEnd);
    o.end();
}

} // namespace Tokengate
