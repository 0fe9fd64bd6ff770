// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/corspolicy.h"

#include "core/pipeline/identityheaders.h"

namespace Tokengate {

namespace {

// An origin as the Fetch standard serialises it: scheme and host in lower case, the port
// left out when it is the scheme's default.
struct OriginParts {
    QByteArray scheme;
    QByteArray host;
    QByteArray port;

    QByteArray serialised() const {
        return scheme + "://" + host + (port.isEmpty() ? QByteArray() : ':' + port);
    }
};

bool isSchemeChar(char c, bool first) {
    const bool alpha = (c >= 'a' && c <= 'z');
    return first ? alpha : alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool isHostChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

QByteArray defaultPort(QByteArrayView scheme) {
    if (scheme == "http" || scheme == "ws")
        return "80";
    if (scheme == "https" || scheme == "wss")
        return "443";
    return {};
}

// "host[:port]" (an IPv6 literal in brackets) in lower case; the port without leading zeros.
std::optional<std::pair<QByteArray, QByteArray>> parseAuthority(QByteArrayView text) {
    const QByteArray lower = text.toByteArray().toLower();
    qsizetype hostEnd = lower.size();
    if (lower.startsWith('[')) {
        hostEnd = lower.indexOf(']');
        if (hostEnd < 2)
            return std::nullopt;
        for (char c : lower.sliced(1, hostEnd - 1)) {
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.'))
                return std::nullopt;
        }
        ++hostEnd;
    } else {
        const qsizetype colon = lower.indexOf(':');
        if (colon >= 0)
            hostEnd = colon;
        for (char c : lower.first(hostEnd)) {
            if (!isHostChar(c))
                return std::nullopt;
        }
    }
    if (hostEnd == 0)
        return std::nullopt;
    QByteArray port;
    if (hostEnd < lower.size()) {
        if (lower[hostEnd] != ':')
            return std::nullopt;
        const QByteArray digits = lower.sliced(hostEnd + 1);
        bool ok = false;
        const int n = digits.toInt(&ok);
        // Serialised origins carry no leading zero: "08080" is nobody's port.
        if (!ok || digits.size() > 5 || n < 0 || n > 65535 || digits.startsWith('0') ||
            !std::all_of(digits.cbegin(), digits.cend(),
                         [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        port = QByteArray::number(n);
    }
    return std::pair{lower.first(hostEnd), port};
}

std::optional<OriginParts> parseOrigin(QByteArrayView text) {
    const qsizetype sep = text.indexOf("://");
    if (sep <= 0)
        return std::nullopt;
    OriginParts o;
    o.scheme = text.first(sep).toByteArray().toLower();
    for (qsizetype i = 0; i < o.scheme.size(); ++i) {
        if (!isSchemeChar(o.scheme[i], i == 0))
            return std::nullopt;
    }
    const auto authority = parseAuthority(text.sliced(sep + 3));
    if (!authority)
        return std::nullopt;
    o.host = authority->first;
    o.port = authority->second == defaultPort(o.scheme) ? QByteArray() : authority->second;
    return o;
}

bool isToken(QByteArrayView name) {
    return IdentityHeaders::isValidHeaderName(QString::fromLatin1(name));
}

// Methods a page may use cross-origin without the preflight listing them (Fetch).
bool isSafelistedMethod(QByteArrayView method) {
    return method == "GET" || method == "HEAD" || method == "POST";
}

bool startsWithAccessControl(QByteArrayView name) {
    constexpr QByteArrayView prefix = "Access-Control-";
    return name.size() > prefix.size() &&
           name.first(prefix.size()).compare(prefix, Qt::CaseInsensitive) == 0;
}

QByteArray joined(const QStringList &items) {
    return items.join(QStringLiteral(", ")).toLatin1();
}

} // namespace

std::optional<CorsPolicy> CorsPolicy::compile(const CorsConfig &config,
                                              const QStringList &routeMethods, QString *why) {
    const auto fail = [why](const QString &text) -> std::optional<CorsPolicy> {
        if (why)
            *why = QStringLiteral("cors: ") + text;
        return std::nullopt;
    };
    CorsPolicy p;
    if (config.allowOrigins.isEmpty())
        return fail(QStringLiteral("allow_origins is empty: name the origins allowed, or \"*\""));
    for (const QString &origin : config.allowOrigins) {
        const QByteArray text = origin.trimmed().toLatin1();
        if (text == "*") {
            p.m_anyOrigin = true;
            continue;
        }
        if (text == "null") {
            p.m_exactOrigins << text;
            continue;
        }
        const qsizetype star = text.indexOf("://*.");
        const std::optional<OriginParts> parsed =
            parseOrigin(star > 0 ? text.first(star + 3) + text.sliced(star + 5) : text);
        if (!parsed || text.count('*') > (star > 0 ? 1 : 0) ||
            QString::fromLatin1(text) != origin.trimmed())
            return fail(QStringLiteral("origin \"%1\" is not scheme://host[:port] without a path, "
                                       "scheme://*.domain, \"null\" or \"*\"")
                            .arg(origin));
        if (star > 0 && !parsed->host.contains('.'))
            return fail(QStringLiteral("origin \"%1\" takes every site under a top-level domain")
                            .arg(origin));
        if (star > 0)
            p.m_patterns << Pattern{parsed->scheme, '.' + parsed->host, parsed->port};
        else
            p.m_exactOrigins << parsed->serialised();
    }
    p.m_credentials = config.allowCredentials;
    if (p.m_anyOrigin && p.m_credentials)
        return fail(QStringLiteral("allow_origins \"*\" with allow_credentials would let every "
                                   "site act with the user's credentials: list the origins"));
    // Any page can send "null", from a sandboxed frame: as open as "*".
    if (p.m_exactOrigins.contains("null") && p.m_credentials)
        return fail(QStringLiteral("allow_origins \"null\" with allow_credentials would let "
                                   "every site act with the user's credentials (any page can "
                                   "send \"null\" from a sandboxed frame)"));
    const QStringList methods = !config.allowMethods.isEmpty() ? config.allowMethods
                                : !routeMethods.isEmpty()
                                    ? routeMethods
                                    : QStringList{QStringLiteral("GET"),  QStringLiteral("HEAD"),
                                                  QStringLiteral("PUT"),  QStringLiteral("PATCH"),
                                                  QStringLiteral("POST"), QStringLiteral("DELETE")};
    for (const QString &m : methods)
        p.m_methods << m.toLatin1();
    p.m_methodsValue = joined(methods);
    for (const QString &h : config.allowHeaders) {
        if (h == u"*") {
            p.m_headers.clear();
            break;
        }
        if (!IdentityHeaders::isValidHeaderName(h))
            return fail(QStringLiteral("allow_headers: \"%1\" is not a header name").arg(h));
        p.m_headers << h.toLatin1().toLower();
    }
    for (const QString &h : config.exposeHeaders) {
        if (h == u"*") {
            if (p.m_credentials)
                return fail(QStringLiteral("expose_headers \"*\" means no header to browsers "
                                           "when credentials are allowed: list the headers"));
            p.m_exposeAny = true;
        } else if (!IdentityHeaders::isValidHeaderName(h)) {
            return fail(QStringLiteral("expose_headers: \"%1\" is not a header name").arg(h));
        }
    }
    p.m_exposeValue = joined(config.exposeHeaders);
    p.m_maxAge = QByteArray::number(config.maxAgeSecs);
    return p;
}

bool CorsPolicy::allowsOrigin(QByteArrayView origin) const {
    if (origin.isEmpty())
        return false;
    if (m_anyOrigin)
        return true;
    if (origin == "null")
        return m_exactOrigins.contains("null");
    // Browsers send origins serialised as they are listed: most checks end here, unparsed.
    for (const QByteArray &exact : m_exactOrigins) {
        if (exact.size() == origin.size() && origin.compare(exact, Qt::CaseInsensitive) == 0)
            return true;
    }
    const std::optional<OriginParts> o = parseOrigin(origin);
    if (!o)
        return false;
    if (m_exactOrigins.contains(o->serialised()))
        return true;
    for (const Pattern &p : m_patterns) {
        if (o->scheme == p.scheme && o->port == p.port && o->host.size() > p.hostSuffix.size() &&
            o->host.endsWith(p.hostSuffix))
            return true;
    }
    return false;
}

bool CorsPolicy::allowsMethod(QByteArrayView method) const {
    return isSafelistedMethod(method) || m_methods.contains(method);
}

bool CorsPolicy::isSameOrigin(QByteArrayView origin, QByteArrayView host) {
    const std::optional<OriginParts> o = parseOrigin(origin);
    const auto h = parseAuthority(host);
    if (!o || !h)
        return false;
    const QByteArray port = h->second == defaultPort(o->scheme) ? QByteArray() : h->second;
    return o->host == h->first && o->port == port;
}

QByteArray CorsPolicy::allowOriginFor(QByteArrayView origin) const {
    return m_anyOrigin && !m_credentials ? QByteArray("*") : origin.toByteArray();
}

CorsPolicy::Preflight CorsPolicy::answerPreflight(QByteArrayView origin,
                                                  QByteArrayView requestMethod,
                                                  QByteArrayView requestHeaders) const {
    Preflight p;
    if (!allowsOrigin(origin)) {
        p.refusal = Reason::CorsOriginRefused;
        return p;
    }
    if (!isToken(requestMethod)) {
        p.refusal = Reason::CorsRequestRefused;
        p.detail = "Access-Control-Request-Method is not a method";
        return p;
    }
    if (!allowsMethod(requestMethod)) {
        p.refusal = Reason::CorsRequestRefused;
        p.detail = "Method " + requestMethod.toByteArray() + " is not allowed cross-origin";
        return p;
    }
    QList<QByteArray> asked;
    for (QByteArrayView name : splitTokenList(requestHeaders)) {
        const QByteArray lower = name.toByteArray().toLower();
        if (!isToken(lower) || (!m_headers.isEmpty() && !m_headers.contains(lower))) {
            p.refusal = Reason::CorsRequestRefused;
            p.detail = isToken(lower)
                           ? QByteArray("Header " + lower + " is not allowed cross-origin")
                           : QByteArray("Access-Control-Request-Headers is not a list of names");
            return p;
        }
        asked << lower;
    }
    HeaderMap &h = p.head.headers;
    h.append("Access-Control-Allow-Origin", allowOriginFor(origin));
    if (m_credentials)
        h.append("Access-Control-Allow-Credentials", "true");
    h.append("Access-Control-Allow-Methods", m_methodsValue);
    if (!asked.isEmpty())
        h.append("Access-Control-Allow-Headers", asked.join(", "));
    h.append("Access-Control-Max-Age", m_maxAge);
    h.append("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    p.head.status = 204;
    p.head.mayHaveBody = false;
    return p;
}

void CorsPolicy::decorate(HeaderMap &headers, QByteArrayView allowedOrigin) const {
    headers.removeIf([](const HeaderField &f) { return startsWithAccessControl(f.name); });
    if (!allowedOrigin.isEmpty()) {
        headers.append(QByteArrayLiteral("Access-Control-Allow-Origin"),
                       allowOriginFor(allowedOrigin));
        if (m_credentials)
            headers.append(QByteArrayLiteral("Access-Control-Allow-Credentials"),
                           QByteArrayLiteral("true"));
        QByteArray expose = m_exposeValue;
        // A page reading the gateway's 401 or 429 needs these fields to know why, and when.
        for (QByteArrayView field :
             {"WWW-Authenticate", "Retry-After", "RateLimit", "RateLimit-Policy"}) {
            if (m_exposeAny || !headers.contains(field) ||
                anyToken(expose, [&](QByteArrayView n) { return HeaderMap::sameName(n, field); }))
                continue;
            if (!expose.isEmpty())
                expose += ", ";
            expose += field;
        }
        if (!expose.isEmpty())
            headers.append(QByteArrayLiteral("Access-Control-Expose-Headers"), expose);
    }
    if (!headers.hasToken("Vary", "Origin") && !headers.hasToken("Vary", "*"))
        headers.append(QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin"));
}

} // namespace Tokengate
