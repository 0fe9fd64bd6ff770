// SPDX-License-Identifier: Apache-2.0
#include "core/ratelimit/ratelimitspec.h"

#include <QRegularExpression>

namespace Tokengate {

namespace {

constexpr qint64 DayMs = 86'400'000;

std::optional<qint64> unitMs(const QString &unit) {
    if (unit == u"ms")
        return 1;
    if (unit == u"s" || unit == u"sec" || unit == u"second")
        return 1000;
    if (unit == u"m" || unit == u"min" || unit == u"minute")
        return 60'000;
    if (unit == u"h" || unit == u"hour")
        return 3'600'000;
    if (unit == u"d" || unit == u"day")
        return DayMs;
    return std::nullopt;
}

QString keyText(const RateLimitSpec &s) {
    switch (s.key) {
    case RateLimitSpec::Key::Subject:
        return QStringLiteral("subject");
    case RateLimitSpec::Key::ClientId:
        return QStringLiteral("client_id");
    case RateLimitSpec::Key::Claim:
        return QStringLiteral("claim:") + s.name;
    case RateLimitSpec::Key::Address:
        return QStringLiteral("address");
    case RateLimitSpec::Key::Header:
        return QStringLiteral("header:") + s.name;
    case RateLimitSpec::Key::Route:
        return QStringLiteral("route");
    }
    return {};
}

} // namespace

QString RateLimitSpec::text() const {
    const QString period = periodMs % 1000 == 0
                               ? QString(QString::number(periodMs / 1000) + u's')
                               : QString(QString::number(periodMs) + QStringLiteral("ms"));
    return QStringLiteral("%1/%2 by %3%4")
        .arg(limit)
        .arg(period, keyText(*this), beforeAuth ? QStringLiteral(" before auth") : QString());
}

std::optional<RateLimitSpec> parseRateLimit(const QString &text, QString *why) {
    static const QRegularExpression grammar(
        QStringLiteral(
            R"(^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)(?:\s+by\s+(\S+))?(\s+before\s+auth)?\s*$)"),
        QRegularExpression::CaseInsensitiveOption);
    const auto fail = [&](const QString &problem) -> std::optional<RateLimitSpec> {
        if (why)
            *why = QStringLiteral("rate limit \"%1\": %2").arg(text, problem);
        return std::nullopt;
    };
    const QRegularExpressionMatch m = grammar.match(text);
    if (!m.hasMatch())
        return fail(QStringLiteral("expected \"<n>/<period> [by <key>] [before auth]\", e.g. "
                                   "\"10/s by subject\" or \"100/10s by address before auth\""));
    RateLimitSpec s;
    bool ok = false;
    const qint64 limit = m.captured(1).toLongLong(&ok);
    if (!ok || limit < 1 || limit > 1'000'000'000)
        return fail(QStringLiteral("the number of requests must be 1 to 1000000000"));
    s.limit = int(limit);
    const qint64 count = m.captured(2).isEmpty() ? 1 : m.captured(2).toLongLong(&ok);
    const std::optional<qint64> unit = unitMs(m.captured(3).toLower());
    if (!ok || !unit)
        return fail(QStringLiteral("the period's unit is ms, s, min, h or d"));
    s.periodMs = count * *unit;
    if (s.periodMs < 1 || s.periodMs > 30 * DayMs)
        return fail(QStringLiteral("the period must be 1 ms to 30 days"));
    if (s.periodMs * 1000 / s.limit < 1)
        return fail(QStringLiteral("more than one request per microsecond"));
    const QString key = m.captured(4);
    const QString lower = key.toLower();
    if (key.isEmpty() || lower == u"subject" || lower == u"sub") {
        s.key = RateLimitSpec::Key::Subject;
    } else if (lower == u"client_id") {
        s.key = RateLimitSpec::Key::ClientId;
    } else if (lower == u"address" || lower == u"ip") {
        s.key = RateLimitSpec::Key::Address;
    } else if (lower == u"route") {
        s.key = RateLimitSpec::Key::Route;
    } else if (lower.startsWith(u"claim:") && key.size() > 6) {
        s.key = RateLimitSpec::Key::Claim;
        s.name = key.mid(6);
    } else if (lower.startsWith(u"header:") && key.size() > 7) {
        s.key = RateLimitSpec::Key::Header;
        s.name = key.mid(7);
        static const QRegularExpression token(QStringLiteral(R"(^[!#$%&'*+.^_`|~0-9A-Za-z-]+$)"));
        if (!token.match(s.name).hasMatch())
            return fail(QStringLiteral("\"%1\" is not a header name").arg(s.name));
    } else {
        return fail(QStringLiteral("the key is subject, client_id, claim:<name>, address, "
                                   "header:<name> or route"));
    }
    s.beforeAuth = !m.captured(5).isEmpty();
    if (s.beforeAuth && s.needsIdentity())
        return fail(QStringLiteral("a limit before auth has no token to key by: use address, "
                                   "header:<name> or route"));
    return s;
}

} // namespace Tokengate
