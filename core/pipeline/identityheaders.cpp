// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/identityheaders.h"

#include "core/auth/routepolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

#include <algorithm>

namespace Tokengate {

QList<QByteArray> IdentityHeaders::apply(const QList<Mapping> &mappings,
                                         const IntrospectionResult *identity, HeaderMap &headers) {
    QList<QByteArray> set;
    for (const Mapping &m : mappings)
        headers.removeAll(m.header);
    if (!identity)
        return set;
    for (const Mapping &m : mappings) {
        const QByteArray value = headerValue(claimValue(identity->claims, m.claim));
        if (value.isEmpty())
            continue;
        headers.append(m.header, value);
        set << m.header;
    }
    return set;
}

QByteArray IdentityHeaders::headerValue(const QJsonValue &claim) {
    QByteArray value;
    switch (claim.type()) {
    case QJsonValue::String:
        value = claim.toString().toUtf8();
        break;
    case QJsonValue::Bool:
        value = claim.toBool() ? "true" : "false";
        break;
    case QJsonValue::Double:
        value = QJsonDocument(QJsonArray{claim}).toJson(QJsonDocument::Compact);
        value = value.mid(1, value.size() - 2);
        break;
    case QJsonValue::Array: {
        const QJsonArray array = claim.toArray();
        const bool allStrings = std::all_of(array.begin(), array.end(),
                                            [](const QJsonValue &v) { return v.isString(); });
        if (allStrings) {
            for (const QJsonValue &v : array) {
                if (!value.isEmpty())
                    value += ", ";
                value += v.toString().toUtf8();
            }
        } else {
            value = QJsonDocument(array).toJson(QJsonDocument::Compact);
        }
        break;
    }
    case QJsonValue::Object:
        value = QJsonDocument(claim.toObject()).toJson(QJsonDocument::Compact);
        break;
    default:
        return {};
    }
    const bool safe = std::none_of(value.cbegin(), value.cend(), [](char c) {
        return (uchar(c) < 0x20 && c != '\t') || c == 0x7f;
    });
    return safe ? value.trimmed() : QByteArray();
}

bool IdentityHeaders::isWellFormedRequestId(QByteArrayView id) {
    return !id.isEmpty() && id.size() <= 128 && std::all_of(id.cbegin(), id.cend(), [](char c) {
        return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != '\\';
    });
}

QByteArray IdentityHeaders::newRequestId() {
    quint64 bits[2];
    QRandomGenerator::global()->fillRange(bits);
    return QByteArray(reinterpret_cast<const char *>(bits), sizeof bits).toHex();
}

QByteArray IdentityHeaders::ensureRequestId(QByteArrayView header, HeaderMap &headers) {
    if (headers.count(header) == 1) {
        const QByteArrayView sent = headers.find(header);
        if (isWellFormedRequestId(sent))
            return sent.toByteArray();
    }
    QByteArray id = newRequestId();
    headers.set(header, id);
    return id;
}

bool IdentityHeaders::isValidHeaderName(QStringView name) {
    static const QByteArray tchar = "!#$%&'*+-.^_`|~";
    return !name.isEmpty() && std::all_of(name.cbegin(), name.cend(), [](QChar c) {
        return c.unicode() < 0x80 && (c.isLetterOrNumber() || tchar.contains(char(c.unicode())));
    });
}

} // namespace Tokengate
