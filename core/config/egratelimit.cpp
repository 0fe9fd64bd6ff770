// SPDX-License-Identifier: Apache-2.0
#include "core/config/egratelimit.h"

#include "core/config/egyaml.h"
#include "core/ratelimit/ratelimitspec.h"

#include <QRegularExpression>

namespace Tokengate {

namespace {

using namespace EgYaml;

// rateLimitBy, a template string run against egContext, as a key; nullopt: no equivalent.
std::optional<QString> convertKey(const QString &by) {
    static const QRegularExpression whole(QStringLiteral(R"(^\$\{\s*([^}]+?)\s*\}$)"));
    static const QRegularExpression user(
        QStringLiteral(R"(^(?:req\.user|consumer)\.([A-Za-z_][A-Za-z0-9_]*)$)"));
    static const QRegularExpression header(QStringLiteral(
        R"re(^req\.headers(?:\.([A-Za-z0-9_]+)|\[\s*['"]([A-Za-z0-9_-]+)['"]\s*\])$)re"));
    if (by.trimmed().isEmpty())
        return QStringLiteral("address"); // express-rate-limit's default: req.ip
    const QRegularExpressionMatch m = whole.match(by.trimmed());
    if (!m.hasMatch())
        return std::nullopt;
    const QString e = m.captured(1);
    if (e == u"req.ip")
        return QStringLiteral("address");
    if (const auto u = user.match(e); u.hasMatch()) {
        const QString claim = u.captured(1);
        return claim == u"sub" || claim == u"id" ? QStringLiteral("subject")
               : claim == u"client_id"           ? QStringLiteral("client_id")
                                                 : QStringLiteral("claim:") + claim;
    }
    if (const auto h = header.match(e); h.hasMatch())
        return QStringLiteral("header:") + h.captured(1) + h.captured(2);
    return std::nullopt;
}

} // namespace

std::optional<QString> convertEgRateLimit(const YAML::Node &action, const QString &where,
                                          bool beforeAuth, QStringList &notConverted,
                                          QStringList &errors) {
    const auto skip = [&](const QString &key, const QString &why) {
        notConverted << where + u'.' + key + u": " + why;
    };
    const QStringList known{QStringLiteral("rateLimitBy"), QStringLiteral("windowMs"),
                            QStringLiteral("delayAfter"),  QStringLiteral("delayMs"),
                            QStringLiteral("max"),         QStringLiteral("message"),
                            QStringLiteral("statusCode")};
    if (action.IsMap()) {
        for (const auto &kv : action) {
            if (!known.contains(str(kv.first)))
                skip(str(kv.first), QStringLiteral("not converted"));
        }
    }
    const auto integer = [&](const char *key, qint64 fallback) -> std::optional<qint64> {
        const YAML::Node n = child(action, key);
        if (!n.IsDefined() || n.IsNull())
            return fallback;
        bool ok = false;
        const qint64 value = str(n).toLongLong(&ok);
        if (!ok || value < 0) {
            errors << QStringLiteral("%1.%2: expected a whole number, got \"%3\"")
                          .arg(where, QLatin1StringView(key), str(n));
            return std::nullopt;
        }
        return value;
    };
    // Express Gateway's defaults.
    const std::optional<qint64> max = integer("max", 5);
    const std::optional<qint64> windowMs = integer("windowMs", 60'000);
    const std::optional<qint64> delayMs = integer("delayMs", 1000);
    const std::optional<qint64> status = integer("statusCode", 429);
    if (!max || !windowMs || !delayMs || !status)
        return std::nullopt;
    if (*max == 0) {
        skip(QStringLiteral("max"), QStringLiteral("0 turns the limit off: no limit on the route"));
        return std::nullopt;
    }
    if ((child(action, "delayAfter").IsDefined() || child(action, "delayMs").IsDefined()) &&
        *delayMs > 0)
        skip(QStringLiteral("delayAfter"),
             QStringLiteral("answers are never slowed down; requests over max get 429"));
    if (child(action, "message").IsDefined())
        skip(QStringLiteral("message"), QStringLiteral("the 429's text is tokengate's"));
    if (*status != 429)
        skip(QStringLiteral("statusCode"), QStringLiteral("an empty bucket is always 429"));
    const QString by = str(child(action, "rateLimitBy"));
    std::optional<QString> key = convertKey(by);
    if (!key) {
        skip(QStringLiteral("rateLimitBy"),
             QStringLiteral("\"%1\" is not converted (only ${req.ip}, ${req.user.<claim>}, "
                            "${consumer.<claim>} and ${req.headers.<name>}): limited by address")
                 .arg(by));
        key = QStringLiteral("address");
    }
    const bool identity =
        key == u"subject" || key == u"client_id" || key->startsWith(QStringLiteral("claim:"));
    if (identity && beforeAuth)
        skip(QStringLiteral("rateLimitBy"),
             QStringLiteral("before oauth2-introspect there is no token to key by; the limit is "
                            "judged after it"));
    const QString text =
        QStringLiteral("%1/%2ms by %3%4")
            .arg(*max)
            .arg(*windowMs)
            .arg(*key, beforeAuth && !identity ? QStringLiteral(" before auth") : QString());
    QString why;
    const std::optional<RateLimitSpec> spec = parseRateLimit(text, &why);
    if (!spec) {
        errors << where + u": " + why;
        return std::nullopt;
    }
    return spec->text();
}

} // namespace Tokengate
