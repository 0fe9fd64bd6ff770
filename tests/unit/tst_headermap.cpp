// SPDX-License-Identifier: Apache-2.0
// HeaderMap keeps fields exactly as received (order, case, duplicates) while looking them up
// case-insensitively; splitTokenList reads comma-separated list values.
#include "core/http/headermap.h"

#include "tests/support/headerlines.h"

#include <QTest>

using namespace Tokengate;
using Tokengate::Test::headersFrom;

namespace {

QByteArray serialized(const HeaderMap &h) {
    QByteArray out;
    h.serializeTo(out);
    return out;
}

} // namespace

class TestHeaderMap : public QObject {
    Q_OBJECT

private slots:
    void appendKeepsOrderCaseAndDuplicates() {
        HeaderMap h;
        QVERIFY(h.isEmpty());
        h.append("X-B", "1");
        h.append("x-a", "2");
        h.append("X-B", "3");
        h.append("X-A", "4");
        QCOMPARE(h.size(), 4);
        QVERIFY(!h.isEmpty());
        const QList<QByteArray> names{"X-B", "x-a", "X-B", "X-A"};
        const QList<QByteArray> values{"1", "2", "3", "4"};
        for (qsizetype i = 0; i < h.size(); ++i) {
            QCOMPARE(h.fields().at(i).name.toByteArray(), names.at(i));
            QCOMPARE(h.fields().at(i).value.toByteArray(), values.at(i));
        }
    }

    void lookups_data() {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<bool>("contains");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QList<QByteArray>>("values");

        const QByteArray h = "Host: example.com\nX-Trace: a\nx-trace: b\nAccept: */*\nX-TRACE: c";
        QTest::newRow("single") << h << QByteArray("Host") << true << QByteArray("example.com")
                                << QList<QByteArray>{"example.com"};
        QTest::newRow("lower-case lookup")
            << h << QByteArray("host") << true << QByteArray("example.com")
            << QList<QByteArray>{"example.com"};
        QTest::newRow("upper-case lookup")
            << h << QByteArray("ACCEPT") << true << QByteArray("*/*") << QList<QByteArray>{"*/*"};
        QTest::newRow("duplicates in order") << h << QByteArray("X-Trace") << true
                                             << QByteArray("a") << QList<QByteArray>{"a", "b", "c"};
        QTest::newRow("absent") << h << QByteArray("Cookie") << false << QByteArray()
                                << QList<QByteArray>{};
        QTest::newRow("prefix is not a match")
            << h << QByteArray("X-Trac") << false << QByteArray() << QList<QByteArray>{};
        QTest::newRow("longer name is not a match")
            << h << QByteArray("Hosts") << false << QByteArray() << QList<QByteArray>{};
        QTest::newRow("empty map")
            << QByteArray() << QByteArray("Host") << false << QByteArray() << QList<QByteArray>{};
        QTest::newRow("empty value kept")
            << QByteArray("X-Empty:\nX-Empty: 2") << QByteArray("x-empty") << true << QByteArray()
            << QList<QByteArray>{"", "2"};
    }
    void lookups() {
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, name);
        QFETCH(bool, contains);
        QFETCH(QByteArray, value);
        QFETCH(QList<QByteArray>, values);

