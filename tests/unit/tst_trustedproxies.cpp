// SPDX-License-Identifier: Apache-2.0
// upstream.trusted_proxies: which entries parse, which peers count as trusted proxies, and
// which X-Forwarded-For entry is the client behind them.
#include "core/config/config.h"
#include "core/http/trustedproxies.h"

#include <QTest>

using namespace Tokengate;

class TestTrustedProxies : public QObject {
    Q_OBJECT

    static TrustedProxies proxies(const QStringList &entries) {
        QString why;
        const std::optional<TrustedProxies> p = TrustedProxies::parse(entries, &why);
        if (!p)
            qWarning() << why;
        return p.value_or(TrustedProxies());
    }

private slots:
    void refused_data() {
        QTest::addColumn<QString>("entry");
        QTest::addColumn<QString>("said");
        const char *notAnAddress = "neither an address nor a CIDR";
        QTest::newRow("a name") << "proxy.internal" << notAnAddress;
        QTest::newRow("bad prefix") << "10.0.0.0/33" << notAnAddress;
        QTest::newRow("scoped") << "fe80::1%eth0" << notAnAddress;
        QTest::newRow("empty") << "" << notAnAddress;
        QTest::newRow("short form") << "10" << notAnAddress;
        QTest::newRow("octal octet") << "010.0.0.1" << notAnAddress;
        QTest::newRow("signed prefix") << "10.0.0.0/+8" << notAnAddress;
        QTest::newRow("zero-led prefix") << "10.0.0.0/08" << notAnAddress;
        QTest::newRow("spaced prefix") << "10.0.0.0/ 8" << notAnAddress;
        QTest::newRow("host bits") << "10.0.0.1/8"
                                   << "bits set past its prefix";
        QTest::newRow("every IPv4") << "0.0.0.0/0"
                                    << "wider than a /8";
        QTest::newRow("half of IPv4") << "128.0.0.0/1"
                                      << "wider than a /8";
        QTest::newRow("every mapped IPv4") << "::ffff:0.0.0.0/96"
                                           << "wider than a /8";
        QTest::newRow("every IPv6") << "::/0"
                                    << "wider than a /32";
        QTest::newRow("global IPv6") << "2000::/3"
                                     << "wider than a /32";
        QTest::newRow("a registry's IPv6") << "2a00::/8"
                                           << "wider than a /32";
        QTest::newRow("private IPv6 past /8") << "fc00::/6"
                                              << "wider than a /8";
    }
    void refused() {
        QFETCH(QString, entry);
        QFETCH(QString, said);
        QString why;
        QVERIFY(!TrustedProxies::parse({QStringLiteral("10.0.0.0/8"), entry}, &why));
        QVERIFY2(why.contains(said), qPrintable(why));
    }

    void contains_data() {
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("trusted");
        QTest::newRow("in the /8") << "10.20.30.40" << true;
        QTest::newRow("outside it") << "11.0.0.1" << false;
        QTest::newRow("the single address") << "192.168.1.5" << true;
        QTest::newRow("next to it") << "192.168.1.6" << false;
        QTest::newRow("mapped IPv4 in the /8") << "::ffff:10.1.2.3" << true;
        QTest::newRow("IPv6 range") << "fd00::1234" << true;
        QTest::newRow("IPv6 outside") << "2001:db8::1" << false;
        QTest::newRow("mapped range, IPv4 peer") << "172.16.0.9" << true;
        QTest::newRow("mapped range, mapped peer") << "::ffff:172.16.0.9" << true;
        QTest::newRow("IPv6 loopback is not 0.0.0.1") << "0.0.0.1" << false;
    }
    void contains() {
        QFETCH(QString, address);
        QFETCH(bool, trusted);
        const TrustedProxies p =
            proxies({QStringLiteral("10.0.0.0/8"), QStringLiteral(" 192.168.1.5 "),
                     QStringLiteral("fd00::/8"), QStringLiteral("::ffff:172.16.0.0/108"),
                     QStringLiteral("::1")});
        QCOMPARE(p.contains(QHostAddress(address)), trusted);
    }

    // Read from the end, past trusted proxies, to the first hop that is not one.
    void clientBehind_data() {
        QTest::addColumn<QStringList>("trusted");
        QTest::addColumn<QByteArrayList>("forwardedFor");
        QTest::addColumn<QString>("client");
        const QStringList internal{QStringLiteral("10.0.0.0/8"), QStringLiteral("127.0.0.1")};
        QTest::newRow("no list: the last entry")
            << QStringList() << QByteArrayList{"1.1.1.1, 10.0.0.2"} << "10.0.0.2";
        QTest::newRow("no list, no field: the peer")
            << QStringList() << QByteArrayList{} << "127.0.0.1";
        QTest::newRow("past trusted hops")
            << internal << QByteArrayList{"6.6.6.6, 1.1.1.1, 10.0.0.2"} << "1.1.1.1";
        QTest::newRow("over several fields")
            << internal << QByteArrayList{"6.6.6.6, 1.1.1.1", "10.0.0.3", "10.0.0.2"} << "1.1.1.1";
        QTest::newRow("every hop trusted: the first")
            << internal << QByteArrayList{"10.0.0.9, 10.0.0.2"} << "10.0.0.9";
        QTest::newRow("not an address: the hop that wrote it")
            << internal << QByteArrayList{"1.1.1.1, unknown, 10.0.0.2"} << "10.0.0.2";
        QTest::newRow("ports and brackets")
            << internal << QByteArrayList{"[2001:db8::7]:443, 10.0.0.2:9000"} << "2001:db8::7";
        QTest::newRow("empty entries stop the walk")
            << internal << QByteArrayList{"1.1.1.1,,10.0.0.2"} << "10.0.0.2";
        QTest::newRow("a NUL ends no address early")
            << internal << QByteArrayList{QByteArrayLiteral("1.1.1.1, 9.9.9.9\0::1")}
            << "127.0.0.1";
        QTest::newRow("octal is no address")
            << internal << QByteArrayList{"1.1.1.1, 010.0.0.2"} << "127.0.0.1";
        QByteArray many = "6.6.6.6";
        for (int i = 0; i < 40; ++i)
            many += ", 10.0.0." + QByteArray::number(i + 1);
        QTest::newRow("at most 32 hops") << internal << QByteArrayList{many} << "10.0.0.9";
    }
    void clientBehind() {
        QFETCH(QStringList, trusted);
        QFETCH(QByteArrayList, forwardedFor);
        QFETCH(QString, client);
        QCOMPARE(proxies(trusted).clientBehind(QHostAddress::LocalHost, forwardedFor),
                 QHostAddress(client));
    }

    void configChecks() {
        Config c;
        c.upstreamUrl = QStringLiteral("http://127.0.0.1:1");
        c.auth = AuthMode::None;
        c.upstream.trustedProxies = {QStringLiteral("10.0.0.0/8")};
        QStringList problems = c.validate();
        QVERIFY2(problems.join(u'\n').contains(
                     u"upstream.trusted_proxies: only read with upstream.forwarded \"append\""),
                 qPrintable(problems.join(u'\n')));
        c.upstream.forwarded = ForwardedMode::Append;
        QVERIFY2(c.validate().isEmpty(), qPrintable(c.validate().join(u'\n')));
        c.upstream.trustedProxies << QStringLiteral("proxy.internal");
        problems = c.validate();
        QVERIFY2(problems.join(u'\n').contains(u"upstream.trusted_proxies: \"proxy.internal\""),
                 qPrintable(problems.join(u'\n')));
    }
};

QTEST_GUILESS_MAIN(TestTrustedProxies)
#include "tst_trustedproxies.moc"
