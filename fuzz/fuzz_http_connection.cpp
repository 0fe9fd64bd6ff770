// SPDX-License-Identifier: Apache-2.0
// The client's byte stream into a real HttpConnection over a socket pair, written in random
// pieces with the event loop running between them, behind the built-in echo handler (which
// describes each request it received) and a handler that refuses some requests before reading
// their body, as the gateway refuses a missing token. Whatever the bytes, the answers must be
// well framed, in request order, one per request the parser accepted (the echo naming the
// same method, target and body length), and the connection must go away once the client does.
#include "core/base/deadlinesweeper.h"
#include "core/devidp/echohandler.h"
#include "core/http/httpconnection.h"
#include "core/http/responseparser.h"
#include "fuzz/requestfeeder.h"

#include <QAbstractEventDispatcher>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QThread>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

// Refuses a request whose target holds "deny" at once, without reading its body; echoes others.
class RefusingExchange : public Exchange {
public:
    explicit RefusingExchange(HttpConnection &client)
        : m_client(client) {}
    void start() override { m_client.refuse(Reason::TokenMissing); }
    void onRequestBody(QByteArrayView) override {}
    void onRequestComplete() override {}
    void onClientGone() override {}

private:
    HttpConnection &m_client;
};

class Handler : public RequestHandler {
public:
    std::unique_ptr<Exchange> createExchange(HttpConnection &client,
                                             const RequestHead &head) override {
        if (head.target.contains("deny"))
            return std::make_unique<RefusingExchange>(client);
        return m_echo.createExchange(client, head);
    }

private:
    EchoHandler m_echo;
};

struct Answer {
    ResponseHead head;
    QByteArray body;
};

class AnswerReader : public ResponseParser::Sink {
public:
    QList<Answer> answers;
    void onResponseHead(ResponseHead head) override { answers.append({std::move(head), {}}); }
    void onResponseBody(QByteArrayView chunk) override { answers.last().body.append(chunk); }
    void onResponseComplete() override {}
};

struct Setup {
    DeadlineSweeper sweeper;
    std::atomic<int> open{0};
    WorkerContext context;
    Setup() {
        context.sweeper = &sweeper;
        context.handler = std::make_shared<Handler>();
        context.openConnections = &open;
    }
};

Setup &setup() {
    static Setup *s = new Setup; // never destroyed: libFuzzer exits without unwinding
    return *s;
}

// Runs the event loop until a few rounds pass with nothing to do and no byte for the client.
void settle(int clientFd, QByteArray &received) {
    QAbstractEventDispatcher *dispatcher = QThread::currentThread()->eventDispatcher();
    int quiet = 0;
    for (int round = 0; round < 2000 && quiet < 2; ++round) {
        bool busy = dispatcher->processEvents(QEventLoop::AllEvents);
        char buffer[16384];
        for (ssize_t n; (n = ::read(clientFd, buffer, sizeof buffer)) > 0;) {
            received.append(buffer, n);
            busy = true;
        }
        quiet = busy ? 0 : quiet + 1;
    }
}

// What the connection's parser accepts, to compare the answers with.
struct Expected {
    QList<AcceptedRequest> requests;
    bool error = false;
    QByteArray refusedMethod; // of a request refused before its head was complete
};

Expected parsed(QByteArrayView input, const HttpLimits &limits) {
    RequestRecorder recorder;
    RequestParser parser(limits, recorder);
    Expected e;
    e.error = feedLikeConnection(parser, input, {}).error;
    e.requests = recorder.requests;
    e.refusedMethod = parser.pendingMethod();
    return e;
}

