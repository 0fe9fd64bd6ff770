// SPDX-License-Identifier: Apache-2.0
// UpstreamTarget: which upstream base URLs are accepted and how a client's request target is
// joined to the base path (byte-exact apart from the one joining slash).
#include "core/config/config.h"
#include "core/http/upstreamtarget.h"

#include <QTest>

using namespace Tokengate;

class TestUpstreamTarget : public QObject {
    Q_OBJECT

private slots:
    void parseAccepts_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("tls");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QByteArray>("basePath");
        QTest::addColumn<QByteArray>("authority");
        QTest::addColumn<QString>("canonical"); // toString()

        auto row = [](const char *name, const char *url, bool tls, const char *host, int port,
                      const char *basePath, const char *authority, const char *canonical) {
            QTest::newRow(name) << QString::fromLatin1(url) << tls << QString::fromLatin1(host)
                                << port << QByteArray(basePath) << QByteArray(authority)
                                << QString::fromLatin1(canonical);
        };
        row("http, default port", "http://example.com", false, "example.com", 80, "", "example.com",
            "http://example.com");
        row("http, root path", "http://example.com/", false, "example.com", 80, "", "example.com",
            "http://example.com");
        row("https, default port", "https://example.com", true, "example.com", 443, "",
            "example.com", "https://example.com");
        row("http with port", "http://example.com:8080", false, "example.com", 8080, "",
            "example.com:8080", "http://example.com:8080");
        row("https with port and path", "https://api.example.com:8443/v1", true, "api.example.com",
            8443, "/v1", "api.example.com:8443", "https://api.example.com:8443/v1");
        row("explicit default port dropped from authority", "http://example.com:80/base", false,
            "example.com", 80, "/base", "example.com", "http://example.com/base");
        row("explicit https default port", "https://example.com:443/", true, "example.com", 443, "",
            "example.com", "https://example.com");
        row("https on port 80", "https://example.com:80", true, "example.com", 80, "",
            "example.com:80", "https://example.com:80");
        row("trailing slash kept", "http://u/base/", false, "u", 80, "/base/", "u",
            "http://u/base/");
        row("IPv4 literal", "http://127.0.0.1:9000/x", false, "127.0.0.1", 9000, "/x",
            "127.0.0.1:9000", "http://127.0.0.1:9000/x");
        row("IPv6 literal with port", "http://[::1]:9000/api", false, "::1", 9000, "/api",
            "[::1]:9000", "http://[::1]:9000/api");
        row("IPv6 literal, default port", "https://[2001:db8::1]", true, "2001:db8::1", 443, "",
            "[2001:db8::1]", "https://[2001:db8::1]");
        row("scheme and host case-insensitive", "HTTPS://Example.COM/Path", true, "example.com",
            443, "/Path", "example.com", "https://example.com/Path");
        row("percent-encoded slash in base kept", "http://u/a%2Fb", false, "u", 80, "/a%2Fb", "u",
            "http://u/a%2Fb");
        row("percent-encoded letter in base kept", "http://u/b%41se/%7euser", false, "u", 80,
            "/b%41se/%7euser", "u", "http://u/b%41se/%7euser");
        row("query kept raw", "http://u/base?x=%41&y", false, "u", 80, "/base", "u",
            "http://u/base?x=%41&y");
        row("query without path", "http://u?x=1", false, "u", 80, "", "u", "http://u/?x=1");
    }
    void parseAccepts() {
        QFETCH(QString, url);
        QFETCH(bool, tls);
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(QByteArray, basePath);
        QFETCH(QByteArray, authority);
        QFETCH(QString, canonical);

        QString error = QStringLiteral("untouched");
        const std::optional<UpstreamTarget> t = UpstreamTarget::parse(url, &error);
        QVERIFY2(t.has_value(), qPrintable(error));
        QCOMPARE(t->origin.tls, tls);
        QCOMPARE(t->origin.host, host);
        QCOMPARE(int(t->origin.port), port);
        QCOMPARE(t->basePath, basePath);
        QCOMPARE(t->authority, authority);
        QCOMPARE(t->toString(), canonical);

        // The canonical form parses to the same target.
        const std::optional<UpstreamTarget> again = UpstreamTarget::parse(t->toString(), nullptr);
        QVERIFY(again.has_value());
        QVERIFY(again->origin == t->origin);
        QCOMPARE(again->basePath, t->basePath);
        QCOMPARE(again->authority, t->authority);
    }

    void parseRejects_data() {
        QTest::addColumn<QString>("url");
        QTest::addColumn<QString>("errorContains");

        auto row = [](const char *name, const char *url, const char *errorContains) {
            QTest::newRow(name) << QString::fromLatin1(url) << QString::fromLatin1(errorContains);
        };
        row("empty", "", "not a valid URL");
        row("ftp scheme", "ftp://example.com/", "only http and https");
        row("ws scheme", "ws://example.com/", "only http and https");
        row("no scheme", "example.com:8080", "only http and https");
        row("relative path", "/just/a/path", "only http and https");
        row("no host", "http://", "");
        row("no host, path only", "http:///path", "");
        row("space in path", "http://example.com/a b", "not a valid URL");
        row("non-ASCII in path", "http://example.com/caf\xc3\xa9", "not a valid URL");
        row("fragment", "http://example.com/base#frag", "fragment");
        row("user info", "http://user:secret@example.com/", "user info");
        row("user name only", "http://user@example.com/", "user info");
        row("user info, bad scheme", "ftp://id:secret@example.com/", "only http and https");
        row("user info, fragment", "https://id:secret@example.com/a#f", "user info");
        row("user info, no scheme", "id:secret@example.com/x", "only http and https");
        row("user info, space in host", "http://id:secret@exa mple.com/", "user info");
        row("port out of range", "http://example.com:70000/", "");
        // Found by the fuzz harness: QUrl takes port 0.
        row("port 0", "HTTP://pu:0", "port must be 1 to 65535");
        row("port 0, padded", "https://example.com:00/", "port must be 1 to 65535");
        // Found by the fuzz harness: QUrl takes an IPvFuture literal and drops its brackets,
        // so the Host sent upstream and the name looked up were not the URL's.
        row("IPvFuture literal", "http://[v1.Ab,3.]", "IPvFuture");
        row("IPvFuture literal with a port", "http://[v7.x]:8080/p", "IPvFuture");
        row("IPvFuture literal with a colon", "http://[v1.a:b]", "IPvFuture");
        row("IPvFuture literal like IPv6", "http://[v1.fe80::1]:8080/p", "IPvFuture");
        // A zone id names an interface of this machine; RFC 3986 has no place for it in Host.
        row("IPv6 zone id", "http://[fe80::1%25eth0]/", "zone id");
        row("space in host", "http://exa mple.com/", "");
    }
    // Config validation quotes the URL settings it refuses, never the password in them.
    void configProblemsHideUserInfo_data() {
        QTest::addColumn<QString>("upstream");
        QTest::addColumn<QString>("introspection");
        QTest::newRow("upstream") << QStringLiteral("http://id:secret@up.example/")
                                  << QStringLiteral("https://idp.example/i");
        QTest::newRow("introspection") << QStringLiteral("http://up.example/")
                                       << QStringLiteral("https://gw:secret@idp.example/i");
        QTest::newRow("both, odd forms") << QStringLiteral("id:secret@up.example")
                                         << QStringLiteral("https://gw:secret@idp.example/a#f");
    }
    void configProblemsHideUserInfo() {
        QFETCH(QString, upstream);
        QFETCH(QString, introspection);
        Config c;
        c.upstreamUrl = upstream;
        c.auth = AuthMode::Introspection;
        c.introspection.url = introspection;
        const QStringList problems = c.validate();
        QVERIFY(!problems.isEmpty());
        const QString all = problems.join(u'\n');
        QVERIFY2(!all.contains(QStringLiteral("secret")), qPrintable(all));
        QVERIFY2(all.contains(QStringLiteral("***@")), qPrintable(all));
    }

    void parseRejects() {
        QFETCH(QString, url);
        QFETCH(QString, errorContains);

        QString error;
        QVERIFY(!UpstreamTarget::parse(url, &error).has_value());
        QVERIFY(!error.isEmpty());
        QVERIFY2(error.contains(errorContains), qPrintable(error));
        // The message names the rejected URL so the operator sees which setting is wrong, but
        // never the password it may carry.
        if (!url.isEmpty())
            QVERIFY2(error.contains(UpstreamTarget::redacted(url)), qPrintable(error));
        QVERIFY2(!error.contains(QStringLiteral("secret")), qPrintable(error));
        // No error out-parameter is fine too.
        QVERIFY(!UpstreamTarget::parse(url, nullptr).has_value());
    }

    void join_data() {
        QTest::addColumn<QString>("base");
        QTest::addColumn<QByteArray>("clientTarget");
        QTest::addColumn<QByteArray>("expected");

        auto row = [](const char *name, const char *base, const char *target,
                      const char *expected) {
            QTest::newRow(name) << QString::fromLatin1(base) << QByteArray(target)
                                << QByteArray(expected);
        };
        // docs/compatibility.md, step 2: the base path is prefixed, joined by exactly one slash.
        row("base + path and query", "http://u/base", "/p/q?y=2", "/base/p/q?y=2");
        row("base with trailing slash", "http://u/base/", "/p", "/base/p");
        row("base + root", "http://u/base", "/", "/base/");
        row("base with trailing slash + root", "http://u/base/", "/", "/base/");
        row("deep base", "http://u/a/b/c", "/d", "/a/b/c/d");
        row("base + query only", "http://u/base", "/?q=1", "/base/?q=1");
        row("no base: target unchanged", "http://u", "/p/q?y=2", "/p/q?y=2");
        row("root base: target unchanged", "http://u/", "/p", "/p");
        row("double slash kept, no base", "http://u", "//x", "//x");
        row("double slash kept after base", "http://u/base", "//x//y", "/base//x//y");
        row("%41 kept", "http://u", "/a%41", "/a%41");
        row("base query alone", "http://u/base?k=1", "/p", "/base/p?k=1");
        row("base query before client query", "http://u/base?k=1", "/p?y=2", "/base/p?k=1&y=2");
        row("base query, client empty query", "http://u?k=1", "/p?", "/p?k=1");
        row("base path %41 and // kept", "http://u/b%41//x/", "/a//b%2F", "/b%41//x/a//b%2F");
        row("%2F kept after base", "http://u/base", "/x%2Fy?q=%zz", "/base/x%2Fy?q=%zz");
        row("dot segments kept", "http://u/base", "/a/../b/./c", "/base/a/../b/./c");
        row("absolute-form reduced", "http://u", "http://h/p?q", "/p?q");
        row("absolute-form with port reduced", "http://u", "https://h:8443/p/q", "/p/q");
        row("absolute-form after base", "http://u/base", "http://h/p?q", "/base/p?q");
        row("absolute-form without path", "http://u", "http://h", "/");
        row("absolute-form with query only", "http://u", "http://h?x=/y", "/?x=/y");
        row("absolute-form query with slash", "http://u", "http://h/p?next=/a/b", "/p?next=/a/b");
        row("asterisk, no base", "http://u", "*", "*");
        row("asterisk with base", "http://u/base", "*", "/base");
    }
    void join() {
        QFETCH(QString, base);
        QFETCH(QByteArray, clientTarget);
        QFETCH(QByteArray, expected);

        QString error;
        const std::optional<UpstreamTarget> t = UpstreamTarget::parse(base, &error);
        QVERIFY2(t.has_value(), qPrintable(error));
        QCOMPARE(t->join(clientTarget), expected);
    }

    void originHashAndEquality() {
        const Origin a{false, QStringLiteral("h"), 80};
        const Origin b{false, QStringLiteral("h"), 80};
        const Origin tls{true, QStringLiteral("h"), 80};
        const Origin port{false, QStringLiteral("h"), 81};
        const Origin host{false, QStringLiteral("g"), 80};
        QVERIFY(a == b);
        QCOMPARE(qHash(a, 7), qHash(b, 7));
        QVERIFY(!(a == tls));
        QVERIFY(!(a == port));
        QVERIFY(!(a == host));
        QVERIFY(qHash(a, 7) != qHash(tls, 7) || qHash(a, 7) != qHash(port, 7));
    }
};

QTEST_APPLESS_MAIN(TestUpstreamTarget)
#include "tst_upstreamtarget.moc"
