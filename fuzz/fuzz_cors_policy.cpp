// SPDX-License-Identifier: Apache-2.0
// A request's Origin, Host and preflight fields against a route's CORS policy
// (corspolicy.cpp). The input is cut at NUL bytes: Origin, Host, the announced method, the
// announced headers. Checked against a reading written apart: a subdomain pattern grants
// only its scheme and its domain's subdomains; a granted origin goes back byte for byte and
// nothing granted can split a field; same-origin needs the Host's own name.
#include "core/pipeline/corspolicy.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

const CorsPolicy &patternPolicy() {
    static const CorsPolicy policy = [] {
        CorsConfig c;
        c.enabled = true;
        c.allowOrigins = {QStringLiteral("https://*.example.com"),
                          QStringLiteral("http://app.test:8080")};
        c.allowCredentials = true;
        c.allowHeaders = {QStringLiteral("Authorization"), QStringLiteral("X-Trace")};
        return *CorsPolicy::compile(c, {}, nullptr);
    }();
    return policy;
}

const CorsPolicy &anyPolicy() {
    static const CorsPolicy policy = [] {
        CorsConfig c;
        c.enabled = true;
        c.allowOrigins = {QStringLiteral("*")};
        return *CorsPolicy::compile(c, {}, nullptr);
    }();
    return policy;
}

bool fieldSafe(QByteArrayView value) {
    return std::none_of(value.cbegin(), value.cend(),
                        [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool hasAny(QByteArrayView text, QByteArrayView chars) {
    return std::any_of(text.cbegin(), text.cend(), [&](char c) { return chars.contains(c); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QList<QByteArrayView> parts = [&] {
        QList<QByteArrayView> out;
        QByteArrayView rest = bytes(data, size);
        for (int i = 0; i < 3; ++i) {
            const qsizetype nul = rest.indexOf('\0');
            out << (nul < 0 ? rest : rest.first(nul));
            rest = nul < 0 ? QByteArrayView() : rest.sliced(nul + 1);
        }
        out << rest;
        return out;
    }();
    const QByteArrayView origin = parts[0];
    const QByteArrayView host = parts[1];
    const CorsPolicy &policy = patternPolicy();

    if (policy.allowsOrigin(origin)) {
        QByteArray lower = origin.toByteArray().toLower();
        if (lower.endsWith(":443"))
            lower.chop(4);
        const bool exact = lower == "http://app.test:8080";
        const bool sub = lower.startsWith("https://") && lower.endsWith(".example.com") &&
                         lower.size() > int(sizeof("https://.example.com")) - 1 &&
                         !hasAny(lower.sliced(8), "/@?#\\%[]: \t,");
        FUZZ_CHECK(exact || sub, origin.toByteArray());
        HeaderMap h;
        policy.decorate(h, origin);
        FUZZ_CHECK(h.values("Access-Control-Allow-Origin") ==
                       QList<QByteArray>{origin.toByteArray()},
                   origin.toByteArray());
    }
    const CorsPolicy::Preflight answer = policy.answerPreflight(origin, parts[2], parts[3]);
    if (answer.refusal == Reason::None) {
        FUZZ_CHECK(policy.allowsOrigin(origin), origin.toByteArray());
        for (const HeaderField &f : answer.head.headers.fields())
            FUZZ_CHECK(fieldSafe(f.value), f.value.toByteArray());
        const QByteArray allowed = answer.head.headers.value("Access-Control-Allow-Headers");
        for (QByteArrayView asked : splitTokenList(allowed))
            FUZZ_CHECK(asked == "authorization" || asked == "x-trace", asked.toByteArray());
    }
    if (CorsPolicy::isSameOrigin(origin, host)) {
        const qsizetype sep = origin.indexOf("://");
        FUZZ_CHECK(sep > 0 && !hasAny(origin.sliced(sep + 3), "@/?#\\ \t,"), origin.toByteArray());
        const QByteArray name = host.toByteArray().toLower().split(':').first();
        FUZZ_CHECK(!name.isEmpty() && origin.toByteArray().toLower().contains(name),
                   origin.toByteArray() + " / " + host.toByteArray());
    }
    // "*" grants every origin, never echoing it.
    HeaderMap h;
    anyPolicy().decorate(h, origin.isEmpty() ? QByteArrayView("x") : origin);
    FUZZ_CHECK(h.value("Access-Control-Allow-Origin") == "*", origin.toByteArray());
    return 0;
}