        const HeaderMap h = headersFrom(headers);
        QCOMPARE(h.contains(name), contains);
        QCOMPARE(h.value(name), value);
        QCOMPARE(h.values(name), values);
    }

    void set_data() {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("absent: appended at the end")
            << QByteArray("A: 1\nB: 2") << QByteArray("C") << QByteArray("3")
            << QByteArray("A: 1\r\nB: 2\r\nC: 3\r\n");
        QTest::newRow("present once: replaced in place")
            << QByteArray("A: 1\nB: 2\nC: 3") << QByteArray("B") << QByteArray("x")
            << QByteArray("A: 1\r\nB: x\r\nC: 3\r\n");
        QTest::newRow("duplicates collapse at the first one")
            << QByteArray("A: 1\nx-d: 2\nB: 3\nX-D: 4\nC: 5\nX-d: 6") << QByteArray("X-D")
            << QByteArray("new") << QByteArray("A: 1\r\nx-d: new\r\nB: 3\r\nC: 5\r\n");
        QTest::newRow("empty map")
            << QByteArray() << QByteArray("Host") << QByteArray("h") << QByteArray("Host: h\r\n");
        QTest::newRow("adjacent duplicates") << QByteArray("V: 1\nV: 2\nV: 3") << QByteArray("v")
                                             << QByteArray("9") << QByteArray("V: 9\r\n");
    }
    void set() {
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, value);
        QFETCH(QByteArray, expected);

        HeaderMap h = headersFrom(headers);
        h.set(name, value);
        QCOMPARE(serialized(h), expected);
        QCOMPARE(h.values(name), QList<QByteArray>{value});
    }

    void removeAll_data() {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<qsizetype>("removed");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("every case variant")
            << QByteArray("A: 1\nCookie: x\nB: 2\ncookie: y\nCOOKIE: z") << QByteArray("Cookie")
            << qsizetype(3) << QByteArray("A: 1\r\nB: 2\r\n");
        QTest::newRow("absent") << QByteArray("A: 1\nB: 2") << QByteArray("C") << qsizetype(0)
                                << QByteArray("A: 1\r\nB: 2\r\n");
        QTest::newRow("prefix untouched") << QByteArray("X-A: 1\nX-AB: 2") << QByteArray("x-a")
                                          << qsizetype(1) << QByteArray("X-AB: 2\r\n");
        QTest::newRow("all") << QByteArray("V: 1\nv: 2") << QByteArray("V") << qsizetype(2)
                             << QByteArray();
    }
    void removeAll() {
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, name);
        QFETCH(qsizetype, removed);
        QFETCH(QByteArray, expected);

        HeaderMap h = headersFrom(headers);
        QCOMPARE(h.removeAll(name), removed);
        QCOMPARE(serialized(h), expected);
        QVERIFY(!h.contains(name));
    }

    void hasToken_data() {
        QTest::addColumn<QByteArray>("headers");
        QTest::addColumn<QByteArray>("name");
        QTest::addColumn<QByteArray>("token");
        QTest::addColumn<bool>("expected");

        QTest::newRow("single") << QByteArray("Connection: close") << QByteArray("Connection")
                                << QByteArray("close") << true;
        QTest::newRow("case-insensitive name and token")
            << QByteArray("connection: Keep-Alive") << QByteArray("CONNECTION")
            << QByteArray("keep-alive") << true;
        QTest::newRow("in a list")
            << QByteArray("Transfer-Encoding: gzip, chunked") << QByteArray("Transfer-Encoding")
            << QByteArray("chunked") << true;
        QTest::newRow("list without spaces")
            << QByteArray("Connection: upgrade,close") << QByteArray("Connection")
            << QByteArray("close") << true;
        QTest::newRow("in a second field")
            << QByteArray("Connection: keep-alive\nX: y\nConnection: Upgrade")
            << QByteArray("Connection") << QByteArray("upgrade") << true;
        QTest::newRow("substring is not a token")
            << QByteArray("Transfer-Encoding: xchunked") << QByteArray("Transfer-Encoding")
            << QByteArray("chunked") << false;
        QTest::newRow("token prefix is not a token")
            << QByteArray("Expect: 100-continue-please") << QByteArray("Expect")
            << QByteArray("100-continue") << false;
        QTest::newRow("token in another field")
            << QByteArray("X-Connection: close") << QByteArray("Connection") << QByteArray("close")
            << false;
        QTest::newRow("absent field")
            << QByteArray("Host: a") << QByteArray("Connection") << QByteArray("close") << false;
        QTest::newRow("empty list elements")
            << QByteArray("Connection: , ,close ,") << QByteArray("Connection")
            << QByteArray("close") << true;
    }
    void hasToken() {
        QFETCH(QByteArray, headers);
        QFETCH(QByteArray, name);
        QFETCH(QByteArray, token);
        QFETCH(bool, expected);

        QCOMPARE(headersFrom(headers).hasToken(name, token), expected);
    }

    void serializeToAppends() {
        HeaderMap h;
        h.append("Host", "example.com");
        h.append("x-dup", "1");
        h.append("X-Dup", "2");
        h.append("Empty", "");
        QByteArray out = "GET / HTTP/1.1\r\n";
        h.serializeTo(out);
        QCOMPARE(out, QByteArray("GET / HTTP/1.1\r\nHost: example.com\r\nx-dup: 1\r\nX-Dup: "
                                 "2\r\nEmpty: \r\n"));

        HeaderMap empty;
        QByteArray untouched = "prefix";
        empty.serializeTo(untouched);
        QCOMPARE(untouched, QByteArray("prefix"));
    }

    void copiesOutliveTheOriginal() {
        // Fields are views into storage the map shares with its copies.
        HeaderMap copy;
        {
            HeaderMap original = headersFrom("Host: example.com\nX-A: 1");
            original.append("X-B", "2");
            copy = original;
            original.set("X-A", "changed");
            original.removeAll("Host");
        }
        copy.append("X-C", "3");
        copy.set("X-B", "two");
        QCOMPARE(serialized(copy),
                 QByteArray("Host: example.com\r\nX-A: 1\r\nX-B: two\r\nX-C: 3\r\n"));
    }

    void adoptsABlock() {
        const QByteArray block = "HostexampleEmpty";
        const QByteArrayView b = block;
        const QList<HeaderField> fields{{b.sliced(0, 4), b.sliced(4, 7)},
                                        {b.sliced(11, 5), b.sliced(16, 0)}};
        HeaderMap h(block, fields);
        QCOMPARE(h.size(), 2);
        QCOMPARE(h.value("host"), QByteArray("example"));
        QVERIFY(h.contains("empty"));
        QCOMPARE(h.count("EMPTY"), 1);
        QCOMPARE(h.find("Host"), QByteArrayView("example"));
        QVERIFY(h.find("Absent").isNull());
        QCOMPARE(serialized(h), QByteArray("Host: example\r\nEmpty: \r\n"));
    }

    void clear() {
        HeaderMap h = headersFrom("A: 1\nB: 2");
        QCOMPARE(h.size(), 2);
        h.clear();
        QCOMPARE(h.size(), 0);
        QVERIFY(h.isEmpty());
        QVERIFY(!h.contains("A"));
    }

    void sameName_data() {
        QTest::addColumn<QByteArray>("a");
        QTest::addColumn<QByteArray>("b");
        QTest::addColumn<bool>("expected");
        QTest::newRow("equal") << QByteArray("Host") << QByteArray("Host") << true;
        QTest::newRow("case") << QByteArray("content-LENGTH") << QByteArray("Content-Length")
                              << true;
        QTest::newRow("prefix") << QByteArray("Host") << QByteArray("Hos") << false;
        QTest::newRow("different") << QByteArray("Host") << QByteArray("Hast") << false;
        QTest::newRow("empty both") << QByteArray() << QByteArray() << true;
        QTest::newRow("empty one") << QByteArray() << QByteArray("A") << false;
    }
    void sameName() {
        QFETCH(QByteArray, a);
        QFETCH(QByteArray, b);
        QFETCH(bool, expected);
        QCOMPARE(HeaderMap::sameName(a, b), expected);
        QCOMPARE(HeaderMap::sameName(b, a), expected);
    }

    void splitTokenList_data() {
        QTest::addColumn<QByteArray>("value");
        QTest::addColumn<QList<QByteArray>>("expected");

        QTest::newRow("empty") << QByteArray() << QList<QByteArray>{};
        QTest::newRow("only spaces") << QByteArray("   ") << QList<QByteArray>{};
        QTest::newRow("only commas") << QByteArray(",,,") << QList<QByteArray>{};
        QTest::newRow("one") << QByteArray("close") << QList<QByteArray>{"close"};
        QTest::newRow("two") << QByteArray("gzip, chunked") << QList<QByteArray>{"gzip", "chunked"};
        QTest::newRow("no spaces") << QByteArray("a,b,c") << QList<QByteArray>{"a", "b", "c"};
        QTest::newRow("padding and empty elements")
            << QByteArray("  a ,, b\t,\t c , ") << QList<QByteArray>{"a", "b", "c"};
        QTest::newRow("trailing comma") << QByteArray("a,") << QList<QByteArray>{"a"};
        QTest::newRow("leading comma") << QByteArray(",a") << QList<QByteArray>{"a"};
        QTest::newRow("inner space kept") << QByteArray("x y, z") << QList<QByteArray>{"x y", "z"};
        QTest::newRow("case kept")
            << QByteArray("Keep-Alive, UPGRADE") << QList<QByteArray>{"Keep-Alive", "UPGRADE"};
    }
    void splitTokenList() {
        QFETCH(QByteArray, value);
        QFETCH(QList<QByteArray>, expected);

        QList<QByteArray> actual;
        for (QByteArrayView element : Tokengate::splitTokenList(value))
            actual.append(element.toByteArray());
        QCOMPARE(actual, expected);
    }
};

QTEST_APPLESS_MAIN(TestHeaderMap)
#include "tst_headermap.moc"
