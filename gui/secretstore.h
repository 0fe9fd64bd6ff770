// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>

namespace Tokengate {

// Where the desktop app keeps secrets (client secret, Authorization value, JWT key). The
// OS keychain is the only persistent store: there is no plaintext fallback, ever.
class SecretStore : public QObject {
    Q_OBJECT
public:
    enum class Status {
        Ok,
        NotFound,
        Unavailable, // no keychain on this machine (e.g. no Secret Service on D-Bus)
        Failed,      // the keychain is there but refused (locked, denied, ...)
    };
    struct Result {
        Status status = Status::Failed;
        QString value; // a read's secret
        QString error; // for the user; never contains the secret
    };
    using Callback = std::function<void(const Result &)>;

    using QObject::QObject;
    // Each calls back exactly once, later, in this thread, unless `context` is gone by then.
    virtual void read(const QString &key, QObject *context, Callback done) = 0;
    virtual void write(const QString &key, const QString &value, QObject *context,
                       Callback done) = 0;
    virtual void remove(const QString &key, QObject *context, Callback done) = 0;
    // What the store is, for the UI ("GNOME Keyring / Secret Service").
    virtual QString description() const = 0;
};

// QtKeychain under the service name "Tokengate". Each job is bounded in time: a keychain
// that does not answer counts as unavailable rather than hanging the app.
class KeychainSecretStore : public SecretStore {
    Q_OBJECT
public:
    static constexpr char ServiceName[] = "Tokengate";
    explicit KeychainSecretStore(QObject *parent = nullptr, int timeoutMs = 15'000);

    void read(const QString &key, QObject *context, Callback done) override;
    void write(const QString &key, const QString &value, QObject *context, Callback done) override;
    void remove(const QString &key, QObject *context, Callback done) override;
    QString description() const override;

private:
    template<typename Job> void run(Job *job, QObject *context, Callback done);

    int m_timeoutMs;
};

// Secrets held in memory for this run only: the tests' store, and what the app falls back
// to (saying so) when the keychain is unavailable. Nothing is written anywhere.
class MemorySecretStore : public SecretStore {
    Q_OBJECT
public:
    using SecretStore::SecretStore;
    void read(const QString &key, QObject *context, Callback done) override;
    void write(const QString &key, const QString &value, QObject *context, Callback done) override;
    void remove(const QString &key, QObject *context, Callback done) override;
    QString description() const override;

private:
    void later(QObject *context, Callback done, Result result);
    QHash<QString, QString> m_values;
};

} // namespace Tokengate
