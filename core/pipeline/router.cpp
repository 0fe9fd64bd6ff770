// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/router.h"

#include "core/auth/formencoding.h"

#include <algorithm>
#include <bitset>

namespace Tokengate {

namespace {

bool hasDotSegment(QByteArrayView path) {
    qsizetype start = 0;
    while (start < path.size()) {
        qsizetype end = path.indexOf('/', start);
        if (end < 0)
            end = path.size();
        const QByteArrayView segment = path.sliced(start, end - start);
        if (segment == "." || segment == "..")
            return true;
        start = end + 1;
    }
    return false;
}

bool equalsLower(QByteArrayView host, QByteArrayView lower) {
    return host.size() == lower.size() && host.compare(lower, Qt::CaseInsensitive) == 0;
}

} // namespace

TargetParts splitTarget(QByteArrayView target) {
    TargetParts parts;
    QByteArrayView rest = target;
    if (!target.startsWith('/')) {
        const qsizetype scheme = target.indexOf("://");
        if (scheme >= 0) {
            const qsizetype authorityStart = scheme + 3;
            qsizetype authorityEnd = authorityStart;
            while (authorityEnd < target.size() && target[authorityEnd] != '/' &&
                   target[authorityEnd] != '?')
                ++authorityEnd;
            parts.authority = target.sliced(authorityStart, authorityEnd - authorityStart);
            rest = target.sliced(authorityEnd);
        }
    }
    const qsizetype q = rest.indexOf('?');
    parts.path = q < 0 ? rest : rest.first(q);
    if (q >= 0) {
        parts.query = rest.sliced(q + 1);
        parts.hasQuery = true;
    }
    if (parts.path.isEmpty() && !parts.authority.isNull())
        parts.path = "/";
    return parts;
}

QByteArrayView hostWithoutPort(QByteArrayView authority) {
    authority = authority.trimmed();
    if (authority.startsWith('[')) {
        const qsizetype close = authority.indexOf(']');
        return close < 0 ? authority : authority.first(close + 1);
    }
    const qsizetype colon = authority.lastIndexOf(':');
    return colon < 0 ? authority : authority.first(colon);
}

bool pathForMatching(QByteArrayView raw, QByteArray &out, QByteArrayView &path) {
    path = raw;
    if (raw.contains('%')) {
        out.clear();
        out.reserve(raw.size());
        bool changed = false;
        for (qsizetype i = 0; i < raw.size(); ++i) {
            if (raw[i] == '%' && i + 2 < raw.size()) {
                const int hi = hexValue(raw[i + 1]);
                const int lo = hexValue(raw[i + 2]);
                const char c = char(hi * 16 + lo);
                if (hi >= 0 && lo >= 0 && isUnreserved(c)) {
                    out.append(c);
                    i += 2;
                    changed = true;
                    continue;
                }
            }
            out.append(raw[i]);
        }
        if (changed)
            path = out;
    }
    return !hasDotSegment(path);
}

std::optional<PathGlob> PathGlob::compile(QByteArrayView pattern, QString *error) {
    if (!pattern.startsWith('/') || pattern.size() > MaxLength) {
        if (error)
            *error = QStringLiteral("a path pattern starts with \"/\" and has at most %1 "
                                    "characters")
                         .arg(MaxLength);
        return std::nullopt;
    }
    PathGlob glob;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '*') {
            glob.m_tokens.append({Kind::Literal, pattern[i]});
            continue;
        }
        qsizetype stars = 1;
        while (i + stars < pattern.size() && pattern[i + stars] == '*')
            ++stars;
        if (stars > 2) {
            if (error)
                *error = QStringLiteral("\"***\" in a path pattern: use \"*\" or \"**\"");
            return std::nullopt;
        }
        glob.m_tokens.append({stars == 2 ? Kind::AnyStar : Kind::SegmentStar, '*'});
        i += stars - 1;
    }
    return glob;
}

bool PathGlob::matches(QByteArrayView path) const {
    // A set of positions in the pattern, advanced one path byte at a time: linear in the
    // path whatever the stars, unlike backtracking.
    using States = std::bitset<MaxLength + 1>;
    const qsizetype end = m_tokens.size();
    auto close = [&](States &s) {
        for (qsizetype i = 0; i < end; ++i) {
            if (s[size_t(i)] && m_tokens[i].kind != Kind::Literal)
                s[size_t(i + 1)] = true;
        }
    };
    States states;
    states[0] = true;
    close(states);
    for (const char c : path) {
        States next;
        for (qsizetype i = 0; i < end; ++i) {
            if (!states[size_t(i)])
                continue;
            const Token &t = m_tokens[i];
            if (t.kind == Kind::Literal) {
                if (t.c == c)
                    next[size_t(i + 1)] = true;
            } else if (t.kind == Kind::AnyStar || c != '/') {
                next[size_t(i)] = true;
            }
        }
        close(next);
        if (next.none())
            return false;
        states = next;
    }
    return states[size_t(end)];
}

