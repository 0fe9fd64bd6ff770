// SPDX-License-Identifier: Apache-2.0
#include "gui/configsettings.h"

#include "core/config/configoptions.h"
#include "core/config/configschema.h"
#include "core/config/settingvalue.h"

#include <QSettings>

namespace Tokengate {

const QList<SecretField> &secretFields() {
    static const QList<SecretField> fields = {
        {QStringLiteral("client-secret"), QStringLiteral("client secret"),
         [](Config &c) -> QString & { return c.introspection.clientSecret; },
         [](Config &c) -> QString & { return c.introspection.clientSecretRef; }},
        {QStringLiteral("introspection-authorization"), QStringLiteral("Authorization value"),
         [](Config &c) -> QString & { return c.introspection.authorization; },
         [](Config &c) -> QString & { return c.introspection.authorizationRef; }},
        {QStringLiteral("jwt-secret"), QStringLiteral("JWT secret"),
         [](Config &c) -> QString & { return c.jwt.secret; },
         [](Config &c) -> QString & { return c.jwt.secretRef; }},
    };
    return fields;
}

namespace ConfigSettings {

// As the config file writes it: "*" (every interface, IPv6 too) must not come back as
// 0.0.0.0 (IPv4 only).
QString listenText(const QHostAddress &address, quint16 port) {
    return formatListenAddress(address, port);
}

QString listenText(const ServerSettings &s) {
    return listenText(s.address, s.port);
}

Config withoutSecrets(Config config) {
    for (const SecretField &f : secretFields())
        f.field(config).clear();
    return config;
}

void save(QSettings &s, const Config &c) {
    s.beginGroup(QStringLiteral("gateway"));
    s.setValue(QStringLiteral("listen"), listenText(c.server));
    s.setValue(QStringLiteral("workers"), c.server.workers);
    s.setValue(QStringLiteral("plainHttp"), c.server.plainEnabled);
    s.setValue(QStringLiteral("tlsEnabled"), c.server.tls.enabled);
    s.setValue(QStringLiteral("tlsListen"), listenText(c.server.tls.address, c.server.tls.port));
    s.setValue(QStringLiteral("tlsCertFile"), c.tls.certFile);
    s.setValue(QStringLiteral("tlsKeyFile"), c.tls.keyFile);
    s.setValue(QStringLiteral("tlsClientAuth"), QString::fromLatin1(ConfigSchema::nameOf(
                                                    ConfigSchema::clientAuths, c.tls.clientAuth)));
    s.setValue(QStringLiteral("tlsClientCaFile"), c.tls.clientCaFile);
    s.setValue(QStringLiteral("upstream"), c.upstreamUrl);
    s.setValue(QStringLiteral("destinationAllow"), c.destinationAllow);
    s.setValue(QStringLiteral("auth"),
               c.auth == AuthMode::None ? QStringLiteral("none") : QStringLiteral("introspection"));
    s.setValue(QStringLiteral("introspectionUrl"), c.introspection.url);
    s.setValue(QStringLiteral("issuer"), c.introspection.issuer);
    s.setValue(QStringLiteral("tokenValidation"),
               QString::fromLatin1(ConfigSchema::nameOf(ConfigSchema::tokenValidations,
                                                        c.introspection.validation)));
    s.setValue(QStringLiteral("tokenAudiences"), c.introspection.audiences);
    s.setValue(QStringLiteral("clientId"), c.introspection.clientId);
    s.setValue(QStringLiteral("introspectionTimeoutMs"), c.introspection.timeoutMs);
    s.setValue(QStringLiteral("cacheEnabled"), c.cache.enabled);
    s.setValue(QStringLiteral("cacheTtl"), c.cache.ttlSecs);
    s.setValue(QStringLiteral("cacheNegativeTtl"), c.cache.negativeTtlSecs);
    s.setValue(QStringLiteral("cacheStaleGrace"), c.cache.staleGraceSecs);
    s.setValue(QStringLiteral("cacheMaxEntries"), c.cache.maxEntries);
    s.setValue(QStringLiteral("jwtHeader"), c.jwt.headerName);
    s.setValue(QStringLiteral("jwtLifetime"), c.jwt.lifetimeSecs);
    s.setValue(QStringLiteral("jwtPassthrough"), c.jwt.allowPassthrough);
    s.setValue(QStringLiteral("requiredScopes"), c.requiredScopes.join(u' '));
    s.setValue(QStringLiteral("allowMissingToken"), c.allowMissingToken);
    s.setValue(QStringLiteral("demo"), c.demo);
    s.endGroup();
}

Config load(QSettings &s) {
    Config c;
    s.beginGroup(QStringLiteral("gateway"));
    // A damaged value keeps the default rather than failing the whole load.
    parseListenAddress(s.value(QStringLiteral("listen"), listenText(c.server)).toString(),
                       &c.server.address, &c.server.port);
    c.server.workers = s.value(QStringLiteral("workers"), c.server.workers).toInt();
    c.server.plainEnabled = s.value(QStringLiteral("plainHttp"), true).toBool();
    c.server.tls.enabled = s.value(QStringLiteral("tlsEnabled")).toBool();
    parseListenAddress(
        s.value(QStringLiteral("tlsListen"), listenText(c.server.tls.address, c.server.tls.port))
            .toString(),
        &c.server.tls.address, &c.server.tls.port);
    c.tls.certFile = s.value(QStringLiteral("tlsCertFile")).toString();
    c.tls.keyFile = s.value(QStringLiteral("tlsKeyFile")).toString();
    c.tls.clientAuth = ConfigSchema::valueOf(ConfigSchema::clientAuths,
                                             s.value(QStringLiteral("tlsClientAuth")).toString())
                           .value_or(ClientAuth::None);
    c.tls.clientCaFile = s.value(QStringLiteral("tlsClientCaFile")).toString();
    c.upstreamUrl = s.value(QStringLiteral("upstream")).toString();
    c.destinationAllow = s.value(QStringLiteral("destinationAllow")).toString();
    c.auth = s.value(QStringLiteral("auth")).toString() == u"none" ? AuthMode::None
                                                                   : AuthMode::Introspection;
    c.introspection.url = s.value(QStringLiteral("introspectionUrl")).toString();
    c.introspection.issuer = s.value(QStringLiteral("issuer")).toString();
    c.introspection.validation =
        ConfigSchema::valueOf(ConfigSchema::tokenValidations,
                              s.value(QStringLiteral("tokenValidation")).toString())
            .value_or(TokenValidation::Introspect);
    c.introspection.audiences = s.value(QStringLiteral("tokenAudiences")).toStringList();
    c.introspection.clientId = s.value(QStringLiteral("clientId")).toString();
    c.introspection.timeoutMs =
        s.value(QStringLiteral("introspectionTimeoutMs"), c.introspection.timeoutMs).toInt();
    c.cache.enabled = s.value(QStringLiteral("cacheEnabled"), c.cache.enabled).toBool();
    c.cache.ttlSecs = s.value(QStringLiteral("cacheTtl"), c.cache.ttlSecs).toInt();
    c.cache.negativeTtlSecs =
        s.value(QStringLiteral("cacheNegativeTtl"), c.cache.negativeTtlSecs).toInt();
    c.cache.staleGraceSecs =
        s.value(QStringLiteral("cacheStaleGrace"), c.cache.staleGraceSecs).toInt();
    c.cache.maxEntries =
        s.value(QStringLiteral("cacheMaxEntries"), c.cache.maxEntries).toLongLong();
    c.jwt.headerName = s.value(QStringLiteral("jwtHeader")).toString();
    c.jwt.lifetimeSecs = s.value(QStringLiteral("jwtLifetime"), c.jwt.lifetimeSecs).toInt();
    c.jwt.allowPassthrough = s.value(QStringLiteral("jwtPassthrough")).toBool();
    c.requiredScopes =
        s.value(QStringLiteral("requiredScopes")).toString().split(u' ', Qt::SkipEmptyParts);
    c.allowMissingToken = s.value(QStringLiteral("allowMissingToken")).toBool();
    c.demo = s.value(QStringLiteral("demo"), true).toBool(); // first run: the demo
    s.endGroup();
    c.accessLog = QStringLiteral("off"); // the window is the access log
    return withoutSecrets(c);
}

} // namespace ConfigSettings

} // namespace Tokengate
