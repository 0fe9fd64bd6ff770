// SPDX-License-Identifier: Apache-2.0
// AccessLog: tokens in query strings never reach the log, and each line is one JSON object.
#include "core/observe/accesslog.h"
#include "core/observe/prometheustext.h"
#include "core/observe/requestmetrics.h"
#include "core/observe/targetredactor.h"
#include "tests/support/domainwords.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace Tokengate;

class TestAccessLog : public QObject {
    Q_OBJECT

private slots:
    void redactTarget_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("expected");

        auto row = [](const char *name, const char *target, const char *expected) {
            QTest::newRow(name) << QByteArray(target) << QByteArray(expected);
        };
        row("no query", "/api/items", "/api/items");
        row("no query, token-like path", "/access_token=abc", "/access_token=abc");
        row("empty query", "/p?", "/p?");
        row("other parameters untouched", "/p?a=1&b=two&c", "/p?a=1&b=two&c");
        row("only parameter", "/p?access_token=s3cr3t", "/p?access_token=REDACTED");
        row("first parameter", "/p?access_token=s3cr3t&a=1", "/p?access_token=REDACTED&a=1");
        row("middle parameter", "/p?a=1&access_token=s3cr3t&b=2",
            "/p?a=1&access_token=REDACTED&b=2");
        row("last parameter", "/p?a=1&b=2&access_token=s3cr3t", "/p?a=1&b=2&access_token=REDACTED");
        row("upper-case name", "/p?ACCESS_TOKEN=s3cr3t", "/p?ACCESS_TOKEN=REDACTED");
        row("mixed-case name", "/p?x=1&Access_Token=s3cr3t", "/p?x=1&Access_Token=REDACTED");
        row("repeated", "/p?access_token=one&x=1&access_token=two",
            "/p?access_token=REDACTED&x=1&access_token=REDACTED");
        row("empty value", "/p?access_token=&a=1", "/p?access_token=REDACTED&a=1");
        row("value with =", "/p?access_token=a=b==", "/p?access_token=REDACTED");
        row("value percent-encoded", "/p?access_token=ey%2Fx%3D&n=1",
            "/p?access_token=REDACTED&n=1");
        row("name without value", "/p?access_token&a=1", "/p?access_token&a=1");
        row("longer name untouched", "/p?my_access_token=x&access_tokens=y",
            "/p?my_access_token=x&access_tokens=y");
        row("token name as a value untouched", "/p?next=access_token", "/p?next=access_token");
        row("empty parameters kept", "/p?&&access_token=s&&", "/p?&&access_token=REDACTED&&");
        row("absolute-form", "http://h/p?access_token=s3cr3t", "http://h/p?access_token=REDACTED");
        row("question mark in the query", "/p?q=a?b&access_token=s",
            "/p?q=a?b&access_token=REDACTED");
        row("percent-encoded name", "/p?access%5Ftoken=s3cr3t", "/p?access%5Ftoken=REDACTED");
        row("';' separated", "/p?a=1;access_token=s3cr3t", "/p?a=1;access_token=REDACTED");
    }

    // A route's own token parameters (token_sources: [query:api_key]) are hidden too.
    void redactNamedParameters_data() {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<QByteArray>("expected");
        auto row = [](const char *name, const char *target, const char *expected) {
            QTest::newRow(name) << QByteArray(target) << QByteArray(expected);
        };
        row("route parameter", "/p?api_key=s3cr3t&x=1", "/p?api_key=REDACTED&x=1");
        row("route parameter, other case", "/p?API_KEY=s3cr3t", "/p?API_KEY=REDACTED");
        row("second route parameter", "/p?Sig=s3cr3t", "/p?Sig=REDACTED");
        row("encoded name", "/p?api%5fkey=s3cr3t", "/p?api%5fkey=REDACTED");
        row("access_token still", "/p?access_token=s3cr3t", "/p?access_token=REDACTED");
        row("other parameter", "/p?api_keys=x", "/p?api_keys=x");
    }
    void redactNamedParameters() {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, expected);
        const TargetRedactor redactor({"api_key", "sig"});
        QCOMPARE(redactor.redact(target), expected);
    }
    void redactTarget() {
        QFETCH(QByteArray, target);
        QFETCH(QByteArray, expected);

        const QByteArray redacted = AccessLog::redactTarget(target);
        QCOMPARE(redacted, expected);
        QVERIFY(!redacted.contains("s3cr3t"));
        // Redacting twice changes nothing more.
        QCOMPARE(AccessLog::redactTarget(redacted), expected);
    }

    // A WebSocket's line says who ended its tunnel; a plain request's has no such field.
    void tunnelLine() {
        RequestEvent e;
        e.start = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9), Qt::UTC);
        e.method = "GET";
        e.target = "/ws";
        e.status = 101;
        QVERIFY(!QJsonDocument::fromJson(AccessLog::formatLine(e))
                     .object()
                     .contains(u"tunnel_closed_by"));
        e.tunnelEnd = "upstream";
        e.requestBodyBytes = 22;
        const QJsonObject o = QJsonDocument::fromJson(AccessLog::formatLine(e)).object();
        QCOMPARE(o.value(u"tunnel_closed_by").toString(), QStringLiteral("upstream"));
        QCOMPARE(o.value(u"request_bytes").toInteger(), 22);
    }

    // /metrics counts tunnels by who closed them, and keeps their lives (minutes, hours) out
    // of the request latency histogram.
    void tunnelMetrics() {
        RequestMetrics metrics;
        RequestEvent e;
        e.route = "ws";
        e.status = 101;
        e.durationUs = 3'600'000'000;
        e.tunnelEnd = "idle_timeout";
        metrics.record(e);
        metrics.record(e);
        e.tunnelEnd = "client";
        metrics.record(e);
        PrometheusText out;
        metrics.render(out);
        const QByteArray text = out.text();
        QCOMPARE(
            Test::metricValue(text, "tokengate_tunnels_closed_total{closed_by=\"idle_timeout\"}"),
            2.0);
        QCOMPARE(Test::metricValue(text, "tokengate_tunnels_closed_total{closed_by=\"client\"}"),
                 1.0);
        QCOMPARE(Test::metricValue(
                     text, "tokengate_requests_total{route=\"ws\",status=\"101\",reason=\"\"}"),
                 3.0);
        QVERIFY(!text.contains("tokengate_request_duration_seconds_count{route=\"ws\"}"));
    }

    void formatLine_data() {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::addColumn<Reason>("reason");
        QTest::addColumn<QByteArray>("reasonId"); // what the log says: the stable id
        QTest::addColumn<qint64>("upstreamUs");
        QTest::addColumn<QString>("loggedTarget");

        QTest::newRow("proxied, token redacted")
            << QByteArray("GET") << QByteArray("/items?access_token=s3cr3t&page=2") << 200
            << Reason::None << QByteArray() << qint64(1250)
            << QStringLiteral("/items?access_token=REDACTED&page=2");
        QTest::newRow("no upstream exchange")
            << QByteArray("PROPFIND") << QByteArray("/dav/") << 400 << Reason::BadRequest
            << QByteArray("bad_request") << qint64(-1) << QStringLiteral("/dav/");
        QTest::newRow("client gone")
            << QByteArray("POST") << QByteArray("/upload") << 0 << Reason::ClientDisconnected
            << QByteArray("client_disconnected") << qint64(0) << QStringLiteral("/upload");
        QTest::newRow("quotes and backslashes escaped")
            << QByteArray("GET") << QByteArray("/a\"b\\c?x=\"}") << 404 << Reason::None
            << QByteArray() << qint64(3) << QStringLiteral("/a\"b\\c?x=\"}");
    }
    void formatLine() {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        QFETCH(Reason, reason);
        QFETCH(QByteArray, reasonId);
        QFETCH(qint64, upstreamUs);
        QFETCH(QString, loggedTarget);

        RequestEvent e;
        e.start = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 123), Qt::UTC);
        e.peer = QStringLiteral("192.0.2.10");
        e.method = method;
        e.target = target;
        e.status = status;
        e.reason = reason;
        e.requestBodyBytes = 1234;
        e.responseBodyBytes = 5678901;
        e.durationUs = 2500;
        e.upstreamUs = upstreamUs;
        e.worker = 3;

        const QByteArray line = AccessLog::formatLine(e);
        QVERIFY(line.endsWith('\n'));
        QCOMPARE(line.count('\n'), 1);
        QVERIFY(!line.contains("s3cr3t"));

        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QVERIFY(doc.isObject());
        const QJsonObject o = doc.object();
        QCOMPARE(o.value(u"time").toString(), QStringLiteral("2024-05-06T07:08:09.123Z"));
        QCOMPARE(o.value(u"peer").toString(), QStringLiteral("192.0.2.10"));
        QCOMPARE(o.value(u"method").toString(), QString::fromLatin1(method));
        QCOMPARE(o.value(u"target").toString(), loggedTarget);
        QVERIFY(o.value(u"status").isDouble());
        QCOMPARE(o.value(u"status").toInt(), status);
        QCOMPARE(o.value(u"reason").toString(), QString::fromLatin1(reasonId));
        QCOMPARE(o.value(u"request_bytes").toDouble(), 1234.0);
        QCOMPARE(o.value(u"response_bytes").toDouble(), 5678901.0);
        QCOMPARE(o.value(u"duration_ms").toDouble(), 2.5);
        QCOMPARE(o.value(u"worker").toInt(), 3);
        if (upstreamUs >= 0) {
            QVERIFY(o.contains(u"upstream_ms"));
            QCOMPARE(o.value(u"upstream_ms").toDouble(), double(upstreamUs) / 1000.0);
        } else {
            QVERIFY(!o.contains(u"upstream_ms"));
        }
        const QStringList keys = o.keys();
        QCOMPARE(keys.size(), upstreamUs >= 0 ? 11 : 10);
    }

    void writesLinesToAFile() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("access.log"));
        RequestEvent e;
        e.start = QDateTime(QDate(2024, 1, 2), QTime(3, 4, 5), Qt::UTC);
        e.method = "GET";
        e.target = "/x?access_token=s3cr3t";
        e.status = 204;
        {
            AccessLog log;
            QString error;
            QVERIFY2(log.open(path, &error), qPrintable(error));
            log.write(e);
            e.status = 500;
            log.write(e);
        }
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray content = f.readAll();
        QVERIFY(!content.contains("s3cr3t"));
        const QList<QByteArray> lines = content.split('\n');
        QCOMPARE(lines.size(), 3); // two lines and what follows the last newline
        QCOMPARE(lines.at(2), QByteArray());
        QCOMPARE(QJsonDocument::fromJson(lines.at(0)).object().value(u"status").toInt(), 204);
        QCOMPARE(QJsonDocument::fromJson(lines.at(1)).object().value(u"status").toInt(), 500);
    }

    void openFailsWithAMessage() {
        AccessLog log;
        QString error;
        const QString path = QStringLiteral("/nonexistent-dir-for-tokengate/access.log");
        QVERIFY(!log.open(path, &error));
        QVERIFY2(error.contains(path), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestAccessLog)
#include "tst_accesslog.moc"
