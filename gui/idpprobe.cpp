// SPDX-License-Identifier: Apache-2.0
#include "gui/idpprobe.h"

#include "core/base/formencoding.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QRandomGenerator>

#include <memory>

namespace Tokengate {

IdpProbe::IdpProbe(QObject *parent)
    : QObject(parent) {
    m_network.setProxy(QNetworkProxy::NoProxy);
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
}

QNetworkReply *IdpProbe::send(QNetworkRequest request, const QByteArray *body, int timeoutMs) {
    request.setTransferTimeout(timeoutMs);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    return body ? m_network.post(request, *body) : m_network.get(request);
}

void IdpProbe::collect(QNetworkReply *reply,
                       std::function<void(QNetworkReply *, QByteArray)> done) {
    auto body = std::make_shared<QByteArray>();
    connect(reply, &QNetworkReply::readyRead, this, [reply, body] {
        body->append(reply->read(MaxResponseBytes + 1 - body->size()));
        if (body->size() > MaxResponseBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [reply, body, done] {
        body->append(reply->read(MaxResponseBytes + 1 - body->size()));
        reply->deleteLater();
        done(reply, *body);
    });
}

void IdpProbe::discover(const QString &issuer, std::function<void(const Discovery &)> done) {
    QUrl base(issuer.trimmed());
    if (!base.isValid() || (base.scheme() != u"http" && base.scheme() != u"https") ||
        base.host().isEmpty()) {
        done({{}, QStringLiteral("not an http(s) URL: \"%1\"").arg(issuer)});
        return;
    }
    QString path = base.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    QUrl oidc = base;
    oidc.setPath(path + QStringLiteral("/.well-known/openid-configuration"));
    QUrl rfc8414 = base;
    rfc8414.setPath(QStringLiteral("/.well-known/oauth-authorization-server") + path);
    discoverAt({oidc, rfc8414}, 0, {}, std::move(done));
}

void IdpProbe::discoverAt(const QList<QUrl> &candidates, qsizetype i, QString lastError,
                          std::function<void(const Discovery &)> done) {
    if (i >= candidates.size()) {
        done({{}, lastError});
        return;
    }
    const QUrl url = candidates[i];
    QNetworkReply *reply = send(QNetworkRequest(url), nullptr, 10'000);
    collect(reply, [this, candidates, i, url, done](QNetworkReply *r, const QByteArray &body) {
        const int status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        QString error;
        if (r->error() != QNetworkReply::NoError && status == 0) {
            error = QStringLiteral("%1: %2").arg(url.toDisplayString(), r->errorString());
        } else if (status != 200) {
            error = QStringLiteral("%1: HTTP %2").arg(url.toDisplayString()).arg(status);
        } else {
            const QJsonObject doc = QJsonDocument::fromJson(body).object();
            const QString endpoint = doc.value(QStringLiteral("introspection_endpoint")).toString();
            if (!endpoint.isEmpty()) {
                done({endpoint, {}});
                return;
            }
            error = QStringLiteral("%1 names no introspection_endpoint").arg(url.toDisplayString());
        }
        discoverAt(candidates, i + 1, error, done);
    });
}

void IdpProbe::introspect(const IntrospectionConfig &config, const QByteArray &token,
                          std::function<void(const Introspection &)> done) {
    const QUrl url(config.url);
    if (!url.isValid() || (url.scheme() != u"http" && url.scheme() != u"https")) {
        done({0, QStringLiteral("no valid introspection URL"), {}, {}, 0});
        return;
    }
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    request.setRawHeader("Accept", "application/json");
    QByteArray body = "token=" + formEncode(token) + "&token_type_hint=access_token";
    if (!config.authorization.isEmpty()) {
        request.setRawHeader("Authorization", config.authorization.toUtf8());
    } else if (config.authMethod == ClientAuthMethod::ClientSecretPost) {
        body += "&client_id=" + formEncode(config.clientId.toUtf8()) +
                "&client_secret=" + formEncode(config.clientSecret.toUtf8());
    } else if (!config.clientId.isEmpty()) {
        request.setRawHeader("Authorization", basicAuthorization(config.clientId.toUtf8(),
                                                                 config.clientSecret.toUtf8()));
    }
    QElapsedTimer clock;
    clock.start();
    QNetworkReply *reply = send(request, &body, config.timeoutMs);
    collect(reply, [done, clock](QNetworkReply *r, const QByteArray &answer) {
        Introspection out;
        out.latencyMs = clock.elapsed();
        out.httpStatus = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        out.body = answer.left(MaxResponseBytes);
        if (answer.size() > MaxResponseBytes) {
            out.error = QStringLiteral("the answer is larger than 1 MiB");
        } else if (out.httpStatus == 0) {
            out.error = QStringLiteral("no answer: ") + r->errorString();
        } else if (out.httpStatus == 401 || out.httpStatus == 403) {
            out.error = QStringLiteral("the IdP rejected our client credentials (HTTP %1)")
                            .arg(out.httpStatus);
        } else if (out.httpStatus < 200 || out.httpStatus > 299) {
            out.error = QStringLiteral("the IdP answered HTTP %1").arg(out.httpStatus);
        } else {
            QString why;
            out.result = IntrospectionResult::fromJson(answer, &why);
            if (!out.result)
                out.error = QStringLiteral("not an introspection answer: ") + why;
        }
        done(out);
    });
}

void IdpProbe::testConnection(const IntrospectionConfig &config,
                              std::function<void(bool, const QString &)> done) {
    QByteArray probe(24, Qt::Uninitialized);
    QRandomGenerator::global()->generate(probe.begin(), probe.end());
    const QByteArray token =
        "tokengate-connection-test-" +
        probe.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    introspect(config, token, [done](const Introspection &r) {
        if (!r.error.isEmpty()) {
            done(false, r.error);
        } else if (r.result->active) {
            done(false, QStringLiteral("the IdP says a made-up token is active: it is not "
                                       "checking tokens"));
        } else {
            done(true, QStringLiteral("OK: the IdP answered in %1 ms and accepted our client "
                                      "(a made-up token is inactive, as it should be)")
                           .arg(r.latencyMs));
        }
    });
}

} // namespace Tokengate
