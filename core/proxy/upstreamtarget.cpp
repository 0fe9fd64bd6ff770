// SPDX-License-Identifier: Apache-2.0
#include "core/proxy/upstreamtarget.h"

#include <QUrl>

namespace Tokengate {

std::optional<UpstreamTarget> UpstreamTarget::parse(const QString &text, QString *error) {
    auto fail = [&](const QString &why) -> std::optional<UpstreamTarget> {
        if (error)
            *error = why;
        return std::nullopt;
    };
    const QUrl url(text, QUrl::StrictMode);
    if (text.isEmpty() || !url.isValid())
        return fail(QStringLiteral("not a valid URL: \"%1\"").arg(text));
    const QString scheme = url.scheme().toLower();
    if (scheme != u"http" && scheme != u"https")
        return fail(QStringLiteral("only http and https are supported: \"%1\"").arg(text));
    if (url.host().isEmpty())
        return fail(QStringLiteral("URL has no host: \"%1\"").arg(text));
    if (!url.userInfo().isEmpty() || url.hasQuery() || url.hasFragment())
        return fail(QStringLiteral("URL must not carry user info, a query or a fragment: \"%1\"")
                        .arg(text));

    UpstreamTarget t;
    t.origin.tls = scheme == u"https";
    t.origin.host = url.host();
    const int defaultPort = t.origin.tls ? 443 : 80;
    t.origin.port = quint16(url.port(defaultPort));
    t.basePath = url.path(QUrl::FullyEncoded).toLatin1();
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
    return QString::fromLatin1((origin.tls ? "https://" : "http://") + authority + basePath);
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
