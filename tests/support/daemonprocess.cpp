// SPDX-License-Identifier: Apache-2.0
#include "tests/support/daemonprocess.h"

#include "tests/support/scriptedupstream.h"

#include <QFile>
#include <QRegularExpression>

#include <csignal>

namespace Tokengate::Test {

DaemonProcess::~DaemonProcess() {
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

QProcessEnvironment DaemonProcess::baseEnvironment() {
    QProcessEnvironment env;
    env.insert(QStringLiteral("PATH"), qEnvironmentVariable("PATH"));
    // Under tests/sanitize.sh the daemon is sanitized too: same options and suppressions.
    for (const char *name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"}) {
        if (qEnvironmentVariableIsSet(name))
            env.insert(QString::fromLatin1(name), qEnvironmentVariable(name));
    }
    env.insert(QStringLiteral("TOKENGATE_LISTEN"), QStringLiteral("127.0.0.1:0"));
    env.insert(QStringLiteral("TOKENGATE_ADMIN_LISTEN"), QStringLiteral("127.0.0.1:0"));
    env.insert(QStringLiteral("TOKENGATE_WORKERS"), QStringLiteral("1"));
    return env;
}

bool DaemonProcess::writeDotEnv(const QString &dir, const QByteArray &content) {
    QFile f(dir + QStringLiteral("/.env"));
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(content) == content.size();
}

void DaemonProcess::drain() {
    m_err += m_process.readAllStandardError();
    m_out += m_process.readAllStandardOutput();
}

QByteArray DaemonProcess::err() {
    drain();
    return m_err;
}

QByteArray DaemonProcess::out() {
    drain();
    return m_out;
}

bool DaemonProcess::launch(const QStringList &args, const QProcessEnvironment &env,
                           const QString &dir, int timeoutMs) {
    m_process.setProcessEnvironment(env);
    m_process.setWorkingDirectory(dir);
    m_process.start(qEnvironmentVariable("TOKENGATED"), args);
    return m_process.waitForStarted(timeoutMs);
}

bool DaemonProcess::start(const QStringList &args, const QProcessEnvironment &env,
                          const QString &dir, int timeoutMs) {
    if (!launch(args, env, dir, timeoutMs))
        return false;
    static const QRegularExpression banner(
        QStringLiteral("tokengated \\S+: https?://[^ ]+:(\\d+) -> "));
    static const QRegularExpression admin(QStringLiteral("Admin: http://[^ ]+:(\\d+)/healthz"));
    bool seen = false;
    waitFor(
        [&] {
            drain();
            const QString text = QString::fromUtf8(m_err);
            const auto b = banner.match(text);
            if (b.hasMatch()) {
                m_port = quint16(b.captured(1).toUInt());
                const auto a = admin.match(text);
                if (a.hasMatch())
                    m_adminPort = quint16(a.captured(1).toUInt());
                seen = true;
            }
            return seen || m_process.state() == QProcess::NotRunning;
        },
        timeoutMs);
    return seen;
}

bool DaemonProcess::waitForOutput(QByteArrayView text, int timeoutMs) {
    return waitFor(
        [&] {
            drain();
            return m_err.contains(text) || m_out.contains(text);
        },
        timeoutMs);
}

bool DaemonProcess::signal(int number) {
    return m_process.processId() > 0 && ::kill(pid_t(m_process.processId()), number) == 0;
}

int DaemonProcess::waitForExit(int timeoutMs) {
    if (!waitFor([&] { return m_process.state() == QProcess::NotRunning; }, timeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(5000);
        drain();
        return -1;
    }
    drain();
    return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -1;
}

QByteArray DaemonProcess::demoToken() {
    static const QRegularExpression curl(QStringLiteral("Bearer ([A-Za-z0-9_-]+)'"));
    QByteArray token;
    waitFor([&] {
        const auto m = curl.match(QString::fromUtf8(err()));
        if (m.hasMatch())
            token = m.captured(1).toLatin1();
        return !token.isEmpty() || m_process.state() == QProcess::NotRunning;
    });
    return token;
}

} // namespace Tokengate::Test
