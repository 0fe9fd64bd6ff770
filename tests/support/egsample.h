// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/configfile.h"
#include "core/config/egimport.h"

#include <QFile>

#include <optional>

namespace Tokengate::Test {

// A tests/data/eg sample converted by import-eg and loaded as tokengated loads it, its
// service and introspection URLs pointed at loopback servers, listening on 127.0.0.1:0 with
// one worker. nullopt (and `error`) when any step failed.
inline std::optional<Config> importedEgSample(const char *name, const QString &upstream,
                                              const QString &introspection, QString *error) {
    QFile f(QStringLiteral(TOKENGATE_SOURCE_DIR "/tests/data/eg/") + QString::fromLatin1(name));
    if (!f.open(QIODevice::ReadOnly)) {
        *error = f.errorString();
        return std::nullopt;
    }
    QByteArray eg = f.readAll();
    eg.replace("http://backend.internal:3000", upstream.toUtf8());
    eg.replace("https://idp.example.com/introspect", introspection.toUtf8());
    const EgImport imported = importExpressGateway(eg);
    Config c;
    const QStringList problems =
        !imported.errors.isEmpty()
            ? imported.errors
            : applyConfigText(imported.tokengateYaml, QStringLiteral("imported.yml"), c,
                              daemonSecretResolver(QProcessEnvironment()));
    if (!problems.isEmpty()) {
        *error = problems.join(u'\n');
        return std::nullopt;
    }
    c.server.address = QHostAddress::LocalHost;
    c.server.port = 0;
    c.server.workers = 1;
    return c;
}

} // namespace Tokengate::Test
