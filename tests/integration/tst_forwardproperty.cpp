// SPDX-License-Identifier: Apache-2.0
// Property test for the class "forwarded without authentication" (issue 15): seeded random
// streams of pipelined requests (framing variants, Connection and hop-by-hop fields, path and
// credential forms, smuggled requests in bodies, forged identity fields) go through one gateway
// to upstreams that frame with an independent strict reader. Whatever the gateway chooses where
// refusing and accepting are both correct, every request an upstream saw must have been sent,
// answered through the upstream and authenticated for what its path means to any upstream.
// Reproduce a failure with the printed TOKENGATE_PROPERTY_SEED.
#include "tests/support/introspectedconfig.h"
#include "tests/support/rawclient.h"
#include "tests/support/recordingupstream.h"
#include "tests/support/upstreamreading.h"

#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

using namespace Tokengate;
using namespace Tokengate::Test;

namespace {

constexpr char JwtHeader[] = "X-Tokengate-Jwt";
constexpr quint32 DefaultSeed = 15;
constexpr int Streams = 3000;
constexpr int Batches = 6;

// The protection an upstream's reading of a path needs, weakest first.
enum class Need { Nothing, Token, Admin };

Need needOf(const QByteArray &target) {
    const QByteArray path = upstreamReading(target);
    if (path == "/admin" || path.startsWith("/admin/"))
        return Need::Admin;
    for (const char *anyone : {"/static/", "/open/"}) { // public, and pass-through
        if (path.startsWith(anyone) && target.startsWith(anyone))
            return Need::Nothing;
    }
    return Need::Token;
}

// What RFC 9112 lets a server do with a message's framing.
enum class Framing { Accept, Either, Refuse };

// One generated request and what a correct gateway may do with it.
struct Case {
    QByteArray id; // X-Case, how an upstream request is traced to the client's
    QByteArray method;
    QByteArray target;
    QByteArray body; // the payload under RFC 9112's reading of the framing
    QByteArray wire;
    QList<QByteArray> subjects; // who a correct gateway may authenticate it as
    Framing framing = Framing::Accept;
    bool asksClose = false;
    bool plain = false; // nothing unusual: a correct gateway forwards it when its token may pass

    Need need() const { return needOf(target); }
    bool mayPass() const {
        return framing != Framing::Refuse &&
               (need() == Need::Nothing || (need() == Need::Token && !subjects.isEmpty()) ||
                subjects.contains("root"));
    }
};

// The stream as C string literals, one request a line.
QString describe(const QList<Case> &stream) {
    QByteArray out;
    for (const Case &c : stream) {
        out += '"' +
               QByteArray(c.wire)
                   .replace('\\', "\\\\")
                   .replace('\r', "\\r")
                   .replace('\n', "\\n")
                   .replace('\t', "\\t") +
               "\"\n";
    }
    return QString::fromLatin1(out);
}

class StreamGenerator {
public:
    StreamGenerator(quint32 seed, QByteArray admin, QByteArray user)
        : m_random(seed)
        , m_admin(std::move(admin))
        , m_user(std::move(user)) {}

    QList<Case> stream(int index) {
        QList<Case> out;
        const int n = 1 + int(m_random.bounded(4));
        for (int i = 0; i < n; ++i)
            out << request(QByteArray::number(index) + '.' + QByteArray::number(i));
        return out;
    }

private:
    template<typename T> const T &pick(std::initializer_list<T> from) {
        return *(from.begin() + m_random.bounded(int(from.size())));
    }
    bool chance(int percent) { return int(m_random.bounded(100)) < percent; }

    QByteArray smuggled() {
        return "GET /admin/x HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + m_user +
               "\r\nX-User: forged-root\r\nX-Case: smuggled\r\n\r\n";
    }

    QByteArray chunked(const QByteArray &body) {
        QByteArray out;
        for (qsizetype at = 0; at < body.size();) {
            const qsizetype size = 1 + m_random.bounded(int(body.size() - at));
            out += QByteArray::number(size, 16) + pick<QByteArray>({"", ";ext=1", ";x"}) + "\r\n" +
                   body.mid(at, size) + "\r\n";
            at += size;
        }
        return out + "0\r\n" + (chance(30) ? "X-Trailer: t\r\n" : "") + "\r\n";
    }

