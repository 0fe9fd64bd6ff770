// SPDX-License-Identifier: Apache-2.0
#include "core/config/egcors.h"

#include "core/config/egyaml.h"
#include "core/config/settingvalue.h"
#include "core/pipeline/corspolicy.h"

namespace Tokengate {

namespace {

using namespace EgYaml;

// The npm cors module takes "a,b" as well as a list.
QStringList commaList(const YAML::Node &n) {
    QStringList out;
    for (const QString &item : strings(n)) {
        for (const QString &part : item.split(u',')) {
            if (!part.trimmed().isEmpty())
                out << part.trimmed();
        }
    }
    return out;
}

} // namespace

std::optional<CorsConfig> convertEgCors(const YAML::Node &action, const QString &where,
                                        QStringList &notConverted, QStringList &errors) {
    const auto skip = [&](const QString &key, const QString &why) {
        notConverted << where + u'.' + key + u": " + why;
    };
    const QStringList known{QStringLiteral("origin"),
                            QStringLiteral("methods"),
                            QStringLiteral("allowedHeaders"),
                            QStringLiteral("headers"),
                            QStringLiteral("exposedHeaders"),
                            QStringLiteral("credentials"),
                            QStringLiteral("maxAge"),
                            QStringLiteral("preflightContinue"),
                            QStringLiteral("optionsSuccessStatus")};
    if (action.IsMap()) {
        for (const auto &kv : action) {
            if (!known.contains(str(kv.first)))
                skip(str(kv.first), QStringLiteral("not converted"));
        }
    }
    const auto boolean = [&](const char *key, bool fallback) {
        const YAML::Node n = child(action, key);
        if (!n.IsDefined() || n.IsNull())
            return fallback;
        const std::optional<bool> value = parseBool(str(n));
        if (!value)
            errors << QStringLiteral("%1.%2: expected true or false, got \"%3\"")
                          .arg(where, QLatin1StringView(key), str(n));
        return value.value_or(fallback);
    };

    CorsConfig c;
    c.enabled = true;
    const YAML::Node origin = child(action, "origin");
    const std::optional<bool> originSwitch =
        origin.IsScalar() ? parseBool(str(origin)) : std::nullopt;
    if (originSwitch == false) {
        skip(QStringLiteral("origin"),
             QStringLiteral("false turns CORS off: no CORS on the route"));
        return std::nullopt;
    }
    c.allowCredentials = boolean("credentials", false);
    if (!origin.IsDefined() || origin.IsNull() || originSwitch == true) {
        // The module's default, and "true" (echo whatever Origin came): any origin.
        c.allowOrigins = {QStringLiteral("*")};
    } else {
        for (const QString &o : strings(origin)) {
            CorsConfig one = c;
            one.allowOrigins = {o};
            one.allowCredentials = false;
            QString why;
            if (CorsPolicy::compile(one, {}, &why))
                c.allowOrigins << o;
            else
                skip(QStringLiteral("origin"),
                     QStringLiteral("\"%1\" is not an origin tokengate matches "
                                    "(scheme://host[:port], scheme://*.domain, null or *)")
                         .arg(o));
        }
        if (c.allowOrigins.isEmpty()) {
            errors << where + QStringLiteral(".origin: no origin left to allow");
            return std::nullopt;
        }
    }
    if (c.allowCredentials && c.allowOrigins.contains(QStringLiteral("*"))) {
        c.allowCredentials = false;
        skip(QStringLiteral("credentials"),
             QStringLiteral("true with every origin is refused (any site could act with the "
                            "user's credentials): list the origins, then set "
                            "cors.allow_credentials"));
    }
    c.allowMethods = commaList(child(action, "methods"));
    for (QString &m : c.allowMethods)
        m = m.toUpper();
    YAML::Node headers = child(action, "allowedHeaders");
    if (!headers.IsDefined())
        headers.reset(child(action, "headers"));
    c.allowHeaders = commaList(headers);
    c.exposeHeaders = commaList(child(action, "exposedHeaders"));
    const YAML::Node maxAge = child(action, "maxAge");
    if (maxAge.IsDefined() && !maxAge.IsNull()) {
        bool ok = false;
        const int secs = str(maxAge).toInt(&ok);
        if (!ok || secs < 0)
            errors << where + QStringLiteral(".maxAge: expected whole seconds, got \"%1\"")
                                  .arg(str(maxAge));
        c.maxAgeSecs = std::clamp(secs, 0, 86'400);
        if (secs > 86'400)
            skip(QStringLiteral("maxAge"), QStringLiteral("capped at 86400 seconds"));
    } // else the module sent none (browsers keep the answer 5 seconds): the default is kept
    if (boolean("preflightContinue", false))
        skip(QStringLiteral("preflightContinue"),
             QStringLiteral("preflights are answered by the gateway, never passed on"));
    const QString status = str(child(action, "optionsSuccessStatus"));
    if (!status.isEmpty() && status != u"204")
        skip(QStringLiteral("optionsSuccessStatus"),
             QStringLiteral("preflights are answered with 204"));
    QString why;
    if (!CorsPolicy::compile(c, {}, &why)) {
        errors << where + u": " + why;
        return std::nullopt;
    }
    return c;
}

} // namespace Tokengate
