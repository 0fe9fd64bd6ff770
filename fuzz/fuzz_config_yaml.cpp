// SPDX-License-Identifier: Apache-2.0
// A tokengate YAML config file through applyConfigText. Whatever the file holds, the loader
// reports problems (each "<file>:<line>: ...") instead of crashing, and a config it accepts is
// described (describeConfig, what --check-config prints) as YAML that loads to the same config.
#include "core/config/configdump.h"
#include "core/config/configfile.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray yaml = bytes(data, size).toByteArray();
    const QString path = QStringLiteral("/fuzz/tokengate.yml");
    Config config;
    const QStringList problems = applyConfigText(yaml, path, config, fuzzSecret);
    for (const QString &p : problems)
        FUZZ_CHECK(p.startsWith(path), p.toUtf8());
    if (!problems.isEmpty())
        return 0;
    const QString described = describeConfig(config);
    Config again;
    const QStringList reread = applyConfigText(described.toUtf8(), path, again, fuzzSecret);
    FUZZ_CHECK(reread.isEmpty(), (reread.join(u'\n') + u'\n' + described).toUtf8());
    FUZZ_CHECK(describeConfig(again) == described,
               (described + QStringLiteral("\nread back as\n") + describeConfig(again)).toUtf8());
    return 0;
}
