// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/introspectionresult.h"
#include "core/config/config.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <functional>
#include <optional>

namespace Tokengate {

// The settings page's and test bench's own calls to the IdP, outside the gateway: OpenID /
// RFC 8414 discovery, and an RFC 7662 introspection with the configured client auth. No
// proxy, no redirects, bounded time and size. Tokens are sent, never logged.
class IdpProbe : public QObject {
    Q_OBJECT
public:
    explicit IdpProbe(QObject *parent = nullptr);

    struct Discovery {
        QString introspectionUrl; // empty on failure
        QString error;
    };
    // Tries <issuer>/.well-known/openid-configuration, then RFC 8414's
    // /.well-known/oauth-authorization-server<issuer path>.
    void discover(const QString &issuer, std::function<void(const Discovery &)> done);

    struct Introspection {
        int httpStatus = 0; // 0: no HTTP answer
        QString error;      // empty when `result` holds the IdP's answer
        std::optional<IntrospectionResult> result;
        QByteArray body; // the IdP's JSON, for display
        qint64 latencyMs = 0;
    };
    void introspect(const IntrospectionConfig &config, const QByteArray &token,
                    std::function<void(const Introspection &)> done);
    // Introspects a made-up token: an IdP that answers active=false is reachable and took
    // our client credentials. `done` gets one line for the user.
    void testConnection(const IntrospectionConfig &config,
                        std::function<void(bool ok, const QString &message)> done);

    static constexpr qint64 MaxResponseBytes = 1 << 20;

private:
    QNetworkReply *send(QNetworkRequest request, const QByteArray *body, int timeoutMs);
    void collect(QNetworkReply *reply, std::function<void(QNetworkReply *, QByteArray)> done);
    void discoverAt(const QList<QUrl> &candidates, qsizetype i, QString lastError,
                    std::function<void(const Discovery &)> done);

    QNetworkAccessManager m_network;
};

} // namespace Tokengate