    // Framing fields plus body bytes; sets what a correct gateway does with them.
    QByteArray frame(Case &c, QByteArray &fields) {
        const QByteArray n = QByteArray::number(c.body.size());
        const qsizetype inner = c.body.indexOf("GET /admin");
        switch (m_random.bounded(12)) {
        case 0:
            c.body.clear();
            return {};
        case 1:
            fields += "Content-Length: " + n + "\r\n";
            return c.body;
        case 2:
            fields += "Transfer-Encoding: chunked\r\n";
            return chunked(c.body);
        case 3: { // CL.TE: Content-Length ends where the smuggled request begins
            const QByteArray wire = chunked(c.body);
            const qsizetype at = wire.indexOf("GET /admin");
            fields += "Content-Length: " + QByteArray::number(at < 0 ? 1 : at) +
                      "\r\nTransfer-Encoding: chunked\r\n";
            c.framing = Framing::Either; // RFC 9112 6.3: chunked wins, or refuse
            return wire;
        }
        case 4:
            fields += "Content-Length: " + n + "\r\nContent-Length: " + n + "\r\n";
            c.framing = Framing::Either;
            return c.body;
        case 5:
            fields += "Content-Length: " + n + "\r\nContent-Length: " +
                      QByteArray::number(inner < 0 ? c.body.size() + 1 : inner) + "\r\n";
            c.framing = Framing::Refuse;
            return c.body;
        case 6:
            fields += "Content-Length: +" + n + "\r\n";
            c.framing = Framing::Refuse;
            return c.body;
        case 7:
            fields += "Content-Length:   " + n + "  \r\n";
            return c.body;
        case 8:
            fields +=
                "Transfer-Encoding: " + pick<QByteArray>({"gzip, chunked", "Chunked"}) + "\r\n";
            c.framing = Framing::Either;
            return chunked(c.body);
        case 9:
            fields += "Transfer-Encoding: chunked, identity\r\n";
            c.framing = Framing::Refuse; // RFC 9112 6.3: chunked not final
            return chunked(c.body);
        case 10: // a bare LF ends one field line: servers may accept it
            fields += "X-Pad: 1\nContent-Length: " + n + "\r\n";
            c.framing = Framing::Either;
            return c.body;
        default: { // obs-fold: 400, or unfolded into one space
            c.framing = Framing::Either;
            if (chance(50)) {
                fields += "Transfer-Encoding:\r\n chunked\r\n";
                return chunked(c.body);
            }
            fields += "X-Pad: a\r\n b\r\nContent-Length: " + n + "\r\n";
            return c.body;
        }
        }
    }

