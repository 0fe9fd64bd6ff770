// SPDX-License-Identifier: Apache-2.0
#include "core/base/formencoding.h"

namespace Tokengate {

bool isUnreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

QByteArray formEncode(QByteArrayView raw) {
    static constexpr char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(raw.size() * 3);
    for (const char c : raw) {
        if (isUnreserved(c)) {
            out.append(c);
        } else if (c == ' ') {
            out.append('+');
        } else {
            const auto b = static_cast<unsigned char>(c);
            out.append('%');
            out.append(hex[b >> 4]);
            out.append(hex[b & 0xf]);
        }
    }
    return out;
}

QByteArray formDecode(QByteArrayView encoded) {
    QByteArray out;
    out.reserve(encoded.size());
    for (qsizetype i = 0; i < encoded.size(); ++i) {
        const char c = encoded[i];
        if (c == '+') {
            out.append(' ');
        } else if (c == '%' && i + 2 < encoded.size() && hexValue(encoded[i + 1]) >= 0 &&
                   hexValue(encoded[i + 2]) >= 0) {
            out.append(char(hexValue(encoded[i + 1]) * 16 + hexValue(encoded[i + 2])));
            i += 2;
        } else {
            out.append(c); // a stray "%" is kept as is, like browsers do
        }
    }
    return out;
}

FormFields parseForm(QByteArrayView body) {
    FormFields fields;
    qsizetype start = 0;
    while (start <= body.size()) {
        qsizetype end = body.indexOf('&', start);
        if (end < 0)
            end = body.size();
        const QByteArrayView pair = body.sliced(start, end - start);
        if (!pair.isEmpty()) {
            const qsizetype eq = pair.indexOf('=');
            if (eq < 0)
                fields.append({formDecode(pair), QByteArray()});
            else
                fields.append({formDecode(pair.first(eq)), formDecode(pair.sliced(eq + 1))});
        }
        start = end + 1;
    }
    return fields;
}

QByteArray formValue(const FormFields &fields, QByteArrayView name) {
    for (const auto &[key, value] : fields) {
        if (key == name)
            return value;
    }
    return {};
}

QByteArray basicAuthorization(QByteArrayView clientId, QByteArrayView clientSecret) {
    const QByteArray credentials = formEncode(clientId) + ':' + formEncode(clientSecret);
    return "Basic " + credentials.toBase64();
}

bool parseBasicAuthorization(QByteArrayView value, QByteArray *clientId, QByteArray *secret) {
    const qsizetype space = value.indexOf(' ');
    if (space < 0 || value.first(space).compare("Basic", Qt::CaseInsensitive) != 0)
        return false;
    const auto decoded = QByteArray::fromBase64Encoding(
        value.sliced(space + 1).trimmed().toByteArray(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return false;
    const QByteArray &pair = decoded.decoded;
    const qsizetype colon = pair.indexOf(':');
    if (colon < 0)
        return false;
    *clientId = formDecode(QByteArrayView(pair).first(colon));
    *secret = formDecode(QByteArrayView(pair).sliced(colon + 1));
    return true;
}

} // namespace Tokengate
