// SPDX-License-Identifier: Apache-2.0
// The first bytes of an HTTPS connection into peekClientHello(), which picks the certificate
// before the handshake. Checked against OpenSSL itself: whenever a real OpenSSL server, given
// the same bytes, reaches its server-name callback with a name, the peek found that name.
// And the peek is final: a prefix judged Done or NotTls is judged the same with more bytes,
// and a name is lower case from the allowed characters.
#include "core/server/clienthello.h"
#include "fuzz/fuzzsupport.h"

#include <openssl/ssl.h>

#include <memory>

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

struct OpenSslView {
    bool sawName = false;
    QByteArray name;
};

int onServerName(SSL *ssl, int *, void *arg) {
    auto *view = static_cast<OpenSslView *>(arg);
    if (const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
        view->sawName = true;
        view->name = QByteArray(name);
    }
    return SSL_TLSEXT_ERR_OK;
}

SSL_CTX *serverContext() {
    static SSL_CTX *ctx = [] {
        SSL_CTX *c = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_tlsext_servername_callback(c, onServerName);
        return c;
    }();
    return ctx;
}

// What OpenSSL's own ClientHello parser makes of `bytes` (as far as the server name goes).
OpenSslView openSslView(QByteArrayView bytes) {
    OpenSslView view;
    SSL_CTX_set_tlsext_servername_arg(serverContext(), &view);
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(serverContext()), &SSL_free);
    BIO *in = BIO_new(BIO_s_mem());
    BIO *out = BIO_new(BIO_s_mem());
    BIO_write(in, bytes.data(), int(bytes.size()));
    SSL_set_bio(ssl.get(), in, out); // owned by the SSL from here
    SSL_set_accept_state(ssl.get());
    SSL_do_handshake(ssl.get()); // no certificate: it fails after the hello, which is enough
    return view;
}

bool allowedName(const QByteArray &name) {
    for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return false;
    }
    return !name.isEmpty() && name.size() <= 253;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    const ClientHelloPeek whole = peekClientHello(input);
    if (whole.status == ClientHelloPeek::Status::Done && !whole.serverName.isEmpty())
        FUZZ_CHECK(allowedName(whole.serverName), whole.serverName);

    InputRandom random(input);
    for (int i = 0; i < 4 && input.size() > 1; ++i) {
        const qsizetype cut = random.below(input.size());
        const ClientHelloPeek prefix = peekClientHello(input.first(cut));
        if (prefix.status != ClientHelloPeek::Status::NeedMore) {
            FUZZ_CHECK(prefix.status == whole.status && prefix.serverName == whole.serverName,
                       "a verdict on a prefix changed with more bytes");
        }
    }

    const OpenSslView openssl = openSslView(input);
    if (openssl.sawName && allowedName(openssl.name.toLower()) && size <= size_t(MaxHelloBytes)) {
        FUZZ_CHECK(whole.status == ClientHelloPeek::Status::Done,
                   "OpenSSL read a name from a hello the peek did not finish");
        FUZZ_CHECK(whole.serverName == openssl.name.toLower(),
                   whole.serverName + " != " + openssl.name);
    }
    return 0;
}