void checkAnswers(const QByteArray &received, const Expected &expected) {
    static const HttpLimits limits; // the answers' own, not the ones the client was held to
    AnswerReader reader;
    ResponseParser parser(limits, reader);
    QByteArrayView rest = received;
    qsizetype index = 0;
    while (!rest.isEmpty()) {
        const QByteArray &method = index < expected.requests.size()
                                       ? expected.requests[index].head.method
                                       : expected.refusedMethod;
        const bool toHead = method == "HEAD";
        parser.expectResponse(toHead);
        const MessageParser::Result r = parser.feed(rest);
        // "100 Continue" alone: the client left before its body was complete.
        const bool onlyInterim = r.status == MessageParser::Status::NeedMore &&
                                 r.consumed == rest.size() && reader.answers.size() == index &&
                                 index < expected.requests.size() &&
                                 !expected.requests[index].complete;
        if (onlyInterim)
            break;
        FUZZ_CHECK(r.status == MessageParser::Status::MessageComplete,
                   "unframed answer bytes (" + parser.error().message + ", answer " +
                       QByteArray::number(index) + (toHead ? " to HEAD" : "") +
                       "): " + rest.toByteArray().toPercentEncoding());
        rest = rest.sliced(r.consumed);
        ++index;
    }
    FUZZ_CHECK(reader.answers.size() <= expected.requests.size() + (expected.error ? 1 : 0),
               QByteArray::number(reader.answers.size()) + " answers to " +
                   QByteArray::number(expected.requests.size()) + " requests");
    for (qsizetype i = 0; i < reader.answers.size(); ++i) {
        const Answer &a = reader.answers[i];
        if (i >= expected.requests.size()) {
            FUZZ_CHECK(a.head.status >= 400 && a.head.status != 500, "the refusal");
            continue;
        }
        const AcceptedRequest &request = expected.requests[i];
        if (a.head.status == 401) {
            FUZZ_CHECK(request.head.target.contains("deny"), "refused " + request.head.target);
            continue;
        }
        if (a.head.status != 200) { // a later refusal cut this request short
            FUZZ_CHECK(a.head.status >= 400 && a.head.status != 500 && !request.complete,
                       QByteArray::number(a.head.status) + " for a complete request");
            continue;
        }
        FUZZ_CHECK(request.complete, "answered before it was complete");
        if (request.head.method == "HEAD")
            continue;
        const QJsonObject echo = QJsonDocument::fromJson(a.body).object();
        FUZZ_CHECK(echo.value(u"method").toString().toLatin1() == request.head.method &&
                       echo.value(u"target").toString().toLatin1() == request.head.target &&
                       qint64(echo.value(u"bodyBytes").toDouble()) == request.body.size(),
                   "echo " + a.body + " for " + request.head.method + ' ' + request.head.target +
                       " with " + QByteArray::number(request.body.size()) + " body bytes");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    InputRandom random(input);
    HttpLimits &limits = setup().context.limits;
    limits = HttpLimits{};
    if (random.chance(30))
        limits.maxHeaderBytes = 64 + random.below(512);
    if (random.chance(30))
        limits.maxBodyBytes = random.below(64);

    int fds[2];
    FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0, "socketpair");
    auto *socket = new QTcpSocket;
    FUZZ_CHECK(socket->setSocketDescriptor(fds[0]), socket->errorString().toUtf8());
    auto *connection = new HttpConnection(socket, setup().context);
    bool closed = false;
    QObject::connect(connection, &HttpConnection::closed, [&closed] { closed = true; });

    QByteArray received;
    // Each piece runs the event loop until it settles: longer pieces keep that affordable.
    const QList<qsizetype> cuts = randomCuts(input.size(), random, 512, 256);
    qsizetype from = 0;
    for (qsizetype i = 0; i <= cuts.size() && !closed; ++i) {
        const qsizetype to = i < cuts.size() ? cuts[i] : input.size();
        for (qsizetype at = from; at < to;) {
            const ssize_t n = ::write(fds[1], input.data() + at, size_t(to - at));
            if (n <= 0)
                break; // the connection closed (a refusal), or its buffer is full
            at += n;
        }
        from = to;
        settle(fds[1], received);
    }
    ::shutdown(fds[1], SHUT_WR);
    settle(fds[1], received);
    ::close(fds[1]);
    for (int round = 0; round < 1000 && !closed; ++round)
        QThread::currentThread()->eventDispatcher()->processEvents(QEventLoop::AllEvents);
    FUZZ_CHECK(closed, "the connection outlived its client");
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    FUZZ_CHECK(setup().open.load() == 0, "a connection is still counted open");

    checkAnswers(received, parsed(input, limits));
    return 0;
}
