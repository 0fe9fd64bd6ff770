// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionclient.h"
#include "core/base/deadlinesweeper.h"
#include "core/config/config.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <functional>
#include <map>
#include <memory>

namespace Tokengate {

// The settings page's and test bench's own calls to the IdP, outside the gateway but made by
// the gateway's code: discovery with its issuer check, and introspection through the
// gateway's client (its client authentication, private_key_jwt included, its TLS trust,
// timeouts and size bounds). Tokens are sent, never logged.
class IdpProbe : public QObject {
    Q_OBJECT
public:
    explicit IdpProbe(QObject *parent = nullptr);
    ~IdpProbe() override;

    struct Discovery {
        QString introspectionUrl; // empty on failure
        QString error;
    };
    // The issuer's introspection endpoint, trusting what `tls` (Config::upstream) trusts.
    void discover(const QString &issuer, const UpstreamSettings &tls,
                  std::function<void(const Discovery &)> done);

    // Introspects `token` at one of config's endpoints (0: the default one, then
    // moreIntrospection's, as a route's index names them) exactly as the gateway would; `done`
    // gets what the gateway's client made of it (a reason id and detail when no answer).
    void introspect(const Config &config, const QByteArray &token,
                    std::function<void(const IntrospectionOutcome &)> done,
                    qsizetype endpointIndex = 0);
    // Introspects a made-up token: an IdP that answers active=false is reachable and took
    // our client authentication. `done` gets one line for the user.
    void testConnection(const Config &config,
                        std::function<void(bool ok, const QString &message)> done);

    static constexpr int DiscoveryTimeoutMs = 10'000;

private:
    // A call and the client it runs on, let go on a later turn once it is done.
    struct Call {
        std::unique_ptr<IntrospectionClient> client;
        std::unique_ptr<IntrospectionCall> call;
    };

    DeadlineSweeper m_sweeper;
    std::map<quint64, Call> m_calls;
    quint64 m_nextCall = 0;
};

} // namespace Tokengate
