// SPDX-License-Identifier: Apache-2.0
#include "core/http/headermap.h"

namespace Tokengate {

bool HeaderMap::sameName(QByteArrayView a, QByteArrayView b) {
    return a.size() == b.size() && a.compare(b, Qt::CaseInsensitive) == 0;
}

void HeaderMap::append(QByteArray name, QByteArray value) {
    m_fields.append({std::move(name), std::move(value)});
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
        m_fields[at].value = std::move(value);
    else
        m_fields.append({name.toByteArray(), std::move(value)});
}

qsizetype HeaderMap::removeAll(QByteArrayView name) {
    return m_fields.removeIf([&](const HeaderField &f) { return sameName(f.name, name); });
}

bool HeaderMap::contains(QByteArrayView name) const {
    for (const auto &f : m_fields) {
        if (sameName(f.name, name))
            return true;
    }
    return false;
}

QByteArray HeaderMap::value(QByteArrayView name) const {
    for (const auto &f : m_fields) {
        if (sameName(f.name, name))
            return f.value;
    }
    return {};
}

QList<QByteArray> HeaderMap::values(QByteArrayView name) const {
    QList<QByteArray> out;
    for (const auto &f : m_fields) {
        if (sameName(f.name, name))
            out.append(f.value);
    }
    return out;
}

bool HeaderMap::hasToken(QByteArrayView name, QByteArrayView token) const {
    for (const auto &f : m_fields) {
        if (!sameName(f.name, name))
            continue;
        for (QByteArrayView element : splitTokenList(f.value)) {
            if (sameName(element, token))
                return true;
        }
    }
    return false;
}

void HeaderMap::serializeTo(QByteArray &out) const {
    for (const auto &f : m_fields) {
        out.append(f.name);
        out.append(": ", 2);
        out.append(f.value);
        out.append("\r\n", 2);
    }
}

QList<QByteArrayView> splitTokenList(QByteArrayView value) {
    QList<QByteArrayView> out;
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype comma = value.indexOf(',', start);
        if (comma < 0)
            comma = value.size();
        QByteArrayView element = value.sliced(start, comma - start).trimmed();
        if (!element.isEmpty())
            out.append(element);
        start = comma + 1;
    }
    return out;
}

} // namespace Tokengate
