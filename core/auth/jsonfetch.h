// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/upstreamsettings.h"

#include <QJsonObject>

#include <functional>
#include <optional>

class QNetworkAccessManager;

namespace Tokengate {

// A JSON object an IdP publishes (metadata, a JWK Set) and how long it says to keep it.
struct JsonDocument {
    QJsonObject object;
    std::optional<int> maxAgeSecs; // Cache-Control max-age; 0 for no-store/no-cache
};

using JsonDocumentCallback =
    std::function<void(const std::optional<JsonDocument> &document, const QString &error)>;

// One GET of `url` through `network` without blocking: at most 1 MiB within `timeoutMs`, TLS
// verified unless tls.verifyTls is off, tls.caFile trusted, no redirects. `done` runs once,
// from the event loop, with the object or why not (the URL's credentials never in it).
void fetchJsonDocument(QNetworkAccessManager &network, const QString &url,
                       const UpstreamSettings &tls, int timeoutMs, JsonDocumentCallback done);

// The max-age of a Cache-Control value (0 for no-store or no-cache), if it gives one.
std::optional<int> maxAgeSecs(QByteArrayView cacheControl);

} // namespace Tokengate
