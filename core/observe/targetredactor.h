// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>

namespace Tokengate {

// Hides credentials in a request target before it is logged, published or traced: the value
// of every query parameter that can carry a token (access_token, RFC 6750 2.3, and each
// parameter a route reads a token from) becomes "REDACTED". Names are compared as upstreams
// read them (percent-decoded, any letter case), pairs split on '&' and ';'.
class TargetRedactor {
public:
    // `names`: parameters beyond access_token.
    explicit TargetRedactor(const QList<QByteArray> &names = {});

    QByteArray redact(const QByteArray &target) const;

private:
    QList<QByteArray> m_names; // lower case, access_token first
};

} // namespace Tokengate
