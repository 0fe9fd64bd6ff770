// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/introspectionconfig.h"

#include <QList>
#include <QString>

namespace Tokengate {

// What the settings page fills in for a well-known IdP, and what to create there. The issuer
// keeps <placeholders> for the parts only the user knows; the page selects the first one so
// typing replaces it, and validation refuses the URL until none is left.
struct IdpPreset {
    QString name;
    QString issuerPattern;
    TokenValidation validation = TokenValidation::Introspect;
    QString audience; // filled when the IdP has a usual default, else left as it was
    QString help;     // which client (or API) to create and where its values are
};

const QList<IdpPreset> &idpPresets();

// The first "<...>" left in `text`, as [start, length); {-1, 0} when none.
std::pair<qsizetype, qsizetype> firstPlaceholder(const QString &text);

} // namespace Tokengate
