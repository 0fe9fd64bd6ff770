// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionconfig.h"
#include "core/http/upstreamsettings.h"

#include <QJsonObject>
#include <QList>

#include <functional>

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

// The introspection endpoint, or an empty string and why not.
using DiscoveryCallback = std::function<void(const QString &endpoint, const QString &error)>;

// Looks `issuer`'s introspection endpoint up without blocking: the OIDC document, then RFC
// 8414's, all within `timeoutMs`; TLS verified unless tls.verifyTls is off, tls.caFile
// trusted, no redirects, through `network` (which must outlive the lookup; the gateway's has
// no proxy). `done` runs once.
void discoverIntrospectionEndpoint(QNetworkAccessManager &network, const QString &issuer,
                                   const UpstreamSettings &tls, int timeoutMs,
                                   DiscoveryCallback done);

// Fills the url of every endpoint that has an issuer and no url, from the issuer's metadata:
// each as discoverIntrospectionEndpoint() does, within `timeoutMs`, with no proxy. Blocks in a
// local event loop (needs a QCoreApplication); returns one problem per endpoint it could not
// resolve, each naming the endpoint and why. The daemon calls it before start and on reload.
QStringList resolveDiscovery(const QList<IntrospectionConfig *> &endpoints,
                             const UpstreamSettings &tls, int timeoutMs);

} // namespace Tokengate