std::optional<RouteMatcher> RouteMatcher::compile(const RouteConfig &route, QString *error) {
    RouteMatcher m;
    for (const QString &host : route.hosts) {
        const QByteArray h = host.trimmed().toLower().toUtf8();
        if (h.startsWith("*.") && h.size() > 2 && !h.mid(1).contains('*')) {
            m.m_hostSuffixes.append(h.mid(1));
        } else if (!h.isEmpty() && !h.contains('*') && !h.contains('/') && !h.contains(' ') &&
                   (h.startsWith('[') || !h.contains(':'))) {
            m.m_exactHosts.append(h);
        } else {
            if (error)
                *error = QStringLiteral("host \"%1\": expected a name without port, or "
                                        "\"*.\" and a domain")
                             .arg(host);
            return std::nullopt;
        }
    }
    if (!route.pathPrefix.isEmpty() && !route.pathPattern.isEmpty()) {
        if (error)
            *error = QStringLiteral("set either a path prefix or a path pattern, not both");
        return std::nullopt;
    }
    if (!route.pathPrefix.isEmpty()) {
        if (!route.pathPrefix.startsWith(u'/') || route.pathPrefix.contains(u'?') ||
            route.pathPrefix.contains(u' ')) {
            if (error)
                *error = QStringLiteral("path prefix \"%1\" must start with \"/\" and hold no "
                                        "query or space")
                             .arg(route.pathPrefix);
            return std::nullopt;
        }
        // Compared with the decoded form pathForMatching gives the request's path.
        const QByteArray raw = route.pathPrefix.toUtf8();
        QByteArray decoded;
        QByteArrayView prefix;
        pathForMatching(raw, decoded, prefix);
        m.m_prefix = prefix.toByteArray();
    }
    if (!route.pathPattern.isEmpty()) {
        QString why;
        m.m_glob = PathGlob::compile(route.pathPattern.toUtf8(), &why);
        if (!m.m_glob) {
            if (error)
                *error = QStringLiteral("path pattern \"%1\": ").arg(route.pathPattern) + why;
            return std::nullopt;
        }
    }
    for (const QString &method : route.methods) {
        const QByteArray bytes = method.toLatin1();
        const bool isToken =
            !bytes.isEmpty() && std::all_of(bytes.cbegin(), bytes.cend(), [](char c) {
                return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
            });
        if (!isToken) {
            if (error)
                *error =
                    QStringLiteral("method \"%1\": expected an upper-case method name").arg(method);
            return std::nullopt;
        }
        m.m_methods.append(bytes);
    }
    return m;
}

bool RouteMatcher::matches(QByteArrayView method, QByteArrayView host, QByteArrayView path) const {
    if (!m_methods.isEmpty() && std::none_of(m_methods.cbegin(), m_methods.cend(),
                                             [&](const QByteArray &m) { return method == m; }))
        return false;
    if (!m_exactHosts.isEmpty() || !m_hostSuffixes.isEmpty()) {
        const bool exact = std::any_of(m_exactHosts.cbegin(), m_exactHosts.cend(),
                                       [&](const QByteArray &h) { return equalsLower(host, h); });
        const bool suffix =
            !exact &&
            std::any_of(m_hostSuffixes.cbegin(), m_hostSuffixes.cend(), [&](const QByteArray &s) {
                return host.size() > s.size() && equalsLower(host.last(s.size()), s);
            });
        if (!exact && !suffix)
            return false;
    }
    if (!m_prefix.isEmpty()) {
        if (!path.startsWith(m_prefix))
            return false;
        // "/api" takes /api and /api/..., never /apix.
        if (!m_prefix.endsWith('/') && path.size() > m_prefix.size() &&
            path[m_prefix.size()] != '/')
            return false;
    }
    return !m_glob || m_glob->matches(path);
}

std::optional<Router> Router::compile(const QList<RouteConfig> &routes, QString *error) {
    Router router;
    for (const RouteConfig &route : routes) {
        auto matcher = RouteMatcher::compile(route, error);
        if (!matcher)
            return std::nullopt;
        router.m_routes.append(std::move(*matcher));
    }
    return router;
}

int Router::match(QByteArrayView method, QByteArrayView host, QByteArrayView path) const {
    for (qsizetype i = 0; i < m_routes.size(); ++i) {
        if (m_routes[i].matches(method, host, path))
            return int(i);
    }
    return -1;
}

} // namespace Tokengate
