// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/accesstokenjwt.h"
#include "core/auth/introspectionconfig.h"
#include "core/base/reason.h"
#include "core/cache/introspectionresult.h"
#include "core/http/upstreampool.h"
#include "core/observe/cacheoutcome.h"

#include <QElapsedTimer>

#include <deque>
#include <functional>
#include <limits>
#include <memory>

namespace Tokengate {

class ClientAssertion;
class JwksKeys;

// Where and how a worker asks the IdP about tokens (RFC 7662).
struct IntrospectionEndpoint {
    UpstreamTarget url;
    QByteArray authorization;   // the whole Authorization header value; empty: none sent
    QByteArray formCredentials; // client_secret_post: "client_id=..&client_secret=.." in the body
    std::shared_ptr<const ClientAssertion> assertion; // private_key_jwt: a new one per call
    int timeoutMs = 5'000;   // whole call, connecting and queueing included
    int maxConnections = 32; // per worker; more calls wait in line (within their timeout)
    int maxWaiting = 256;    // per worker: that line's length; beyond, 503 idp_overloaded
    qint64 maxResponseBytes = 1 << 20;
    TokenValidation validation = TokenValidation::Introspect;
    AccessTokenRules jwtRules;      // the JWT modes
    QString jwksUri;                // the JWT modes: where the keys come from
    bool signedAnswers = false;     // RFC 9701: answers are JWTs signed with the issuer's keys
    QString clientId;               // signed answers: their aud
    bool introspectOpaque = false;  // Jwt: a token that is not a JWT is introspected
    std::shared_ptr<JwksKeys> jwks; // the JWT modes: the issuer's keys, shared
    // This IdP's own CAs and client certificate (mutual TLS); null: the upstreams' CAs.
    std::shared_ptr<const TlsClientSide> tls;

    // Who we are to the IdP (hashed into cache keys: another client may get other answers).
    QByteArray clientIdentity() const;
};

// What an introspection call came to: the IdP's answer, or why there is none. An IdP that
// cannot be asked is never taken to mean "inactive".
struct IntrospectionOutcome {
    Reason error = Reason::None;                       // None when `result` holds the IdP's answer
    QString detail;                                    // for the log
    std::shared_ptr<const IntrospectionResult> result; // shared with the cache
    // Set when the gateway's own JWT validation refused the token (error is None then).
    Reason refusal = Reason::None;
    bool checkedLocally = false; // the JWT's signature and claims held before the IdP was asked
    qint64 latencyUs = 0;        // of the IdP call; 0 when none was made for this request
    CacheOutcome cache = CacheOutcome::None;
    // The cache's eviction generation when the IdP or Redis was asked, for a request that
    // joined the call later; the maximum when the answer is as fresh as the request's lookup.
    quint64 evictionGeneration = std::numeric_limits<quint64>::max();
};

// How connections to the IdP behave, from the upstreams' settings: the same timeouts and TLS
// trust, no X-Forwarded-* fields, and any address (the operator chose the IdP, not a client).
UpstreamSettings idpConnectionSettings(UpstreamSettings upstream);
// The same for `endpoint`, with its own CAs and client certificate when it has them.
UpstreamSettings idpConnectionSettings(UpstreamSettings upstream,
                                       const IntrospectionEndpoint &endpoint);

class IntrospectionClient;
struct JwksWaiter;

// One call in progress. Destroying it abandons the call: its callback never runs.
class IntrospectionCall : private UpstreamConnection::User, private Expirable {
public:
    ~IntrospectionCall() override;

private:
    friend class IntrospectionClient;
    using Callback = std::function<void(const IntrospectionOutcome &)>;
    IntrospectionCall(IntrospectionClient &client, const QByteArray &token, Callback done);

    void send(bool freshConnection);
    void finish(IntrospectionOutcome outcome);
    void end(); // leaves the client's books: the queue or the active count, and the sweeper
    void finishWithError(Reason reason, QString detail);
    void finishTooLarge();
    void releaseConnection(bool reusable);

    void onUpstreamHead(ResponseHead head) override;
    void onUpstreamBody(QByteArrayView chunk) override;
    void onUpstreamComplete(bool reusable) override;
    void onUpstreamFailed(Reason reason, const QString &detail, bool retryable) override;
    void onUpstreamWritable() override {}
    // Never asks to upgrade, so a 101 fails in the parser and never arrives here.
    void onUpstreamSwitched(ResponseHead, QByteArray) override {}
    void checkDeadline(qint64 nowMs) override;
    // The complete 2xx answer: verified when signed answers are asked for, then parsed.
    void judgeAnswer();

    IntrospectionClient &m_client;
    QByteArray m_token;
    Callback m_done;
    UpstreamConnection *m_connection = nullptr;
    QElapsedTimer m_clock;
    qint64 m_deadlineMs;
    QByteArray m_body;
    int m_status = 0;
    bool m_queued = false;
    bool m_refused = false; // the line was full: answered 503 from the event loop
    bool m_retried = false;
    bool m_finished = false;
    // Waiting for the issuer's keys to judge a signed answer again (at most once).
    std::shared_ptr<JwksWaiter> m_keysWaiter;
};

// A worker's client for one introspection endpoint: keep-alive connections (the same HTTP
// client as the upstream pool), at most `maxConnections` calls at once, each bounded in time.
class IntrospectionClient {
public:
    IntrospectionClient(IntrospectionEndpoint endpoint, UpstreamSettings settings,
                        HttpLimits limits, DeadlineSweeper &sweeper);
    ~IntrospectionClient();

    std::unique_ptr<IntrospectionCall> introspect(const QByteArray &token,
                                                  IntrospectionCall::Callback done);

    const IntrospectionEndpoint &endpoint() const { return m_endpoint; }

    // The request bytes for `token` (exposed for tests of the encoding).
    static QByteArray requestBytes(const IntrospectionEndpoint &endpoint, QByteArrayView token);

private:
    friend class IntrospectionCall;
    void enqueue(IntrospectionCall *call);
    void dequeue(IntrospectionCall *call);
    void callEnded();
    void refuse(IntrospectionCall *call);
    void answerRefused();

    IntrospectionEndpoint m_endpoint;
    DeadlineSweeper &m_sweeper;
    UpstreamPool m_pool;
    std::deque<IntrospectionCall *> m_waiting;
    std::deque<IntrospectionCall *> m_refused;
    int m_active = 0;
};

} // namespace Tokengate
