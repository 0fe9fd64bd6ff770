// SPDX-License-Identifier: Apache-2.0
// Which upstreams a client may name in the Destination header: allowlist patterns, and the
// link-local / cloud-metadata addresses refused unless a pattern names them exactly.
#include "core/pipeline/destinationpolicy.h"

#include <QTest>

using namespace Tokengate;

namespace {

DestinationPolicy policyFrom(const QString &patterns) {
    QString error;
    const std::optional<DestinationPolicy> p = DestinationPolicy::parse(patterns, &error);
    if (!p)
        qFatal("test policy does not parse: %s", qPrintable(error));
    return *p;
}

} // namespace

class TestDestinationPolicy : public QObject {
    Q_OBJECT

private slots:
    void parseErrors_data() {
        QTest::addColumn<QString>("patterns");
        QTest::addColumn<QString>("badPattern");

        auto row = [](const char *patterns, const char *bad) {
            QTest::newRow(patterns) << QString::fromLatin1(patterns) << QString::fromLatin1(bad);
        };
        row("api.example.com:0", "api.example.com:0");
        row("api.example.com:99999", "api.example.com:99999");
        row("api.example.com:65536", "api.example.com:65536");
        row("api.example.com:abc", "api.example.com:abc");
        row("api.example.com:-1", "api.example.com:-1");
        row("api.example.com:", "api.example.com:");
        row("[::1]:0", "[::1]:0");
        row("*.", "*.");
        row("*.*.example.com", "*.*.example.com");
        row("a*b", "a*b");
        row("**", "**");
        row("api.*", "api.*");
        row("x/y", "x/y");
        row("http://api.example.com", "http://api.example.com");
        row(":8080", ":8080");
        row("good.example.com, bad:0", "bad:0");
        row("a.com b.com\tc/d", "c/d");
    }
    void parseErrors() {
        QFETCH(QString, patterns);
        QFETCH(QString, badPattern);

        QString error;
        QVERIFY(!DestinationPolicy::parse(patterns, &error));
        QVERIFY2(error.startsWith(u'"' + badPattern + QStringLiteral("\": ")), qPrintable(error));
        QVERIFY(!DestinationPolicy::parse(patterns, nullptr));
    }

    void parseAccepts_data() {
        QTest::addColumn<QString>("patterns");
        QTest::addColumn<bool>("everyHost");
        QTest::addColumn<QStringList>("exactHosts");

        QTest::newRow("empty") << QString() << true << QStringList{};
        QTest::newRow("only separators") << QStringLiteral(" , ,\t") << true << QStringList{};
        QTest::newRow("star") << QStringLiteral("*") << false << QStringList{};
        QTest::newRow("separators mixed")
            << QStringLiteral("A.example.com, b.example.com:8443  c.example.com,d.example.com:*")
            << false
            << QStringList{QStringLiteral("a.example.com"), QStringLiteral("b.example.com"),
                           QStringLiteral("c.example.com"), QStringLiteral("d.example.com")};
        QTest::newRow("IPv6 forms")
            << QStringLiteral("[fd00::1]:8443 [fd00::2] fd00::3 *.svc.local") << false
            << QStringList{QStringLiteral("fd00::1"), QStringLiteral("fd00::2"),
                           QStringLiteral("fd00::3")};
        QTest::newRow("port 1 and 65535") << QStringLiteral("a:1,b:65535") << false
                                          << QStringList{QStringLiteral("a"), QStringLiteral("b")};
    }
    void parseAccepts() {
        QFETCH(QString, patterns);
        QFETCH(bool, everyHost);
        QFETCH(QStringList, exactHosts);

        QString error;
        const std::optional<DestinationPolicy> p = DestinationPolicy::parse(patterns, &error);
        QVERIFY2(p, qPrintable(error));
        QCOMPARE(p->allowsEveryHost(), everyHost);
        QCOMPARE(p->exactHosts(), exactHosts);
    }

