// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"

#include "core/admin/adminserver.h"
#include "core/admin/idphealth.h"
#include "core/observe/requestmetrics.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <memory>

namespace Tokengate::Test {

// A gateway with its admin listener on 127.0.0.1:0, as tokengated runs them.
struct AdminGateway {
    Gateway gw;
    RequestMetrics metrics;
    IdpHealth idp;
    std::unique_ptr<AdminServer> admin;

    bool start(const Config &config) {
        if (!gw.start(config))
            return false;
        admin = std::make_unique<AdminServer>(gw.service, metrics, idp);
        QString error;
        return admin->listen(QHostAddress::LocalHost, 0, &error);
    }
};

struct AdminAnswer {
    int status = -1;
    QJsonObject body; // the JSON answer, empty when it is none
    ReceivedResponse raw;
};

// One call to the admin listener on a connection of its own: `authorization` is the whole
// header value (empty: none); a non-empty `body` goes with `contentType`.
inline AdminAnswer adminCall(quint16 port, const QByteArray &method, const QByteArray &target,
                             const QByteArray &authorization, const QByteArray &body = {},
                             const QByteArray &contentType = "application/json") {
    QByteArray head = method + ' ' + target + " HTTP/1.1\r\nConnection: close\r\nHost: admin\r\n";
    if (!authorization.isEmpty())
        head += "Authorization: " + authorization + "\r\n";
    if (!body.isEmpty())
        head += "Content-Type: " + contentType +
                "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
    RawClient client;
    AdminAnswer answer;
    if (!client.connectTo(port))
        return answer;
    client.send(head + "\r\n" + body);
    const auto r = client.readResponse(10000);
    if (!r)
        return answer;
    answer.status = r->status;
    answer.body = QJsonDocument::fromJson(r->body).object();
    answer.raw = *r;
    return answer;
}

} // namespace Tokengate::Test
