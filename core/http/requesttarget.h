// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Tokengate {

// A request-target reduced to the one form the gateway routes and forwards (RFC 9112 3.2):
// origin-form, plus the authority an absolute-form target carried. Any other shape is
// refused: a target one component reads as a path and another as a name is a routing bypass.
struct RequestTarget {
    QByteArray originForm; // "/path?query", or "*" for OPTIONS
    QByteArray authority;  // absolute-form only: replaces Host (RFC 9112 3.2.2)
    const char *error = nullptr;

    bool ok() const { return error == nullptr; }
};

RequestTarget parseRequestTarget(QByteArrayView method, QByteArrayView target);

// host [ ":" port ] as a Host field or an authority may carry it, without user info: a
// reg-name, an IPv4 address or a bracketed IPv6 literal. An empty one is not valid.
bool isValidAuthority(QByteArrayView authority);

} // namespace Tokengate
