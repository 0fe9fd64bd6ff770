// SPDX-License-Identifier: Apache-2.0
#include "core/auth/jsonfetch.h"

#include "core/http/upstreamtarget.h"

#include <QJsonDocument>
#include <QNetworkAccessManager>
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
    for (const QString &secret : {u.userInfo(QUrl::FullyEncoded), u.userInfo(QUrl::PrettyDecoded),
                                  u.password(QUrl::FullyEncoded), u.password(QUrl::FullyDecoded)}) {
        if (!secret.isEmpty())
            text.replace(secret, QStringLiteral("***"));
    }
    return UpstreamTarget::redacted(text);
}

} // namespace

void fetchJsonDocument(QNetworkAccessManager &network, const QString &url,
                       const UpstreamSettings &tls, int timeoutMs, JsonDocumentCallback done) {
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
                done(JsonDocument{doc.object(), maxAgeSecs(reply->rawHeader("Cache-Control"))},
                     QString());
            else
                done(std::nullopt, QStringLiteral("%1: not a JSON object").arg(shown));
        }
    });
}

std::optional<int> maxAgeSecs(QByteArrayView cacheControl) {
    std::optional<int> found;
    for (QByteArrayView directive : QByteArray(cacheControl.toByteArray()).split(',')) {
        directive = directive.trimmed();
        if (directive.compare("no-store", Qt::CaseInsensitive) == 0 ||
            directive.compare("no-cache", Qt::CaseInsensitive) == 0)
            return 0;
        if (!directive.startsWith("max-age=") && !directive.startsWith("Max-Age="))
            continue;
        bool ok = false;
        const qlonglong secs = directive.sliced(8).toLongLong(&ok);
        if (ok && secs >= 0)
            found = int(std::min<qlonglong>(secs, 365LL * 86400));
    }
    return found;
}

} // namespace Tokengate
