// SPDX-License-Identifier: Apache-2.0
// jwtverify: the gateway's local JWT validation alone, in one thread, on the tokens and JWKS
// jwtmint wrote: microseconds per token, without sockets, cache or forwarding, so that a
// change to validation can be measured apart from the proxy around it.
//   jwtverify DIR ISSUER AUDIENCE [COUNT]
#include "core/auth/accesstokenjwt.h"
#include "core/auth/jwks.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QList>

#include <cstdio>

using namespace Tokengate;

int main(int argc, char **argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: jwtverify DIR ISSUER AUDIENCE [COUNT]\n");
        return 2;
    }
    const QString dir = QString::fromLocal8Bit(argv[1]);
    QFile jwksFile(dir + QStringLiteral("/jwks.json"));
    QFile tokensFile(dir + QStringLiteral("/tokens.txt"));
    if (!jwksFile.open(QIODevice::ReadOnly) || !tokensFile.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "cannot read jwks.json or tokens.txt in %s\n", argv[1]);
        return 1;
    }
    QStringList dropped;
    QString error;
    const auto keys = JwkSet::parse(jwksFile.readAll(), &dropped, &error);
    if (!keys) {
        std::fprintf(stderr, "jwks.json: %s\n", qPrintable(error));
        return 1;
    }
    const qsizetype count = argc > 4 ? QByteArray(argv[4]).toLongLong() : 50000;
    QList<QByteArray> tokens;
    while (!tokensFile.atEnd() && tokens.size() < count)
        tokens << tokensFile.readLine().trimmed();
    const AccessTokenRules rules{QString::fromLocal8Bit(argv[2]),
                                 {QString::fromLocal8Bit(argv[3])}};
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QElapsedTimer timer;
    timer.start();
    qsizetype valid = 0;
    for (const QByteArray &t : tokens)
        valid += validateAccessToken(t, &*keys, rules, now).kind == LocalVerdict::Kind::Valid;
    const double us = double(timer.nsecsElapsed()) / 1000.0 / double(tokens.size());
    std::printf("%lld tokens, %lld valid, %.2f us per token\n", qlonglong(tokens.size()),
                qlonglong(valid), us);
    return valid == tokens.size() ? 0 : 1;
}
