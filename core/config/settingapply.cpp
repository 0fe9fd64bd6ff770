// SPDX-License-Identifier: Apache-2.0
// The one parser per SettingKind: what the config file, the environment and the command line
// accept for a setting, and how its value reads back.
#include "core/config/configschema.h"
#include "core/config/settingstable.h"
#include "core/config/settingvalue.h"
#include "core/http/upstreamtarget.h"
#include "core/pipeline/destinationpolicy.h"

#include <QDir>

namespace Tokengate {

namespace {

using K = SettingKind;

QString quoted(const QString &text) {
    return u'"' + text + u'"';
}

// "a, b or c".
QString alternatives(QStringList names) {
    const QString last = names.takeLast();
    return names.isEmpty() ? last
                           : names.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

std::optional<TokenSource> parseTokenSource(const QString &text, QString *problem) {
    const qsizetype colon = text.indexOf(u':');
    const QString kind = colon < 0 ? text : text.left(colon);
    TokenSource t;
    t.name = colon < 0 ? QString() : text.mid(colon + 1);
    if (kind == u"bearer" && colon < 0) {
        t.kind = TokenSource::Kind::BearerHeader;
    } else if (kind == u"query") {
        t.kind = TokenSource::Kind::Query;
        if (t.name.isEmpty())
            t.name = QStringLiteral("access_token");
    } else if (kind == u"header" && isHttpToken(t.name)) {
        t.kind = TokenSource::Kind::Header;
    } else if (kind == u"cookie" && !t.name.isEmpty()) {
        t.kind = TokenSource::Kind::Cookie;
    } else {
        *problem = QStringLiteral("%1: expected bearer, query, query:NAME, header:NAME or "
                                  "cookie:NAME")
                       .arg(quoted(text));
        return std::nullopt;
    }
    return t;
}

// Applies one kind of field. Each overload gets the text already trimmed where the kind
// wants it, and returns the problem or nothing.
template<typename Owner> struct TextApplier {
    const Setting<Owner> &s;
    Owner &owner;
    const QString &text;
    const SettingSource &source;

    QString operator()(std::monostate) const { return structureProblem(); }

    QString structureProblem() const {
        switch (s.kind) {
        case K::Map:
        case K::HeaderMap:
            return QStringLiteral("expected a mapping of names to values");
        case K::ClaimRules:
            return QStringLiteral("expected a list of claim rules");
        case K::Routes:
            return QStringLiteral("expected a list of routes");
        case K::Endpoints:
            return QStringLiteral("expected an endpoint, or a list of endpoints");
        default:
            return QStringLiteral("expected a single value");
        }
    }

    std::optional<bool> boolean(QString *problem) const {
        std::optional<bool> b = parseBool(text);
        // An empty switch variable is off: TOKENGATE_DEMO= as much as TOKENGATE_DEMO=0.
        if (!source.file && s.flags.testFlag(SettingFlag::Switch) && text.isEmpty())
            b = false;
        if (!b) {
            *problem = QStringLiteral("expected true or false, got ") + quoted(text);
            return std::nullopt;
        }
        if (!source.file && s.flags.testFlag(SettingFlag::Inverted))
            return !*b;
        return b;
    }

    QString operator()(const FieldRef<Owner, bool> &f) const {
        QString problem;
        if (const auto b = boolean(&problem))
            f.ref(owner) = *b;
        return problem;
    }

    QString operator()(const FieldRef<Owner, std::optional<bool>> &f) const {
        QString problem;
        if (const auto b = boolean(&problem))
            f.ref(owner) = *b;
        return problem;
    }

    template<typename Int> QString number(const FieldRef<Owner, Int> &f) const {
        if (s.kind == K::Seconds) {
            const std::optional<qint64> ms = parseSecondsMs(text);
            if (!ms || *ms < s.min || *ms > s.max)
                return QStringLiteral("expected seconds, more than 0 and at most %1, got %2")
                    .arg(secondsText(s.max), quoted(text));
            f.ref(owner) = Int(*ms);
            return {};
        }
        bool ok = false;
        const qint64 n = text.toLongLong(&ok);
        if (!ok || n < s.min || n > s.max)
            return QStringLiteral("expected a whole number from %1 to %2, got %3")
                .arg(s.min)
                .arg(s.max)
                .arg(quoted(text));
        f.ref(owner) = Int(n);
        return {};
    }
    QString operator()(const FieldRef<Owner, int> &f) const { return number(f); }
    QString operator()(const FieldRef<Owner, qint64> &f) const { return number(f); }

    QString operator()(const FieldRef<Owner, QString> &f) const {
        QString value = text;
        QString why;
        if (s.flags.testFlag(SettingFlag::NotEmpty) && value.isEmpty())
            return QStringLiteral("expected %1")
                .arg(alternatives(s.choices + QStringList{QStringLiteral("a file path")}));
        switch (s.kind) {
        case K::Url:
            if (!value.isEmpty() && !UpstreamTarget::parse(value, &why))
                return why;
            break;
        case K::UrlPath:
            if (!value.isEmpty() && !value.startsWith(u'/'))
                return QStringLiteral("must start with \"/\", got ") + quoted(value);
            break;
        case K::Path:
            if (source.file && !value.isEmpty() && !s.choices.contains(value))
                value = QDir::cleanPath(QDir(source.directory).filePath(value));
            break;
        case K::HeaderName:
            if (!value.isEmpty() && !isHttpToken(value))
                return QStringLiteral("%1 is not a valid header name").arg(quoted(value));
            break;
        case K::Choice:
            if (s.flags.testFlag(SettingFlag::AnyCase))
                value = value.toLower();
            if (!s.choices.contains(value))
                return QStringLiteral("expected %1, got %2")
                    .arg(alternatives(s.choices), quoted(text));
            break;
        case K::Patterns:
            value = splitList(value).join(u',');
            if (!DestinationPolicy::parse(value, &why))
                return why;
            break;
        default:
            break;
        }
        f.ref(owner) = value;
        return {};
    }

    QString operator()(const FieldRef<Owner, QStringList> &) const;
    QString operator()(const FieldRef<Owner, QList<TokenSource>> &) const;
    QString operator()(const FieldRef<Owner, QMap<QString, QString>> &) const {
        return structureProblem();
    }
    QString operator()(const FieldRef<Owner, QList<ClaimRule>> &) const {
        return structureProblem();
    }
    QString operator()(const FieldRef<Owner, QList<RouteConfig>> &) const {
        return structureProblem();
    }
    QString operator()(const EndpointsRef<Owner> &) const { return structureProblem(); }

    QString operator()(const EnumRef<Owner> &f) const {
        const QStringList names = f.names();
        const qsizetype index = names.indexOf(text);
        if (index < 0)
            return QStringLiteral("expected %1, got %2").arg(alternatives(names), quoted(text));
        f.set(owner, int(index));
        return {};
    }

    QString operator()(const ListenRef<Owner> &f) const {
        QHostAddress address;
        quint16 port = 0;
        if (!parseListenAddress(text, &address, &port))
            return QStringLiteral("expected address:port%1 (\"127.0.0.1:8080\", \"*:8080\", "
                                  "\"[::1]:8080\"), got %2")
                .arg(s.enables.ref ? QStringLiteral(" or off") : QString(), quoted(text));
        f.address.ref(owner) = address;
        f.port.ref(owner) = port;
        return {};
    }

    QString operator()(const SecretRef<Owner> &f) const {
        if (!source.file) { // the value itself, which no reference stands for any more
            f.value.ref(owner) = text;
            f.reference.ref(owner).clear();
            return {};
        }
        if (text.isEmpty() || text == u"<not set>") {
            f.value.ref(owner).clear();
            f.reference.ref(owner).clear();
            return {};
        }
        if (text == u"<set>")
            return QStringLiteral("a masked value as --check-config prints it; give a reference: "
                                  "env:NAME, file:/path or keychain:NAME");
        if (!isSecretReference(text))
            return QStringLiteral("secrets are not written in the config file; give a "
                                  "reference: env:NAME, file:/path or keychain:NAME");
        QString reference = text;
        if (reference.startsWith(u"file:"))
            reference = QStringLiteral("file:") +
                        QDir::cleanPath(QDir(source.directory).filePath(reference.mid(5)));
        QString why;
        const std::optional<QString> secret = (*source.resolve)(reference, &why);
        if (!secret)
            return reference + QStringLiteral(": ") + why;
        f.value.ref(owner) = *secret;
        f.reference.ref(owner) = reference;
        return {};
    }
};

// A list's items, from one value or from the file's sequence.
template<typename Owner> struct ItemsApplier {
    const Setting<Owner> &s;
    Owner &owner;
    const QStringList &items;

    QString operator()(const FieldRef<Owner, QStringList> &f) const {
        QStringList out;
        for (const QString &item : items) {
            if (s.kind == K::Methods && !isHttpToken(item)) // a method is an HTTP token
                return QStringLiteral("%1 is not an HTTP method").arg(quoted(item));
            out << (s.kind == K::Methods ? item.toUpper() : item);
        }
        f.ref(owner) = out;
        return {};
    }
    QString operator()(const FieldRef<Owner, QList<TokenSource>> &f) const {
        QList<TokenSource> out;
        QString problem;
        for (const QString &item : items) {
            const std::optional<TokenSource> t = parseTokenSource(item, &problem);
            if (!t)
                return problem;
            out << *t;
        }
        f.ref(owner) = out;
        return {};
    }
    QString operator()(const FieldRef<Owner, QString> &f) const {
        if (s.kind != K::Patterns)
            return QStringLiteral("expected a single value");
        QString why;
        const QString joined = items.join(u',');
        if (!DestinationPolicy::parse(joined, &why))
            return why;
        f.ref(owner) = joined;
        return {};
    }
    template<typename Other> QString operator()(const Other &) const {
        return QStringLiteral("expected a single value");
    }
};

template<typename Owner>
QString TextApplier<Owner>::operator()(const FieldRef<Owner, QStringList> &) const {
    return std::visit(ItemsApplier<Owner>{s, owner, splitList(text)}, s.field);
}

template<typename Owner>
QString TextApplier<Owner>::operator()(const FieldRef<Owner, QList<TokenSource>> &) const {
    return std::visit(ItemsApplier<Owner>{s, owner, splitList(text)}, s.field);
}

template<typename Owner> struct Same {
    const Owner &a;
    const Owner &b;
    bool operator()(std::monostate) const { return true; }
    template<typename T> bool operator()(const FieldRef<Owner, T> &f) const {
        return f.get(a) == f.get(b);
    }
    bool operator()(const EnumRef<Owner> &f) const { return f.get(a) == f.get(b); }
    bool operator()(const ListenRef<Owner> &f) const {
        return (*this)(f.address) && (*this)(f.port);
    }
    bool operator()(const SecretRef<Owner> &f) const {
        return (*this)(f.value) && (*this)(f.reference);
    }
    bool operator()(const EndpointsRef<Owner> &f) const {
        return (*this)(f.first) && (*this)(f.more);
    }
};

template<typename Owner> struct TextOf {
    const Owner &o;
    QString operator()(std::monostate) const { return {}; }
    QString operator()(const FieldRef<Owner, bool> &f) const {
        return f.get(o) ? QStringLiteral("true") : QStringLiteral("false");
    }
    QString operator()(const FieldRef<Owner, std::optional<bool>> &f) const {
        return f.get(o) ? (*f.get(o) ? QStringLiteral("true") : QStringLiteral("false"))
                        : QString();
    }
    QString operator()(const FieldRef<Owner, QString> &f) const { return f.get(o); }
    QString operator()(const FieldRef<Owner, QStringList> &f) const {
        return f.get(o).join(QStringLiteral(", "));
    }
    QString operator()(const FieldRef<Owner, QList<TokenSource>> &f) const {
        QStringList out;
        for (const TokenSource &t : f.get(o))
            out << ConfigSchema::tokenSourceText(t);
        return out.join(QStringLiteral(", "));
    }
    QString operator()(const EnumRef<Owner> &f) const { return f.names().value(f.get(o)); }
    QString operator()(const ListenRef<Owner> &f) const {
        return formatListenAddress(f.address.get(o), f.port.get(o));
    }
    template<typename Other> QString operator()(const Other &) const { return {}; }
};

} // namespace

template<typename Owner>
QString applySettingText(const Setting<Owner> &s, Owner &owner, const QString &raw,
                         const SettingSource &source) {
    // Text and secrets are taken as written; blanks around anything else are not meant.
    const bool verbatim = s.kind == K::Text || s.kind == K::Secret;
    const QString text = verbatim ? raw : raw.trimmed();
    if (s.enables.ref && text.compare(u"off", Qt::CaseInsensitive) == 0) {
        s.enables.ref(owner) = false;
        return {};
    }
    Owner next = owner; // a refused value changes nothing
    const QString problem = std::visit(TextApplier<Owner>{s, next, text, source}, s.field);
    if (!problem.isEmpty())
        return problem;
    if (s.enables.ref)
        s.enables.ref(next) = true;
    owner = std::move(next);
    return {};
}

template<typename Owner>
QString applySettingItems(const Setting<Owner> &s, Owner &owner, const QStringList &items) {
    Owner next = owner;
    const QString problem = std::visit(ItemsApplier<Owner>{s, next, items}, s.field);
    if (problem.isEmpty())
        owner = std::move(next);
    return problem;
}

template<typename Owner>
QString applySettingMap(const Setting<Owner> &s, Owner &owner, const QMap<QString, QString> &map) {
    const auto *field = std::get_if<FieldRef<Owner, QMap<QString, QString>>>(&s.field);
    if (!field)
        return QStringLiteral("expected a single value");
    if (s.kind == K::HeaderMap) {
        for (auto it = map.cbegin(); it != map.cend(); ++it) {
            if (!isHttpToken(it.key()))
                return QStringLiteral("%1 is not a valid header name").arg(quoted(it.key()));
        }
    }
    field->ref(owner) = map;
    return {};
}

template<typename Owner>
QString applySettingRules(const Setting<Owner> &s, Owner &owner, const QList<ClaimRule> &rules) {
    const auto *field = std::get_if<FieldRef<Owner, QList<ClaimRule>>>(&s.field);
    if (!field)
        return QStringLiteral("expected a single value");
    // ClaimRule::complete(), as the routes check it, said for the rule at hand.
    for (qsizetype i = 0; i < rules.size(); ++i) {
        const ClaimRule &r = rules[i];
        if (r.complete())
            continue;
        if (r.claim.isEmpty())
            return QStringLiteral("rule %1: name the claim").arg(i + 1);
        return r.values.isEmpty()
                   ? QStringLiteral("rule %1 (%2): give a value").arg(i + 1).arg(r.claim)
                   : QStringLiteral("rule %1 (%2): equals takes one value").arg(i + 1).arg(r.claim);
    }
    field->ref(owner) = rules;
    return {};
}

template<typename Owner> bool sameSetting(const Setting<Owner> &s, const Owner &a, const Owner &b) {
    return std::visit(Same<Owner>{a, b}, s.field);
}

template<typename Owner> QString settingText(const Setting<Owner> &s, const Owner &owner) {
    if (s.enables.ref && !s.enables.get(owner))
        return QStringLiteral("off");
    if (s.kind == K::Seconds) {
        if (const auto *ms = std::get_if<FieldRef<Owner, int>>(&s.field))
            return secondsText(ms->get(owner));
    }
    if (s.kind == K::Integer) {
        if (const auto *n = std::get_if<FieldRef<Owner, int>>(&s.field))
            return QString::number(n->get(owner));
        if (const auto *n = std::get_if<FieldRef<Owner, qint64>>(&s.field))
            return QString::number(n->get(owner));
    }
    return std::visit(TextOf<Owner>{owner}, s.field);
}

#define TOKENGATE_SETTING_OWNER(Owner)                                                             \
    template QString applySettingText(const Setting<Owner> &, Owner &, const QString &,            \
                                      const SettingSource &);                                      \
    template QString applySettingItems(const Setting<Owner> &, Owner &, const QStringList &);      \
    template QString applySettingMap(const Setting<Owner> &, Owner &,                              \
                                     const QMap<QString, QString> &);                              \
    template QString applySettingRules(const Setting<Owner> &, Owner &, const QList<ClaimRule> &); \
    template bool sameSetting(const Setting<Owner> &, const Owner &, const Owner &);               \
    template QString settingText(const Setting<Owner> &, const Owner &);
TOKENGATE_SETTING_OWNER(Config)
TOKENGATE_SETTING_OWNER(IntrospectionConfig)
TOKENGATE_SETTING_OWNER(RouteConfig)
#undef TOKENGATE_SETTING_OWNER

} // namespace Tokengate
