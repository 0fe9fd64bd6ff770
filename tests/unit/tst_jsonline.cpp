// SPDX-License-Identifier: Apache-2.0
// JsonLine: what the access log writes is JSON that any reader parses back to the same values,
// whatever bytes a client put in its target or an IdP in a subject.
#include "core/observe/jsonline.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

using namespace Tokengate;

namespace {

QJsonObject parsed(const QByteArray &line) {
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError)
        qWarning() << error.errorString() << line;
    return doc.object();
}

} // namespace

class TestJsonLine : public QObject {
    Q_OBJECT

private slots:
    void text_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("plain") << QStringLiteral("alice");
        QTest::newRow("quote and backslash") << QStringLiteral("a\"b\\c");
        QTest::newRow("line breaks") << QStringLiteral("a\nb\rc\td");
        QTest::newRow("controls and DEL") << QString::fromLatin1("\x01\x1f\x7f", 3);
        QTest::newRow("NUL") << QString(QChar(0));
        QTest::newRow("non-ASCII") << QStringLiteral("Zoë 東京");
        QTest::newRow("outside the BMP") << QString::fromUtf8("\xf0\x9f\x94\x91 key");
        QTest::newRow("ASCII then non-ASCII then controls") << QStringLiteral("ab\u00e9\"\n\u0001");
        QTest::newRow("empty") << QString();
        QTest::newRow("C1 controls") << QStringLiteral("a\u0085b\u009B[2Jc\u0080");
        QTest::newRow("Unicode line breaks") << QStringLiteral("a\u2028b\u2029c");
    }
    void text() {
        QFETCH(QString, value);
        QByteArray out;
        JsonLine line(out);
        line.text("v", value);
        line.end();
        QVERIFY(out.endsWith("}\n"));
        QCOMPARE(out.count('\n'), 1); // one line, whatever the value holds
        QCOMPARE(parsed(out).value(u"v").toString(), value);
        for (const char c : out.chopped(1))
            QVERIFY2(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, out.toPercentEncoding());
        // Nothing a line splitter or a terminal acts on is written as it is.
        const QString written = QString::fromUtf8(out.chopped(1));
        for (const QChar c : written)
            QVERIFY2(c.unicode() < 0x80 || (c.unicode() > 0x9F && c != u'\u2028' && c != u'\u2029'),
                     out.toPercentEncoding());
        QCOMPARE(written.split(u'\n').size(), 1);
    }

    void loneSurrogateStaysValid() {
        QByteArray out;
        JsonLine line(out);
        line.text("v", QString(QString(QChar(0xD800)) + u'x'));
        line.end();
        QVERIFY2(QString::fromUtf8(out).toUtf8() == out, out.toHex()); // valid UTF-8
        QVERIFY(parsed(out).value(u"v").toString().endsWith(u'x'));
    }

    // Client bytes (targets, methods) are Latin-1: every byte value comes back as that code point.
    void latin1EveryByte() {
        QByteArray bytes;
        for (int b = 0; b < 256; ++b)
            bytes += char(b);
        QByteArray out;
        JsonLine line(out);
        line.latin1("v", bytes);
        line.end();
        QCOMPARE(out.count('\n'), 1);
        QCOMPARE(parsed(out).value(u"v").toString(), QString::fromLatin1(bytes));
        QVERIFY2(out.contains("\\u009b") && !out.contains("\xc2\x9b"), out.toPercentEncoding());
    }

    void millis_data() {
        QTest::addColumn<qint64>("micros");
        QTest::addColumn<QByteArray>("written");
        QTest::newRow("zero") << qint64(0) << QByteArray("0");
        QTest::newRow("1 us") << qint64(1) << QByteArray("0.001");
        QTest::newRow("10 us") << qint64(10) << QByteArray("0.01");
        QTest::newRow("120 us") << qint64(120) << QByteArray("0.12");
        QTest::newRow("1 ms") << qint64(1000) << QByteArray("1");
        QTest::newRow("1.25 ms") << qint64(1250) << QByteArray("1.25");
        QTest::newRow("2.5 ms") << qint64(2500) << QByteArray("2.5");
        QTest::newRow("123.456 ms") << qint64(123456) << QByteArray("123.456");
        QTest::newRow("an hour") << qint64(3600000000) << QByteArray("3600000");
        QTest::newRow("negative") << qint64(-1500) << QByteArray("-1.5");
    }
    void millis() {
        QFETCH(qint64, micros);
        QFETCH(QByteArray, written);
        QByteArray out;
        JsonLine line(out);
        line.millis("ms", micros);
        line.end();
        QCOMPARE(out, "{\"ms\":" + written + "}\n");
        QCOMPARE(parsed(out).value(u"ms").toDouble(), double(micros) / 1000.0);
    }

    // The same text as QDateTime's ISO form, across leap days, centuries and the epoch.
    void utcTime_data() {
        QTest::addColumn<qint64>("msecs");
        auto at = [](int y, int m, int d, int h, int min, int s, int ms) {
            return QDateTime(QDate(y, m, d), QTime(h, min, s, ms), Qt::UTC).toMSecsSinceEpoch();
        };
        QTest::newRow("epoch") << qint64(0);
        QTest::newRow("before the epoch") << at(1969, 12, 31, 23, 59, 59, 999);
        QTest::newRow("leap day") << at(2024, 2, 29, 12, 0, 0, 5);
        QTest::newRow("2000-03-01") << at(2000, 3, 1, 0, 0, 0, 0);
        QTest::newRow("2100-02-28") << at(2100, 2, 28, 23, 59, 59, 999);
        QTest::newRow("end of a year") << at(2026, 12, 31, 23, 59, 59, 999);
        QTest::newRow("the test's row") << at(2024, 5, 6, 7, 8, 9, 123);
        QRandomGenerator random(20261204);
        for (int i = 0; i < 200; ++i)
            QTest::addRow("random %d", i) << qint64(random.bounded(Q_INT64_C(253402300799999)));
    }
    void utcTime() {
        QFETCH(qint64, msecs);
        QByteArray out;
        JsonLine line(out);
        line.utcTime("time", msecs);
        line.end();
        const QDateTime expected = QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC);
        QCOMPARE(parsed(out).value(u"time").toString(), expected.toString(Qt::ISODateWithMs));
    }

    void fieldsInOrder() {
        QByteArray out;
        JsonLine line(out);
        line.number("a", -42);
        line.latin1("b", "x");
        line.text("c", u"y");
        line.end();
        QCOMPARE(out, QByteArray("{\"a\":-42,\"b\":\"x\",\"c\":\"y\"}\n"));
    }
};

QTEST_GUILESS_MAIN(TestJsonLine)
#include "tst_jsonline.moc"
