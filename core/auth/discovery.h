// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionconfig.h"
#include "core/http/upstreamsettings.h"

#include <QList>

#include <QJsonObject>

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

// Fills the url of every endpoint that has an issuer and no url, from the issuer's metadata:
// each fetch bounded by `timeoutMs`, TLS verified unless tls.verifyTls is off, tls.caFile
// trusted, no proxy, no redirects. Blocks in a
// local event loop (needs a QCoreApplication); returns one problem per endpoint it could not
// resolve, each naming the endpoint and why. The daemon calls it before start and on reload.
QStringList resolveDiscovery(const QList<IntrospectionConfig *> &endpoints,
                             const UpstreamSettings &tls, int timeoutMs);

} // namespace Tokengate
