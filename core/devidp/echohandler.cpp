// SPDX-License-Identifier: Apache-2.0
#include "core/devidp/echohandler.h"

#include "core/http/httpconnection.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace Tokengate {

namespace {

class EchoExchange : public Exchange {
public:
    EchoExchange(HttpConnection &client, const RequestHead &head)
        : m_client(client)
        , m_head(head) {}

    void start() override {
        if (m_head.hasBody())
            m_client.setBodyFlowing(true);
    }

    void onRequestBody(QByteArrayView chunk) override {
        m_bodyBytes += chunk.size();
        m_hash.addData(chunk);
    }

    void onRequestComplete() override {
        QJsonArray headers;
        for (const HeaderField &f : m_head.headers.fields())
            headers.append(QJsonArray{QString::fromLatin1(f.name), QString::fromLatin1(f.value)});
        const QJsonObject echo{
            {QStringLiteral("method"), QString::fromLatin1(m_head.method)},
            {QStringLiteral("target"), QString::fromLatin1(m_head.target)},
            {QStringLiteral("version"),
             m_head.versionMinor == 0 ? QStringLiteral("HTTP/1.0") : QStringLiteral("HTTP/1.1")},
            {QStringLiteral("headers"), headers},
            {QStringLiteral("bodyBytes"), double(m_bodyBytes)},
            {QStringLiteral("bodySha256"), QString::fromLatin1(m_hash.result().toHex())},
        };
        const QByteArray body = QJsonDocument(echo).toJson(QJsonDocument::Compact) + '\n';
        ResponseHead response;
        response.status = 200;
        response.contentLength = body.size();
        response.headers.append("Content-Type", "application/json");
        m_client.sendResponseHead(std::move(response));
        m_client.sendResponseBody(body);
        m_client.finishResponse();
    }

    void onClientGone() override {}

private:
    HttpConnection &m_client;
    RequestHead m_head;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    qint64 m_bodyBytes = 0;
};

} // namespace

std::unique_ptr<Exchange> EchoHandler::createExchange(HttpConnection &client,
                                                      const RequestHead &head) {
    return std::make_unique<EchoExchange>(client, head);
}

} // namespace Tokengate
