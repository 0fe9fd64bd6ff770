// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/cache/redissettings.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace Tokengate {

// Where one Redis server is and how to log in, from RedisSettings. Holds the password: never
// log it (describe() leaves it out).
struct RedisAddress {
    QString host;
    quint16 port = 6379;
    int database = 0;
    QByteArray username; // Redis 6 ACL user; empty: AUTH with the password alone
    QByteArray password; // empty: no AUTH

    // nullopt with `error` set when the URL is not one we can use; rediss:// included, as
    // Debian 12's hiredis (0.14.1) has no TLS.
    static std::optional<RedisAddress> fromSettings(const RedisSettings &settings, QString *error);
    QString describe() const; // host:port/db, for logs
};

} // namespace Tokengate
