// SPDX-License-Identifier: Apache-2.0
// A client's TLS certificate (DER, every byte the client's) into ClientCertificateVerifier,
// which turns its names into header values for upstreams. Checked: every value is printable
// ASCII (no CR or LF could split a header), nothing verifies against a store with no CA,
// names are never sent from an unverified certificate, and OpenSSL's error queue is left
// empty (Qt would take a stale entry for the next connection's failure).
#include "core/http/clientcertificate.h"
#include "fuzz/fuzzsupport.h"

#include <openssl/err.h>

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

bool printable(const QByteArray &value) {
    return std::all_of(value.cbegin(), value.cend(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

constexpr ClientCertificateField Fields[] = {
    ClientCertificateField::Subject, ClientCertificateField::Issuer, ClientCertificateField::San,
    ClientCertificateField::Sha256,  ClientCertificateField::Serial, ClientCertificateField::Cert,
    ClientCertificateField::Verify};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const ClientCertificateVerifier noAuthority(ClientAuth::Optional, {});
    static const ClientCertificateVerifier noCa(ClientAuth::OptionalNoCa, {});
    const QSslCertificate certificate(bytes(data, size).toByteArray(), QSsl::Der);
    ERR_clear_error(); // whatever Qt's parsing left is not ours to judge
    if (certificate.isNull())
        return 0;
    for (const ClientCertificateVerifier *verifier : {&noAuthority, &noCa}) {
        const auto c = verifier->inspect({certificate});
        FUZZ_CHECK(c, "a parsed certificate gives an inspection");
        FUZZ_CHECK(!c->verified, c->subject);
        FUZZ_CHECK(ERR_peek_error() == 0, c->subject);
        for (const QByteArray &text : {c->subject, c->issuer, c->san, c->serial, c->pem})
            FUZZ_CHECK(printable(text), text.toHex());
        for (const ClientCertificateField field : Fields) {
            const QByteArray value = clientCertificateValue(c.get(), field);
            FUZZ_CHECK(printable(value), value.toHex());
            if (field != ClientCertificateField::Sha256 && field != ClientCertificateField::Verify)
                FUZZ_CHECK(value.isEmpty(), value);
        }
    }
    return 0;
}
