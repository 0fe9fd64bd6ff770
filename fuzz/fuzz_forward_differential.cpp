// SPDX-License-Identifier: Apache-2.0
// Differential: what the gateway forwards for a client stream must be read by an independent
// strict RFC 9112 reader (tests/support/strictrequestreader) as exactly the requests the gateway
// accepted: same count, methods, targets and bodies. A difference is a request smuggled past
// the gateway or one it lost. The forwarded bytes come from the gateway's own functions, in
// the order GatewayExchange applies them: GatewayHandler::cleanClientHead, then (on an
// authenticated route) TokenExtractor::strip, IdentityHeaders::apply and the JWT field, then
// LoopGuard::stamp, ProxyExchange::upstreamRequestHead and ProxyExchange::frameBodyPiece.
// Where the strict reader also accepts the client's own stream, both must frame it alike.
#include "core/auth/tokenextractor.h"
#include "core/base/deadlinesweeper.h"
#include "core/pipeline/gatewayhandler.h"
#include "core/pipeline/identityheaders.h"
#include "core/pipeline/proxyexchange.h"
#include "fuzz/requestfeeder.h"
#include "tests/support/strictrequestreader.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;
using Tokengate::Test::SeenRequest;

namespace {

constexpr QByteArrayView JwtHeader = "X-Tokengate-Jwt";

struct Setup {
    HttpLimits limits;
    DeadlineSweeper sweeper;
    std::unique_ptr<GatewayHandler> handler;
    RouteSettings route;
    UpstreamTarget target;
    IntrospectionResult identity;

    Setup() {
        target = *UpstreamTarget::parse(QStringLiteral("http://up.test:8080/base?k=v"), nullptr);
        route.upstream = target;
        route.authenticate = true;
        route.stripCredential = true;
        route.tokenSources = {{TokenSource::Kind::BearerHeader, {}},
                              {TokenSource::Kind::Query, QStringLiteral("access_token")},
                              {TokenSource::Kind::Header, QStringLiteral("X-Api-Token")},
                              {TokenSource::Kind::Cookie, QStringLiteral("session")}};
        route.identityHeaders = {{"X-User", QStringLiteral("sub")},
                                 {"X-Scopes", QStringLiteral("scope")}};
        PipelineSettings s;
        s.upstream = target;
        s.authenticate = false; // no IdP client: the pieces below are called directly
        s.jwtHeader = JwtHeader.toByteArray();
        s.requestIdHeader = "X-Request-Id";
        s.routes << route;
        handler = std::make_unique<GatewayHandler>(std::move(s), limits, sweeper);
        identity = *IntrospectionResult::fromJson(
            R"({"active":true,"sub":"alice","scope":"read write"})", nullptr);
    }
};

Setup &setup() {
    static Setup *s = new Setup; // never destroyed: libFuzzer exits without unwinding
    return *s;
}

struct Forwarded {
    QByteArray bytes;
    QList<SeenRequest> expected; // method, target and body of each complete request
};

Forwarded forward(const QList<AcceptedRequest> &accepted, InputRandom &random) {
    static constexpr ForwardedMode modes[] = {ForwardedMode::Replace, ForwardedMode::Append,
                                              ForwardedMode::Off};
    const ForwardedMode mode = modes[random.below(3)];
    const bool authenticated = random.chance(50);
    Forwarded out;
    for (const AcceptedRequest &r : accepted) {
        RequestHead head = r.head;
        setup().handler->cleanClientHead(head.headers);
        if (authenticated) {
            TokenExtractor::strip(setup().route.tokenSources, head);
            IdentityHeaders::apply(setup().route.identityHeaders, &setup().identity, head.headers);
            head.headers.removeAll(JwtHeader);
            head.headers.append(JwtHeader.toByteArray(), "eyJhbGciOiJIUzI1NiJ9.e30.sig");
        }
        LoopGuard::stamp(head);
        out.bytes += ProxyExchange::upstreamRequestHead(head, setup().target, "127.0.0.1", mode);
        for (const QByteArray &piece : r.bodyPieces)
            ProxyExchange::frameBodyPiece(piece, head.chunked,
                                          [&](QByteArrayView part) { out.bytes += part; });
        if (!r.complete)
            break; // the rest never reaches the upstream
        if (head.chunked)
            out.bytes += ProxyExchange::LastChunk;
        out.expected.append({head.method, setup().target.join(head.target), {}, r.body});
    }
    return out;
}

QByteArray show(const SeenRequest &r) {
    return r.method + ' ' + r.target + " body " + QByteArray::number(r.body.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    InputRandom random(input);
    RequestRecorder accepted;
    RequestParser parser(setup().limits, accepted);
    feedLikeConnection(parser, input, randomCuts(input.size(), random));

    const Forwarded forwarded = forward(accepted.requests, random);
    Tokengate::Test::StrictRequestReader upstream;
    const QList<SeenRequest> seen = upstream.feed(forwarded.bytes);
    const QByteArray context = "forwarded:\n" + forwarded.bytes.toPercentEncoding(" :/\r\n;,=");
    FUZZ_CHECK(upstream.error().isEmpty(), upstream.error().toUtf8() + '\n' + context);
    FUZZ_CHECK(seen.size() == forwarded.expected.size(),
               QByteArray::number(seen.size()) + " requests upstream, " +
                   QByteArray::number(forwarded.expected.size()) + " accepted\n" + context);
    for (qsizetype i = 0; i < seen.size(); ++i) {
        const SeenRequest &s = seen[i];
        const SeenRequest &e = forwarded.expected[i];
        FUZZ_CHECK(s.method == e.method && s.target == e.target && s.body == e.body,
                   "upstream read " + show(s) + ", gateway accepted " + show(e) + '\n' + context);
        FUZZ_CHECK(s.values("Host").size() == 1, context);
    }

    // The client's stream, where a strict server reads it too: the same messages.
    Tokengate::Test::StrictRequestReader strict;
    const QList<SeenRequest> strictSeen = strict.feed(input);
    for (qsizetype i = 0; i < strictSeen.size() && i < accepted.requests.size(); ++i) {
        const AcceptedRequest &g = accepted.requests[i];
        if (!g.complete)
            break;
        const SeenRequest &s = strictSeen[i];
        FUZZ_CHECK(s.method == g.head.method && s.body == g.body,
                   "strict server read " + show(s) + ", gateway " + g.head.method + " body " +
                       QByteArray::number(g.body.size()));
    }
    return 0;
}