    Case request(const QByteArray &id) {
        Case c;
        c.id = id;
        c.method = pick<QByteArray>({"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"});
        const bool canonical = chance(40);
        c.target =
            canonical
                ? pick<QByteArray>({"/admin/x", "/static/x.css", "/open/x", "/x"})
                : pick<QByteArray>({"/ADMIN/x", "/Admin/x", "//admin/x", "/static/..;/admin/x",
                                    "/static/..%2fadmin/x", "/static/..%5cadmin/x",
                                    "/static/..\\admin/x", "/open/..;/admin/x",
                                    "/static/../admin/x", "/static/%2e%2e/admin/x", "/%61dmin/x",
                                    "/admin;a=b/x", "http://gw.test/admin/x", "admin/x", "*"});

        QByteArray fields = "Host: gw.test\r\nX-Case: " + id + "\r\n";
        bool wellFormed = true; // or absent
        switch (m_random.bounded(8)) {
        case 0:
            fields += "Authorization: Bearer " + m_admin + "\r\n";
            c.subjects << "root";
            break;
        case 1:
            fields += "Authorization: Bearer " + m_user + "\r\n";
            c.subjects << "alice";
            break;
        case 2:
            fields += "Authorization: Bearer not-a-token\r\n";
            break;
        case 3:
            break;
        case 4: // malformed: present but not RFC 6750's form, so never an identity
            fields += "Authorization: Bearer " + m_admin + " x\r\n";
            wellFormed = false;
            break;
        case 5:
            fields +=
                "Authorization: Bearer " + m_user + "\r\nAuthorization: Bearer " + m_admin + "\r\n";
            wellFormed = false;
            break;
        case 6:
            fields += "Authorization: Bearer\t" + m_admin + "\r\n";
            wellFormed = false;
            break;
        default: // RFC 9110 11.1: the scheme is case-insensitive
            fields += "Authorization: bearer " + m_user + "\r\n";
            c.subjects << "alice";
        }
        if (chance(30))
            fields += pick<QByteArray>({"X-User: forged-root\r\n", "X_User: forged-root\r\n",
                                        "X-Tokengate-Jwt: forged\r\n"});
        bool hopByHop = false;
        if (chance(40)) {
            QList<QByteArray> listed;
            for (const char *name : {"content-length", "transfer-encoding", "host", "x-user",
                                     "x-tokengate-jwt", "keep-alive", "close", "upgrade"}) {
                if (chance(20))
                    listed << name;
            }
            fields += "Connection: " + listed.join(", ") + "\r\n";
            c.asksClose = listed.contains("close");
            hopByHop = listed.contains("upgrade");
        }
        if (chance(20)) { // Proxy-Connection: close is honoured by some servers, this one too
            fields += pick<QByteArray>({"Keep-Alive: timeout=5\r\n", "TE: trailers\r\n",
                                        "Upgrade: websocket\r\n", "Proxy-Connection: close\r\n",
                                        "Proxy-Authorization: Bearer " + m_admin + "\r\n"});
            hopByHop = true;
            c.asksClose = c.asksClose || fields.endsWith("Proxy-Connection: close\r\n");
        }
        c.body = chance(25) ? smuggled() : QByteArray(int(m_random.bounded(20)), 'b');
        const QByteArray body = frame(c, fields);
        c.wire = c.method + ' ' + c.target + " HTTP/1.1\r\n" + fields + "\r\n" + body;
        c.plain = canonical && c.framing == Framing::Accept && !hopByHop && wellFormed;
        return c;
    }

    QRandomGenerator m_random;
    QByteArray m_admin;
    QByteArray m_user;
};

// Each route has its own upstream, which names itself in its answer.
struct Upstream {
    QByteArray name;
    const char *prefix;
    Need need;
    bool passThrough = false; // forwards anonymously when the token is missing or refused
    std::unique_ptr<RecordingUpstream> recorder = std::make_unique<RecordingUpstream>();
    qsizetype checked = 0; // requests already judged
    qsizetype errorsSeen = 0;

    bool authenticates() const { return need != Need::Nothing || passThrough; }
};

} // namespace

class TestForwardProperty : public QObject {
    Q_OBJECT

    std::unique_ptr<DemoIdp> m_idp;
    std::vector<Upstream> m_upstreams;
    std::unique_ptr<Gateway> m_gateway;
    QByteArray m_admin;
    QByteArray m_user;
    quint32 m_seed = DefaultSeed;
    QHash<QByteArray, Case> m_forwarded; // by id: answered through an upstream, not yet seen
    QList<Case> m_previous;              // a late upstream request most likely came from it
    QSet<QByteArray> m_failedStreams;    // their late requests are not judged again

    RouteConfig route(const Upstream &u) const {
        RouteConfig r;
        r.name = QString::fromLatin1(u.name);
        r.pathPrefix = QString::fromLatin1(u.prefix);
        r.upstreamUrl = u.recorder->url();
        r.identityHeaders.insert(QStringLiteral("X-User"), QStringLiteral("sub"));
        // The oracle reads paths as a case-insensitive upstream would; such an upstream's
        // routes say so (the default matches as Express did not, but Envoy does).
        r.caseInsensitive = true;
        r.authenticate = u.authenticates();
        r.passThrough = u.passThrough;
        if (u.need == Need::Admin)
            r.requiredScopes << QStringLiteral("admin");
        return r;
    }

