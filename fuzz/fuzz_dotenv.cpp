// SPDX-License-Identifier: Apache-2.0
// A `.env` file (introspection-microgateway's and Docker Compose's KEY=VALUE lines) through
// withDotEnvText. Every line is either read into a variable or reported with its line number;
// the real environment always wins.
#include "core/config/dotenv.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray text = bytes(data, size).toByteArray();
    QProcessEnvironment env;
    env.insert(QStringLiteral("KEPT"), QStringLiteral("from the environment"));
    QStringList problems;
    const QProcessEnvironment merged =
        withDotEnvText(env, text, QStringLiteral("/fuzz/.env"), &problems);
    FUZZ_CHECK(merged.value(QStringLiteral("KEPT")) == QStringLiteral("from the environment"),
               "a .env line replaced the environment");
    for (const QString &p : std::as_const(problems))
        FUZZ_CHECK(p.startsWith(QStringLiteral("/fuzz/.env:")), p.toUtf8());
    for (const QString &key : merged.keys()) {
        FUZZ_CHECK(!key.isEmpty() && !key.front().isDigit(), key.toUtf8());
        FUZZ_CHECK(std::all_of(key.cbegin(), key.cend(),
                               [](QChar c) {
                                   return c == u'_' || (c.unicode() < 0x80 && c.isLetterOrNumber());
                               }),
                   key.toUtf8());
    }
    return 0;
}
