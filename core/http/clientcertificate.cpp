// SPDX-License-Identifier: Apache-2.0
#include "core/http/clientcertificate.h"

#include "core/base/sha256.h"

#include <QDateTime>
#include <QHostAddress>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

namespace Tokengate {

namespace {

X509 *x509(const QSslCertificate &c) {
    return static_cast<X509 *>(c.handle());
}

// A certificate's strings are the client's bytes: a CR or LF in them would split the header
// that carries them upstream, so anything but printable ASCII is written as \xHH.
QByteArray printable(QByteArrayView text) {
    QByteArray out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            out += "\\x";
            out += QByteArray::number(u, 16).rightJustified(2, '0').toUpper();
        }
    }
    return out;
}

QByteArray nameText(const X509_NAME *name) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio)
        return {};
    // RFC 4514, with control and non-ASCII characters escaped by OpenSSL already.
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray text = printable(QByteArrayView(data, qsizetype(size)));
    BIO_free(bio);
    return text;
}

// One alternative name's value: a comma or a percent sign inside it could not be told from
// the list's own, so those are percent-encoded too.
QByteArray sanValue(const ASN1_STRING *s) {
    const QByteArrayView raw(reinterpret_cast<const char *>(ASN1_STRING_get0_data(s)),
                             ASN1_STRING_length(s));
    QByteArray out;
    for (const char c : raw) {
        const auto u = static_cast<unsigned char>(c);
        if (u > 0x20 && u < 0x7f && c != ',' && c != '%')
            out += c;
        else
            out += '%' + QByteArray::number(u, 16).rightJustified(2, '0').toUpper();
    }
    return out;
}

QByteArray alternativeNames(X509 *leaf) {
    auto *names = static_cast<GENERAL_NAMES *>(
        X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
    if (!names)
        return {};
    QList<QByteArray> parts;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        const GENERAL_NAME *n = sk_GENERAL_NAME_value(names, i);
        switch (n->type) {
        case GEN_DNS:
            parts << "DNS:" + sanValue(n->d.dNSName);
            break;
        case GEN_EMAIL:
            parts << "email:" + sanValue(n->d.rfc822Name);
            break;
        case GEN_URI:
            parts << "URI:" + sanValue(n->d.uniformResourceIdentifier);
            break;
        case GEN_IPADD: {
            const ASN1_OCTET_STRING *ip = n->d.iPAddress;
            const auto *bytes = ASN1_STRING_get0_data(ip);
            if (ASN1_STRING_length(ip) == 4) {
                parts << "IP:" + QHostAddress(quint32(bytes[0]) << 24 | quint32(bytes[1]) << 16 |
                                              quint32(bytes[2]) << 8 | quint32(bytes[3]))
                                     .toString()
                                     .toLatin1();
            } else if (ASN1_STRING_length(ip) == 16) {
                parts << "IP:" + QHostAddress(bytes).toString().toLatin1();
            }
            break;
        }
        default: // directory and other names: no common text form upstreams read
            break;
        }
    }
    GENERAL_NAMES_free(names);
    return parts.join(", ");
}

QByteArray serialHex(X509 *leaf) {
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr);
    if (!bn)
        return {};
    char *hex = BN_bn2hex(bn);
    QByteArray out = hex ? QByteArray(hex) : QByteArray();
    OPENSSL_free(hex);
    BN_free(bn);
    return out;
}

} // namespace

QByteArray clientCertificateValue(const ClientCertificate *c, ClientCertificateField field) {
    if (!c)
        return field == ClientCertificateField::Verify ? QByteArrayLiteral("NONE") : QByteArray();
    switch (field) {
    case ClientCertificateField::Verify:
        return c->verifiedNow() ? QByteArrayLiteral("SUCCESS")
               : c->verified    ? QByteArrayLiteral("FAILED:certificate has expired")
                                : "FAILED:" + printable(c->problem);
    case ClientCertificateField::Sha256:
        return c->sha256.toHex();
    default:
        break;
    }
    if (!c->verifiedNow())
        return {};
    switch (field) {
    case ClientCertificateField::Subject:
        return c->subject;
    case ClientCertificateField::Issuer:
        return c->issuer;
    case ClientCertificateField::San:
        return c->san;
    case ClientCertificateField::Serial:
        return c->serial;
    case ClientCertificateField::Cert:
        return c->pem;
    default:
        return {};
    }
}

