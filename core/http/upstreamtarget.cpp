// SPDX-License-Identifier: Apache-2.0
#include "core/http/upstreamtarget.h"

#include <QHostAddress>
#include <QUrl>

namespace Tokengate {

namespace {

// Bytes a request target may carry as they are (RFC 3986 pchar, "/", "?", "%"): the base
// path and query are kept byte-exact, so they are checked rather than normalised.
bool isTargetText(QStringView text) {
    for (const QChar c : text) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7f || c == u'#' || c == u'"' || c == u'<' ||
            c == u'>' || c == u'\\' || c == u'^' || c == u'`' || c == u'{' || c == u'|' ||
            c == u'}')
            return false;
    }
    return true;
}

} // namespace

QString UpstreamTarget::redacted(const QString &url) {
    const qsizetype schemeEnd = url.indexOf(u"://");
    const qsizetype from = schemeEnd < 0 ? 0 : schemeEnd + 3;
    qsizetype end = from;
    while (end < url.size() && url[end] != u'/' && url[end] != u'?' && url[end] != u'#')
        ++end;
    const qsizetype at = QStringView(url).sliced(from, end - from).lastIndexOf(u'@');
    if (at < 0)
        return url;
    return url.left(from) + QStringLiteral("***") + url.sliced(from + at);
}

std::optional<UpstreamTarget> UpstreamTarget::parse(const QString &text, QString *error) {
    auto fail = [&](const QString &why) -> std::optional<UpstreamTarget> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QString shown = redacted(text); // the error may reach logs and the GUI
    if (text.isEmpty())
        return fail(QStringLiteral("not a valid URL: \"%1\"").arg(shown));
    const qsizetype schemeEnd = text.indexOf(u"://");
    const QString scheme = schemeEnd < 0 ? QString() : text.left(schemeEnd).toLower();
    if (scheme != u"http" && scheme != u"https")
        return fail(QStringLiteral("only http and https are supported: \"%1\"").arg(shown));
    const QStringView rest = QStringView(text).sliced(schemeEnd + 3);
    qsizetype authorityEnd = 0;
    while (authorityEnd < rest.size() && rest[authorityEnd] != u'/' && rest[authorityEnd] != u'?' &&
           rest[authorityEnd] != u'#')
        ++authorityEnd;
    const QStringView authorityText = rest.first(authorityEnd);
    const QStringView pathAndQuery = rest.sliced(authorityEnd);
    if (authorityText.contains(u'@'))
        return fail(QStringLiteral("URL must not carry user info: \"%1\"").arg(shown));
    if (pathAndQuery.contains(u'#'))
        return fail(QStringLiteral("URL must not carry a fragment: \"%1\"").arg(shown));
    if (authorityText.isEmpty())
        return fail(QStringLiteral("URL has no host: \"%1\"").arg(shown));
    const QUrl url(scheme + u"://" + authorityText, QUrl::StrictMode);
    if (!url.isValid() || !isTargetText(pathAndQuery))
        return fail(QStringLiteral("not a valid URL: \"%1\"").arg(shown));
    if (url.host().isEmpty())
        return fail(QStringLiteral("URL has no host: \"%1\"").arg(shown));
    // QUrl drops an IPvFuture literal's brackets: what it gives is neither the URL's host nor
    // an address anything connects to.
    if (authorityText.startsWith(u'[')) {
        const QHostAddress literal(url.host());
        if (literal.protocol() != QAbstractSocket::IPv6Protocol)
            return fail(QStringLiteral("IPvFuture addresses are not supported: \"%1\"").arg(shown));
        if (!literal.scopeId().isEmpty() || url.host().contains(u'%'))
            return fail(QStringLiteral("IPv6 zone ids are not supported: \"%1\"").arg(shown));
    }
    // QUrl takes port 0, which no server listens on: connecting to it fails only per request.
    if (url.port() == 0)
        return fail(QStringLiteral("URL port must be 1 to 65535: \"%1\"").arg(shown));

    UpstreamTarget t;
    t.origin.tls = scheme == u"https";
    t.origin.host = url.host();
    const int defaultPort = t.origin.tls ? 443 : 80;
    t.origin.port = quint16(url.port(defaultPort));
    const qsizetype queryStart = pathAndQuery.indexOf(u'?');
    t.basePath = (queryStart < 0 ? pathAndQuery : pathAndQuery.first(queryStart)).toLatin1();
    if (queryStart >= 0)
        t.baseQuery = pathAndQuery.sliced(queryStart + 1).toLatin1();
    if (t.basePath == "/")
        t.basePath.clear();
    QByteArray host = url.host(QUrl::FullyEncoded).toLatin1();
    if (host.contains(':'))
        host = '[' + host + ']';
    t.authority = url.port(defaultPort) == defaultPort
                      ? host
                      : host + ':' + QByteArray::number(t.origin.port);
    return t;
}

QString UpstreamTarget::toString() const {
    QByteArray url = (origin.tls ? "https://" : "http://") + authority + basePath;
    if (!baseQuery.isEmpty())
        url += (basePath.isEmpty() ? "/?" : "?") + baseQuery;
    return QString::fromLatin1(url);
}

QByteArray UpstreamTarget::join(const QByteArray &clientTarget) const {
    QByteArray target = clientTarget;
    if (!target.startsWith('/') && target != "*") {
        // absolute-form: scheme "://" authority [path-abempty] [ "?" query ]
        const qsizetype authorityStart = target.indexOf("://");
        const qsizetype pathStart =
            authorityStart < 0 ? -1 : target.indexOf('/', authorityStart + 3);
        const qsizetype queryStart =
            authorityStart < 0 ? -1 : target.indexOf('?', authorityStart + 3);
        if (pathStart >= 0 && (queryStart < 0 || pathStart < queryStart))
            target = target.mid(pathStart);
        else if (queryStart >= 0)
            target = '/' + target.mid(queryStart);
        else
            target = "/";
    }
    if (!baseQuery.isEmpty() && target != "*") {
        // The base's query comes first, then the client's: both reach the upstream.
        const qsizetype q = target.indexOf('?');
        if (q < 0)
            target += '?' + baseQuery;
        else if (q + 1 == target.size())
            target += baseQuery;
        else
            target.insert(q + 1, baseQuery + '&');
    }
    if (basePath.isEmpty())
        return target;
    if (target == "*")
        return basePath;
    QByteArray base = basePath;
    if (base.endsWith('/'))
        base.chop(1);
    return base + target;
}

} // namespace Tokengate
