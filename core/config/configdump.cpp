// SPDX-License-Identifier: Apache-2.0
#include "core/config/configdump.h"

#include "core/config/configschema.h"
#include "core/config/settingstable.h"
#include "core/config/settingvalue.h"

#include <QUrl>

#include <yaml-cpp/yaml.h>

namespace Tokengate {

namespace {

using K = SettingKind;

std::string s(const QString &text) {
    return text.toStdString();
}

// A URL may carry a password (redis://:pw@host): the dump shows the rest of it, never that.
QString withoutPassword(const QString &value) {
    const QUrl url(value, QUrl::StrictMode);
    if (!url.isValid() || url.password().isEmpty())
        return value;
    return url.toString(url.userName().isEmpty() ? QUrl::RemoveUserInfo : QUrl::RemovePassword);
}

void list(YAML::Emitter &out, const QStringList &values) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const QString &v : values)
        out << s(v);
    out << YAML::EndSeq;
}

// Writes settings tables as nested mappings, "limits.max_headers" under "limits".
class Dumper {
public:
    Dumper(YAML::Emitter &out, ConfigDump what)
        : m_out(out)
        , m_what(what) {}

    template<typename Owner>
    void section(const QList<Setting<Owner>> &settings, const Owner &o, const Owner &defaults) {
        QStringList open;
        m_out << YAML::BeginMap;
        for (const Setting<Owner> &setting : settings) {
            if (!written(setting, o, defaults))
                continue;
            QStringList parts = setting.key.split(u'.');
            const QString leaf = parts.takeLast();
            qsizetype common = 0;
            while (common < open.size() && common < parts.size() && open[common] == parts[common])
                ++common;
            for (; open.size() > common; open.removeLast())
                m_out << YAML::EndMap;
            for (; open.size() < parts.size(); open << parts[open.size()])
                m_out << YAML::Key << s(parts[open.size()]) << YAML::Value << YAML::BeginMap;
            m_out << YAML::Key << s(leaf) << YAML::Value;
            std::visit([&](const auto &field) { value(setting, field, o); }, setting.field);
        }
        for (; !open.isEmpty(); open.removeLast())
            m_out << YAML::EndMap;
        m_out << YAML::EndMap;
    }

private:
    template<typename Owner>
    bool written(const Setting<Owner> &setting, const Owner &o, const Owner &defaults) const {
        if (setting.key.isEmpty() || setting.flags.testFlag(SettingFlag::FirstItem))
            return false;
        if (const auto *f = std::get_if<FieldRef<Owner, std::optional<bool>>>(&setting.field);
            f && !f->get(o))
            return false;
        if (const auto *f = std::get_if<SecretRef<Owner>>(&setting.field)) {
            // A default secret (the drop-in's JWT "secret") is left out so the output loads.
            const QString &value = f->value.get(o);
            if (f->reference.get(o).isEmpty() && !value.isEmpty() &&
                value == f->value.get(defaults))
                return false;
        }
        return m_what == ConfigDump::Everything ||
               setting.flags.testFlag(SettingFlag::Identifies) ||
               !sameSetting(setting, o, defaults);
    }

    template<typename Owner> void value(const Setting<Owner> &, std::monostate, const Owner &) {
        m_out << YAML::Null;
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const FieldRef<Owner, bool> &f, const Owner &o) {
        m_out << f.get(o);
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const FieldRef<Owner, std::optional<bool>> &f,
               const Owner &o) {
        m_out << f.get(o).value_or(false);
    }
    template<typename Owner, typename Int>
    void number(const Setting<Owner> &setting, const FieldRef<Owner, Int> &f, const Owner &o) {
        if (setting.kind == K::Seconds)
            m_out << s(secondsText(f.get(o)));
        else
            m_out << f.get(o);
    }
    template<typename Owner>
    void value(const Setting<Owner> &setting, const FieldRef<Owner, int> &f, const Owner &o) {
        number(setting, f, o);
    }
    template<typename Owner>
    void value(const Setting<Owner> &setting, const FieldRef<Owner, qint64> &f, const Owner &o) {
        number(setting, f, o);
    }
    template<typename Owner>
    void value(const Setting<Owner> &setting, const FieldRef<Owner, QString> &f, const Owner &o) {
        if (setting.kind == K::Patterns)
            list(m_out, splitList(f.get(o)));
        else
            m_out << s(withoutPassword(f.get(o)));
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const FieldRef<Owner, QStringList> &f, const Owner &o) {
        list(m_out, f.get(o));
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const FieldRef<Owner, QMap<QString, QString>> &f,
               const Owner &o) {
        const QMap<QString, QString> &map = f.get(o);
        if (map.isEmpty())
            m_out << YAML::Flow;
        m_out << YAML::BeginMap;
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            m_out << YAML::Key << s(it.key()) << YAML::Value << s(it.value());
        m_out << YAML::EndMap;
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const FieldRef<Owner, QList<TokenSource>> &f,
               const Owner &o) {
        QStringList sources;
        for (const TokenSource &t : f.get(o))
            sources << ConfigSchema::tokenSourceText(t);
        list(m_out, sources);
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const FieldRef<Owner, QList<ClaimRule>> &f, const Owner &o) {
        const QList<ClaimRule> &rules = f.get(o);
        if (rules.isEmpty())
            m_out << YAML::Flow;
        m_out << YAML::BeginSeq;
        for (const ClaimRule &rule : rules) {
            m_out << YAML::Flow << YAML::BeginMap;
            m_out << YAML::Key << "claim" << YAML::Value << s(rule.claim);
            m_out << YAML::Key << ConfigSchema::nameOf(ConfigSchema::claimOps, rule.op)
                  << YAML::Value;
            if (rule.op == ClaimRule::Op::Equals)
                m_out << s(rule.values.value(0));
            else
                list(m_out, rule.values);
            m_out << YAML::EndMap;
        }
        m_out << YAML::EndSeq;
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const FieldRef<Owner, QList<RouteConfig>> &f,
               const Owner &o) {
        m_out << YAML::BeginSeq;
        for (const RouteConfig &route : f.get(o))
            section(routeSettings(), route, RouteConfig());
        m_out << YAML::EndSeq;
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const EndpointsRef<Owner> &f, const Owner &o) {
        m_out << YAML::BeginSeq;
        section(endpointSettings(), f.first.get(o), IntrospectionConfig());
        IntrospectionConfig unnamed; // the reader's default for the second and later ones
        unnamed.name.clear();
        for (const IntrospectionConfig &e : f.more.get(o))
            section(endpointSettings(), e, unnamed);
        m_out << YAML::EndSeq;
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const EnumRef<Owner> &f, const Owner &o) {
        m_out << s(f.names().value(f.get(o)));
    }
    template<typename Owner>
    void value(const Setting<Owner> &, const ListenRef<Owner> &f, const Owner &o) {
        m_out << s(formatListenAddress(f.address.get(o), f.port.get(o)));
    }
    // The reference it came from, else whether it is set: never the secret itself.
    template<typename Owner>
    void value(const Setting<Owner> &, const SecretRef<Owner> &f, const Owner &o) {
        if (!f.reference.get(o).isEmpty())
            m_out << s(f.reference.get(o));
        else
            m_out << (f.value.get(o).isEmpty() ? "<not set>" : "<set>");
    }

    YAML::Emitter &m_out;
    ConfigDump m_what;
};

} // namespace

QString describeConfig(const Config &c, ConfigDump what) {
    YAML::Emitter out;
    Dumper(out, what).section(configSettings(), c, Config());
    return QString::fromStdString(out.c_str()) + u'\n';
}

} // namespace Tokengate
