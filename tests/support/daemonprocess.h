// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QProcess>

namespace Tokengate::Test {

// The real tokengated ($TOKENGATED) as an operator runs it: started with an exact
// environment, its stderr collected, its listener and admin ports read off the banner.
class DaemonProcess {
public:
    ~DaemonProcess();

    // Starts without waiting for anything: for what happens while the daemon starts up.
    bool launch(const QStringList &args, const QProcessEnvironment &env, const QString &dir,
                int timeoutMs = 15000);
    // Starts and waits for the banner; false (with the output so far in err()) if the daemon
    // exits or prints none within the timeout.
    bool start(const QStringList &args, const QProcessEnvironment &env, const QString &dir,
               int timeoutMs = 15000);
    // Waits until stderr (read so far and from now on) contains `text`.
    bool waitForOutput(QByteArrayView text, int timeoutMs = 10000);
    bool signal(int number); // kill(2) on the daemon
    // Waits for the exit; -1 on timeout (the process is then killed).
    int waitForExit(int timeoutMs = 15000);

    quint16 port() const { return m_port; }
    quint16 adminPort() const { return m_adminPort; }
    // From the demo banner's curl line, which may arrive after the listening line.
    QByteArray demoToken();
    QByteArray err(); // everything on stderr so far
    QByteArray out(); // everything on stdout so far
    QProcess &process() { return m_process; }

    // A minimal environment: PATH, loopback port 0 for both listeners, one worker.
    static QProcessEnvironment baseEnvironment();
    // Replaces `dir`/.env, which the daemon reads at start and on every SIGHUP.
    static bool writeDotEnv(const QString &dir, const QByteArray &content);

private:
    void drain();

    QProcess m_process;
    QByteArray m_err;
    QByteArray m_out;
    quint16 m_port = 0;
    quint16 m_adminPort = 0;
};

} // namespace Tokengate::Test
