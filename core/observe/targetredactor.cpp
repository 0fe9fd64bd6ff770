// SPDX-License-Identifier: Apache-2.0
#include "core/observe/targetredactor.h"

namespace Tokengate {

TargetRedactor::TargetRedactor(const QList<QByteArray> &names)
    : m_names{"access_token"} {
    for (const QByteArray &name : names) {
        if (!m_names.contains(name.toLower()))
            m_names << name.toLower();
    }
}

QByteArray TargetRedactor::redact(const QByteArray &target) const {
    const qsizetype query = target.indexOf('?');
    if (query < 0)
        return target;
    QByteArray out = target.left(query + 1);
    qsizetype start = query + 1;
    while (start <= target.size()) {
        qsizetype end = start;
        while (end < target.size() && target[end] != '&' && target[end] != ';')
            ++end;
        const QByteArrayView pair = QByteArrayView(target).sliced(start, end - start);
        const qsizetype eq = pair.indexOf('=');
        QByteArray name = eq < 0 ? QByteArray() : pair.first(eq).toByteArray();
        name.replace('+', ' ');
        if (eq >= 0 && m_names.contains(QByteArray::fromPercentEncoding(name).toLower())) {
            out += pair.first(eq + 1);
            out += "REDACTED";
        } else {
            out += pair;
        }
        if (end < target.size())
            out += target[end];
        start = end + 1;
    }
    return out;
}

} // namespace Tokengate
