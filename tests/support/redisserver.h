// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "tests/support/scriptedupstream.h"

#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QStringList>
#include <QTcpServer>
#include <QTemporaryDir>

#include <csignal>

namespace Tokengate::Test {

// A redis-server of our own on 127.0.0.1, no persistence, stopped with the test.
class RedisServer {
public:
    RedisServer() {
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        QObject::connect(&m_process, &QProcess::readyRead,
                         [this] { m_output += m_process.readAll(); });
    }
    ~RedisServer() { stop(); }

    bool start() {
        if (QStandardPaths::findExecutable(QStringLiteral("redis-server")).isEmpty()) {
            qWarning("redis-server is not installed (Debian package redis-server, see .ci/setup)");
            return false;
        }
        if (!m_port) {
            QTcpServer probe; // a free port: redis-server has no "port 0"
            if (!probe.listen(QHostAddress::LocalHost, 0))
                return false;
            m_port = probe.serverPort();
        }
        m_output.clear();
        m_process.start(QStringLiteral("redis-server"),
                        {QStringLiteral("--port"), QString::number(m_port),
                         QStringLiteral("--bind"), QStringLiteral("127.0.0.1"),
                         QStringLiteral("--save"), QString(), QStringLiteral("--appendonly"),
                         QStringLiteral("no"), QStringLiteral("--dir"), m_dir.path()});
        if (!m_process.waitForStarted(5000))
            return false;
        return waitFor([this] { return m_output.contains("Ready to accept connections"); }, 10000);
    }
    void kill() {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    void stop() {
        if (m_process.state() != QProcess::NotRunning)
            kill();
    }
    void pause() { ::kill(pid_t(m_process.processId()), SIGSTOP); }
    void resume() { ::kill(pid_t(m_process.processId()), SIGCONT); }
    QString url() const { return QStringLiteral("redis://127.0.0.1:%1").arg(m_port); }

    // redis-cli's answer to `args`, one line per element.
    QByteArray cli(const QStringList &args) const {
        QProcess p;
        p.start(
            QStringLiteral("redis-cli"),
            QStringList{QStringLiteral("-p"), QString::number(m_port), QStringLiteral("--raw")} +
                args);
        p.waitForFinished(5000);
        return p.readAllStandardOutput();
    }

private:
    QTemporaryDir m_dir;
    QProcess m_process;
    QByteArray m_output;
    quint16 m_port = 0;
};

} // namespace Tokengate::Test
