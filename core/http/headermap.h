// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

namespace Tokengate {

// Views into bytes the HeaderMap that holds them keeps alive (copies of the map included).
struct HeaderField {
    QByteArrayView name;
    QByteArrayView value;
};

// HTTP header fields as received: order, letter case and duplicates are kept because a proxy
// must forward them unchanged; lookups are case-insensitive as RFC 9110 requires.
// A parsed header section is one block of bytes the fields point into, so parsing, copying and
// filtering a map costs no allocation per field.
class HeaderMap {
public:
    HeaderMap() = default;
    // Adopts a parsed header section; every field must point into `block`.
    HeaderMap(QByteArray block, QList<HeaderField> fields);

    void append(QByteArray name, QByteArray value);
    // Replaces every field of that name by one (placed where the first one was, or at the end).
    void set(QByteArrayView name, QByteArray value);
    qsizetype removeAll(QByteArrayView name);
    template<typename Predicate> qsizetype removeIf(Predicate pred) {
        return m_fields.removeIf(pred);
    }

    bool contains(QByteArrayView name) const;
    qsizetype count(QByteArrayView name) const;
    // First field of that name, or a null view; valid while this map lives.
    QByteArrayView find(QByteArrayView name) const;
    QByteArray value(QByteArrayView name) const; // first field of that name, or empty
    QList<QByteArray> values(QByteArrayView name) const;
    // True when any field of that name holds `token` in its comma-separated list (Connection,
    // Transfer-Encoding, Expect...), compared case-insensitively.
    bool hasToken(QByteArrayView name, QByteArrayView token) const;

    const QList<HeaderField> &fields() const { return m_fields; }
    qsizetype size() const { return m_fields.size(); }
    bool isEmpty() const { return m_fields.isEmpty(); }
    void clear();
    void reserve(qsizetype n) { m_fields.reserve(n); }

    // "Name: value\r\n" for each field, in order.
    void serializeTo(QByteArray &out) const;
    // What serializeTo appends.
    qsizetype serializedSize() const;

    static bool sameName(QByteArrayView a, QByteArrayView b) {
        return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
    }
    // sameName with "_" and "-" taken as one letter, as CGI-style servers read field names.
    static bool sameNameFolded(QByteArrayView a, QByteArrayView b) {
        if (a.size() != b.size())
            return false;
        for (qsizetype i = 0; i < a.size(); ++i) {
            const char x = a[i] == '_' ? '-' : a[i];
            const char y = b[i] == '_' ? '-' : b[i];
            if (x != y && ((x | 0x20) != (y | 0x20) || (x | 0x20) < 'a' || (x | 0x20) > 'z'))
                return false;
        }
        return true;
    }

private:
    QByteArrayView keep(QByteArray bytes);

    QList<HeaderField> m_fields;
    QByteArray m_block; // never modified once adopted, so views into it stay valid
    // Bytes of appended fields, one QByteArray each: a heap buffer does not move when the
    // list grows, and none is modified after it is stored.
    QList<QByteArray> m_owned;
};

// Splits a comma-separated header value into trimmed, non-empty elements.
QList<QByteArrayView> splitTokenList(QByteArrayView value);

// Calls fn(element) for each element splitTokenList would return, without a list; stops and
// returns true as soon as fn does.
template<typename Fn> bool anyToken(QByteArrayView value, Fn fn) {
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype comma = value.indexOf(',', start);
        if (comma < 0)
            comma = value.size();
        const QByteArrayView element = value.sliced(start, comma - start).trimmed();
        if (!element.isEmpty() && fn(element))
            return true;
        start = comma + 1;
    }
    return false;
}

} // namespace Tokengate
