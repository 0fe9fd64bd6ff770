// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QHashFunctions>
#include <QString>

#include <optional>

namespace Tokengate {

// Where connections go: the pool keeps one set of keep-alive connections per origin.
struct Origin {
    bool tls = false;
    QString host;
    quint16 port = 0;

    friend bool operator==(const Origin &, const Origin &) = default;
};

inline size_t qHash(const Origin &o, size_t seed = 0) {
    return qHashMulti(seed, o.tls, o.host, o.port);
}

// A parsed upstream base URL (http or https; no fragment or user info).
struct UpstreamTarget {
    Origin origin;
    QByteArray basePath;  // raw, percent-encoding kept; empty for "/"
    QByteArray baseQuery; // raw, without "?"; put before the client's query
    QByteArray authority; // host[:port] as a Host header would carry it

    static std::optional<UpstreamTarget> parse(const QString &url, QString *error);
    // `url` fit for a message: user info (a password, often) shown as "***".
    static QString redacted(const QString &url);
    QString toString() const;

    // The request target the upstream receives: the base path and the client's target joined
    // with exactly one slash, every other byte unchanged. Absolute-form targets
    // (http://host/p) are reduced to their path and query.
    QByteArray join(const QByteArray &clientTarget) const;
};

} // namespace Tokengate
