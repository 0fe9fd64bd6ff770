// SPDX-License-Identifier: Apache-2.0
// SHA-256 and HMAC-SHA256 against published vectors (FIPS 180-2, RFC 4231), the prepared
// HMAC key against the one-shot one, and the prepared key shared by threads.
#include "core/base/sha256.h"

#include <QTest>
#include <QThread>

#include <memory>
#include <vector>

#include <openssl/crypto.h>

using namespace Tokengate;

class TestSha256 : public QObject {
    Q_OBJECT

private slots:
    void sha256Vector() {
        QCOMPARE(sha256("abc").toHex(),
                 QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    void hmacVectors_data() {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<QByteArray>("mac");
        QTest::newRow("RFC 4231 case 1")
            << QByteArray(20, '\x0b') << QByteArray("Hi There")
            << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        QTest::newRow("RFC 4231 case 2")
            << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
            << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        QTest::newRow("RFC 4231 case 6, a key longer than a block")
            << QByteArray(131, '\xaa')
            << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
            << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
        QTest::newRow("empty key and message")
            << QByteArray() << QByteArray()
            << QByteArray("b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    }
    void hmacVectors() {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, data);
        QFETCH(QByteArray, mac);
        QCOMPARE(hmacSha256(key, data).toHex(), mac);
        const HmacSha256Key prepared(key);
        QCOMPARE(prepared.mac(data).toHex(), mac);
        // Each MAC starts from the key alone, whatever came before.
        QCOMPARE(prepared.mac("something else").toHex(), hmacSha256(key, "something else").toHex());
        QCOMPARE(prepared.mac(data).toHex(), mac);
    }

    void preparedKeySharedByThreads() {
        const HmacSha256Key key("a-shared-secret-long-enough-for-hs256");
        constexpr int Threads = 4, Rounds = 2000;
        std::vector<int> wrong(Threads, 0);
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < Threads; ++t) {
            threads.emplace_back(QThread::create([&, t] {
                for (int i = 0; i < Rounds; ++i) {
                    const QByteArray message = "message " + QByteArray::number(t * Rounds + i);
                    if (key.mac(message) !=
                        hmacSha256("a-shared-secret-long-enough-for-hs256", message))
                        ++wrong[t];
                }
                OPENSSL_thread_stop(); // as the gateway's workers do: OpenSSL's per-thread state
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(60000));
        for (int t = 0; t < Threads; ++t)
            QCOMPARE(wrong[t], 0);
    }
};

QTEST_APPLESS_MAIN(TestSha256)
#include "tst_sha256.moc"
