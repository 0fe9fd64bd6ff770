// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QStringList>

namespace Tokengate {

// What converting an Express Gateway gateway.config.yml came to.
struct EgImport {
    QByteArray tokengateYaml; // a tokengate config file (applyConfigFile reads it)
    QStringList notConverted; // each setting left behind, where it was and why; never silent
    QStringList errors;       // the input could not be converted; tokengateYaml is empty
};

// Converts Express Gateway's http port, apiEndpoints (host, paths, methods, scopes),
// serviceEndpoints and pipelines of oauth2-introspect, cors, headers, request- and
// response-transformer and proxy into tokengate routes.
// Secrets (authorization_value) are never copied: the output names an environment variable
// to put them in, listed in notConverted.
EgImport importExpressGateway(const QByteArray &yaml);

} // namespace Tokengate
