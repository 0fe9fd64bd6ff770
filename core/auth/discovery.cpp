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

using DocumentCallback =
    std::function<void(const std::optional<QJsonObject> &document, const QString &error)>;

// One GET of a metadata document: `done` gets the JSON object, or why not, from the event loop.
void fetch(QNetworkAccessManager &network, const QString &url, const UpstreamSettings &tls,
           int timeoutMs, DocumentCallback done) {
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
    struct State {
        bool tooLarge = false;
        bool timedOut = false;
    };
    const auto state = std::make_shared<State>();
    // Announced or received beyond the cap: abandoned at once. QNetworkReply::abort() is
    // safe from its own signals.
    auto refuseIfTooLarge = [reply, state](qint64 bytes) {
        if (bytes > MaxDocumentBytes && !state->tooLarge) {
            state->tooLarge = true;
            reply->abort();
        }
    };
    QObject::connect(reply, &QNetworkReply::metaDataChanged, reply, [reply, refuseIfTooLarge] {
        refuseIfTooLarge(reply->header(QNetworkRequest::ContentLengthHeader).toLongLong());
    });
    QObject::connect(reply, &QNetworkReply::downloadProgress, reply,
                     [refuseIfTooLarge](qint64 received, qint64) { refuseIfTooLarge(received); });
    auto *deadline = new QTimer(reply);
    deadline->setSingleShot(true);
    QObject::connect(deadline, &QTimer::timeout, reply, [reply, state] {
        state->timedOut = true;
        reply->abort();
    });
    deadline->start(timeoutMs);
    QObject::connect(reply, &QNetworkReply::finished, reply, [reply, state, url, timeoutMs, done] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        const QString shown = UpstreamTarget::redacted(url);
        if (state->tooLarge) {
            done(std::nullopt,
                 QStringLiteral("%1: larger than %2 bytes").arg(shown).arg(MaxDocumentBytes));
        } else if (state->timedOut || reply->error() == QNetworkReply::OperationCanceledError ||
                   reply->error() == QNetworkReply::TimeoutError) {
            done(std::nullopt,
                 QStringLiteral("%1: no answer within %2 ms").arg(shown).arg(timeoutMs));
        } else if (status == 0) {
            done(std::nullopt,
                 QStringLiteral("%1: %2").arg(shown, scrubbed(reply->errorString(), url)));
        } else if (status != 200) {
            done(std::nullopt, QStringLiteral("%1: HTTP %2").arg(shown).arg(status));
        } else {
            const QJsonDocument doc = QJsonDocument::fromJson(reply->readAll());
            if (doc.isObject())
                done(doc.object(), QString());
            else
                done(std::nullopt, QStringLiteral("%1: not a JSON object").arg(shown));
        }
    });
}

// The documents of one issuer, tried in turn within one time budget.
struct Lookup {
    QString issuer;
    UpstreamSettings tls;
    int timeoutMs = 0;
    QStringList urls;
    qsizetype next = 0;
    QStringList whyNot;
    QElapsedTimer spent;
    DiscoveryCallback done;
};

void tryNext(QNetworkAccessManager &network, const std::shared_ptr<Lookup> &lookup) {
    if (lookup->next >= lookup->urls.size()) {
        lookup->done(QString(), lookup->whyNot.join(QStringLiteral("; ")));
        return;
    }
    const QString url = lookup->urls.at(lookup->next++);
    const int left = lookup->timeoutMs - int(lookup->spent.elapsed());
    if (left <= 0) {
        lookup->whyNot << QStringLiteral("%1: no time left").arg(UpstreamTarget::redacted(url));
        lookup->done(QString(), lookup->whyNot.join(QStringLiteral("; ")));
        return;
    }
    fetch(network, url, lookup->tls, left,
          [&network, lookup, url](const std::optional<QJsonObject> &metadata, QString why) {
              if (metadata) {
                  const QString endpoint =
                      introspectionEndpointFrom(*metadata, lookup->issuer, &why);
                  if (!endpoint.isEmpty()) {
                      lookup->done(endpoint, QString());
                      return;
                  }
                  why = UpstreamTarget::redacted(url) + QStringLiteral(": ") + why;
              }
              lookup->whyNot << why;
              tryNext(network, lookup);
          });
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

void discoverIntrospectionEndpoint(QNetworkAccessManager &network, const QString &issuer,
                                   const UpstreamSettings &tls, int timeoutMs,
                                   DiscoveryCallback done) {
    auto lookup = std::make_shared<Lookup>();
    lookup->issuer = issuer;
    lookup->tls = tls;
    lookup->timeoutMs = timeoutMs;
    lookup->urls = discoveryUrls(issuer);
    lookup->done = std::move(done);
    lookup->spent.start();
    tryNext(network, lookup);
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
        QString url;
        QString why;
        bool answered = false;
        QEventLoop loop;
        discoverIntrospectionEndpoint(*network, e->issuer, tls, timeoutMs,
                                      [&](const QString &endpoint, const QString &error) {
                                          url = endpoint;
                                          why = error;
                                          answered = true;
                                          loop.quit();
                                      });
        if (!answered)
            loop.exec(QEventLoop::ExcludeUserInputEvents);
        if (url.isEmpty())
            problems << QStringLiteral("introspection \"%1\": discovery from %2 failed: %3")
                            .arg(e->name, UpstreamTarget::redacted(e->issuer), why);
        else
            e->url = url;
    }
    return problems;
}

} // namespace Tokengate
