// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/router.h"

#include "core/base/reason.h"

#include <algorithm>
#include <bitset>

namespace Tokengate {

namespace {

bool equalsLower(QByteArrayView host, QByteArrayView lower) {
    return host.size() == lower.size() && host.compare(lower, Qt::CaseInsensitive) == 0;
}

char lowerAscii(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}

// A route's own path (prefix or pattern), normalised as request paths are so that both
// spellings compare; a path the gateway would refuse cannot be matched, so it is an error.
std::optional<QByteArray> routePath(const QString &text, const PathConfig &paths, QString *error) {
    NormalizedPath n = normalizePath(text.toUtf8(), paths);
    if (n.refused()) {
        if (error)
            *error = QStringLiteral("path \"%1\": %2 (%3), so no request could match it")
                         .arg(text, QString::fromLatin1(n.message),
                              QLatin1StringView(reasonId(n.reason)));
        return std::nullopt;
    }
    return n.path;
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
    QByteArrayView host = colon < 0 ? authority : authority.first(colon);
    // "admin.example." is the same name to DNS and to virtual hosts; matched as written it
    // would miss a host route and fall through to a catch-all.
    if (host.endsWith('.'))
        host.chop(1);
    return host;
}

std::optional<PathGlob> PathGlob::compile(QByteArrayView pattern, QString *error,
                                          bool caseInsensitive) {
    if (!pattern.startsWith('/') || pattern.size() > MaxLength) {
        if (error)
            *error = QStringLiteral("a path pattern starts with \"/\" and has at most %1 "
                                    "characters")
                         .arg(MaxLength);
        return std::nullopt;
    }
    PathGlob glob;
    glob.m_caseInsensitive = caseInsensitive;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '*') {
            glob.m_tokens.append(
                {Kind::Literal, caseInsensitive ? lowerAscii(pattern[i]) : pattern[i]});
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
    for (char c : path) {
        if (m_caseInsensitive)
            c = lowerAscii(c);
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

std::optional<RouteMatcher> RouteMatcher::compile(const RouteConfig &route, const PathConfig &paths,
                                                  QString *error) {
    RouteMatcher m;
    m.m_caseInsensitive = route.caseInsensitive.value_or(paths.caseInsensitive);
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
        const std::optional<QByteArray> prefix = routePath(route.pathPrefix, paths, error);
        if (!prefix)
            return std::nullopt;
        m.m_prefix = *prefix;
    }
    if (!route.pathPattern.isEmpty()) {
        const std::optional<QByteArray> pattern = routePath(route.pathPattern, paths, error);
        if (!pattern)
            return std::nullopt;
        QString why;
        m.m_glob = PathGlob::compile(*pattern, &why, m.m_caseInsensitive);
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
    // HEAD is GET without the body, and upstreams run their GET handler for it: a GET-only
    // route that let HEAD fall through to a weaker route would be bypassed.
    if (!m_methods.isEmpty() &&
        std::none_of(m_methods.cbegin(), m_methods.cend(), [&](const QByteArray &m) {
            return method == m || (method == "HEAD" && m == "GET");
        }))
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
        if (path.size() < m_prefix.size() ||
            path.first(m_prefix.size())
                .compare(m_prefix, m_caseInsensitive ? Qt::CaseInsensitive : Qt::CaseSensitive))
            return false;
        // "/api" takes /api and /api/..., never /apix.
        if (!m_prefix.endsWith('/') && path.size() > m_prefix.size() &&
            path[m_prefix.size()] != '/')
            return false;
    }
    return !m_glob || m_glob->matches(path);
}

std::optional<Router> Router::compile(const QList<RouteConfig> &routes, const PathConfig &paths,
                                      QString *error) {
    Router router;
    router.m_paths = paths;
    for (const RouteConfig &route : routes) {
        auto matcher = RouteMatcher::compile(route, paths, error);
        if (!matcher)
            return std::nullopt;
        router.m_routes.append(std::move(*matcher));
    }
    return router;
}

RouteDecision Router::decide(QByteArrayView method, QByteArrayView host, QByteArrayView rawPath,
                             const QList<QByteArray> &overrides) const {
    RouteDecision d;
    d.path = normalizePath(rawPath, m_paths);
    if (d.path.refused())
        return d;
    d.index = match(method, host, d.path.path);
    // An upstream that honours the override acts on that method: a route that refuses DELETE
    // must not be reached by a POST that says "X-HTTP-Method-Override: DELETE".
    for (const QByteArray &other : overrides) {
        if (match(other, host, d.path.path) != d.index) {
            d.index = -1;
            d.path.reason = Reason::MethodOverride;
            d.path.message = "The method override names a method that would take another route";
            return d;
        }
    }
    // Readings of the same path by upstreams the gateway cannot see: each must pick the route
    // the gateway picked, or the request is refused before it reaches a weaker route.
    using Parameters = PathConfig::Parameters;
    const QByteArray &path = d.path.path;
    // "%3B" too: an upstream behind a decoding proxy (nginx with a URI in proxy_pass) sees ";".
    const bool cutsParameters =
        m_paths.parameters != Parameters::Keep && (path.contains(';') || path.contains("%3B"));
    const bool readsSlashes = m_paths.escapedSlashes == PathConfig::EscapedSlashes::Keep &&
                              (path.contains('\\') || path.contains("%2F") || path.contains("%5C"));
    const auto reroutes = [&](QByteArrayView reading) {
        return match(method, host, reading) != d.index ||
               std::any_of(overrides.cbegin(), overrides.cend(), [&](const QByteArray &other) {
                   return match(other, host, reading) != d.index;
               });
    };
    // Servlet containers drop ";..." from each segment before they route: "/admin;x/" is
    // their "/admin/".
    if (cutsParameters &&
        (m_paths.parameters == Parameters::Reject || reroutes(withoutPathParameters(path)))) {
        d.index = -1;
        d.path.reason = Reason::PathParameter;
        d.path.message = m_paths.parameters == Parameters::Reject
                             ? "The path holds a \";\" parameter"
                             : "The path holds a \";\" parameter that would change its route";
        return d;
    }
    // Windows servers read "\\" as "/", a decoding proxy in front turns "%2F" into one, and
    // a servlet container behind it may cut parameters before or after: every mix is tried.
    if (readsSlashes) {
        const bool cuts = m_paths.parameters != Parameters::Keep;
        const QByteArray cutFirst = cuts ? withoutPathParameters(path) : QByteArray();
        bool rerouted = false;
        for (int which = 1; which <= int(SlashSpelling::All) && !rerouted; ++which) {
            const auto spellings = SlashSpellings::fromInt(which);
            const QByteArray reading = withEscapedSlashesAsSlashes(path, spellings);
            rerouted = reroutes(reading) ||
                       (cuts && (reroutes(withoutPathParameters(reading)) ||
                                 reroutes(withEscapedSlashesAsSlashes(cutFirst, spellings))));
        }
        if (rerouted) {
            d.index = -1;
            d.path.reason = Reason::PathEscapedSlash;
            d.path.message =
                "The path holds an escaped slash or a backslash that would change its route";
        }
    }
    return d;
}

int Router::match(QByteArrayView method, QByteArrayView host, QByteArrayView path) const {
    for (qsizetype i = 0; i < m_routes.size(); ++i) {
        if (m_routes[i].matches(method, host, path))
            return int(i);
    }
    return -1;
}

} // namespace Tokengate
