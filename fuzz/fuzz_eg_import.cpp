// SPDX-License-Identifier: Apache-2.0
// An Express Gateway gateway.config.yml through importExpressGateway. The importer either
// refuses with errors or writes a tokengate config that the config loader reads without a
// problem, and it never copies a secret into that config.
#include "core/config/configfile.h"
#include "core/config/egimport.h"
#include "fuzz/fuzzsupport.h"

using namespace Tokengate;
using namespace Tokengate::Fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray yaml = bytes(data, size).toByteArray();
    const EgImport imported = importExpressGateway(yaml);
    if (!imported.errors.isEmpty()) {
        FUZZ_CHECK(imported.tokengateYaml.isEmpty(), "errors and a config");
        return 0;
    }
    FUZZ_CHECK(!imported.tokengateYaml.isEmpty(), "neither errors nor a config");
    // Express Gateway keeps the IdP credential in authorization_value; it must not be copied.
    for (const QByteArray &line : yaml.split('\n')) {
        const qsizetype at = line.indexOf("authorization_value:");
        if (at < 0)
            continue;
        QByteArray value = line.mid(at + 20).trimmed();
        if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
            value.back() == value.front())
            value = value.mid(1, value.size() - 2);
        // A value that is also written elsewhere (say, part of the endpoint URL) may show up
        // through that other place.
        QByteArray elsewhere = yaml;
        elsewhere.replace(line, QByteArray());
        if (value.size() >= 8 && !elsewhere.contains(value))
            FUZZ_CHECK(!imported.tokengateYaml.contains(value),
                       "copied " + value + '\n' + imported.tokengateYaml);
    }
    Config config;
    const QStringList problems = applyConfigText(
        imported.tokengateYaml, QStringLiteral("/fuzz/imported.yml"), config, fuzzSecret);
    FUZZ_CHECK(problems.isEmpty(),
               (problems.join(u'\n') + u'\n').toUtf8() + imported.tokengateYaml);
    return 0;
}
