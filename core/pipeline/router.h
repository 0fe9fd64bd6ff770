// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/routeconfig.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace Tokengate {

// The parts of a raw request target (origin-form or absolute-form), as views into it.
struct TargetParts {
    QByteArrayView authority; // absolute-form only: it overrides Host (RFC 9112 3.2.2)
    QByteArrayView path;
    QByteArrayView query; // without "?"; null when there is none
    bool hasQuery = false;
};
TargetParts splitTarget(QByteArrayView target);

// "Host" or an authority without its port: "[::1]:8080" -> "[::1]", "a.b:80" -> "a.b".
QByteArrayView hostWithoutPort(QByteArrayView authority);

// The path routes are matched against: percent-encoded unreserved characters decoded
// (RFC 3986 6.2.2.2, "/%61pi" is "/api" to every upstream), everything else raw. False when
// the path has dot segments, literal or encoded: an upstream resolving "/public/../admin"
// would reach a route other than the one that matched, so such requests are refused.
// `out` is only written when decoding changed something; `path` is set to what to match.
bool pathForMatching(QByteArrayView raw, QByteArray &out, QByteArrayView &path);

// A glob over a path: "*" is any run within one segment, "**" any run across segments,
// everything else literal; the whole path must match. No allocation.
class PathGlob {
public:
    static constexpr int MaxLength = 256;
    static std::optional<PathGlob> compile(QByteArrayView pattern, QString *error);
    bool matches(QByteArrayView path) const;

private:
    enum class Kind : char { Literal, SegmentStar, AnyStar };
    struct Token {
        Kind kind;
        char c;
    };
    QList<Token> m_tokens;
};

// One route's conditions, compiled from its RouteConfig.
class RouteMatcher {
public:
    static std::optional<RouteMatcher> compile(const RouteConfig &route, QString *error);
    // `host` without port; `path` as pathForMatching gives it.
    bool matches(QByteArrayView method, QByteArrayView host, QByteArrayView path) const;

private:
    QList<QByteArray> m_exactHosts;   // lower case
    QList<QByteArray> m_hostSuffixes; // ".example.com" for "*.example.com"
    QByteArray m_prefix;
    std::optional<PathGlob> m_glob;
    QList<QByteArray> m_methods;
};

// The routing table: the first route whose conditions hold takes the request.
class Router {
public:
    static std::optional<Router> compile(const QList<RouteConfig> &routes, QString *error);
    // Index of the matching route, -1 for none.
    int match(QByteArrayView method, QByteArrayView host, QByteArrayView path) const;
    bool isEmpty() const { return m_routes.isEmpty(); }

private:
    QList<RouteMatcher> m_routes;
};

} // namespace Tokengate
