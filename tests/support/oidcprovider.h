// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tests/support/scriptedupstream.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace Tokengate::Test {

// oidc-provider (tests/e2e/oidc/provider.mjs) in a child process on 127.0.0.1:0. Its stdin
// is a pipe this object holds, so it also ends when the test process dies.
class OidcProviderProcess {
public:
    ~OidcProviderProcess() { stop(); }

    // Starts it and reads its JSON line (issuer, endpoints, clients); false with `error`.
    bool start(QString *error) {
        const QString dir = QStringLiteral(TOKENGATE_E2E_OIDC_DIR);
        if (!QDir(dir + QStringLiteral("/node_modules/oidc-provider")).exists()) {
            *error = QStringLiteral("oidc-provider is not installed: run .ci/setup (npm ci in "
                                    "tests/e2e/oidc)");
            return false;
        }
        m_process.setWorkingDirectory(dir);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("OIDC_PORT"), QStringLiteral("0"));
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        m_process.start(QStringLiteral("node"), {QStringLiteral("provider.mjs")});
        if (!m_process.waitForStarted(10000)) {
            *error = m_process.errorString();
            return false;
        }
        QByteArray line;
        waitFor(
            [&] {
                line += m_process.readAllStandardOutput();
                return line.contains('\n') || m_process.state() == QProcess::NotRunning;
            },
            30000);
        info = QJsonDocument::fromJson(line.left(line.indexOf('\n'))).object();
        if (info.value(u"port").toInt() <= 0) {
            *error =
                QStringLiteral("oidc-provider printed no JSON line: ") + QString::fromUtf8(line);
            return false;
        }
        return true;
    }

    void stop() {
        if (m_process.state() == QProcess::NotRunning)
            return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    QString value(const char *key) const { return info.value(QLatin1StringView(key)).toString(); }

    QJsonObject info;

private:
    QProcess m_process;
};

} // namespace Tokengate::Test