    // An upstream request breaks the property unless the client sent it, it came back to the
    // client as the upstream's answer, and its identity passes every reading of its path.
    QString judge(const Upstream &u, const SeenRequest &seen, const Case &c) const {
        const Need need = std::max({u.need, needOf(seen.target), c.need()});
        const QList<QByteArray> users = seen.values("X-User");
        for (const auto &[name, value] : seen.headers) {
            const QByteArray folded = name.toLower().replace('_', '-');
            if ((folded == "x-user" || folded == "x-tokengate-jwt") && value.startsWith("forged"))
                return QStringLiteral("forged %1 reached the upstream")
                    .arg(QString::fromLatin1(name));
        }
        if (users.size() > 1 || (need != Need::Nothing && users.size() != 1))
            return QStringLiteral("%1 X-User fields").arg(users.size());
        if (!users.isEmpty() && !c.subjects.contains(users[0]))
            return QStringLiteral("forwarded as %1").arg(QString::fromLatin1(users[0]));
        if (need == Need::Admin && users != QList<QByteArray>{"root"})
            return QStringLiteral("admin path forwarded without the admin token");
        // A route that reads the credential strips it, well-formed or not.
        if (u.authenticates() && seen.has("Authorization"))
            return QStringLiteral("Authorization reached the upstream");
        if (need != Need::Nothing && seen.values(JwtHeader).size() != 1)
            return QStringLiteral("no JWT header");
        if (seen.method != c.method || seen.body.size() != c.body.size())
            return QStringLiteral("upstream saw %1 with %2 body bytes")
                .arg(QString::fromLatin1(seen.method))
                .arg(seen.body.size());
        return {};
    }

    // Sends one stream on a fresh connection; returns why it broke the property, or empty.
    QString run(const QList<Case> &stream) {
        RawClient client;
        if (!client.connectTo(m_gateway->port()))
            return QStringLiteral("no connection");
        QByteArray wire;
        for (const Case &c : stream)
            wire += c.wire;
        client.send(wire);
        QHash<QByteArray, QList<QByteArray>> expected; // per upstream: ids in the order answered
        bool mayClose = false;
        for (qsizetype i = 0; i < stream.size(); ++i) {
            const Case &c = stream[i];
            const auto r = client.readResponse(5000, c.method == "HEAD");
            if (!r) {
                const QByteArray unread = client.takeBuffered();
                if (!unread.isEmpty())
                    return QStringLiteral("unframed bytes after the answer to %1 %2: %3")
                        .arg(i - 1)
                        .arg(QString::fromLatin1(i > 0 ? stream[i - 1].method : "nothing"),
                             QString::fromLatin1(unread.toPercentEncoding()));
                if (client.isConnected())
                    return QStringLiteral("no answer to %1 within 5 s").arg(i);
                // RFC 9112 9.6: a server unable to frame a message SHOULD answer 400 first.
                if (!mayClose && c.framing == Framing::Accept)
                    return QStringLiteral("closed before answering %1").arg(i);
                break;
            }
            const QByteArray from = r->headers.value("X-Upstream");
            if (from.isEmpty()) {
                if (r->status < 400)
                    return QStringLiteral("gateway answered %1 itself").arg(r->status);
                if (c.plain && c.mayPass())
                    return QStringLiteral("refused plain request %1: %2").arg(i).arg(r->status);
            } else {
                if (!c.mayPass())
                    return QStringLiteral("request %1 (%2 token) answered by upstream %3")
                        .arg(i)
                        .arg(c.subjects.isEmpty() ? QStringLiteral("no valid")
                                                  : QString::fromLatin1(c.subjects[0]))
                        .arg(QString::fromLatin1(from));
                expected[from] << c.id;
                m_forwarded.insert(c.id, c);
            }
            // After an error, a close asked for or lenient framing a server may end here.
            mayClose = r->status >= 400 || c.asksClose || c.framing != Framing::Accept;
        }
        for (Upstream &u : m_upstreams) {
            const QStringList errors = u.recorder->errors().mid(u.errorsSeen);
            u.errorsSeen += errors.size();
            if (!errors.isEmpty())
                return QStringLiteral("%1 could not frame: %2")
                    .arg(QString::fromLatin1(u.name), errors.join(u';'));
            QList<QByteArray> ids = expected.value(u.name);
            const QList<SeenRequest> &seen = u.recorder->requests();
            for (; u.checked < seen.size(); ++u.checked) {
                const SeenRequest &s = seen[u.checked];
                const QByteArray id = s.value("X-Case");
                if (m_failedStreams.contains(before(id, '.')))
                    continue; // the rest of a stream already reported
                if (ids.isEmpty() || id != ids.takeFirst() || !m_forwarded.contains(id))
                    return QStringLiteral("%1 saw %2 %3 (X-Case %4), not a request answered "
                                          "through it (previous stream:\n%5)")
                        .arg(QString::fromLatin1(u.name), QString::fromLatin1(s.method),
                             QString::fromLatin1(s.target), QString::fromLatin1(id),
                             describe(m_previous));
                const QString why = judge(u, s, m_forwarded.take(id));
                if (!why.isEmpty())
                    return QStringLiteral("%1 saw %2: %3")
                        .arg(QString::fromLatin1(u.name), QString::fromLatin1(s.target), why);
            }
            if (!ids.isEmpty())
                return QStringLiteral("%1 answered but not recorded")
                    .arg(QString::fromLatin1(ids.first()));
        }
        return {};
    }

private slots:
    void initTestCase() {
        bool ok = false;
        const quint32 seed = qEnvironmentVariable("TOKENGATE_PROPERTY_SEED").toUInt(&ok);
        m_seed = ok ? seed : DefaultSeed;
        QString error;
        m_idp = std::make_unique<DemoIdp>();
        QVERIFY2(m_idp->start(0, &error), qPrintable(error));
        m_admin = m_idp->mint(QStringLiteral("root"), QStringLiteral("admin"), 3600);
        m_user = m_idp->mint(QStringLiteral("alice"), QStringLiteral("read"), 3600);

        m_upstreams.push_back({"admin", "/admin/", Need::Admin});
        m_upstreams.push_back({"static", "/static/", Need::Nothing});
        m_upstreams.push_back({"open", "/open/", Need::Nothing, true});
        m_upstreams.push_back({"all", "/", Need::Token});
        Config c = introspectedConfig({}, *m_idp, JwtHeader);
        c.cache.enabled = true; // tokens are introspected once, not once per case
        c.cache.negativeTtlSecs = 3600;
        for (Upstream &u : m_upstreams) {
            c.routes << route(u);
            u.recorder->setAnswer("HTTP/1.1 200 OK\r\nX-Upstream: " + u.name +
                                  "\r\nContent-Length: 0\r\n\r\n");
        }
        m_gateway = std::make_unique<Gateway>();
        QVERIFY(m_gateway->start(c));
    }

