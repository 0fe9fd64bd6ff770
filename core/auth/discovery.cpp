// SPDX-License-Identifier: Apache-2.0
#include "core/auth/discovery.h"

#include "core/http/upstreamtarget.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QSslConfiguration>
#include <QTimer>
#include <QUrl>

namespace Tokengate {

namespace {

constexpr qint64 MaxDocumentBytes = 1 << 20;

// `text` with the user info of `url` (a password, often) shown as "***": Qt's own error strings
// quote the URL they failed on.
QString scrubbed(QString text, const QString &url) {
    const QUrl u(url);
    for (const QString &secret :
         {u.userInfo(QUrl::FullyEncoded), u.userInfo(QUrl::FullyDecoded), u.password()}) {
        if (!secret.isEmpty())
            text.replace(secret, QStringLiteral("***"));
    }
    return UpstreamTarget::redacted(text);
}

QString withoutTrailingSlash(QString s) {
    while (s.endsWith(u'/'))
        s.chop(1);
    return s;
}

// One GET of a metadata document; the JSON object, or why not.
std::optional<QJsonObject> fetch(QNetworkAccessManager &network, const QString &url,
                                 const UpstreamSettings &tls, int timeoutMs, QString *error) {
    QNetworkRequest request{QUrl(url)};
    request.setRawHeader("Accept", "application/json");
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setTransferTimeout(timeoutMs);
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!tls.verifyTls)
        ssl.setPeerVerifyMode(QSslSocket::VerifyNone);
    if (!tls.caFile.isEmpty())
        ssl.addCaCertificates(tls.caFile);
    request.setSslConfiguration(ssl);

    QNetworkReply *reply = network.get(request);
    QEventLoop loop;
    QTimer deadline;
    deadline.setSingleShot(true);
    bool tooLarge = false;
    bool timedOut = false;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    // Announced or received beyond the cap: abandoned at once. QNetworkReply::abort() is
    // safe from its own signals; the reply is read only after the loop has returned.
    auto refuseIfTooLarge = [&](qint64 bytes) {
        if (bytes > MaxDocumentBytes && !tooLarge) {
            tooLarge = true;
            reply->abort();
        }
    };
    QObject::connect(reply, &QNetworkReply::metaDataChanged, &loop, [&] {
        refuseIfTooLarge(reply->header(QNetworkRequest::ContentLengthHeader).toLongLong());
    });
    QObject::connect(reply, &QNetworkReply::downloadProgress, &loop,
                     [&](qint64 received, qint64) { refuseIfTooLarge(received); });
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        reply->abort();
    });
    deadline.start(timeoutMs);
    if (!reply->isFinished())
        loop.exec(QEventLoop::ExcludeUserInputEvents);
    const std::unique_ptr<QNetworkReply> owner(reply);

    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QString shown = UpstreamTarget::redacted(url);
    if (tooLarge) {
        *error = QStringLiteral("%1: larger than %2 bytes").arg(shown).arg(MaxDocumentBytes);
    } else if (timedOut || reply->error() == QNetworkReply::OperationCanceledError ||
               reply->error() == QNetworkReply::TimeoutError) {
        *error = QStringLiteral("%1: no answer within %2 ms").arg(shown).arg(timeoutMs);
    } else if (status == 0) {
        *error = QStringLiteral("%1: %2").arg(shown, scrubbed(reply->errorString(), url));
    } else if (status != 200) {
        *error = QStringLiteral("%1: HTTP %2").arg(shown).arg(status);
    } else {
        QJsonParseError parse;
        const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll(), &parse);
        if (doc.isObject())
            return doc.object();
        *error = QStringLiteral("%1: not a JSON object").arg(shown);
    }
    return std::nullopt;
}

QString discover(QNetworkAccessManager &network, const QString &issuer, const UpstreamSettings &tls,
                 int timeoutMs, QString *error) {
    QStringList whyNot;
    QElapsedTimer spent;
    spent.start();
    for (const QString &url : discoveryUrls(issuer)) {
        const int left = timeoutMs - int(spent.elapsed());
        if (left <= 0) {
            whyNot << QStringLiteral("%1: no time left").arg(UpstreamTarget::redacted(url));
            break;
        }
        QString why;
        const auto metadata = fetch(network, url, tls, left, &why);
        if (metadata) {
            const QString endpoint = introspectionEndpointFrom(*metadata, issuer, &why);
            if (!endpoint.isEmpty())
                return endpoint;
            why = UpstreamTarget::redacted(url) + QStringLiteral(": ") + why;
        }
        whyNot << why;
    }
    *error = whyNot.join(QStringLiteral("; "));
    return {};
}

} // namespace

QStringList discoveryUrls(const QString &issuer) {
    const QString base = withoutTrailingSlash(issuer);
    const QUrl url(base);
    const QString path = url.path(QUrl::FullyEncoded);
    QUrl origin = url;
    origin.setPath(QString());
    origin.setQuery(QString());
    origin.setFragment(QString());
    return {base + QStringLiteral("/.well-known/openid-configuration"),
            origin.toString(QUrl::FullyEncoded) +
                QStringLiteral("/.well-known/oauth-authorization-server") + path};
}

QString introspectionEndpointFrom(const QJsonObject &metadata, const QString &issuer,
                                  QString *error) {
    const QString documentIssuer = metadata.value(u"issuer").toString();
    if (withoutTrailingSlash(documentIssuer) != withoutTrailingSlash(issuer)) {
        *error =
            QStringLiteral("the document is for issuer \"%1\", not \"%2\"")
                .arg(UpstreamTarget::redacted(documentIssuer), UpstreamTarget::redacted(issuer));
        return {};
    }
    const QString endpoint = metadata.value(u"introspection_endpoint").toString();
    if (endpoint.isEmpty()) {
        *error = QStringLiteral("no introspection_endpoint in the document");
        return {};
    }
    QString why;
    if (!UpstreamTarget::parse(endpoint, &why)) {
        *error = QStringLiteral("introspection_endpoint \"%1\": %2")
                     .arg(UpstreamTarget::redacted(endpoint), why);
        return {};
    }
    return endpoint;
}

QStringList resolveDiscovery(const QList<IntrospectionConfig *> &endpoints,
                             const UpstreamSettings &tls, int timeoutMs) {
    QStringList problems;
    std::unique_ptr<QNetworkAccessManager> network;
    for (IntrospectionConfig *e : endpoints) {
        if (e->issuer.isEmpty() || !e->url.isEmpty())
            continue;
        if (!network) {
            network = std::make_unique<QNetworkAccessManager>();
            network->setProxy(QNetworkProxy::NoProxy); // like every other call we make
        }
        QString why;
        const QString url = discover(*network, e->issuer, tls, timeoutMs, &why);
        if (url.isEmpty())
            problems << QStringLiteral("introspection \"%1\": discovery from %2 failed: %3")
                            .arg(e->name, UpstreamTarget::redacted(e->issuer), why);
        else
            e->url = url;
    }
    return problems;
}

} // namespace Tokengate
