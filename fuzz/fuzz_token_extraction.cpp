// SPDX-License-Identifier: Apache-2.0
// Finding and removing the client's credential: a request (parsed by RequestParser, as the
// gateway receives it) through bearerToken, TokenExtractor::find and TokenExtractor::strip over
// every kind of source. A token found is well-formed and never ambiguous; after strip, no
// source holds a token or a malformed credential, so nothing the upstream could read as one
// is forwarded; strip changes nothing a second time.
#include "core/auth/bearertoken.h"
#include "core/auth/tokenextractor.h"
#include "fuzz/requestfeeder.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

QByteArray shown(const RequestHead &head) {
    QByteArray out = head.method + ' ' + head.target + '\n';
    head.headers.serializeTo(out);
    return out;
}

bool isTokenText(QByteArrayView token) {
    return std::all_of(token.begin(), token.end(), [](char c) {
        return c > 0x20 && c < 0x7f && c != ';' && c != ',' && c != '"' && c != '\\';
    });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    static const HttpLimits limits;
    RequestRecorder received;
    RequestParser parser(limits, received);
    feedLikeConnection(parser, input, {});

    static const QList<TokenSource> sources{
        {TokenSource::Kind::BearerHeader, {}},
        {TokenSource::Kind::Query, QStringLiteral("access_token")},
        {TokenSource::Kind::Header, QStringLiteral("X-Api-Token")},
        {TokenSource::Kind::Cookie, QStringLiteral("session")}};
    for (const AcceptedRequest &r : std::as_const(received.requests)) {
        const RequestHead &head = r.head;
        const QByteArray bearer = bearerToken(head.headers);
        if (!bearer.isEmpty()) {
            FUZZ_CHECK(isB64Token(bearer), bearer);
            FUZZ_CHECK(head.headers.count("Authorization") == 1, shown(head));
            FUZZ_CHECK(claimsBearerScheme(head.headers.find("Authorization")), shown(head));
        }
        for (const QList<TokenSource> &list :
             {sources, TokenExtractor::defaultSources(), QList<TokenSource>{sources[1]},
              QList<TokenSource>{sources[3]}}) {
            const TokenExtractor::Found found = TokenExtractor::find(list, head);
            if (!found.token.isEmpty()) {
                FUZZ_CHECK(!found.malformed, shown(head));
                FUZZ_CHECK(found.source >= 0 && found.source < list.size(), shown(head));
                FUZZ_CHECK(isTokenText(found.token), found.token + '\n' + shown(head));
            }
            RequestHead stripped = head;
            TokenExtractor::strip(list, stripped);
            const TokenExtractor::Found left = TokenExtractor::find(list, stripped);
            FUZZ_CHECK(left.token.isEmpty() && !left.malformed, "left after strip: " + left.token +
                                                                    '\n' + shown(stripped) +
                                                                    "\nfrom\n" + shown(head));
            FUZZ_CHECK(stripped.method == head.method, shown(stripped));
            RequestHead twice = stripped;
            TokenExtractor::strip(list, twice);
            FUZZ_CHECK(shown(twice) == shown(stripped),
                       shown(twice) + "\nafter\n" + shown(stripped));
        }
        (void)tokenFingerprint(bearer);
    }
    return 0;
}