    void check_data() {
        QTest::addColumn<QString>("patterns");
        QTest::addColumn<QString>("host"); // as UpstreamTarget::parse gives it (no brackets)
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("refusal"); // empty: allowed; else a part of the reason

        const QString internal = QStringLiteral("link-local or cloud metadata");
        const QString notListed = QStringLiteral("not in TOKENGATE_DESTINATION_ALLOW");
        auto row = [](const char *name, const char *patterns, const char *host, int port,
                      const QString &refusal) {
            QTest::newRow(name) << QString::fromLatin1(patterns) << QString::fromLatin1(host)
                                << port << refusal;
        };

        // Empty policy: every public or private host, none of the internal ones.
        row("empty: public host", "", "api.example.com", 443, QString());
        row("empty: private address", "", "10.0.0.1", 8080, QString());
        row("empty: loopback", "", "127.0.0.1", 80, QString());
        row("empty: 169.254.169.254", "", "169.254.169.254", 80, internal);
        row("empty: other 169.254/16", "", "169.254.0.1", 80, internal);
        row("empty: fe80::1", "", "fe80::1", 80, internal);
        row("empty: Alibaba metadata", "", "100.100.100.200", 80, internal);
        row("empty: AWS IPv6 metadata", "", "fd00:ec2::254", 80, internal);
        row("empty: metadata.google.internal", "", "metadata.google.internal", 80, internal);
        row("empty: metadata.google.internal.", "", "metadata.google.internal.", 80, internal);
        row("empty: upper case name", "", "Metadata.Google.Internal", 80, internal);
        row("empty: v4-mapped link-local", "", "::ffff:169.254.169.254", 80, internal);
        row("empty: fe80::1 with a zone", "", "fe80::1%eth0", 80, internal);

        // "*": any host, still none of the internal ones.
        row("star: public", "*", "api.example.com", 1, QString());
        row("star: 169.254.169.254", "*", "169.254.169.254", 80, internal);
        row("star: fe80::1", "*", "fe80::1", 80, internal);
        row("star: 100.100.100.200", "*", "100.100.100.200", 80, internal);
        row("star: fd00:ec2::254", "*", "fd00:ec2::254", 80, internal);
        row("star: metadata.google.internal", "*", "metadata.google.internal", 80, internal);
        row("star: metadata.google.internal.", "*", "metadata.google.internal.", 80, internal);
        row("star with port: match", "*:8080", "x.example.com", 8080, QString());
        row("star with port: other port", "*:8080", "x.example.com", 8081, notListed);

        // host and host:port
        row("host: same", "api.example.com", "api.example.com", 443, QString());
        row("host: any port", "api.example.com", "api.example.com", 9999, QString());
        row("host: case-insensitive", "API.Example.com", "api.example.COM", 80, QString());
        row("host: other host", "api.example.com", "www.example.com", 443, notListed);
        row("host: subdomain is not the host", "api.example.com", "x.api.example.com", 443,
            notListed);
        row("host: longer name", "api.example.com", "api.example.com.evil.net", 443, notListed);
        row("host: shorter name", "api.example.com", "example.com", 443, notListed);
        row("host:port: same", "api.example.com:8443", "api.example.com", 8443, QString());
        row("host:port: other port", "api.example.com:8443", "api.example.com", 443, notListed);
        row("host:*", "10.0.0.7:*", "10.0.0.7", 1, QString());
        row("second pattern", "a.example.com, b.example.com:81", "b.example.com", 81, QString());

        // *.domain
        row("wildcard: subdomain", "*.example.com", "sub.example.com", 443, QString());
        row("wildcard: deeper", "*.example.com", "a.b.example.com", 443, QString());
        row("wildcard: not the domain itself", "*.example.com", "example.com", 443, notListed);
        row("wildcard: not evil-domain", "*.example.com", "evil-example.com", 443, notListed);
        row("wildcard: not a suffix without dot", "*.example.com", "evilexample.com", 443,
            notListed);
        row("wildcard: not domain as a prefix", "*.example.com", "sub.example.com.evil.net", 443,
            notListed);
        row("wildcard with port: match", "*.svc.local:8443", "a.svc.local", 8443, QString());
        row("wildcard with port: other port", "*.svc.local:8443", "a.svc.local", 443, notListed);

        // IPv6
        row("[IPv6]:port: match", "[fd00::1]:8443", "fd00::1", 8443, QString());
        row("[IPv6]:port: other port", "[fd00::1]:8443", "fd00::1", 443, notListed);
        row("[IPv6]: any port", "[fd00::1]", "fd00::1", 443, QString());
        row("bare IPv6: any port", "fd00::1", "fd00::1", 8080, QString());
        row("bare IPv6: other address", "fd00::1", "fd00::2", 8080, notListed);

        // Internal addresses pass only when named exactly.
        row("named: 169.254.169.254", "169.254.169.254", "169.254.169.254", 80, QString());
        row("named with port", "169.254.169.254:80", "169.254.169.254", 80, QString());
        row("named with port, other port", "169.254.169.254:80", "169.254.169.254", 8080,
            notListed);
        row("named: fe80::1", "[fe80::1]:80", "fe80::1", 80, QString());
        row("named bare: fe80::1", "fe80::1", "fe80::1", 80, QString());
        row("named: 100.100.100.200", "100.100.100.200", "100.100.100.200", 80, QString());
        row("named: fd00:ec2::254", "[fd00:ec2::254]", "fd00:ec2::254", 80, QString());
        row("named: metadata.google.internal", "metadata.google.internal",
            "metadata.google.internal", 80, QString());
        row("named with trailing dot", "metadata.google.internal.", "metadata.google.internal.", 80,
            QString());
        row("named one, not another", "169.254.169.254, *", "169.254.170.2", 80, internal);
        row("named one, not fe80", "169.254.169.254, *", "fe80::1", 80, internal);
        row("wildcard does not name", "*.google.internal", "metadata.google.internal", 80,
            internal);
        row("wildcard does not name an address", "*.169.254", "169.254.169.254", 80, internal);
    }
    void check() {
        QFETCH(QString, patterns);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QString, refusal);

