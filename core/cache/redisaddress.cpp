// SPDX-License-Identifier: Apache-2.0
#include "core/cache/redisaddress.h"

#include <QUrl>

namespace Tokengate {

std::optional<RedisAddress> RedisAddress::fromSettings(const RedisSettings &settings,
                                                       QString *error) {
    const QUrl url(settings.url, QUrl::StrictMode);
    const QString scheme = url.scheme().toLower();
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    if (scheme == u"rediss")
        return fail(QStringLiteral(
            "rediss:// (TLS) is not supported: Debian 12's hiredis 0.14.1 has no TLS. Reach "
            "Redis through a local TLS terminator (stunnel, or Redis on the same host) and "
            "use redis://127.0.0.1:PORT"));
    if (!url.isValid() || scheme != u"redis")
        return fail(QStringLiteral("expected redis://[user[:password]@]host[:port][/database], "
                                   "got \"%1\"")
                        .arg(url.toDisplayString(QUrl::RemovePassword)));
    if (url.host().isEmpty())
        return fail(QStringLiteral("no host in the Redis URL"));
    if (url.hasQuery() || url.hasFragment())
        return fail(QStringLiteral("the Redis URL takes no query or fragment"));
    RedisAddress a;
    a.host = url.host();
    const int port = url.port(6379);
    if (port < 1 || port > 65535)
        return fail(QStringLiteral("the Redis port must be between 1 and 65535"));
    a.port = quint16(port);
    QString path = url.path();
    if (path.startsWith(u'/'))
        path.remove(0, 1);
    if (!path.isEmpty()) {
        bool ok = false;
        a.database = path.toInt(&ok);
        if (!ok || a.database < 0 || a.database > 65535)
            return fail(QStringLiteral("the Redis URL's path must be a database number, got "
                                       "\"/%1\"")
                            .arg(path));
    }
    if (settings.database >= 0)
        a.database = settings.database;
    a.username = url.userName(QUrl::FullyDecoded).toUtf8();
    a.password =
        (settings.password.isEmpty() ? url.password(QUrl::FullyDecoded) : settings.password)
            .toUtf8();
    if (!a.username.isEmpty() && a.password.isEmpty())
        return fail(QStringLiteral("a Redis user name without a password"));
    return a;
}

QString RedisAddress::describe() const {
    const QString shown = host.contains(u':') ? u'[' + host + u']' : host;
    return QStringLiteral("%1:%2/%3").arg(shown).arg(port).arg(database);
}

} // namespace Tokengate
