// SPDX-License-Identifier: Apache-2.0
// tokengated as an operator runs it: command line and exit codes, the admin listener, SIGHUP
// reloads under load, SIGTERM draining, and systemd notifications.
#include "tests/support/daemonprocess.h"
#include "tests/support/rawclient.h"
#include "tests/support/scriptedupstream.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <memory>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

// Clients that keep requests going, one connection per request, and count every status.
class LoadLoop : public QObject {
public:
    LoadLoop(quint16 port, QByteArray token, int clients)
        : m_request("GET /load HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + token +
                    "\r\nConnection: close\r\n\r\n")
        , m_port(port) {
        for (int i = 0; i < clients; ++i)
            next();
    }
    ~LoadLoop() override { m_stopping = true; }
    void stop() {
        m_stopping = true;
        waitFor([&] { return m_open == 0; });
    }
    int completed() const { return m_ok + int(m_failures.size()); }
    int ok() const { return m_ok; }
    const QList<QByteArray> &failures() const { return m_failures; }

private:
    void next() {
        if (m_stopping)
            return;
        auto *s = new QTcpSocket(this);
        // Owned by the connections' functors, so it goes with the socket even when a failed
        // test leaves the socket open.
        auto buffer = std::make_shared<QByteArray>();
        ++m_open;
        connect(s, &QTcpSocket::connected, s, [this, s] { s->write(m_request); });
        connect(s, &QTcpSocket::readyRead, s, [s, buffer] { *buffer += s->readAll(); });
        connect(s, &QTcpSocket::disconnected, this, [this, s, buffer] {
            *buffer += s->readAll();
            if (buffer->startsWith("HTTP/1.1 200 "))
                ++m_ok;
            else
                m_failures.append(buffer->left(200).isEmpty() ? QByteArray("(no response)")
                                                              : buffer->left(200));
            s->deleteLater();
            --m_open;
            next();
        });
        s->connectToHost(QHostAddress::LocalHost, m_port);
    }

    QByteArray m_request;
    quint16 m_port;
    bool m_stopping = false;
    int m_open = 0;
    int m_ok = 0;
    QList<QByteArray> m_failures;
};

// The receiving end of $NOTIFY_SOCKET, as systemd has it: a Unix datagram socket.
class NotifySocket {
public:
    explicit NotifySocket(const QString &path)
        : m_path(path) {
        m_fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const QByteArray p = path.toLocal8Bit();
        std::memcpy(addr.sun_path, p.constData(), size_t(std::min<qsizetype>(p.size(), 100)));
        m_bound = ::bind(m_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0;
        m_notifier = std::make_unique<QSocketNotifier>(m_fd, QSocketNotifier::Read);
        QObject::connect(m_notifier.get(), &QSocketNotifier::activated, [this] {
            char buf[512];
            ssize_t n;
            while ((n = ::recv(m_fd, buf, sizeof buf, 0)) > 0)
                m_messages.append(QByteArray(buf, n));
        });
    }
    ~NotifySocket() {
        m_notifier.reset();
        ::close(m_fd);
    }
    bool bound() const { return m_bound; }
    QByteArray all() const { return m_messages.join('|'); }
    bool waitFor(QByteArrayView state) {
        return Test::waitFor([&] { return all().contains(state); });
    }

private:
    QString m_path;
    int m_fd = -1;
    bool m_bound = false;
    std::unique_ptr<QSocketNotifier> m_notifier;
    QList<QByteArray> m_messages;
};

} // namespace

class TestDaemon : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    void writeDotEnv(const QByteArray &content) {
        QVERIFY(DaemonProcess::writeDotEnv(m_dir.path(), content));
    }

    // A config file in the test's folder; its secrets come from TOKENGATE_TEST_IDP_SECRET.
    QString writeConfig(const QString &name, const QString &yaml) {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(yaml.toUtf8()) != yaml.toUtf8().size())
            return {};
        return path;
    }
    static QString discoveredIdp(const QString &issuer) {
        return QStringLiteral("  - name: default\n"
                              "    issuer: %1\n"
                              "    client_id: gw\n"
                              "    client_secret: env:TOKENGATE_TEST_IDP_SECRET\n")
            .arg(issuer);
    }

