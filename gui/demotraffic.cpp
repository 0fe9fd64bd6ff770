// SPDX-License-Identifier: Apache-2.0
#include "gui/demotraffic.h"

#include "core/devidp/demoidp.h"
#include "gui/gatewaycontroller.h"

#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRandomGenerator>

namespace Tokengate {

namespace {
constexpr int MaxInFlight = 4;
}

DemoTraffic::DemoTraffic(GatewayController *gateway, QObject *parent)
    : QObject(parent)
    , m_gateway(gateway) {
    m_network.setProxy(QNetworkProxy::NoProxy);
    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &DemoTraffic::sendOne);
    connect(gateway, &GatewayController::stateChanged, this, [this] {
        m_tokens.clear(); // a restarted demo IdP knows none of them
        m_revoked.clear();
    });
}

void DemoTraffic::setEnabled(bool on) {
    if (on)
        m_timer.start();
    else
        m_timer.stop();
}

void DemoTraffic::sendOne() {
    DemoIdp *idp = m_gateway->demoIdp();
    if (!idp || m_inFlight >= MaxInFlight)
        return;
    if (m_tokens.isEmpty()) {
        static const char *const users[] = {"alice", "bob", "carol", "dave"};
        for (const char *user : users)
            m_tokens << idp->mint(QString::fromLatin1(user), QStringLiteral("read write"), 3600);
        m_revoked = idp->mint(QStringLiteral("mallory"), QStringLiteral("read"), 3600);
        idp->revoke(m_revoked);
    }
    static const char *const paths[] = {"/hello?name=world", "/api/orders", "/api/users/42",
                                        "/api/orders/7/items"};
    QRandomGenerator *random = QRandomGenerator::global();
    QUrl url(m_gateway->service().listenUrl() +
             QString::fromLatin1(paths[random->bounded(int(std::size(paths)))]));
    QNetworkRequest request(url);
    const int dice = random->bounded(100);
    if (dice < 80)
        request.setRawHeader("Authorization",
                             "Bearer " + m_tokens[random->bounded(int(m_tokens.size()))]);
    else if (dice < 88)
        request.setRawHeader("Authorization", "Bearer " + m_revoked);
    else if (dice < 94)
        request.setRawHeader("Authorization", "Bearer not-a-token-the-idp-issued");
    request.setTransferTimeout(10'000);
    ++m_inFlight;
    ++m_sent;
    QNetworkReply *reply = nullptr;
    if (dice % 5 == 0) {
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        reply = m_network.post(request, QByteArrayLiteral("{\"qty\":1}"));
    } else {
        reply = m_network.get(request);
    }
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        --m_inFlight;
        reply->deleteLater();
    });
}

} // namespace Tokengate
