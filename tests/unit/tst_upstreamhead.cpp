// SPDX-License-Identifier: Apache-2.0
// ProxyExchange::upstreamRequestHead writes the upstream's head straight from the client's
// fields; it must equal the plain recipe it replaced: copy the map, drop hop-by-hop fields and
// Expect, fix Host, apply the X-Forwarded-* mode, serialize.
#include "core/http/hopbyhop.h"
#include "core/pipeline/proxyexchange.h"

#include <QTest>

using namespace Tokengate;

Q_DECLARE_METATYPE(Tokengate::ForwardedMode)

namespace {

RequestHead headFrom(const QByteArray &lines, bool chunked) {
    RequestHead head;
    head.method = "POST";
    head.target = "/a?b=c";
    head.chunked = chunked;
    for (const QByteArray &line : lines.split('\n')) {
        if (line.isEmpty())
            continue;
        const qsizetype colon = line.indexOf(':');
        head.headers.append(line.left(colon), line.mid(colon + 1).trimmed());
    }
    // As the parser frames it: chunked wins (it refuses both together anyway).
    if (!chunked && head.headers.contains("Content-Length"))
        head.contentLength = head.headers.value("Content-Length").toLongLong();
    return head;
}

QByteArray reference(const RequestHead &head, const UpstreamTarget &target, const QByteArray &peer,
                     ForwardedMode mode) {
    HeaderMap h = head.headers;
    removeHopByHopFields(h);
    h.removeAll("Expect");
    const QByteArray host = h.value("Host");
    if (host.isEmpty())
        h.set("Host", target.authority);
    if (mode == ForwardedMode::Replace) {
        for (const char *name :
             {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "Forwarded",
              "X-Forwarded-Port", "X-Forwarded-Prefix", "X-Forwarded-Ssl", "X-Forwarded-Scheme",
              "X-Forwarded-Server", "X-Real-IP", "X-Client-IP", "True-Client-IP"})
            h.removeAll(name);
        h.append("X-Forwarded-For", peer);
        h.append("X-Forwarded-Proto", "http");
        if (!host.isEmpty())
            h.append("X-Forwarded-Host", host);
    } else if (mode == ForwardedMode::Append) {
        const QList<QByteArray> chain = h.values("X-Forwarded-For");
        h.set("X-Forwarded-For", chain.isEmpty() ? peer : chain.join(", ") + ", " + peer);
        if (!h.contains("X-Forwarded-Proto"))
            h.append("X-Forwarded-Proto", "http");
        if (!h.contains("X-Forwarded-Host") && !host.isEmpty())
            h.append("X-Forwarded-Host", host);
    }
    if (head.chunked)
        h.append("Transfer-Encoding", "chunked");
    else if (head.contentLength >= 0)
        h.append("Content-Length", QByteArray::number(head.contentLength));
    QByteArray out = head.method + ' ' + target.join(head.target) + " HTTP/1.1\r\n";
    h.serializeTo(out);
    return out + "\r\n";
}

} // namespace

class TestUpstreamHead : public QObject {
    Q_OBJECT

private slots:
    void matchesTheFilteredCopy_data() {
        QTest::addColumn<QByteArray>("headers");
        const QList<QByteArray> rows{
            "",
            "Host: example.com",
            "Host: example.com\nAccept: */*\nX-Trace: 1\nx-trace: 2",
            "Host:",
            "Accept: */*",
            "accept: a\nhOST: Example.COM\nUser-Agent: u",
            "Host: h\nConnection: close, X-Drop\nX-Drop: 1\nKeep-Alive: 5\nTE: trailers\nB: 2",
            "Host: h\nConnection: Host\nA: 1",
            "Host: h\nConnection: X-Forwarded-For\nX-Forwarded-For: 1.1.1.1",
            "Host: h\nProxy-Authorization: x\nUpgrade: h2c\nTrailer: T\nTransfer-Encoding: chunked",
            "Host: h\nExpect: 100-continue\nexpect: x",
            "Host: h\nX-Forwarded-For: 1.1.1.1\nA: 1\nx-forwarded-for: 2.2.2.2, 3.3.3.3",
            "Host: h\nX-Forwarded-For:\nA: 1",
            "X-Forwarded-Proto: https\nHost: h\nX-Forwarded-Host: front\nForwarded: for=x",
            "x-forwarded-host: f\nX-FORWARDED-PROTO: p\nHost: h",
            "A: 1\nHost:\nB: 2\nhost: second",
            "Host: h\nForwarded: for=1\nforwarded: for=2\nZ: z",
            "Host: h\nContent-Length: 5\nA: 1",
            "Host: h\nX-Real-IP: 1.2.3.4\nX-Forwarded-Port: 443\nx-forwarded-prefix: /a\n"
            "True-Client-IP: 5.6.7.8\nX-Client-IP: 9.9.9.9\nX-Forwarded-Ssl: on",
            "Host: h\nConnection: content-length\nContent-Length: 45\nA: 1",
            "Host: h\nConnection: Transfer-Encoding, Host\nTransfer-Encoding: chunked",
        };
        for (const QByteArray &row : rows) {
            const QByteArray name = QByteArray(row).replace('\n', " | ");
            QTest::newRow(row.isEmpty() ? "no fields" : name.constData()) << row;
        }
    }
    void matchesTheFilteredCopy() {
        QFETCH(QByteArray, headers);
        const QList<UpstreamTarget> targets{
            *UpstreamTarget::parse(QStringLiteral("http://up:8080"), nullptr),
            *UpstreamTarget::parse(QStringLiteral("https://up/base/"), nullptr),
        };
        for (const UpstreamTarget &target : targets) {
            for (ForwardedMode mode :
                 {ForwardedMode::Replace, ForwardedMode::Append, ForwardedMode::Off}) {
                for (bool chunked : {false, true}) {
                    const RequestHead head = headFrom(headers, chunked);
                    QCOMPARE(ProxyExchange::upstreamRequestHead(head, target, "10.1.2.3", mode),
                             reference(head, target, "10.1.2.3", mode));
                }
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestUpstreamHead)
#include "tst_upstreamhead.moc"
