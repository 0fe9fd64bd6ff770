// SPDX-License-Identifier: Apache-2.0
// secretSettings(): every secret of a Config from the settings tables, each endpoint's under
// its name with where it is sent, the first endpoint once, and writes going into the Config.
#include "core/config/configsecrets.h"

#include <QTest>

using namespace Tokengate;

class TestConfigSecrets : public QObject {
    Q_OBJECT

private slots:
    void everySecretOnce() {
        Config c;
        c.introspection.url = QStringLiteral("https://idp.test/introspect");
        IntrospectionConfig partners;
        partners.name = QStringLiteral("partners");
        partners.issuer = QStringLiteral("https://partners.test");
        c.moreIntrospection = {partners};
        QStringList paths;
        for (const SecretSetting &s : secretSettings(c))
            paths << s.path + u'>' + s.sentTo;
        paths.sort();
        QCOMPARE(paths, (QStringList{
                            u"admin.token>"_qs,
                            u"cache.redis.password>"_qs,
                            u"introspection.default.authorization>https://idp.test/introspect"_qs,
                            u"introspection.default.client_secret>https://idp.test/introspect"_qs,
                            u"introspection.partners.authorization>https://partners.test"_qs,
                            u"introspection.partners.client_secret>https://partners.test"_qs,
                            u"jwt.secret>"_qs,
                        }));
        for (const SecretSetting &s : secretSettings(c)) {
            if (s.path == u"introspection.partners.client_secret") {
                *s.value = QStringLiteral("v");
                *s.reference = QStringLiteral("env:P");
            }
        }
        QCOMPARE(c.moreIntrospection.first().clientSecret, u"v"_qs);
        QCOMPARE(c.moreIntrospection.first().clientSecretRef, u"env:P"_qs);
    }
};

QTEST_GUILESS_MAIN(TestConfigSecrets)
#include "tst_configsecrets.moc"