    void onlyAuthenticatedRequestsReachUpstreams_data() {
        QTest::addColumn<int>("batch");
        for (int b = 0; b < Batches; ++b)
            QTest::addRow("streams %d-%d", b * Streams / Batches, (b + 1) * Streams / Batches - 1)
                << b;
    }
    void onlyAuthenticatedRequestsReachUpstreams() {
        QFETCH(int, batch);
        StreamGenerator generate(m_seed + quint32(batch), m_admin, m_user);
        QMap<QString, QString> failures; // one example per kind of failure
        for (int s = batch * Streams / Batches; s < (batch + 1) * Streams / Batches; ++s) {
            const QList<Case> stream = generate.stream(s);
            const QString why = run(stream);
            for (Upstream &u : m_upstreams) // a failure's leftovers are not the next stream's
                u.checked = u.recorder->requests().size();
            m_previous = stream;
            if (why.isEmpty())
                continue;
            m_failedStreams.insert(QByteArray::number(s));
            const QString kind =
                why.section(u':', 0, 0).remove(QRegularExpression(QStringLiteral("[0-9]")));
            if (!failures.contains(kind))
                failures.insert(
                    kind, QStringLiteral("stream %1: %2\n%3").arg(s).arg(why, describe(stream)));
        }
        for (const QString &example : std::as_const(failures)) // QTest cuts long messages
            qWarning().noquote() << example;
        QVERIFY2(failures.isEmpty(),
                 qPrintable(QStringLiteral("%1 kinds of failure, an example of each above; "
                                           "reproduce with TOKENGATE_PROPERTY_SEED=%2")
                                .arg(failures.size())
                                .arg(m_seed)));
    }
};

QTEST_GUILESS_MAIN(TestForwardProperty)
#include "tst_forwardproperty.moc"
