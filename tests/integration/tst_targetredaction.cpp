// SPDX-License-Identifier: Apache-2.0
// Tokens in request targets never reach the access log, the published RequestEvents (the
// desktop app's live log and details), the decision trace or diagnostics: access_token and
// every parameter any route reads a token from (token_sources: [query:api_key]) show as
// "REDACTED", whichever route took the request, or none.
#include "core/devidp/demoidp.h"
#include "core/observe/accesslog.h"
#include "tests/support/gatewayfixture.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QMutex>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

QMutex messagesMutex;
QStringList messages;
QtMessageHandler previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &text) {
    {
        const QMutexLocker lock(&messagesMutex);
        messages << text;
    }
    previousHandler(type, context, text);
}

} // namespace

class TestTargetRedaction : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { previousHandler = qInstallMessageHandler(captureMessage); }
    void cleanupTestCase() { qInstallMessageHandler(previousHandler); }

    void tokensHiddenEverywhere_data() {
        QTest::addColumn<QByteArray>("target"); // "<t>": a token
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<int>("status");
        QTest::newRow("route parameter")
            << QByteArray("/q/x?api_key=<t>&page=2") << QByteArray() << 200;
        QTest::newRow("refused token") << QByteArray("/q/x?api_key=<t>x") << QByteArray() << 401;
        QTest::newRow("encoded name")
            << QByteArray("/q/x?page=1&api%5Fkey=<t>") << QByteArray() << 200;
        QTest::newRow("';' separator")
            << QByteArray("/q/x?page=1;api_key=<t>") << QByteArray() << 401;
        QTest::newRow("malformed: twice")
            << QByteArray("/q/x?api_key=<t>&api_key=<t>") << QByteArray() << 401;
        QTest::newRow("route reading only the header")
            << QByteArray("/o/x?api_key=<t>") << QByteArray("Authorization: Bearer <t>\r\n") << 200;
        QTest::newRow("no route") << QByteArray("/nowhere?api_key=<t>") << QByteArray() << 404;
        QTest::newRow("access_token") << QByteArray("/o/x?access_token=<t>") << QByteArray() << 401;
        QTest::newRow("Destination with a token")
            << QByteArray("/dyn/x") << QByteArray("Destination: <up>/base?api_key=<t>\r\n") << 200;
    }
    void tokensHiddenEverywhere() {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, headers);
        QFETCH(int, status);

        DemoIdp idp;
        QString error;
        QVERIFY2(idp.start(0, &error), qPrintable(error));
        ScriptedUpstream upstream(ScriptedUpstream::answerEachRequest());
        Config c = testConfig(QString());
        c.auth = AuthMode::Introspection;
        c.introspection.url = idp.introspectionUrl();
        c.introspection.clientId = QString::fromLatin1(idp.clientId());
        c.introspection.clientSecret = QString::fromLatin1(idp.clientSecret());
        RouteConfig query = prefixRoute("q", "/q", upstream.url());
        query.tokenSources = {{TokenSource::Kind::Query, QStringLiteral("api_key")}};
        RouteConfig dyn = prefixRoute("dyn", "/dyn", QString());
        dyn.authenticate = false;
        c.routes = {query, prefixRoute("o", "/o", upstream.url()), dyn};

        Gateway gw;
        QTemporaryDir dir;
        AccessLog log;
        const QString logPath = dir.filePath(QStringLiteral("access.log"));
        QVERIFY(log.open(logPath, &error));
        connect(
            &gw.events, &EventHub::eventPublished, this,
            [&log](const RequestEvent &e) { log.write(e); }, Qt::DirectConnection);
        QVERIFY(gw.start(c));

        const QByteArray token = idp.mint(QStringLiteral("alice"), QStringLiteral("read"), 600);
        target.replace("<t>", token);
        headers.replace("<t>", token);
        headers.replace("<up>", upstream.url().toLatin1());
        {
            const QMutexLocker lock(&messagesMutex);
            messages.clear();
        }
        const auto r = requestOnce(gw.port(), "GET", target, headers);
        QVERIFY(r);
        QCOMPARE(r->status, status);
        QVERIFY(waitFor([&] { return gw.events.published() == 1; }));

        const RequestEvent e = gw.events.snapshot().constFirst();
        QVERIFY2(!e.target.contains(token), e.target.constData());
        if (target.contains("api_key"))
            QVERIFY2(e.target.contains("_key=REDACTED") || e.target.contains("%5Fkey=REDACTED"),
                     e.target.constData());
        for (const DecisionStep &step : e.trace)
            QVERIFY2(!step.detail.contains(QString::fromLatin1(token)), qPrintable(step.detail));
        QFile file(logPath);
        QVERIFY(waitFor([&] { return file.size() > 0; }));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray logged = file.readAll();
        QVERIFY2(!logged.contains(token), logged.constData());
        QVERIFY2(!logged.contains(token.right(12)), logged.constData());
        const QMutexLocker lock(&messagesMutex);
        for (const QString &m : std::as_const(messages))
            QVERIFY2(!m.contains(QString::fromLatin1(token)), qPrintable(m));
    }
};

QTEST_GUILESS_MAIN(TestTargetRedaction)
#include "tst_targetredaction.moc"
