// SPDX-License-Identifier: Apache-2.0
// application/x-www-form-urlencoded and HTTP Basic credentials (formencoding.h): what the
// introspection call sends and what the demo IdP reads. Encoding then decoding gives back
// the bytes; Basic credentials survive their round trip; decoding never crashes.
#include "core/base/formencoding.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArrayView input = bytes(data, size);
    const QByteArray encoded = formEncode(input);
    FUZZ_CHECK(std::all_of(encoded.cbegin(), encoded.cend(),
                           [](char c) { return isUnreserved(c) || c == '%' || c == '+'; }),
               encoded);
    FUZZ_CHECK(formDecode(encoded) == input, encoded);

    // The input as a form body: every field decodes, and a field encoded again reads back.
    const FormFields fields = parseForm(input);
    for (const auto &[name, value] : fields) {
        const FormFields again = parseForm(QByteArray(formEncode(name) + '=' + formEncode(value)));
        FUZZ_CHECK(again.size() == 1 && again[0].first == name && again[0].second == value,
                   name + '=' + value);
        FUZZ_CHECK(formValue(again, name) == value, name);
    }

    // Client id and secret split at the first NUL: Basic credentials carry both back.
    const qsizetype nul = input.indexOf('\0');
    const QByteArrayView id = nul < 0 ? input : input.first(nul);
    const QByteArrayView secret = nul < 0 ? QByteArrayView() : input.sliced(nul + 1);
    QByteArray readId, readSecret;
    FUZZ_CHECK(parseBasicAuthorization(basicAuthorization(id, secret), &readId, &readSecret),
               "own credentials refused");
    FUZZ_CHECK(readId == id && readSecret == secret, readId + ':' + readSecret);

    // The input as a received Authorization value.
    if (parseBasicAuthorization(input, &readId, &readSecret)) {
        QByteArray id2, secret2;
        FUZZ_CHECK(
            parseBasicAuthorization(basicAuthorization(readId, readSecret), &id2, &secret2) &&
                id2 == readId && secret2 == readSecret,
            readId + ':' + readSecret);
    }
    for (char c : input)
        FUZZ_CHECK((hexValue(c) >= 0) == QByteArrayView("0123456789abcdefABCDEF").contains(c),
                   QByteArray(1, c));
    return 0;
}
