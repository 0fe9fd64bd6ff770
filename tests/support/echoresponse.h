// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tests/support/rawclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Tokengate::Test {

// The echo upstream's JSON description of the request it received.
inline QJsonObject echoJson(const ReceivedResponse &r) {
    return QJsonDocument::fromJson(r.body).object();
}

// Values of one header as the echo upstream received it, in order.
inline QList<QByteArray> echoedHeader(const ReceivedResponse &r, QByteArrayView name) {
    QList<QByteArray> out;
    for (const auto &h : echoJson(r).value(u"headers").toArray()) {
        const QJsonArray pair = h.toArray();
        if (HeaderMap::sameName(pair.at(0).toString().toLatin1(), name))
            out << pair.at(1).toString().toUtf8();
    }
    return out;
}

} // namespace Tokengate::Test
