// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/pipeline/pathnormalizer.h"
#include "core/pipeline/routeconfig.h"

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

// "Host" or an authority without its port and without the trailing dot of a fully qualified
// name: "[::1]:8080" -> "[::1]", "a.b:80" -> "a.b".
QByteArrayView hostWithoutPort(QByteArrayView authority);

// A glob over a path: "*" is any run within one segment, "**" any run across segments,
// everything else literal; the whole path must match. No allocation.
class PathGlob {
public:
    static constexpr int MaxLength = 256;
    static std::optional<PathGlob> compile(QByteArrayView pattern, QString *error,
                                           bool caseInsensitive = false);
    bool matches(QByteArrayView path) const;

private:
    enum class Kind : char { Literal, SegmentStar, AnyStar };
    struct Token {
        Kind kind;
        char c;
    };
    QList<Token> m_tokens;
    bool m_caseInsensitive = false; // literals are stored in lower case then
};

// One route's conditions, compiled from its RouteConfig.
class RouteMatcher {
public:
    static std::optional<RouteMatcher> compile(const RouteConfig &route, const PathConfig &paths,
                                               QString *error);
    // `host` without port; `path` as normalizePath gives it.
    bool matches(QByteArrayView method, QByteArrayView host, QByteArrayView path) const;

private:
    QList<QByteArray> m_exactHosts;   // lower case
    QList<QByteArray> m_hostSuffixes; // ".example.com" for "*.example.com"
    QByteArray m_prefix;              // normalised as request paths are
    bool m_caseInsensitive = false;
    std::optional<PathGlob> m_glob;
    QList<QByteArray> m_methods;
};

// Which route takes a request and the path it is forwarded with.
struct RouteDecision {
    int index = -1; // -1: no route (404), or refused when `path.refused()`
    NormalizedPath path;
};

// The routing table: the first route whose conditions hold takes the request.
class Router {
public:
    static std::optional<Router> compile(const QList<RouteConfig> &routes, const PathConfig &paths,
                                         QString *error);
    // Normalises `rawPath` (without query) as configured, then matches it. `overrides`: the
    // methods the request asks its upstream to act on instead (methodOverrides()); each must
    // take the same route as `method`, in every reading of the path.
    RouteDecision decide(QByteArrayView method, QByteArrayView host, QByteArrayView rawPath,
                         const QList<QByteArray> &overrides = {}) const;
    // Index of the matching route for a normalised path, -1 for none.
    int match(QByteArrayView method, QByteArrayView host, QByteArrayView path) const;
    bool isEmpty() const { return m_routes.isEmpty(); }
    const PathConfig &paths() const { return m_paths; }

private:
    QList<RouteMatcher> m_routes;
    PathConfig m_paths;
};

} // namespace Tokengate