private slots:
    void init() { QFile::remove(m_dir.filePath(QStringLiteral(".env"))); }

    void commandLine_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("mention"); // on stdout or stderr
        const QString d = QStringLiteral("--demo");
        QTest::newRow("help") << QStringList{QStringLiteral("--help")} << 0
                              << QByteArray("--admin-listen <address:port>");
        QTest::newRow("help lists exit codes")
            << QStringList{QStringLiteral("--help")} << 0 << QByteArray("2 usage error");
        QTest::newRow("version") << QStringList{QStringLiteral("--version")} << 0
                                 << QByteArray("tokengated " TOKENGATE_VERSION);
        QTest::newRow("unknown flag") << QStringList{QStringLiteral("--frobnicate")} << 2
                                      << QByteArray("Unknown option 'frobnicate'");
        QTest::newRow("missing value") << QStringList{QStringLiteral("--listen")} << 2
                                       << QByteArray("Missing value after '--listen'");
        QTest::newRow("positional") << QStringList{d, QStringLiteral("extra")} << 2
                                    << QByteArray("unexpected argument \"extra\"");
        QTest::newRow("bad log format") << QStringList{d, QStringLiteral("--log-format=xml")} << 1
                                        << QByteArray("--log-format: expected text or json");
        QTest::newRow("bad admin listen")
            << QStringList{d, QStringLiteral("--admin-listen=nowhere")} << 1
            << QByteArray("expected address:port or off");
        QTest::newRow("bad workers") << QStringList{d, QStringLiteral("--workers=999")} << 1
                                     << QByteArray("--workers: expected a whole number");
        QTest::newRow("bad listen") << QStringList{d, QStringLiteral("--listen=a:b:c")} << 1
                                    << QByteArray("--listen: expected address:port");
        QTest::newRow("check-config valid") << QStringList{d, QStringLiteral("--check-config")} << 0
                                            << QByteArray("configuration is valid");
        QTest::newRow("check-config invalid") << QStringList{QStringLiteral("--check-config")} << 1
                                              << QByteArray("introspection-url: no introspection");
        QTest::newRow("missing config file")
            << QStringList{d, QStringLiteral("--config=/nonexistent/tokengate.yml")} << 1
            << QByteArray("/nonexistent/tokengate.yml");
    }

    void commandLine() {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, mention);
        QProcess p;
        p.setProcessEnvironment(DaemonProcess::baseEnvironment());
        p.setWorkingDirectory(m_dir.path());
        p.start(qEnvironmentVariable("TOKENGATED"), args);
        QVERIFY(p.waitForFinished(15000));
        const QByteArray output = QByteArray(p.readAllStandardOutput() + p.readAllStandardError());
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() == exitCode, output.constData());
        QVERIFY2(output.contains(mention), output.constData());
    }

    // The shipped example config passes --check-config, whose output names secrets only by
    // reference and loads back.
    void checkConfigOnExample() {
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        const QByteArray secrets[] = {"example-secret-Pq4", "partners-secret-Lm8",
                                      "jwt-secret-Xv2-0123456789abcdef0123"};
        env.insert(QStringLiteral("TOKENGATE_EXAMPLE_SECRET"), QString::fromLatin1(secrets[0]));
        env.insert(QStringLiteral("TOKENGATE_EXAMPLE_PARTNERS_SECRET"),
                   QString::fromLatin1(secrets[1]));
        env.insert(QStringLiteral("TOKENGATE_EXAMPLE_JWT_SECRET"), QString::fromLatin1(secrets[2]));
        const QString example =
            QStringLiteral(TOKENGATE_SOURCE_DIR "/resources/tokengate.example.yml");
        QProcess p;
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir.path());
        p.start(qEnvironmentVariable("TOKENGATED"),
                {QStringLiteral("--config"), example, QStringLiteral("--check-config")});
        QVERIFY(p.waitForFinished(15000));
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QVERIFY(out.startsWith("# configuration is valid\n"));
        QVERIFY(out.contains("env:TOKENGATE_EXAMPLE_SECRET"));
        for (const QByteArray &secret : secrets)
            QVERIFY2(!out.contains(secret), secret.constData());

        // What it printed is a config file itself.
        QFile dump(m_dir.filePath(QStringLiteral("effective.yml")));
        QVERIFY(dump.open(QIODevice::WriteOnly));
        dump.write(out);
        dump.close();
        QProcess again;
        again.setProcessEnvironment(env);
        again.setWorkingDirectory(m_dir.path());
        again.start(
            qEnvironmentVariable("TOKENGATED"),
            {QStringLiteral("--config"), dump.fileName(), QStringLiteral("--check-config")});
        QVERIFY(again.waitForFinished(15000));
        QVERIFY2(again.exitCode() == 0, again.readAllStandardError().constData());
        QCOMPARE(again.readAllStandardOutput(), out);
    }

    void importEg_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("stdoutHas");
        QTest::addColumn<QByteArray>("stderrHas");
        const QString eg = QStringLiteral(TOKENGATE_SOURCE_DIR "/tests/data/eg/");
        QTest::newRow("converted, one item to review")
            << QStringList{eg + QStringLiteral("introspect-basic.yml")} << 1
            << QByteArray("routes:\n") << QByteArray("not converted (review these)");
        QTest::newRow("no file") << QStringList{} << 2 << QByteArray() << QByteArray("import-eg");
        QTest::newRow("missing file")
            << QStringList{QStringLiteral("/nonexistent/gateway.yml")} << 2 << QByteArray()
            << QByteArray("/nonexistent/gateway.yml");
    }

    void importEg() {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, stdoutHas);
        QFETCH(QByteArray, stderrHas);
        QProcess p;
        p.setProcessEnvironment(DaemonProcess::baseEnvironment());
        p.start(qEnvironmentVariable("TOKENGATED"),
                QStringList{QStringLiteral("import-eg")} + args);
        QVERIFY(p.waitForFinished(15000));
        const QByteArray out = p.readAllStandardOutput();
        const QByteArray err = p.readAllStandardError();
        QVERIFY2(p.exitCode() == exitCode, err.constData());
        QVERIFY2(out.contains(stdoutHas), out.constData());
        QVERIFY2(err.contains(stderrHas), err.constData());
    }

    // An admin port taken by someone else is a start error, not a silently missing endpoint.
    void adminPortInUse() {
        QTcpServer squatter;
        QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
        DaemonProcess d;
        QVERIFY(!d.start({QStringLiteral("--demo"),
                          QStringLiteral("--admin-listen=127.0.0.1:%1").arg(squatter.serverPort())},
                         DaemonProcess::baseEnvironment(), m_dir.path()));
        QCOMPARE(d.waitForExit(), 1);
        QVERIFY2(d.err().contains("admin listener cannot listen"), d.err().constData());
    }

    // Demo tokens come from the demo IdP: a config naming real IdPs (one to discover, one a
    // route uses) still starts offline, and every route accepts a demo token. A route without
    // an upstream goes to the demo's echo upstream.
    void demoAsksNoRealIdp() {
        QTcpServer closed;
        QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
        const QString nowhere = QStringLiteral("http://127.0.0.1:%1").arg(closed.serverPort());
        closed.close(); // connections to it are refused
        ScriptedUpstream upstream(ScriptedUpstream::answerEachRequest());
        const QString path =
            writeConfig(QStringLiteral("real-idps.yml"),
                        QStringLiteral("introspection:\n") + discoveredIdp(nowhere) +
                            QStringLiteral("  - name: partners\n"
                                           "    url: %1/introspect\n"
                                           "    auth_method: client_secret_post\n"
                                           "    client_id: gw\n"
                                           "    client_secret: env:TOKENGATE_TEST_IDP_SECRET\n"
                                           "routes:\n"
                                           "  - name: partners\n"
                                           "    path_prefix: /partners/\n"
                                           "    introspection: partners\n"
                                           "    upstream: %2\n"
                                           "  - name: echoed\n"
                                           "    path_prefix: /echo/\n"
                                           "  - name: rest\n"
                                           "    path_prefix: /\n"
                                           "    upstream: %2\n")
                                .arg(nowhere, upstream.url()));
        QVERIFY(!path.isEmpty());
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        env.insert(QStringLiteral("TOKENGATE_TEST_IDP_SECRET"), QStringLiteral("s"));
        DaemonProcess d;
        QVERIFY2(d.start({QStringLiteral("--demo"), QStringLiteral("--config"), path}, env,
                         m_dir.path()),
                 d.err().constData());
        const QByteArray token = d.demoToken();
        QVERIFY(!token.isEmpty());
        for (const char *target : {"/partners/x", "/a"}) {
            const auto r =
                requestOnce(d.port(), "GET", target, "Authorization: Bearer " + token + "\r\n");
            QVERIFY(r);
            QCOMPARE(r->status, 200);
        }
        const auto echoed =
            requestOnce(d.port(), "GET", "/echo/x", "Authorization: Bearer " + token + "\r\n");
        QVERIFY(echoed);
        QCOMPARE(echoed->status, 200);
        QVERIFY2(echoed->body.contains("\"target\":\"/echo/x\""), echoed->body.constData());
        QVERIFY(d.signal(SIGTERM));
        QCOMPARE(d.waitForExit(), 0);
    }

    void adminOff() {
        DaemonProcess d;
        QVERIFY2(d.start({QStringLiteral("--demo"), QStringLiteral("--admin-listen=off")},
                         DaemonProcess::baseEnvironment(), m_dir.path()),
                 d.err().constData());
        QCOMPARE(d.adminPort(), quint16(0));
        QVERIFY(!d.err().contains("Admin:"));
        QVERIFY(d.signal(SIGTERM));
        const int code = d.waitForExit();
        QVERIFY2(code == 0, d.err().constData());
    }

    // --demo with an HTTPS listener and no certificate: the demo makes one for localhost and
    // 127.0.0.1, and its curl line names it with --cacert.
    void demoOverHttps() {
        DaemonProcess d;
        QVERIFY2(d.start({QStringLiteral("--demo"), QStringLiteral("--plain-http"),
                          QStringLiteral("false"), QStringLiteral("--tls-listen"),
                          QStringLiteral("127.0.0.1:0")},
                         DaemonProcess::baseEnvironment(), m_dir.path()),
                 d.err().constData());
        const QByteArray token = d.demoToken();
        QVERIFY(!token.isEmpty());
        static const QRegularExpression line(
            QStringLiteral("curl -i --cacert (\\S+) -H '[^']+' https://127\\.0\\.0\\.1:(\\d+)/"));
        const auto m = line.match(QString::fromUtf8(d.err()));
        QVERIFY2(m.hasMatch(), d.err().constData());
        QFile caFile(m.captured(1));
        QVERIFY(caFile.open(QIODevice::ReadOnly));
        const QSslCertificate ca(caFile.readAll());
        RawClient client;
        QVERIFY2(
            client.connectTls(quint16(m.captured(2).toUInt()), {ca}, QStringLiteral("127.0.0.1")),
            qPrintable(client.handshakeErrors()));
        client.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                    "Authorization: Bearer " +
                    token + "\r\n\r\n");
        const auto r = client.readResponse();
        QVERIFY(r);
        QCOMPARE(r->status, 200);
        // Its key is the demo's alone.
        QCOMPARE(
            QFileInfo(QFileInfo(caFile).dir(), QStringLiteral("tokengate-demo.key")).permissions() &
                (QFileDevice::ReadGroup | QFileDevice::ReadOther),
            QFileDevice::Permissions());
    }

    void adminEndpoints() {
        DaemonProcess d;
        QVERIFY2(
            d.start({QStringLiteral("--demo")}, DaemonProcess::baseEnvironment(), m_dir.path()),
            d.err().constData());
        QVERIFY(d.adminPort() != 0);
        const QByteArray token = d.demoToken();
        QVERIFY(!token.isEmpty());
        QCOMPARE(
            requestOnce(d.port(), "GET", "/a", "Authorization: Bearer " + token + "\r\n")->status,
            200);
        QCOMPARE(requestOnce(d.port(), "GET", "/a")->status, 401);

        const auto health = requestOnce(d.adminPort(), "GET", "/healthz");
        QVERIFY(health);
        QCOMPARE(health->status, 200);
        QCOMPARE(health->body, QByteArray("ok\n"));

        // The request above reached the demo IdP, so it is known to be reachable.
        const auto ready = requestOnce(d.adminPort(), "GET", "/readyz");
        QVERIFY(ready);
        QCOMPARE(ready->status, 200);
        const QJsonObject readiness = QJsonDocument::fromJson(ready->body).object();
        QCOMPARE(readiness.value(QStringLiteral("ready")).toBool(), true);
        QCOMPARE(readiness.value(QStringLiteral("listening")).toBool(), true);

        const auto metrics = requestOnce(d.adminPort(), "GET", "/metrics");
        QVERIFY(metrics);
        QCOMPARE(metrics->status, 200);
        QVERIFY(metrics->headers.value("Content-Type").startsWith("text/plain; version=0.0.4"));
        for (const char *line :
             {"tokengate_requests_total{route=\"default\",status=\"200\",reason=\"\"} 1\n",
              "tokengate_requests_total{route=\"default\",status=\"401\",reason=\"token_missing\"} "
              "1\n",
              "tokengate_idp_request_duration_seconds_count 1\n",
              "tokengate_upstream_connections_opened_total 1\n",
              "tokengate_build_info{version=\"" TOKENGATE_VERSION "\"} 1\n"})
            QVERIFY2(metrics->body.contains(line), metrics->body.constData());

        QProcess promtool;
        promtool.start(QStringLiteral(TOKENGATE_PROMTOOL),
                       {QStringLiteral("check"), QStringLiteral("metrics")});
        QVERIFY2(promtool.waitForStarted(), "promtool missing: run .ci/setup");
        promtool.write(metrics->body);
        promtool.closeWriteChannel();
        QVERIFY(promtool.waitForFinished(30000));
        QVERIFY2(promtool.exitCode() == 0,
                 QByteArray(promtool.readAllStandardOutput() + promtool.readAllStandardError())
                     .constData());

        QCOMPARE(requestOnce(d.adminPort(), "GET", "/.well-known/jwks.json")->status, 404);
        QCOMPARE(requestOnce(d.adminPort(), "GET", "/nothing-here")->status, 404);
        QVERIFY(d.signal(SIGTERM));
        QCOMPARE(d.waitForExit(), 0);
    }

    // SIGHUP under load: a good reload takes effect for new requests, a bad one is refused
    // with every problem logged, and no request fails across either swap.
    void reloadUnderLoad() {
        writeDotEnv("TOKENGATE_REQUIRED_SCOPES=read\n");
        DaemonProcess d;
        QVERIFY2(
            d.start({QStringLiteral("--demo")}, DaemonProcess::baseEnvironment(), m_dir.path()),
            d.err().constData());
        const QByteArray token = d.demoToken(); // scopes "read write"
        LoadLoop load(d.port(), token, 4);
        QVERIFY(waitFor([&] { return load.completed() >= 50; }));

        writeDotEnv("TOKENGATE_REQUIRED_SCOPES=write\n");
        int before = load.completed();
        QVERIFY(d.signal(SIGHUP));
        QVERIFY2(d.waitForOutput("reload done"), d.err().constData());
        QVERIFY(waitFor([&] { return load.completed() >= before + 50; }));

        writeDotEnv("TOKENGATE_REQUIRED_SCOPES=write\nTOKENGATE_CACHE_TTL=soon\n"
                    "TOKENGATE_LOG_LEVEL=loud\n");
        before = load.completed();
        QVERIFY(d.signal(SIGHUP));
        QVERIFY2(d.waitForOutput("reload refused"), d.err().constData());
        QVERIFY(waitFor([&] { return load.completed() >= before + 50; }));
        load.stop();
        QVERIFY2(load.failures().isEmpty(), load.failures().value(0).constData());
        QVERIFY(d.err().contains("TOKENGATE_CACHE_TTL")); // every problem is named
        QVERIFY(d.err().contains("TOKENGATE_LOG_LEVEL"));

        // The good reload really swapped: a scope the token lacks is now refused.
        writeDotEnv("TOKENGATE_REQUIRED_SCOPES=admin\n");
        QVERIFY(d.signal(SIGHUP));
        QVERIFY(waitFor([&] { return d.err().count("reload done") == 2; }));
        QCOMPARE(
            requestOnce(d.port(), "GET", "/a", "Authorization: Bearer " + token + "\r\n")->status,
            403);
        QVERIFY(d.signal(SIGTERM));
        QCOMPARE(d.waitForExit(), 0);
    }

    // logrotate moves the access log, then SIGHUP: later lines go to a new file by the
    // configured name, and SIGTERM writes the lines still pending before the daemon exits.
    void accessLogRotation() {
        const QString log = m_dir.filePath(QStringLiteral("access.log"));
        const QString rotated = log + QStringLiteral(".1");
        QFile::remove(log);
        QFile::remove(rotated);
        DaemonProcess d;
        QVERIFY2(d.start({QStringLiteral("--demo"), QStringLiteral("--access-log"), log},
                         DaemonProcess::baseEnvironment(), m_dir.path()),
                 d.err().constData());
        const QByteArray auth = "Authorization: Bearer " + d.demoToken() + "\r\n";
        const auto content = [](const QString &path) {
            QFile f(path);
            return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
        };
        QCOMPARE(requestOnce(d.port(), "GET", "/first", auth)->status, 200);
        QVERIFY(waitFor([&] { return content(log).contains("\"/first\""); }));
        QVERIFY(QFile::rename(log, rotated));
        QVERIFY(d.signal(SIGHUP));
        QVERIFY2(d.waitForOutput("reload done"), d.err().constData());
        QCOMPARE(requestOnce(d.port(), "GET", "/second", auth)->status, 200);
        QVERIFY(d.signal(SIGTERM));
        QCOMPARE(d.waitForExit(), 0);
        const QByteArray before = content(rotated);
        const QByteArray after = content(log);
        QCOMPARE(before.count('\n'), 1);
        QCOMPARE(after.count('\n'), 1);
        QVERIFY2(after.contains("\"target\":\"/second\""), after.constData());
        QVERIFY(!after.contains(d.demoToken()) && !before.contains(d.demoToken()));
    }

    // SIGTERM: the listener closes at once, the requests in flight still get their whole
    // answers (an upload under way is read to its end), and the daemon exits 0.
    void drainOnTerm() {
        ScriptedUpstream upstream; // answers only when told
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        env.insert(QStringLiteral("TOKENGATE_AUTH"), QStringLiteral("none"));
        env.insert(QStringLiteral("TOKENGATE_UPSTREAM"), upstream.url());
        DaemonProcess d;
        QVERIFY2(d.start({}, env, m_dir.path()), d.err().constData());

        RawClient slow;
        QVERIFY(slow.connectTo(d.port()));
        slow.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        QVERIFY(waitFor(
            [&] { return !upstream.connections().isEmpty() && upstream.requestCount(0) == 1; }));
        RawClient upload;
        QVERIFY(upload.connectTo(d.port()));
        upload.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhello");
        QVERIFY(waitFor([&] {
            return upstream.connections().size() == 2 &&
                   upstream.connections()[1].received.endsWith("hello");
        }));
        QVERIFY(d.signal(SIGTERM));
        QVERIFY(d.waitForOutput("draining"));
        // Refused: every worker has closed its listener, so each has begun its drain.
        QVERIFY(waitFor([&] {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, d.port());
            return !probe.waitForConnected(1000) &&
                   probe.error() == QAbstractSocket::ConnectionRefusedError;
        }));
        QCOMPARE(d.process().state(), QProcess::Running); // still draining
        upload.send("world");
        QVERIFY(waitFor([&] { return upstream.connections()[1].received.endsWith("helloworld"); }));
        upstream.reply(1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        const auto stored = upload.readResponse();
        QVERIFY(stored);
        QCOMPARE(stored->status, 201);

        upstream.reply(0, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
        const auto response = slow.readResponse();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("done"));
        QCOMPARE(d.waitForExit(), 0);
    }

    // SIGTERM while start-up waits for the IdP's discovery document: the daemon finishes
    // starting, then drains and exits 0 (the signal neither kills it nor cuts discovery short).
    void terminateDuringStart() {
#ifdef __SANITIZE_THREAD__
        QSKIP("discovery goes through QNetworkAccessManager's HTTP thread, whose hand-offs to the "
              "main thread (futexes inside QtCore) TSan reports as races");
#endif
        ScriptedUpstream idp; // answers only when told
        const QString path =
            writeConfig(QStringLiteral("slow-discovery.yml"),
                        QStringLiteral("introspection:\n") + discoveredIdp(idp.url()) +
                            QStringLiteral("upstream:\n  url: %1\n").arg(idp.url()));
        QVERIFY(!path.isEmpty());
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        env.insert(QStringLiteral("TOKENGATE_TEST_IDP_SECRET"), QStringLiteral("s"));
        DaemonProcess d;
        QVERIFY(d.launch({QStringLiteral("--config"), path}, env, m_dir.path()));
        QVERIFY(waitFor([&] { return !idp.connections().isEmpty() && idp.requestCount(0) == 1; }));
        QVERIFY(d.signal(SIGTERM));
        const QByteArray document = QStringLiteral("{\"issuer\":\"%1\",\"introspection_endpoint\":"
                                                   "\"%1/introspect\"}")
                                        .arg(idp.url())
                                        .toUtf8();
        const QByteArray answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: " +
                                  QByteArray::number(document.size()) + "\r\n\r\n" + document;
        idp.reply(0, answer);
        const int code = d.waitForExit();
        QVERIFY2(code == 0, d.err().constData());
        QVERIFY2(d.err().contains("signal 15: draining"), d.err().constData());
    }

    void systemdNotifications() {
#ifndef TOKENGATE_HAVE_SYSTEMD
        QSKIP("built without libsystemd: the daemon sends no notifications");
#else
        const QString path = m_dir.filePath(QStringLiteral("notify.sock"));
        NotifySocket socket(path);
        QVERIFY(socket.bound());
        QProcessEnvironment env = DaemonProcess::baseEnvironment();
        env.insert(QStringLiteral("NOTIFY_SOCKET"), path);
        DaemonProcess d;
        QVERIFY2(d.start({QStringLiteral("--demo")}, env, m_dir.path()), d.err().constData());
        QVERIFY(socket.waitFor("READY=1"));
        QVERIFY(d.signal(SIGHUP));
        QVERIFY(socket.waitFor("RELOADING=1"));
        QVERIFY(waitFor([&] { return socket.all().count("READY=1") == 2; }));
        QVERIFY(d.signal(SIGTERM));
        QVERIFY(socket.waitFor("STOPPING=1"));
        QCOMPARE(d.waitForExit(), 0);
#endif
    }
};

QTEST_GUILESS_MAIN(TestDaemon)
#include "tst_daemon.moc"
