// SPDX-License-Identifier: Apache-2.0
#include "core/auth/tokenextractor.h"

#include "core/auth/bearertoken.h"
#include "core/auth/formencoding.h"

#include <algorithm>

namespace Tokengate {

namespace {

// Calls fn(part) for each `separator`-separated part, empty ones included.
template<typename Fn> void forEachPart(QByteArrayView text, char separator, Fn fn) {
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype end = text.indexOf(separator, start);
        if (end < 0)
            end = text.size();
        fn(text.sliced(start, end - start));
        start = end + 1;
    }
}

// Visible ASCII without separators that could change its meaning once forwarded.
bool isPlausibleToken(QByteArrayView token) {
    if (token.isEmpty() || token.size() > 16384)
        return false;
    return std::all_of(token.cbegin(), token.cend(), [](char c) {
        return c > 0x20 && c < 0x7f && c != ',' && c != ';' && c != '"' && c != '\\';
    });
}

QByteArray queryToken(QByteArrayView target, QByteArrayView name) {
    const qsizetype q = target.indexOf('?');
    if (q < 0)
        return {};
    QByteArray found;
    int count = 0;
    const QByteArrayView query = target.sliced(q + 1);
    forEachPart(query, '&', [&](QByteArrayView pair) {
        const qsizetype eq = pair.indexOf('=');
        if (pair.first(eq < 0 ? pair.size() : eq) != name)
            return;
        ++count;
        found = eq < 0 ? QByteArray() : formDecode(pair.sliced(eq + 1));
    });
    return count == 1 && isPlausibleToken(found) ? found : QByteArray();
}

// Calls fn(name, value) for every cookie pair of every Cookie field (RFC 6265 5.4).
template<typename Fn> void forEachCookie(const HeaderMap &headers, Fn fn) {
    for (const HeaderField &f : headers.fields()) {
        if (!HeaderMap::sameName(f.name, "Cookie"))
            continue;
        forEachPart(f.value, ';', [&](QByteArrayView pair) {
            pair = pair.trimmed();
            const qsizetype eq = pair.indexOf('=');
            if (eq > 0)
                fn(pair.first(eq).trimmed(), pair.sliced(eq + 1).trimmed());
        });
    }
}

QByteArray cookieToken(const HeaderMap &headers, QByteArrayView name) {
    QByteArrayView found;
    int count = 0;
    forEachCookie(headers, [&](QByteArrayView n, QByteArrayView v) {
        if (n == name) {
            found = v;
            ++count;
        }
    });
    if (found.size() >= 2 && found.front() == '"' && found.back() == '"')
        found = found.sliced(1, found.size() - 2);
    return count == 1 && isPlausibleToken(found) ? found.toByteArray() : QByteArray();
}

QByteArray headerToken(const HeaderMap &headers, QByteArrayView name) {
    if (headers.count(name) != 1)
        return {};
    const QByteArrayView value = headers.find(name).trimmed();
    return isPlausibleToken(value) ? value.toByteArray() : QByteArray();
}

bool isBearerField(QByteArrayView value) {
    value = value.trimmed();
    return value.size() >= 6 && value.first(6).compare("Bearer", Qt::CaseInsensitive) == 0 &&
           (value.size() == 6 || value[6] == ' ');
}

void stripQuery(QByteArray &target, QByteArrayView name) {
    const qsizetype q = target.indexOf('?');
    if (q < 0)
        return;
    QByteArray kept;
    bool removed = false;
    forEachPart(QByteArrayView(target).sliced(q + 1), '&', [&](QByteArrayView pair) {
        const qsizetype eq = pair.indexOf('=');
        if (pair.first(eq < 0 ? pair.size() : eq) == name) {
            removed = true;
            return;
        }
        if (!kept.isEmpty())
            kept += '&';
        kept += pair;
    });
    if (!removed)
        return;
    target.truncate(q);
    if (!kept.isEmpty())
        target += '?' + kept;
}

void stripCookie(HeaderMap &headers, QByteArrayView name) {
    bool found = false;
    forEachCookie(headers, [&](QByteArrayView n, QByteArrayView) { found |= n == name; });
    if (!found)
        return;
    QByteArray kept;
    forEachCookie(headers, [&](QByteArrayView n, QByteArrayView v) {
        if (n == name)
            return;
        if (!kept.isEmpty())
            kept += "; ";
        kept += n.toByteArray() + '=' + v.toByteArray();
    });
    if (kept.isEmpty())
        headers.removeAll("Cookie");
    else
        headers.set("Cookie", kept);
}

} // namespace

const QList<TokenSource> &TokenExtractor::defaultSources() {
    static const QList<TokenSource> sources{TokenSource{}};
    return sources;
}

TokenExtractor::Found TokenExtractor::find(const QList<TokenSource> &sources,
                                           const RequestHead &head) {
    const QList<TokenSource> &list = sources.isEmpty() ? defaultSources() : sources;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const TokenSource &s = list[i];
        const QByteArray name = s.name.toLatin1();
        QByteArray token;
        switch (s.kind) {
        case TokenSource::Kind::BearerHeader:
            token = bearerToken(head.headers);
            break;
        case TokenSource::Kind::Query:
            token = queryToken(head.target, name.isEmpty() ? "access_token" : name);
            break;
        case TokenSource::Kind::Header:
            token = headerToken(head.headers, name);
            break;
        case TokenSource::Kind::Cookie:
            token = cookieToken(head.headers, name);
            break;
        }
        if (!token.isEmpty())
            return {token, int(i)};
    }
    return {};
}

void TokenExtractor::strip(const QList<TokenSource> &sources, RequestHead &head) {
    for (const TokenSource &s : sources.isEmpty() ? defaultSources() : sources) {
        const QByteArray name = s.name.toLatin1();
        switch (s.kind) {
        case TokenSource::Kind::BearerHeader:
            head.headers.removeIf([](const HeaderField &f) {
                return HeaderMap::sameName(f.name, "Authorization") && isBearerField(f.value);
            });
            break;
        case TokenSource::Kind::Query:
            stripQuery(head.target, name.isEmpty() ? "access_token" : name);
            break;
        case TokenSource::Kind::Header:
            head.headers.removeAll(name);
            break;
        case TokenSource::Kind::Cookie:
            stripCookie(head.headers, name);
            break;
        }
    }
}

QString TokenExtractor::describe(const TokenSource &source) {
    switch (source.kind) {
    case TokenSource::Kind::BearerHeader:
        return QStringLiteral("Bearer header");
    case TokenSource::Kind::Query:
        return QStringLiteral("query parameter ") +
               (source.name.isEmpty() ? QStringLiteral("access_token") : source.name);
    case TokenSource::Kind::Header:
        return QStringLiteral("header ") + source.name;
    case TokenSource::Kind::Cookie:
        return QStringLiteral("cookie ") + source.name;
    }
    return {};
}

} // namespace Tokengate
