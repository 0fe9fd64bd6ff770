// SPDX-License-Identifier: Apache-2.0
#include "gui/testbench.h"

#include "core/auth/jwtminter.h"
#include "core/auth/jwtsigner.h"
#include "core/auth/tokenverdict.h"

#include <QJsonDocument>

namespace Tokengate {

namespace {

QString shellQuote(const QString &s) {
    QString out = s;
    out.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + out + u'\'';
}

QString prettyJson(const QByteArray &json) {
    const QJsonDocument doc = QJsonDocument::fromJson(json);
    return doc.isNull() ? QString::fromUtf8(json)
                        : QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
}

} // namespace

QString curlCommand(const QString &url, const QByteArray &token, const Config &config) {
    QString line =
        QStringLiteral("curl -i -H ") +
        shellQuote(QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token));
    if (config.destinationMode())
        line += QStringLiteral(" -H ") +
                shellQuote(QStringLiteral("Destination: http://localhost:3000"));
    return line + u' ' + shellQuote(url + u'/');
}

TestBenchReport evaluateToken(const IntrospectionOutcome &answer, const Config &config,
                              const QString &listenUrl, const QByteArray &token, qint64 nowSecs) {
    TestBenchReport r;
    r.curl = curlCommand(listenUrl, token, config);
    if (answer.error != Reason::None) {
        // The gateway refuses the request with this reason when the IdP gives no answer.
        r.introspection = answer.detail;
        r.decision = QStringLiteral("refused: %1 (%2)")
                         .arg(QLatin1StringView(reasonId(answer.error)), answer.detail);
        return r;
    }
    r.introspection = QString::fromUtf8(
        QJsonDocument(answer.result->claims).toJson(QJsonDocument::Indented).trimmed());
    const TokenVerdict verdict = judgeToken(*answer.result, nowSecs, config.requiredScopes);
    r.allowed = verdict.allowed;
    if (!verdict.allowed) {
        r.decision =
            QStringLiteral("refused: %1 (%2)")
                .arg(QLatin1StringView(reasonId(verdict.reason)), QLatin1StringView(verdict.why));
        return r;
    }
    r.decision = config.requiredScopes.isEmpty()
                     ? QStringLiteral("allowed")
                     : QStringLiteral("allowed (has the required scopes %1)")
                           .arg(config.requiredScopes.join(u' '));
    if (config.jwt.headerName.isEmpty())
        return r;
    // The same signer the gateway builds: RS256/ES256 keys, kid and extra claims included.
    QString why;
    std::shared_ptr<const JwtSigner> signer = JwtSigner::fromConfig(config.jwt, &why);
    if (!signer) {
        r.decision += QStringLiteral("; no JWT: ") + why;
        return r;
    }
    r.jwt = JwtMinter(std::move(signer), config.jwt.lifetimeSecs, config.jwt.claims)
                .mint(*answer.result, nowSecs);
    const QList<QByteArray> parts = r.jwt.split('.');
    if (parts.size() == 3) {
        const auto decode = [](const QByteArray &part) {
            return QByteArray::fromBase64(part, QByteArray::Base64UrlEncoding |
                                                    QByteArray::OmitTrailingEquals);
        };
        r.jwtHeader = prettyJson(decode(parts[0]));
        r.jwtPayload = prettyJson(decode(parts[1]));
    }
    return r;
}

} // namespace Tokengate
