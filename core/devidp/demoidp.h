// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHash>
#include <QHttpServer>
#include <QObject>

#include <atomic>

class QHttpServerRequest;
class QHttpServerResponse;

namespace Tokengate {

// A small OAuth 2.0 server for local use (tokengated --demo, the desktop app, tests): opaque
// tokens by client credentials or minted for any subject, RFC 7662 introspection and RFC 7009
// revocation with client authentication, and an OpenID discovery document. Loopback only;
// tokens live in memory until the process ends.
class DemoIdp : public QObject {
    Q_OBJECT
public:
    explicit DemoIdp(QObject *parent = nullptr);
    ~DemoIdp() override;

    // The one registered client; the secret is random unless set.
    void setClient(const QByteArray &id, const QByteArray &secret);
    QByteArray clientId() const { return m_clientId; }
    QByteArray clientSecret() const { return m_clientSecret; }

    bool start(quint16 port, QString *error); // on 127.0.0.1; 0 lets the kernel choose
    quint16 port() const { return m_port; }
    QString issuer() const;
    QString introspectionUrl() const;

    QByteArray mint(const QString &subject, const QString &scope, int lifetimeSecs);
    void revoke(const QByteArray &token);
    quint64 introspectionCalls() const { return m_introspections; }

private:
    struct Grant {
        QString subject;
        QString clientId;
        QString scope;
        qint64 issuedAt = 0;
        qint64 expiresAt = 0;
    };

    bool authenticateClient(const QHttpServerRequest &request) const;
    QHttpServerResponse token(const QHttpServerRequest &request);
    QHttpServerResponse mintEndpoint(const QHttpServerRequest &request);
    QHttpServerResponse introspect(const QHttpServerRequest &request);
    QHttpServerResponse revokeEndpoint(const QHttpServerRequest &request);
    QHttpServerResponse discovery() const;
    QByteArray issue(Grant grant);
    void dropExpired();

    QHttpServer m_server;
    quint16 m_port = 0;
    QByteArray m_clientId;
    QByteArray m_clientSecret;
    QHash<QByteArray, Grant> m_grants; // by the token's SHA-256, never the token itself
    std::atomic<quint64> m_introspections{0};
};

} // namespace Tokengate
