// SPDX-License-Identifier: Apache-2.0
#include "core/http/refusal.h"

#include "core/http/statusphrase.h"

namespace Tokengate {

Refusal refusalFor(Reason reason, QByteArrayView detail, QByteArrayView challengeParams) {
    const ReasonInfo &info = reasonInfo(reason);
    Refusal r;
    r.status = info.status;
    if (info.body == ReasonBody::Verbatim) {
        r.body = info.text;
    } else {
        r.body = detail.isEmpty() ? QByteArray(info.text) : detail.toByteArray();
        r.body.append(" (");
        r.body.append(info.id);
        r.body.append(")\n");
    }
    if (info.challenge[0]) {
        r.challenge = info.challenge;
        r.challenge.append(challengeParams);
    }
    return r;
}

QByteArray refusalBytes(Reason reason) {
    const Refusal r = refusalFor(reason);
    QByteArray out = QByteArrayLiteral("HTTP/1.1 ");
    out.append(QByteArray::number(r.status)).append(' ').append(statusPhrase(r.status));
    out.append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
    out.append(QByteArray::number(r.body.size())).append("\r\n");
    if (!r.challenge.isEmpty())
        out.append("WWW-Authenticate: ").append(r.challenge).append("\r\n");
    return out.append("Connection: close\r\n\r\n").append(r.body);
}

} // namespace Tokengate
