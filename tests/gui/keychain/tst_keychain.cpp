// SPDX-License-Identifier: Apache-2.0
// The keychain for real. Run by CTest in two ways (see tests/CMakeLists.txt):
//   TOKENGATE_KEYCHAIN=secret-service under tests/gui/keychain-session.sh (gnome-keyring in a
//   private D-Bus session), and TOKENGATE_KEYCHAIN=unavailable with the session bus
//   pointing nowhere.
#include "gui/configsettings.h"
#include "gui/gatewaycontroller.h"
#include "gui/mainwindow.h"
#include "gui/secretstore.h"
#include "gui/settingspage.h"

#include <QDirIterator>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace Tokengate;

namespace {

using Status = SecretStore::Status;

struct Outcome {
    std::optional<SecretStore::Result> result;
};

SecretStore::Callback into(Outcome &o) {
    return [&o](const SecretStore::Result &r) { o.result = r; };
}

// Every file under `root` whose bytes contain `needle`.
QStringList filesContaining(const QString &root, const QByteArray &needle) {
    QStringList hits;
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            hits << f.fileName();
    }
    return hits;
}

// A config that needs a client secret, on a free port.
Config configWithSecret(Config c, const QString &secret) {
    c.demo = false;
    c.server.port = 0;
    c.upstreamUrl = QStringLiteral("http://127.0.0.1:3000");
    c.introspection.url = QStringLiteral("http://127.0.0.1:9/introspect");
    c.introspection.clientId = QStringLiteral("app");
    c.introspection.clientSecret = secret;
    return c;
}

} // namespace

class TestKeychain : public QObject {
    Q_OBJECT

    QString m_mode;

private slots:
    void initTestCase() {
        m_mode = qEnvironmentVariable("TOKENGATE_KEYCHAIN");
        if (m_mode.isEmpty())
            QSKIP("run by CTest: tests/gui/keychain-session.sh or TOKENGATE_KEYCHAIN=unavailable");
    }

