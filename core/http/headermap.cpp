// SPDX-License-Identifier: Apache-2.0
#include "core/http/headermap.h"

#include <cstring>

namespace Tokengate {

namespace {

char *put(char *p, QByteArrayView bytes) {
    if (!bytes.isEmpty()) // a null view has no pointer memcpy may take
        std::memcpy(p, bytes.data(), size_t(bytes.size()));
    return p + bytes.size();
}

} // namespace

HeaderMap::HeaderMap(QByteArray block, QList<HeaderField> fields)
    : m_fields(std::move(fields))
    , m_block(std::move(block)) {}

QByteArrayView HeaderMap::keep(QByteArray bytes) {
    m_owned.append(std::move(bytes));
    return m_owned.constLast();
}

void HeaderMap::append(QByteArray name, QByteArray value) {
    const QByteArrayView n = keep(std::move(name));
    m_fields.append({n, keep(std::move(value))});
}

void HeaderMap::set(QByteArrayView name, QByteArray value) {
    qsizetype at = -1;
    for (qsizetype i = 0; i < m_fields.size();) {
        if (sameName(m_fields[i].name, name)) {
            if (at < 0) {
                at = i++;
                continue;
            }
            m_fields.removeAt(i);
        } else {
            ++i;
        }
    }
    if (at >= 0)
        m_fields[at].value = keep(std::move(value));
    else
        append(name.toByteArray(), std::move(value));
}

qsizetype HeaderMap::removeAll(QByteArrayView name) {
    return m_fields.removeIf([&](const HeaderField &f) { return sameName(f.name, name); });
}

void HeaderMap::clear() {
    m_fields.clear();
    m_block.clear();
    m_owned.clear();
}

bool HeaderMap::contains(QByteArrayView name) const {
    return !find(name).isNull();
}

qsizetype HeaderMap::count(QByteArrayView name) const {
    qsizetype n = 0;
    for (const auto &f : m_fields) {
        if (sameName(f.name, name))
            ++n;
    }
    return n;
}

QByteArrayView HeaderMap::find(QByteArrayView name) const {
    for (const auto &f : m_fields) {
        if (sameName(f.name, name))
            return f.value.isNull() ? QByteArrayView("") : f.value;
    }
    return {};
}

QByteArray HeaderMap::value(QByteArrayView name) const {
    return find(name).toByteArray();
}

QList<QByteArray> HeaderMap::values(QByteArrayView name) const {
    QList<QByteArray> out;
    for (const auto &f : m_fields) {
        if (sameName(f.name, name))
            out.append(f.value.toByteArray());
    }
    return out;
}

bool HeaderMap::hasToken(QByteArrayView name, QByteArrayView token) const {
    for (const auto &f : m_fields) {
        if (sameName(f.name, name) &&
            anyToken(f.value, [&](QByteArrayView element) { return sameName(element, token); }))
            return true;
    }
    return false;
}

qsizetype HeaderMap::serializedSize() const {
    qsizetype n = 0;
    for (const auto &f : m_fields)
        n += f.name.size() + f.value.size() + 4;
    return n;
}

void HeaderMap::serializeTo(QByteArray &out) const {
    // One resize and plain copies: QByteArray::append per piece costs more than the bytes.
    qsizetype at = out.size();
    out.resize(at + serializedSize());
    char *p = out.data() + at;
    for (const auto &f : m_fields) {
        p = put(p, f.name);
        p = put(p, ": ");
        p = put(p, f.value);
        p = put(p, "\r\n");
    }
}

QList<QByteArrayView> splitTokenList(QByteArrayView value) {
    QList<QByteArrayView> out;
    anyToken(value, [&](QByteArrayView element) {
        out.append(element);
        return false;
    });
    return out;
}

} // namespace Tokengate