bool ClientCertificate::verifiedNow() const {
    return verified && QDateTime::currentSecsSinceEpoch() < notAfterSecs;
}

struct ClientCertificateVerifier::Store {
    X509_STORE *store = X509_STORE_new();
    ~Store() { X509_STORE_free(store); }
};

ClientCertificateVerifier::ClientCertificateVerifier(ClientAuth mode,
                                                     const QList<QSslCertificate> &authorities)
    : m_mode(mode)
    , m_store(std::make_unique<Store>()) {
    for (const QSslCertificate &ca : authorities) {
        if (X509 *certificate = x509(ca))
            X509_STORE_add_cert(m_store->store, certificate);
    }
    // Operators often hold an intermediate CA only: whatever the file lists is trusted.
    X509_STORE_set_flags(m_store->store, X509_V_FLAG_PARTIAL_CHAIN);
    // A server's certificate from the same CA must not pass for a client's.
    X509_STORE_set_purpose(m_store->store, X509_PURPOSE_SSL_CLIENT);
    ERR_clear_error();
}

ClientCertificateVerifier::~ClientCertificateVerifier() = default;

QByteArray ClientCertificateVerifier::verify(const QList<QSslCertificate> &chain) const {
    if (m_mode == ClientAuth::OptionalNoCa)
        return QByteArrayLiteral("not verified (client_auth optional_no_ca)");
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (!ctx || !untrusted) {
        X509_STORE_CTX_free(ctx);
        sk_X509_free(untrusted);
        return QByteArrayLiteral("out of memory");
    }
    for (qsizetype i = 1; i < chain.size(); ++i)
        sk_X509_push(untrusted, x509(chain[i])); // borrowed: `chain` outlives the check
    QByteArray problem;
    if (X509_STORE_CTX_init(ctx, m_store->store, x509(chain.first()), untrusted) != 1 ||
        X509_verify_cert(ctx) != 1) {
        const int error = X509_STORE_CTX_get_error(ctx);
        problem = error == X509_V_OK ? QByteArrayLiteral("verification failed")
                                     : QByteArray(X509_verify_cert_error_string(error));
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    ERR_clear_error();
    return problem;
}

std::shared_ptr<const ClientCertificate>
ClientCertificateVerifier::inspect(const QList<QSslCertificate> &chain) const {
    if (chain.isEmpty() || chain.first().isNull())
        return nullptr;
    auto c = std::make_shared<ClientCertificate>();
    X509 *leaf = x509(chain.first());
    // Qt can accept DER that OpenSSL then fails to copy (X509_dup re-encodes it): such a
    // certificate has no handle. The client sent it, so it is judged, never dereferenced.
    const bool readable = std::all_of(chain.cbegin(), chain.cend(),
                                      [](const QSslCertificate &x) { return x509(x) != nullptr; });
    if (!readable) {
        c->problem = QByteArrayLiteral("the certificate chain cannot be read");
        c->sha256 = sha256(chain.first().toDer());
        ERR_clear_error();
        return c;
    }
    c->problem = verify(chain);
    c->verified = c->problem.isEmpty();
    c->sha256 = sha256(chain.first().toDer());
    c->subject = nameText(X509_get_subject_name(leaf));
    c->issuer = nameText(X509_get_issuer_name(leaf));
    c->san = alternativeNames(leaf);
    c->serial = serialHex(leaf);
    c->pem = chain.first().toPem().toPercentEncoding();
    c->notAfterSecs = chain.first().expiryDate().toSecsSinceEpoch();
    // A malformed extension leaves errors behind; Qt reads the thread's queue after SSL_read
    // and would take a stale one for this connection's failure.
    ERR_clear_error();
    return c;
}

} // namespace Tokengate