        const DestinationPolicy policy = policyFrom(patterns);
        for (const bool tls : {false, true}) {
            const QString why = policy.check(Origin{tls, host, quint16(port)});
            if (refusal.isEmpty())
                QVERIFY2(why.isEmpty(), qPrintable(why));
            else
                QVERIFY2(why.contains(refusal), qPrintable(why));
        }
    }

    // Hosts as clients may spell them in a Destination URL: UpstreamTarget::parse normalises
    // numeric IPv4 forms, so the policy sees the address.
    void checkDestinationUrl_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("allowed");
        auto row = [](const char *url, bool allowed) {
            QTest::newRow(url) << QString::fromLatin1(url) << allowed;
        };
        row("http://169.254.169.254/latest/meta-data/", false);
        row("http://2852039166/", false);
        row("http://0xa9fea9fe/", false);
        row("http://0251.0376.0251.0376/", false);
        row("http://169.254.43518/", false);
        row("http://[::ffff:a9fe:a9fe]/", false);
        row("http://[fe80::1]:8080/", false);
        row("http://METADATA.Google.Internal/computeMetadata/v1/", false);
        row("https://api.example.com/v1", true);
        row("http://10.0.0.7:8080/", true);
    }
    void checkDestinationUrl() {
        QFETCH(QString, url);
        QFETCH(bool, allowed);
        QString error;
        const std::optional<UpstreamTarget> target = UpstreamTarget::parse(url, &error);
        QVERIFY2(target, qPrintable(error));
        for (const char *patterns : {"", "*"}) {
            const QString why = policyFrom(QString::fromLatin1(patterns)).check(target->origin);
            QVERIFY2(why.isEmpty() == allowed, qPrintable(why));
        }
    }

    void isInternalAddress_data() {
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("internal");
        auto row = [](const char *address, bool internal) {
            // "description address": the address is the last word
            const QString text = QString::fromLatin1(address);
            QTest::newRow(address) << text.section(u' ', -1) << internal;
        };
        row("169.254.169.254", true);
        row("169.254.0.0", true);
        row("169.254.255.255", true);
        row("169.253.255.255", false);
        row("169.255.0.0", false);
        row("100.100.100.200", true);
        row("100.100.100.201", false);
        row("10.0.0.1", false);
        row("127.0.0.1", false);
        row("0.0.0.0", false);
        row("fe80::1", true);
        row("febf::1", true);
        row("fec0::1", false);
        row("fd00:ec2::254", true);
        row("fd00:0ec2:0000::0254", true);
        row("fd00:ec2::253", false);
        row("::ffff:169.254.1.1", true);
        row("::ffff:100.100.100.200", true);
        row("::ffff:10.0.0.1", false);
        row("::1", false);
        row("2001:db8::1", false);
        // The same addresses through translators and tunnels.
        row("IPv4-compatible ::169.254.169.254", true);
        row("IPv4-compatible ::a9fe:a9fe", true);
        row("IPv4-compatible ::100.100.100.200", true);
        row("IPv4-compatible ::10.0.0.1", false);
        row("SIIT ::ffff:0:169.254.169.254", true);
        row("NAT64 64:ff9b::169.254.169.254", true);
        row("NAT64 64:ff9b::a9fe:a9fe", true);
        row("NAT64 64:ff9b::100.100.100.200", true);
        row("NAT64 64:ff9b::10.0.0.1", false);
        row("NAT64 64:ff9b::8.8.8.8", false);
        row("local NAT64 /96 64:ff9b:1::a9fe:a9fe", true);
        row("local NAT64 /48 64:ff9b:1:a9fe:00a9:fe00::", true);
        row("local NAT64 /56 64:ff9b:1:00a9:00fe:a9fe::", true);
        row("local NAT64 /64 64:ff9b:1:0:00a9:fea9:fe00:0", true);
        row("local NAT64 64:ff9b:1::1", false);
        row("6to4 2002:a9fe:a9fe::1", true);
        row("6to4 2002:a9fe:a9fe:1::", true);
        row("6to4 2002:6464:64c8::", true);
        row("6to4 2002:0a00:0001::1", false);
        row("Teredo server 2001:0:a9fe:a9fe::", true);
        row("Teredo client 2001:0:0808:0808::5601:5601", true);
        row("Teredo other 2001:0:0808:0808::f5ff:fffe", false);
        row("AWS IPv6 metadata with a zone fd00:ec2::254%eth0", true);
    }
    void isInternalAddress() {
        QFETCH(QString, address);
        QFETCH(bool, internal);
        const QHostAddress a(address);
        QVERIFY(!a.isNull());
        QCOMPARE(Tokengate::isInternalAddress(a), internal);
    }

    void isInternalAddressNull() { QVERIFY(!Tokengate::isInternalAddress(QHostAddress())); }

    void isMetadataHostName_data() {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("metadata");
        auto row = [](const char *host, bool metadata) {
            QTest::newRow(host) << QString::fromLatin1(host) << metadata;
        };
        row("metadata.google.internal", true);
        row("metadata.google.internal.", true);
        row("METADATA.GOOGLE.INTERNAL", true);
        row("metadata", true);
        row("metadata.azure.internal", true);
        row("instance-data", true);
        row("instance-data.ec2.internal", true);
        row("metadata.google.internal.example.com", false);
        row("xmetadata.google.internal", false);
        row("google.internal", false);
        row("api.example.com", false);
        row("", false);
    }
    void isMetadataHostName() {
        QFETCH(QString, host);
        QFETCH(bool, metadata);
        QCOMPARE(Tokengate::isMetadataHostName(host), metadata);
    }

    void namesExactly_data() {
        QTest::addColumn<QString>("patterns");
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("named");
        auto row = [](const char *name, const char *patterns, const char *host, bool named) {
            QTest::newRow(name) << QString::fromLatin1(patterns) << QString::fromLatin1(host)
                                << named;
        };
        row("exact", "a.example.com", "a.example.com", true);
        row("exact, any case", "A.example.com", "a.EXAMPLE.com", true);
        row("exact with port", "a.example.com:81", "a.example.com", true);
        row("bracketed IPv6", "[fe80::1]:80", "fe80::1", true);
        row("wildcard", "*.example.com", "a.example.com", false);
        row("star", "*", "a.example.com", false);
        row("empty", "", "a.example.com", false);
        row("other", "b.example.com", "a.example.com", false);
    }
    void namesExactly() {
        QFETCH(QString, patterns);
        QFETCH(QString, host);
        QFETCH(bool, named);
        QCOMPARE(policyFrom(patterns).namesExactly(host), named);
    }
};

QTEST_GUILESS_MAIN(TestDestinationPolicy)
#include "tst_destinationpolicy.moc"
