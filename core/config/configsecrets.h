// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QList>

namespace Tokengate {

// One secret setting of a Config, wherever it sits: a top-level one ("jwt.secret"), or one
// of an introspection endpoint ("introspection.partners.client_secret").
struct SecretSetting {
    QString path;       // as above: the endpoint by its name
    QString *value;     // the secret
    QString *reference; // the config file's env:/file:/keychain: reference for it, if any
    // Where the secret is sent: the endpoint's URL (or issuer) for an endpoint's; empty for
    // the others (they stay with the gateway: signing key, admin token, Redis password).
    QString sentTo;
};

// A secret typed in (the value itself, as the desktop app's fields give it): a reference no
// longer stands for it and is dropped (saving puts the value in the file's own keychain entry,
// never into the one a reference named, which may be another file's).
void setTypedSecret(QString &value, QString &reference, const QString &typed);

// Every secret setting of `config`, from the settings tables, so a secret added to them is
// never left out. The pointers are into `config`.
QList<SecretSetting> secretSettings(Config &config);

} // namespace Tokengate
