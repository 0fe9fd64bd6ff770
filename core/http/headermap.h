// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Tokengate {

struct HeaderField {
    QByteArray name;
    QByteArray value;
};

// HTTP header fields as received: order, letter case and duplicates are kept because a proxy
// must forward them unchanged; lookups are case-insensitive as RFC 9110 requires.
class HeaderMap {
public:
    void append(QByteArray name, QByteArray value);
    // Replaces every field of that name by one (placed where the first one was, or at the end).
    void set(QByteArrayView name, QByteArray value);
    qsizetype removeAll(QByteArrayView name);

    bool contains(QByteArrayView name) const;
    QByteArray value(QByteArrayView name) const; // first field of that name, or empty
    QList<QByteArray> values(QByteArrayView name) const;
    // True when any field of that name holds `token` in its comma-separated list (Connection,
    // Transfer-Encoding, Expect...), compared case-insensitively.
    bool hasToken(QByteArrayView name, QByteArrayView token) const;

    const QList<HeaderField> &fields() const { return m_fields; }
    qsizetype size() const { return m_fields.size(); }
    bool isEmpty() const { return m_fields.isEmpty(); }
    void clear() { m_fields.clear(); }
    void reserve(qsizetype n) { m_fields.reserve(n); }

    // "Name: value\r\n" for each field, in order.
    void serializeTo(QByteArray &out) const;

    static bool sameName(QByteArrayView a, QByteArrayView b);

private:
    QList<HeaderField> m_fields;
};

// Splits a comma-separated header value into trimmed, non-empty elements.
QList<QByteArrayView> splitTokenList(QByteArrayView value);

} // namespace Tokengate
