// SPDX-License-Identifier: Apache-2.0
// An issuer's metadata document (OpenID Connect Discovery, RFC 8414) through
// introspectionEndpointFrom, and the issuer it names through discoveryUrls. An endpoint is
// only taken from a document for the issuer asked about, and it is a URL the gateway can call.
#include "core/auth/discovery.h"
#include "core/http/upstreamtarget.h"
#include "fuzz/fuzzsupport.h"

#include <QJsonDocument>

using namespace Tokengate;
using namespace Tokengate::Fuzz;

namespace {

QString withoutTrailingSlashes(QString s) {
    while (s.endsWith(u'/'))
        s.chop(1);
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QJsonDocument doc = QJsonDocument::fromJson(bytes(data, size).toByteArray());
    if (!doc.isObject())
        return 0;
    const QJsonObject metadata = doc.object();
    const QString named = metadata.value(u"issuer").toString();
    for (const QString &issuer : {QStringLiteral("https://idp.example.com/realms/a"), named}) {
        (void)discoveryUrls(issuer);
        QString error;
        const QString endpoint = introspectionEndpointFrom(metadata, issuer, &error);
        if (endpoint.isEmpty()) {
            FUZZ_CHECK(!error.isEmpty(), "refused without a reason");
            continue;
        }
        FUZZ_CHECK(withoutTrailingSlashes(named) == withoutTrailingSlashes(issuer),
                   (named + u' ' + issuer).toUtf8());
        FUZZ_CHECK(UpstreamTarget::parse(endpoint, nullptr), endpoint.toUtf8());
    }
    return 0;
}
