// SPDX-License-Identifier: Apache-2.0
// removeHopByHopFields: connection-specific fields go, end-to-end fields stay exactly as they
// were (order, case, duplicates).
#include "core/http/hopbyhop.h"

#include "core/http/headermap.h"

#include "tests/support/headerlines.h"

#include <QTest>

using namespace Tokengate;
using Tokengate::Test::headersFrom;

namespace {

QByteArray lines(const HeaderMap &h) {
    QByteArray out;
    for (const HeaderField &f : h.fields())
        out += f.name.toByteArray() + ": " + f.value.toByteArray() + '\n';
    out.chop(1);
    return out;
}

} // namespace

class TestHopByHop : public QObject {
    Q_OBJECT

private slots:
    void removeHopByHopFields_data() {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<QByteArray>("expected");

        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("end-to-end fields, duplicates and order kept")
            << QByteArray("Host: a\nAccept: */*\nX-Trace: 1\nCookie: a=1\nx-trace: 2\nCookie: b=2")
            << QByteArray("Host: a\nAccept: */*\nX-Trace: 1\nCookie: a=1\nx-trace: 2\nCookie: b=2");
        QTest::newRow("Connection and the names it lists")
            << QByteArray("A: 1\nConnection: X-Foo, close\nX-Foo: 2\nB: 3\nx-foo: 4\nX-FOO: 5")
            << QByteArray("A: 1\nB: 3");
        QTest::newRow("listed names case-insensitive")
            << QByteArray("connection: x-secret\nX-Secret: s\nKeep: k") << QByteArray("Keep: k");
        QTest::newRow("several Connection fields")
            << QByteArray("Connection: X-A\nX-A: 1\nX-B: 2\nCONNECTION: x-b\nX-C: 3")
            << QByteArray("X-C: 3");
        QTest::newRow("listed names with odd spacing and empty elements")
            << QByteArray("Connection: , X-A ,,\tX-B\nX-A: 1\nX-B: 2\nX-AB: 3")
            << QByteArray("X-AB: 3");
        QTest::newRow("listed name that is not present")
            << QByteArray("Connection: X-Missing\nHost: a") << QByteArray("Host: a");
        QTest::newRow("listed end-to-end name is removed too")
            << QByteArray("Connection: Cache-Control\nCache-Control: no-cache\nPragma: x")
            << QByteArray("Pragma: x");
        QTest::newRow("Keep-Alive")
            << QByteArray("Keep-Alive: timeout=5\nA: 1\nkeep-alive: max=9") << QByteArray("A: 1");
        QTest::newRow("TE") << QByteArray("TE: trailers\nA: 1\nte: gzip") << QByteArray("A: 1");
        QTest::newRow("Trailer") << QByteArray("Trailer: Expires\nA: 1") << QByteArray("A: 1");
        QTest::newRow("Transfer-Encoding")
            << QByteArray("Transfer-Encoding: chunked\nA: 1\nTRANSFER-ENCODING: gzip")
            << QByteArray("A: 1");
        QTest::newRow("Upgrade") << QByteArray("Upgrade: websocket\nA: 1\nupgrade: h2c")
                                 << QByteArray("A: 1");
        QTest::newRow("Proxy-Authorization")
            << QByteArray("Proxy-Authorization: Basic eA==\nAuthorization: Bearer t")
            << QByteArray("Authorization: Bearer t");
        QTest::newRow("Proxy-Connection")
            << QByteArray("proxy-connection: keep-alive\nA: 1") << QByteArray("A: 1");
        QTest::newRow("Proxy-Authenticate")
            << QByteArray("A: 1\nPROXY-AUTHENTICATE: Basic\nB: 2") << QByteArray("A: 1\nB: 2");
        QTest::newRow("names that only resemble hop-by-hop ones kept")
            << QByteArray("TE-Extra: 1\nX-Upgrade: 2\nKeep-Alive-Ish: 3\nProxyish: 4\n"
                          "X-Proxy-Id: 5\nTrailers: 6\nX-Connection: 7")
            << QByteArray("TE-Extra: 1\nX-Upgrade: 2\nKeep-Alive-Ish: 3\nProxyish: 4\n"
                          "X-Proxy-Id: 5\nTrailers: 6\nX-Connection: 7");
        QTest::newRow("everything at once")
            << QByteArray("Host: a\nConnection: keep-alive, Upgrade, X-Hop\nKeep-Alive: "
                          "timeout=5\nUpgrade: websocket\nX-Hop: 1\nAccept: */*\nTE: "
                          "trailers\nProxy-Connection: close\nTransfer-Encoding: "
                          "chunked\nTrailer: X-Sum\nX-End: 2\nx-end: 3")
            << QByteArray("Host: a\nAccept: */*\nX-End: 2\nx-end: 3");
        // Framing is written from the parsed message by whoever sends it on, never copied.
        QTest::newRow("Content-Length always goes")
            << QByteArray("Content-Length: 3\nA: 1\ncontent-length: 3") << QByteArray("A: 1");
        QTest::newRow("Connection cannot name Host")
            << QByteArray("Connection: Host, X-A\nHost: h\nX-A: 1\nB: 2")
            << QByteArray("Host: h\nB: 2");
        QTest::newRow("Connection naming framing fields changes nothing else")
            << QByteArray("Connection: content-length, TRANSFER-ENCODING\nHost: h\n"
                          "Content-Length: 45\nX-User: u")
            << QByteArray("Host: h\nX-User: u");
    }
    void removeHopByHopFields() {
        QFETCH(QByteArray, input);
        QFETCH(QByteArray, expected);

        HeaderMap h = headersFrom(input);
        Tokengate::removeHopByHopFields(h);
        QCOMPARE(lines(h), expected);

        // Running it again changes nothing.
        Tokengate::removeHopByHopFields(h);
        QCOMPARE(lines(h), expected);
    }
};

QTEST_APPLESS_MAIN(TestHopByHop)
#include "tst_hopbyhop.moc"