    void roundTrip_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::newRow("ascii") << "client-secret"
                               << "s3cr3t-ascii-value-1";
        QTest::newRow("unicode") << "jwt-secret" << QStringLiteral("pässwörd-ключ-秘密-2");
        QTest::newRow("long") << "introspection-authorization"
                              << QString(QStringLiteral("Basic ") + QString(4000, u'x') +
                                         QStringLiteral("-3"));
    }
    void roundTrip() {
        if (m_mode != u"secret-service")
            QSKIP("needs the Secret Service");
        QFETCH(QString, key);
        QFETCH(QString, value);
        KeychainSecretStore store;
        QObject context;

        Outcome write;
        store.write(key, value, &context, into(write));
        QTRY_VERIFY_WITH_TIMEOUT(write.result.has_value(), 20'000);
        QCOMPARE(int(write.result->status), int(Status::Ok));

        Outcome read;
        store.read(key, &context, into(read));
        QTRY_VERIFY_WITH_TIMEOUT(read.result.has_value(), 20'000);
        QCOMPARE(int(read.result->status), int(Status::Ok));
        QCOMPARE(read.result->value, value);

        // Never in a plain file: not under HOME nor the XDG dirs the session made.
        for (const char *var : {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR"})
            QVERIFY2(filesContaining(qEnvironmentVariable(var), value.toUtf8()).isEmpty(), var);

        Outcome removed;
        store.remove(key, &context, into(removed));
        QTRY_VERIFY_WITH_TIMEOUT(removed.result.has_value(), 20'000);
        QCOMPARE(int(removed.result->status), int(Status::Ok));

        Outcome gone;
        store.read(key, &context, into(gone));
        QTRY_VERIFY_WITH_TIMEOUT(gone.result.has_value(), 20'000);
        QCOMPARE(int(gone.result->status), int(Status::NotFound));
    }

    // The window saves secrets on Apply and a new window reads them back.
    void windowKeepsSecretsInKeychain() {
        if (m_mode != u"secret-service")
            QSKIP("needs the Secret Service");
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("tokengate.conf")), QSettings::IniFormat);
        KeychainSecretStore store;
        const QString secret = QStringLiteral("window-client-secret-4711");
        {
            GatewayController gateway;
            MainWindow window(&gateway, &store, &settings);
            QTRY_VERIFY_WITH_TIMEOUT(window.secretsLoaded(), 20'000);
            QCOMPARE(window.keychainNotice(), QString());
            window.settingsPage()->setConfig(
                configWithSecret(window.settingsPage()->config(), secret));
            QSignalSpy saved(&window, &MainWindow::settingsSaved);
            emit window.settingsPage()->applyRequested(window.settingsPage()->config());
            QVERIFY(saved.wait(20'000));
            QCOMPARE(saved.first().first().toBool(), true);
        }
        QVERIFY(!QFile(settings.fileName()).readAll().contains(secret.toUtf8()));
        QVERIFY(filesContaining(dir.path(), secret.toUtf8()).isEmpty());
        {
            GatewayController gateway;
            MainWindow window(&gateway, &store, &settings);
            QTRY_VERIFY_WITH_TIMEOUT(window.secretsLoaded(), 20'000);
            QCOMPARE(window.settingsPage()->config().introspection.clientSecret, secret);
            QCOMPARE(window.settingsPage()->config().introspection.clientId, u"app");
        }
        QObject context;
        for (const SecretField &f : secretFields()) {
            Outcome removed;
            store.remove(f.key, &context, into(removed));
            QTRY_VERIFY_WITH_TIMEOUT(removed.result.has_value(), 20'000);
        }
    }

    void unavailable() {
        if (m_mode != u"unavailable")
            QSKIP("needs no session bus");
        KeychainSecretStore store(nullptr, 10'000);
        QObject context;
        Outcome write;
        store.write(QStringLiteral("client-secret"), QStringLiteral("nope"), &context, into(write));
        QTRY_VERIFY_WITH_TIMEOUT(write.result.has_value(), 15'000);
        QVERIFY2(write.result->status == Status::Unavailable, qPrintable(write.result->error));
        Outcome read;
        store.read(QStringLiteral("client-secret"), &context, into(read));
        QTRY_VERIFY_WITH_TIMEOUT(read.result.has_value(), 15'000);
        QCOMPARE(int(read.result->status), int(Status::Unavailable));
    }

    // The window says so plainly, keeps typed secrets for this run and writes them nowhere.
    void windowWithoutKeychain() {
        if (m_mode != u"unavailable")
            QSKIP("needs no session bus");
        QTemporaryDir dir;
        QSettings settings(dir.filePath(QStringLiteral("tokengate.conf")), QSettings::IniFormat);
        KeychainSecretStore store(nullptr, 10'000);
        GatewayController gateway;
        MainWindow window(&gateway, &store, &settings);
        QTRY_VERIFY_WITH_TIMEOUT(window.secretsLoaded(), 15'000);
        QVERIFY2(window.keychainNotice().contains(u"No keychain is available"),
                 qPrintable(window.keychainNotice()));
        QVERIFY(window.keychainNotice().contains(u"this run only"));

        const QString secret = QStringLiteral("typed-for-this-run-0815");
        window.settingsPage()->setConfig(configWithSecret(window.settingsPage()->config(), secret));
        emit window.settingsPage()->applyRequested(window.settingsPage()->config());
        settings.sync();
        QCOMPARE(window.settingsPage()->config().introspection.clientSecret, secret);
        QVERIFY(filesContaining(dir.path(), secret.toUtf8()).isEmpty());
        // The typed secret is used for this run.
        QVERIFY(window.startGateway());
        QCOMPARE(gateway.runningConfig().introspection.clientSecret, secret);
        window.stopGateway();
    }
};

QTEST_MAIN(TestKeychain)
#include "tst_keychain.moc"
