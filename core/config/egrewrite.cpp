// SPDX-License-Identifier: Apache-2.0
#include "core/config/egrewrite.h"

#include "core/config/egyaml.h"

#include <QRegularExpression>

namespace Tokengate {

namespace {

using namespace EgYaml;

// Without a trailing slash, so the prefix is cut at a segment boundary.
QString trimmedPrefix(QString prefix) {
    while (prefix.size() > 1 && prefix.endsWith(u'/'))
        prefix.chop(1);
    return prefix;
}

} // namespace

std::optional<EgPrefixRewrite> convertEgRewrite(const YAML::Node &condition,
                                                const YAML::Node &action, const QString &where,
                                                QStringList &notConverted) {
    const auto skip = [&](const QString &why) -> std::optional<EgPrefixRewrite> {
        notConverted << where + u": " + why;
        return std::nullopt;
    };
    if (child(action, "redirect").IsDefined())
        return skip(QStringLiteral("redirect is not converted (the gateway never redirects)"));
    const QString kind = str(child(condition, "name"));
    const QString match = str(child(condition, "match"));
    const QString rewrite = str(child(action, "rewrite"));
    static const QRegularExpression literalPath(QStringLiteral(R"(^/[A-Za-z0-9._~/-]*$)"));
    QString from;
    QString to;
    if (kind == u"regexpmatch") {
        static const QRegularExpression prefixThenRest(
            QStringLiteral(R"(^\^(/[A-Za-z0-9._~/-]*)\(\.\*\)\$?$)"));
        static const QRegularExpression prefixThenCapture(
            QStringLiteral(R"(^(/[A-Za-z0-9._~/-]*)\$1$)"));
        const auto m = prefixThenRest.match(match);
        const auto r = prefixThenCapture.match(rewrite);
        if (m.hasMatch() && r.hasMatch()) {
            from = m.captured(1);
            to = r.captured(1);
        }
    } else if (kind == u"pathmatch") {
        static const QRegularExpression prefixThenParam(
            QStringLiteral(R"(^(/[A-Za-z0-9._~/-]*/):([A-Za-z_][A-Za-z0-9_]*)\*$)"));
        const auto m = prefixThenParam.match(match);
        if (m.hasMatch()) {
            const QString tail = QStringLiteral(":") + m.captured(2);
            if (rewrite.endsWith(u'/' + tail) &&
                literalPath.match(rewrite.chopped(tail.size())).hasMatch()) {
                from = m.captured(1);
                to = rewrite.chopped(tail.size());
            }
        }
    }
    if (from.isEmpty())
        return skip(QStringLiteral("only a prefix rewrite is converted (regexpmatch "
                                   "\"^/a/(.*)$\" to \"/b/$1\", or pathmatch \"/a/:rest*\" to "
                                   "\"/b/:rest\")"));
    // "^/js/(.*)$" needs the slash, a prefix rewrite keeps it: "/js/x" becomes "/src/js/x".
    if (from.endsWith(u'/') != to.endsWith(u'/'))
        return skip(QStringLiteral("the two prefixes end differently in \"/\""));
    return EgPrefixRewrite{trimmedPrefix(from), trimmedPrefix(to)};
}

} // namespace Tokengate
