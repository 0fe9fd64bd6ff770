// SPDX-License-Identifier: Apache-2.0
#include "core/config/egheaders.h"

#include "core/config/egyaml.h"
#include "core/pipeline/headerrules.h"

#include <QRegularExpression>

namespace Tokengate {

namespace {

using namespace EgYaml;

// An Express Gateway expression (run against egContext) as a header rule value.
std::optional<QString> convertExpression(const QString &expression) {
    static const QRegularExpression literal(QStringLiteral(R"re(^'([^'\\]*)'$|^"([^"\\]*)"$)re"));
    static const QRegularExpression number(QStringLiteral(R"(^-?[0-9]+(\.[0-9]+)?$)"));
    static const QRegularExpression claim(QStringLiteral(
        R"(^(?:req\.user|consumer)\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$)"));
    const QString e = expression.trimmed();
    if (const auto m = literal.match(e); m.hasMatch()) {
        QString text = m.captured(1) + m.captured(2);
        return text.replace(u'{', QStringLiteral("{{")).replace(u'}', QStringLiteral("}}"));
    }
    if (number.match(e).hasMatch())
        return e;
    if (const auto m = claim.match(e); m.hasMatch())
        return u'{' + m.captured(1) + u'}';
    return std::nullopt;
}

class Converter {
public:
    Converter(const QString &where, QStringList &notConverted)
        : m_where(where)
        , m_notConverted(notConverted) {}

    void skip(const QString &key, const QString &why) {
        m_notConverted << m_where + u'.' + key + u": " + why;
    }

    // Each entry is judged alone, so one the gateway refuses is listed and the rest kept.
    void set(HeaderRulesConfig &rules, HeaderRules::Side side, const QString &key,
             const QString &name, const QString &expression) {
        const std::optional<QString> value = convertExpression(expression);
        if (!value) {
            skip(key, QStringLiteral("\"%1\" is not converted (only string literals, numbers, "
                                     "req.user.<claim> and consumer.<claim>)")
                          .arg(expression));
            return;
        }
        HeaderRulesConfig one;
        one.set.insert(name, *value);
        QString why;
        if (!HeaderRules::compile(one, side, &why)) {
            skip(key, why);
            return;
        }
        rules.remove.removeAll(name);
        rules.set.insert(name, *value);
    }
    void remove(HeaderRulesConfig &rules, HeaderRules::Side side, const QString &key,
                const QString &name) {
        HeaderRulesConfig one;
        one.remove = {name};
        QString why;
        if (!HeaderRules::compile(one, side, &why)) {
            skip(key, why);
            return;
        }
        rules.set.remove(name);
        if (!rules.remove.contains(name))
            rules.remove << name;
    }

    // request-transformer and response-transformer: {headers: {add, remove}, body}.
    void transformer(const YAML::Node &action, HeaderRulesConfig &rules, HeaderRules::Side side) {
        if (child(action, "body").IsDefined())
            skip(QStringLiteral("body"), QStringLiteral("bodies are not transformed"));
        const YAML::Node headers = child(action, "headers");
        const YAML::Node add = child(headers, "add");
        for (auto it = add.begin(); add.IsMap() && it != add.end(); ++it)
            set(rules, side, QStringLiteral("headers.add"), str(it->first), str(it->second));
        for (const QString &name : strings(child(headers, "remove")))
            remove(rules, side, QStringLiteral("headers.remove"), name);
    }

private:
    QString m_where;
    QStringList &m_notConverted;
};

} // namespace

void convertEgHeaders(const QString &policy, const YAML::Node &action, const QString &where,
                      HeaderRulesConfig &request, HeaderRulesConfig &response,
                      QStringList &notConverted) {
    Converter convert(where, notConverted);
    if (policy == u"headers") {
        const QString prefix = str(child(action, "headersPrefix"));
        const YAML::Node forward = child(action, "forwardHeaders");
        for (auto it = forward.begin(); forward.IsMap() && it != forward.end(); ++it)
            convert.set(request, HeaderRules::Side::Request, QStringLiteral("forwardHeaders"),
                        prefix + str(it->first), str(it->second));
    } else if (policy == u"request-transformer") {
        convert.transformer(action, request, HeaderRules::Side::Request);
    } else {
        convert.transformer(action, response, HeaderRules::Side::Response);
    }
}

} // namespace Tokengate
