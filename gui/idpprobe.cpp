// SPDX-License-Identifier: Apache-2.0
#include "gui/idpprobe.h"

#include "core/auth/clientauth.h"
#include "core/auth/discovery.h"
#include "core/base/reason.h"

#include <QNetworkProxy>
#include <QRandomGenerator>

namespace Tokengate {

IdpProbe::IdpProbe(QObject *parent)
    : QObject(parent) {}

IdpProbe::~IdpProbe() = default;

void IdpProbe::discover(const QString &issuer, const UpstreamSettings &tls,
                        std::function<void(const Discovery &)> done) {
    // A manager of its own: a kept connection would keep an earlier call's TLS trust (the
    // connection cache's key has no TLS settings in it), so a CA added after a failed attempt
    // would not count.
    auto *network = new QNetworkAccessManager(this);
    network->setProxy(QNetworkProxy::NoProxy); // like the gateway's own discovery
    discoverIntrospectionEndpoint(*network, issuer.trimmed(), tls, DiscoveryTimeoutMs,
                                  [done, network](const QString &endpoint, const QString &error) {
                                      network->deleteLater();
                                      done({endpoint, error});
                                  });
}

void IdpProbe::introspect(const Config &config, const QByteArray &token,
                          std::function<void(const IntrospectionOutcome &)> done,
                          qsizetype endpointIndex) {
    QString why;
    std::optional<IntrospectionEndpoint> endpoint =
        introspectionEndpoint(config.endpointAt(endpointIndex), &why);
    if (!endpoint) {
        // The gateway cannot call such an endpoint either: its calls fail as unreachable.
        IntrospectionOutcome outcome;
        outcome.error = Reason::IdpUnreachable;
        outcome.detail = QStringLiteral("the introspection settings cannot be used: ") + why;
        done(outcome);
        return;
    }
    const quint64 id = m_nextCall++;
    Call &call = m_calls[id];
    UpstreamSettings settings = idpConnectionSettings(config.upstream, *endpoint);
    call.client = std::make_unique<IntrospectionClient>(std::move(*endpoint), std::move(settings),
                                                        config.server.limits, m_sweeper);
    call.call = call.client->introspect(token, [this, id, done](const IntrospectionOutcome &o) {
        // From inside the client's connection: both go once it has returned.
        QMetaObject::invokeMethod(
            this, [this, id] { m_calls.erase(id); }, Qt::QueuedConnection);
        done(o);
    });
}

void IdpProbe::testConnection(const Config &config,
                              std::function<void(bool, const QString &)> done) {
    QByteArray probe(24, Qt::Uninitialized);
    QRandomGenerator::global()->generate(probe.begin(), probe.end());
    const QByteArray token =
        "tokengate-connection-test-" +
        probe.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    introspect(config, token, [done](const IntrospectionOutcome &o) {
        if (o.error != Reason::None) {
            done(false, QString::fromLatin1(reasonId(o.error)) + QStringLiteral(": ") + o.detail);
        } else if (o.result->active) {
            done(false, QStringLiteral("the IdP says a made-up token is active: it is not "
                                       "checking tokens"));
        } else {
            done(true, QStringLiteral("OK: the IdP answered in %1 ms and accepted our client "
                                      "(a made-up token is inactive, as it should be)")
                           .arg(o.latencyUs / 1000));
        }
    });
}

} // namespace Tokengate
