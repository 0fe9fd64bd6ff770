// SPDX-License-Identifier: Apache-2.0
#include "core/auth/discovery.h"

#include "core/auth/jsonfetch.h"
#include "core/http/upstreamtarget.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QUrl>

namespace Tokengate {

namespace {

QString withoutTrailingSlash(QString s) {
    while (s.endsWith(u'/'))
        s.chop(1);
    return s;
}

// The documents of one issuer, tried in turn within one time budget.
struct Lookup {
    QString issuer;
    UpstreamSettings tls;
    int timeoutMs = 0;
    QStringList urls;
    qsizetype next = 0;
    QStringList whyNot;
    QElapsedTimer spent;
    DiscoveryNeeds needs;
    std::function<void(const IssuerEndpoints &, const QString &error)> done;
};

void tryNext(QNetworkAccessManager &network, const std::shared_ptr<Lookup> &lookup) {
    if (lookup->next >= lookup->urls.size()) {
        lookup->done({}, lookup->whyNot.join(QStringLiteral("; ")));
        return;
    }
    const QString url = lookup->urls.at(lookup->next++);
    const int left = lookup->timeoutMs - int(lookup->spent.elapsed());
    if (left <= 0) {
        lookup->whyNot << QStringLiteral("%1: no time left").arg(UpstreamTarget::redacted(url));
        lookup->done({}, lookup->whyNot.join(QStringLiteral("; ")));
        return;
    }
    fetchJsonDocument(
        network, url, lookup->tls, left,
        [&network, lookup, url](const std::optional<JsonDocument> &metadata, QString why) {
            if (metadata) {
                if (const auto endpoints =
                        endpointsFrom(metadata->object, lookup->issuer, lookup->needs, &why)) {
                    lookup->done(*endpoints, QString());
                    return;
                }
                why = UpstreamTarget::redacted(url) + QStringLiteral(": ") + why;
            }
            lookup->whyNot << why;
            tryNext(network, lookup);
        });
}

} // namespace

QStringList discoveryUrls(const QString &issuer) {
    const QString base = withoutTrailingSlash(issuer);
    const QUrl url(base);
    const QString path = url.path(QUrl::FullyEncoded);
    QUrl origin = url;
    origin.setPath(QString());
    origin.setQuery(QString());
    origin.setFragment(QString());
    return {base + QStringLiteral("/.well-known/openid-configuration"),
            origin.toString(QUrl::FullyEncoded) +
                QStringLiteral("/.well-known/oauth-authorization-server") + path};
}

namespace {

// An endpoint URL from the document, checked; empty with `error` set when absent or unusable.
QString endpointUrl(const QJsonObject &metadata, const char *name, QString *error) {
    const QString endpoint = metadata.value(QLatin1StringView(name)).toString();
    if (endpoint.isEmpty()) {
        *error = QStringLiteral("no %1 in the document").arg(QLatin1StringView(name));
        return {};
    }
    QString why;
    if (!UpstreamTarget::parse(endpoint, &why)) {
        *error = QStringLiteral("%1 \"%2\": %3")
                     .arg(QLatin1StringView(name), UpstreamTarget::redacted(endpoint), why);
        return {};
    }
    return endpoint;
}

} // namespace

QString jwksUriProblem(const QString &jwksUri) {
    const QUrl url(jwksUri);
    if (url.scheme() == u"https")
        return {};
    const QString host = url.host();
    if (url.scheme() == u"http" && (host == u"localhost" || QHostAddress(host).isLoopback()))
        return {};
    return QStringLiteral("jwks_uri \"%1\" must be https (or on loopback): the keys in it "
                          "decide which tokens are accepted")
        .arg(UpstreamTarget::redacted(jwksUri));
}

std::optional<IssuerEndpoints> endpointsFrom(const QJsonObject &metadata, const QString &issuer,
                                             DiscoveryNeeds needs, QString *error) {
    const QString documentIssuer = metadata.value(u"issuer").toString();
    if (withoutTrailingSlash(documentIssuer) != withoutTrailingSlash(issuer)) {
        *error =
            QStringLiteral("the document is for issuer \"%1\", not \"%2\"")
                .arg(UpstreamTarget::redacted(documentIssuer), UpstreamTarget::redacted(issuer));
        return std::nullopt;
    }
    IssuerEndpoints found;
    if (needs.introspection) {
        found.introspection = endpointUrl(metadata, "introspection_endpoint", error);
        if (found.introspection.isEmpty())
            return std::nullopt;
    }
    if (needs.jwks) {
        found.jwksUri = endpointUrl(metadata, "jwks_uri", error);
        if (found.jwksUri.isEmpty())
            return std::nullopt;
        if (const QString why = jwksUriProblem(found.jwksUri); !why.isEmpty()) {
            *error = why;
            return std::nullopt;
        }
    }
    return found;
}

QString introspectionEndpointFrom(const QJsonObject &metadata, const QString &issuer,
                                  QString *error) {
    const auto endpoints = endpointsFrom(metadata, issuer, {}, error);
    return endpoints ? endpoints->introspection : QString();
}

void discoverEndpoints(QNetworkAccessManager &network, const QString &issuer,
                       const UpstreamSettings &tls, int timeoutMs, DiscoveryNeeds needs,
                       std::function<void(const IssuerEndpoints &, const QString &)> done) {
    auto lookup = std::make_shared<Lookup>();
    lookup->issuer = issuer;
    lookup->tls = tls;
    lookup->timeoutMs = timeoutMs;
    lookup->urls = discoveryUrls(issuer);
    lookup->needs = needs;
    lookup->done = std::move(done);
    lookup->spent.start();
    tryNext(network, lookup);
}

void discoverIntrospectionEndpoint(QNetworkAccessManager &network, const QString &issuer,
                                   const UpstreamSettings &tls, int timeoutMs,
                                   DiscoveryCallback done) {
    discoverEndpoints(network, issuer, tls, timeoutMs, {},
                      [done = std::move(done)](const IssuerEndpoints &found, const QString &why) {
                          done(found.introspection, why);
                      });
}

UpstreamSettings issuerTls(UpstreamSettings upstream, const IntrospectionConfig &endpoint) {
    if (!endpoint.tlsCaFile.isEmpty())
        upstream.caFile = endpoint.tlsCaFile;
    return upstream;
}

QStringList resolveDiscovery(const QList<IntrospectionConfig *> &endpoints,
                             const UpstreamSettings &tls, int timeoutMs) {
    QStringList problems;
    std::unique_ptr<QNetworkAccessManager> network;
    for (IntrospectionConfig *e : endpoints) {
        DiscoveryNeeds needs;
        needs.introspection = e->url.isEmpty() && e->asksIdp();
        needs.jwks = e->jwksUri.isEmpty() && e->needsKeys();
        if (e->issuer.isEmpty() || (!needs.introspection && !needs.jwks))
            continue;
        if (!network) {
            network = std::make_unique<QNetworkAccessManager>();
            network->setProxy(QNetworkProxy::NoProxy); // like every other call we make
        }
        IssuerEndpoints found;
        QString why;
        bool answered = false;
        QEventLoop loop;
        discoverEndpoints(*network, e->issuer, issuerTls(tls, *e), timeoutMs, needs,
                          [&](const IssuerEndpoints &answer, const QString &error) {
                              found = answer;
                              why = error;
                              answered = true;
                              loop.quit();
                          });
        if (!answered)
            loop.exec(QEventLoop::ExcludeUserInputEvents);
        if (!why.isEmpty()) {
            problems << QStringLiteral("introspection \"%1\": discovery from %2 failed: %3")
                            .arg(e->name, UpstreamTarget::redacted(e->issuer), why);
            continue;
        }
        if (needs.introspection)
            e->url = found.introspection;
        if (needs.jwks)
            e->jwksUri = found.jwksUri;
    }
    return problems;
}

} // namespace Tokengate
