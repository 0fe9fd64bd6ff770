// SPDX-License-Identifier: Apache-2.0
#include "gui/secretstore.h"

#include <QTimer>

#include <qt6keychain/keychain.h>

#include <memory>

namespace Tokengate {

namespace {

SecretStore::Result fromJob(const QKeychain::Job &job) {
    SecretStore::Result r;
    switch (job.error()) {
    case QKeychain::NoError:
        r.status = SecretStore::Status::Ok;
        return r;
    case QKeychain::EntryNotFound:
        r.status = SecretStore::Status::NotFound;
        return r;
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        r.status = SecretStore::Status::Unavailable;
        break;
    default: {
        // libsecret reports a missing Secret Service (no session bus, nobody owning
        // org.freedesktop.secrets) as OtherError; only its message tells it from a keychain
        // that is there but refused (locked, denied).
        static const char *const noService[] = {"connect",        "dbus",
                                                "d-bus",          "org.freedesktop.secrets",
                                                "ServiceUnknown", "not provided by any"};
        const QString message = job.errorString();
        r.status = SecretStore::Status::Failed;
        for (const char *hint : noService) {
            if (message.contains(QLatin1StringView(hint), Qt::CaseInsensitive))
                r.status = SecretStore::Status::Unavailable;
        }
        break;
    }
    }
    r.error = job.errorString();
    return r;
}

} // namespace

KeychainSecretStore::KeychainSecretStore(QObject *parent, int timeoutMs)
    : SecretStore(parent)
    , m_timeoutMs(timeoutMs) {}

QString KeychainSecretStore::description() const {
    return QStringLiteral("the system keychain (Secret Service, KWallet, macOS Keychain or "
                          "Windows Credential Manager)");
}

template<typename Job> void KeychainSecretStore::run(Job *job, QObject *context, Callback done) {
    job->setAutoDelete(false);
    job->setInsecureFallback(false); // never plaintext
    // Exactly one callback: whichever of "finished" and the timeout comes first.
    auto pending = std::make_shared<Callback>(std::move(done));
    auto finish = [pending, context = QPointer<QObject>(context)](const Result &r) {
        if (!*pending)
            return;
        const Callback cb = std::exchange(*pending, {});
        if (context)
            cb(r);
    };
    auto *timer = new QTimer(job);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, job, [job, finish, ms = m_timeoutMs] {
        finish({Status::Unavailable,
                {},
                QStringLiteral("the keychain did not answer within %1 s").arg(ms / 1000)});
        job->deleteLater();
    });
    connect(job, &QKeychain::Job::finished, this, [job, finish] {
        Result r = fromJob(*job);
        if constexpr (std::is_same_v<Job, QKeychain::ReadPasswordJob>) {
            if (r.status == Status::Ok)
                r.value = job->textData();
        }
        finish(r);
        job->deleteLater();
    });
    timer->start(m_timeoutMs);
    job->start();
}

void KeychainSecretStore::read(const QString &key, QObject *context, Callback done) {
    auto *job = new QKeychain::ReadPasswordJob(QLatin1StringView(ServiceName), this);
    job->setKey(key);
    run(job, context, std::move(done));
}

void KeychainSecretStore::write(const QString &key, const QString &value, QObject *context,
                                Callback done) {
    auto *job = new QKeychain::WritePasswordJob(QLatin1StringView(ServiceName), this);
    job->setKey(key);
    job->setTextData(value);
    run(job, context, std::move(done));
}

void KeychainSecretStore::remove(const QString &key, QObject *context, Callback done) {
    auto *job = new QKeychain::DeletePasswordJob(QLatin1StringView(ServiceName), this);
    job->setKey(key);
    run(job, context, std::move(done));
}

QString MemorySecretStore::description() const {
    return QStringLiteral("memory (this run only)");
}

void MemorySecretStore::later(QObject *context, Callback done, Result result) {
    QTimer::singleShot(0, context ? context : this,
                       [done = std::move(done), result] { done(result); });
}

void MemorySecretStore::read(const QString &key, QObject *context, Callback done) {
    const auto it = m_values.constFind(key);
    later(context, std::move(done),
          it == m_values.cend() ? Result{Status::NotFound, {}, {}} : Result{Status::Ok, *it, {}});
}

void MemorySecretStore::write(const QString &key, const QString &value, QObject *context,
                              Callback done) {
    m_values.insert(key, value);
    later(context, std::move(done), {Status::Ok, {}, {}});
}

void MemorySecretStore::remove(const QString &key, QObject *context, Callback done) {
    m_values.remove(key);
    later(context, std::move(done), {Status::Ok, {}, {}});
}

} // namespace Tokengate
