// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionconfig.h"
#include "core/http/upstreamsettings.h"

#include <QJsonObject>
#include <QList>

#include <functional>
#include <optional>

class QNetworkAccessManager;

namespace Tokengate {

// Where an issuer's metadata documents are: OpenID Connect Discovery 1.0 section 4
// (<issuer>/.well-known/openid-configuration) and RFC 8414 section 3
// (<origin>/.well-known/oauth-authorization-server<issuer path>), tried in this order.
QStringList discoveryUrls(const QString &issuer);

// The introspection endpoint a metadata document names, if it is for `issuer` (RFC 8414
// section 3.3: the document's issuer must be the one asked about; a trailing slash aside).
// Empty with `error` set otherwise.
QString introspectionEndpointFrom(const QJsonObject &metadata, const QString &issuer,
                                  QString *error);

// Why `jwksUri` must not be trusted with the keys that decide who gets in: plain http beyond
// loopback, where anyone on the path could swap them. Empty when it may.
QString jwksUriProblem(const QString &jwksUri);

// What an issuer's metadata must name for an endpoint's validation mode.
struct DiscoveryNeeds {
    bool introspection = true; // introspection_endpoint
    bool jwks = false;         // jwks_uri
};
struct IssuerEndpoints {
    QString introspection;
    QString jwksUri;
};

// The endpoints `needs` asks for from a metadata document for `issuer` (the same issuer check
// as introspectionEndpointFrom); nullopt with `error` set when one is missing or unusable.
std::optional<IssuerEndpoints> endpointsFrom(const QJsonObject &metadata, const QString &issuer,
                                             DiscoveryNeeds needs, QString *error);

// The introspection endpoint, or an empty string and why not.
using DiscoveryCallback = std::function<void(const QString &endpoint, const QString &error)>;

// Looks `issuer`'s introspection endpoint up without blocking: the OIDC document, then RFC
// 8414's, all within `timeoutMs`; TLS verified unless tls.verifyTls is off, tls.caFile
// trusted, no redirects, through `network` (which must outlive the lookup; the gateway's has
// no proxy). `done` runs once.
void discoverIntrospectionEndpoint(QNetworkAccessManager &network, const QString &issuer,
                                   const UpstreamSettings &tls, int timeoutMs,
                                   DiscoveryCallback done);

// Looks up what `needs` asks for as discoverIntrospectionEndpoint() does.
void discoverEndpoints(QNetworkAccessManager &network, const QString &issuer,
                       const UpstreamSettings &tls, int timeoutMs, DiscoveryNeeds needs,
                       std::function<void(const IssuerEndpoints &, const QString &error)> done);

// The TLS trust for `endpoint`'s issuer metadata: the upstream's, with the endpoint's own
// CAs when it has some (as for its introspection calls).
UpstreamSettings issuerTls(UpstreamSettings upstream, const IntrospectionConfig &endpoint);

// Fills the url of every endpoint that has an issuer and no url (when it asks the IdP), and the
// jwks_uri of every JWT-validating endpoint without one, from the issuer's metadata:
// each as discoverIntrospectionEndpoint() does, within `timeoutMs`, with no proxy. Blocks in a
// local event loop (needs a QCoreApplication); returns one problem per endpoint it could not
// resolve, each naming the endpoint and why. The daemon calls it before start and on reload.
QStringList resolveDiscovery(const QList<IntrospectionConfig *> &endpoints,
                             const UpstreamSettings &tls, int timeoutMs);

} // namespace Tokengate
