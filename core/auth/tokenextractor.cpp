// SPDX-License-Identifier: Apache-2.0
#include "core/auth/tokenextractor.h"

#include "core/auth/bearertoken.h"
#include "core/base/formencoding.h"

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

// What one source holds: nothing, one well-formed token, or (present, no token) a
// malformed credential.
struct Reading {
    bool present = false;
    QByteArray token;
};

Reading single(int count, QByteArray value) {
    if (count == 0)
        return {};
    return {true, count == 1 && isPlausibleToken(value) ? std::move(value) : QByteArray()};
}

// Upstreams decode parameter names: "access%5Ftoken" is access_token to them.
bool isQueryName(QByteArrayView raw, QByteArrayView name) {
    if (raw == name)
        return true;
    return (raw.contains('%') || raw.contains('+')) && formDecode(raw) == name;
}

QByteArrayView queryName(QByteArrayView pair) {
    const qsizetype eq = pair.indexOf('=');
    return pair.first(eq < 0 ? pair.size() : eq);
}

Reading queryToken(QByteArrayView target, QByteArrayView name) {
    const qsizetype q = target.indexOf('?');
    if (q < 0)
        return {};
    QByteArray found;
    int count = 0;
    forEachPart(target.sliced(q + 1), '&', [&](QByteArrayView pair) {
        if (!isQueryName(queryName(pair), name))
            return;
        ++count;
        const qsizetype eq = pair.indexOf('=');
        found = eq < 0 ? QByteArray() : formDecode(pair.sliced(eq + 1));
    });
    return single(count, std::move(found));
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

Reading cookieToken(const HeaderMap &headers, QByteArrayView name) {
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
    return single(count, found.toByteArray());
}

// Servers such as gunicorn and Puma read "X_Api_Key" as "X-Api-Key".
bool isHeaderName(QByteArrayView a, QByteArrayView b) {
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        const char x = a[i] == '_' ? '-' : a[i];
        const char y = b[i] == '_' ? '-' : b[i];
        if (QChar::toLower(uint(uchar(x))) != QChar::toLower(uint(uchar(y))))
            return false;
    }
    return true;
}

Reading headerToken(const HeaderMap &headers, QByteArrayView name) {
    QByteArrayView value;
    int count = 0;
    for (const HeaderField &f : headers.fields()) {
        if (isHeaderName(f.name, name)) {
            value = f.value;
            ++count;
        }
    }
    return single(count, value.trimmed().toByteArray());
}

// Empty fields count: a client sending "Authorization:" meant some credential.
bool isBearerField(QByteArrayView value) {
    return claimsBearerScheme(value) || value.trimmed().isEmpty();
}

Reading bearerReading(const HeaderMap &headers) {
    int fields = 0;
    bool bearer = false;
    for (const HeaderField &f : headers.fields()) {
        if (HeaderMap::sameName(f.name, "Authorization")) {
            ++fields;
            bearer |= isBearerField(f.value);
        }
    }
    // Another scheme alone (Basic) is not this gateway's credential: no token, kept.
    if (!bearer)
        return {};
    return {true, fields == 1 ? bearerToken(headers) : QByteArray()};
}

void stripQuery(QByteArray &target, QByteArrayView name) {
    const qsizetype q = target.indexOf('?');
    if (q < 0)
        return;
    QByteArray kept;
    bool removed = false;
    forEachPart(QByteArrayView(target).sliced(q + 1), '&', [&](QByteArrayView pair) {
        if (isQueryName(queryName(pair), name)) {
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
    Found found;
    for (qsizetype i = 0; i < list.size(); ++i) {
        const TokenSource &s = list[i];
        const QByteArray name = s.name.toLatin1();
        Reading r;
        switch (s.kind) {
        case TokenSource::Kind::BearerHeader:
            r = bearerReading(head.headers);
            break;
        case TokenSource::Kind::Query:
            r = queryToken(head.target, name.isEmpty() ? "access_token" : name);
            break;
        case TokenSource::Kind::Header:
            r = headerToken(head.headers, name);
            break;
        case TokenSource::Kind::Cookie:
            r = cookieToken(head.headers, name);
            break;
        }
        if (!r.present)
            continue;
        if (r.token.isEmpty())
            return {{}, int(i), true};
        if (found.token.isEmpty())
            found = {std::move(r.token), int(i)};
    }
    return found;
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
            head.headers.removeIf(
                [&name](const HeaderField &f) { return isHeaderName(f.name, name); });
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
