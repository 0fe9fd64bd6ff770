// SPDX-License-Identifier: Apache-2.0
#include "core/config/configfile.h"

#include "core/config/configschema.h"
#include "core/config/settingstable.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSet>

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace Tokengate {

namespace {

using K = SettingKind;

constexpr qint64 MaxFileBytes = 4 << 20;

QString join(const QString &path, const QString &key) {
    return path.isEmpty() ? key : path + u'.' + key;
}

QString indexed(const QString &path, size_t i) {
    return path + u'[' + QString::number(i) + u']';
}

bool isList(SettingKind kind) {
    return kind == K::List || kind == K::Methods || kind == K::Patterns || kind == K::TokenSources;
}

bool isMap(SettingKind kind) {
    return kind == K::Map || kind == K::HeaderMap;
}

// A row another row switches on and off (cache.enabled by cache.ttl): applied after the
// rest of its section, so that "enabled: false" holds in whatever order the keys come.
template<typename Owner>
bool isSwitched(const QList<Setting<Owner>> &settings, const Setting<Owner> &s) {
    const auto *field = std::get_if<FieldRef<Owner, bool>>(&s.field);
    return field && std::any_of(settings.cbegin(), settings.cend(), [&](const Setting<Owner> &o) {
               return o.enables.ref == field->ref;
           });
}

// Walks the YAML tree once, applying what the settings tables describe and noting every
// problem with its line and key path.
class FileReader {
public:
    FileReader(const QString &path, const SecretResolver &resolve)
        : m_path(path) {
        m_source.file = true;
        m_source.directory = QFileInfo(path).absolutePath();
        m_source.resolve = &resolve;
    }

    QStringList problems;

    void read(const YAML::Node &root, Config &c);

private:
    struct Entry {
        QString key;
        YAML::Node keyNode;
        YAML::Node value;
    };

    void error(const YAML::Node &node, const QString &path, const QString &message) {
        const int line = node.Mark().is_null() ? 0 : node.Mark().line + 1;
        problems << QStringLiteral("%1:%2: %3: %4").arg(m_path).arg(line).arg(path, message);
    }

    std::optional<QString> text(const YAML::Node &node, const QString &path) {
        if (node.IsNull())
            return QString();
        if (!node.IsScalar()) {
            error(node, path, QStringLiteral("expected a single value"));
            return std::nullopt;
        }
        return QString::fromStdString(node.Scalar());
    }

    std::optional<QList<Entry>> entries(const YAML::Node &node, const QString &path,
                                        const QStringList &known);
    template<typename Owner>
    void readSection(const YAML::Node &node, const QString &path, const QString &prefix,
                     const QList<Setting<Owner>> &settings, Owner &owner);
    template<typename Owner>
    void readValue(const Setting<Owner> &s, const YAML::Node &node, const QString &path,
                   Owner &owner);
    void readEndpoints(const YAML::Node &n, const QString &p, Config &c);
    void readEndpoint(const YAML::Node &n, const QString &p, IntrospectionConfig &e);
    void readRoutes(const YAML::Node &n, const QString &p, QList<RouteConfig> &routes);
    void readRoute(const YAML::Node &n, const QString &p, RouteConfig &r);
    void readClaimRules(const YAML::Node &n, const QString &p, QList<ClaimRule> &out);

    QString m_path;
    SettingSource m_source;
    // Route references to endpoints, checked once every endpoint is known.
    struct EndpointUse {
        YAML::Node node;
        QString path;
        QString name;
    };
    QList<EndpointUse> m_endpointUses;
};

// A mapping's entries; unknown and repeated keys are problems. nullopt when not a mapping.
std::optional<QList<FileReader::Entry>>
FileReader::entries(const YAML::Node &node, const QString &path, const QStringList &known) {
    if (node.IsNull())
        return QList<Entry>();
    if (!node.IsMap()) {
        error(node, path.isEmpty() ? QStringLiteral("(top)") : path,
              QStringLiteral("expected a mapping of keys to values"));
        return std::nullopt;
    }
    QList<Entry> out;
    QSet<QString> seen;
    for (const auto &entry : node) {
        const QString key = QString::fromStdString(entry.first.Scalar());
        const QString keyPath = join(path, key);
        if (seen.contains(key)) {
            error(entry.first, keyPath, QStringLiteral("given twice"));
            continue;
        }
        seen.insert(key);
        if (!known.contains(key)) {
            error(entry.first, keyPath,
                  QStringLiteral("unknown key (expected one of: %1)")
                      .arg(known.join(QStringLiteral(", "))));
            continue;
        }
        out << Entry{key, entry.first, entry.second};
    }
    return out;
}

// The keys under `prefix` ("limits.") of `settings` that `node` may hold, applied in the
// table's order.
template<typename Owner>
void FileReader::readSection(const YAML::Node &node, const QString &path, const QString &prefix,
                             const QList<Setting<Owner>> &settings, Owner &owner) {
    QStringList keys;
    for (const Setting<Owner> &s : settings) {
        if (s.key.isEmpty() || s.flags.testFlag(SettingFlag::FirstItem) ||
            !s.key.startsWith(prefix))
            continue;
        const QString key = s.key.mid(prefix.size()).section(u'.', 0, 0);
        if (!keys.contains(key))
            keys << key;
    }
    const std::optional<QList<Entry>> given = entries(node, path, keys);
    if (!given || node.IsNull())
        return;
    QList<std::pair<const Setting<Owner> *, const Entry *>> switched;
    for (const Setting<Owner> &s : settings) {
        // Writing the section turns it on unless it says otherwise (cache:).
        if (s.flags.testFlag(SettingFlag::OnWithSection) &&
            s.key.section(u'.', 0, -2) + u'.' == prefix)
            std::get<FieldRef<Owner, bool>>(s.field).ref(owner) = true;
    }
    for (const QString &key : keys) {
        const auto entry = std::find_if(given->cbegin(), given->cend(),
                                        [&](const Entry &e) { return e.key == key; });
        if (entry == given->cend())
            continue;
        const Setting<Owner> *s = findSetting(settings, prefix + key);
        if (!s) {
            readSection(entry->value, join(path, key), prefix + key + u'.', settings, owner);
        } else if (isSwitched(settings, *s)) {
            switched << std::pair{s, &*entry};
        } else {
            readValue(*s, entry->value, join(path, key), owner);
        }
    }
    for (const auto &[s, entry] : switched) {
        readValue(*s, entry->value, join(path, entry->key), owner);
        // "listen: off" beside "enabled: true" asks for both: neither may win silently.
        const auto &on = std::get<FieldRef<Owner, bool>>(s->field);
        if (!on.ref(owner))
            continue;
        for (const Entry &other : *given) {
            const Setting<Owner> *o = findSetting(settings, prefix + other.key);
            if (o && o->enables.ref == on.ref && other.value.IsScalar() &&
                QString::fromStdString(other.value.Scalar())
                        .trimmed()
                        .compare(u"off", Qt::CaseInsensitive) == 0)
                error(entry->keyNode, join(path, entry->key),
                      QStringLiteral("true, but %1 is off: remove one of them")
                          .arg(join(path, other.key)));
        }
    }
}

template<typename Owner>
void FileReader::readValue(const Setting<Owner> &s, const YAML::Node &node, const QString &path,
                           Owner &owner) {
    QString problem;
    if constexpr (std::is_same_v<Owner, Config>) {
        if (s.kind == K::Endpoints)
            return readEndpoints(node, path, owner);
        if (s.kind == K::Routes)
            return readRoutes(node, path, owner.routes);
    }
    if (const auto *rules = std::get_if<FieldRef<Owner, QList<ClaimRule>>>(&s.field))
        return readClaimRules(node, path, rules->ref(owner));
    if (node.IsNull() && isList(s.kind)) {
        problem = applySettingItems(s, owner, {});
    } else if (node.IsNull() && isMap(s.kind)) {
        problem = applySettingMap(s, owner, {});
    } else if (node.IsScalar() || node.IsNull()) {
        problem = applySettingText(s, owner, *text(node, path), m_source);
    } else if (isMap(s.kind)) {
        if (!node.IsMap()) {
            problem = QStringLiteral("expected a mapping of names to values");
        } else {
            QMap<QString, QString> map;
            for (const auto &entry : node) {
                const QString key = QString::fromStdString(entry.first.Scalar());
                if (map.contains(key)) {
                    error(entry.first, join(path, key), QStringLiteral("given twice"));
                    return;
                }
                const std::optional<QString> value = text(entry.second, join(path, key));
                if (!value)
                    return;
                map.insert(key, *value);
            }
            problem = applySettingMap(s, owner, map);
        }
    } else if (isList(s.kind) && node.IsSequence()) {
        QStringList items;
        for (size_t i = 0; i < node.size(); ++i) {
            const std::optional<QString> item = text(node[i], indexed(path, i));
            if (!item)
                return;
            items << *item;
        }
        problem = applySettingItems(s, owner, items);
    } else {
        problem = isList(s.kind) ? QStringLiteral("expected a list of values")
                                 : QStringLiteral("expected a single value");
    }
    if (!problem.isEmpty())
        error(node, path, problem);
}

void FileReader::read(const YAML::Node &root, Config &c) {
    readSection(root, {}, {}, configSettings(), c);
    QStringList names{c.introspection.name};
    for (const IntrospectionConfig &e : c.moreIntrospection)
        names << e.name;
    for (const EndpointUse &use : m_endpointUses) {
        if (!names.contains(use.name))
            error(use.node, use.path,
                  QStringLiteral("no introspection endpoint named \"%1\" (there are: %2)")
                      .arg(use.name, names.join(QStringLiteral(", "))));
    }
}

void FileReader::readEndpoints(const YAML::Node &n, const QString &p, Config &c) {
    QList<IntrospectionConfig> endpoints;
    if (n.IsMap()) { // one endpoint needs no list
        endpoints << IntrospectionConfig();
        readEndpoint(n, p, endpoints.back());
    } else if (n.IsSequence() && n.size() > 0) {
        QSet<QString> names;
        for (size_t i = 0; i < n.size(); ++i) {
            IntrospectionConfig e;
            if (i > 0)
                e.name.clear(); // only the first has a default name
            readEndpoint(n[i], indexed(p, i), e);
            if (e.name.isEmpty())
                error(n[i], indexed(p, i) + QStringLiteral(".name"),
                      QStringLiteral("every endpoint after the first needs a name"));
            else if (names.contains(e.name))
                error(n[i], indexed(p, i) + QStringLiteral(".name"),
                      QStringLiteral("another endpoint is named \"%1\"").arg(e.name));
            names.insert(e.name);
            endpoints << e;
        }
    } else {
        error(n, p, QStringLiteral("expected an endpoint, or a list of endpoints"));
        return;
    }
    c.introspection = endpoints.takeFirst();
    c.moreIntrospection = endpoints;
}

void FileReader::readEndpoint(const YAML::Node &n, const QString &p, IntrospectionConfig &e) {
    readSection(n, p, {}, endpointSettings(), e);
    if (!n.IsMap() || n["auth_method"].IsDefined())
        return;
    // What the other keys imply.
    if (!e.authorizationRef.isEmpty())
        e.authMethod = ClientAuthMethod::AuthorizationValue;
    else if (!e.privateKeyFile.isEmpty())
        e.authMethod = ClientAuthMethod::PrivateKeyJwt;
}

void FileReader::readRoutes(const YAML::Node &n, const QString &p, QList<RouteConfig> &out) {
    if (!n.IsNull() && !n.IsSequence()) {
        error(n, p, QStringLiteral("expected a list of routes"));
        return;
    }
    QList<RouteConfig> routes;
    for (size_t i = 0; i < n.size(); ++i) {
        RouteConfig r;
        readRoute(n[i], indexed(p, i), r);
        if (r.name.isEmpty())
            r.name = QStringLiteral("route-%1").arg(i + 1);
        routes << r;
    }
    out = routes;
}

void FileReader::readRoute(const YAML::Node &n, const QString &p, RouteConfig &r) {
    readSection(n, p, {}, routeSettings(), r);
    if (!n.IsMap())
        return;
    if (!r.introspection.isEmpty())
        m_endpointUses << EndpointUse{n["introspection"], p + QStringLiteral(".introspection"),
                                      r.introspection};
    if (!r.pathPrefix.isEmpty() && !r.pathPattern.isEmpty())
        error(n, p, QStringLiteral("give path_prefix or path_pattern, not both"));
    if (!r.upstreamUrl.isEmpty() && r.destinationMode)
        error(n, p, QStringLiteral("give upstream or destination: true, not both"));
    if (!r.rewritePrefix.isEmpty() && r.stripPrefix.isEmpty())
        error(n, p, QStringLiteral("rewrite_prefix replaces strip_prefix: give both"));
}

// Claim values are taken whole: unlike scopes, a claim's value may hold blanks.
void FileReader::readClaimRules(const YAML::Node &n, const QString &p, QList<ClaimRule> &out) {
    if (!n.IsNull() && !n.IsSequence()) {
        error(n, p, QStringLiteral("expected a list of claim rules"));
        return;
    }
    QList<ClaimRule> rules;
    for (size_t i = 0; i < n.size(); ++i) {
        const QString rp = indexed(p, i);
        QStringList keys{QStringLiteral("claim")};
        for (const auto &op : ConfigSchema::claimOps)
            keys << QString::fromLatin1(op.second);
        const auto given = entries(n[i], rp, keys);
        if (!given || !n[i].IsMap())
            continue;
        ClaimRule rule;
        int opCount = 0;
        for (const Entry &e : *given) {
            const QString ep = join(rp, e.key);
            if (e.key == u"claim") {
                rule.claim = text(e.value, ep).value_or(QString());
                continue;
            }
            ++opCount;
            rule.op = *ConfigSchema::valueOf(ConfigSchema::claimOps, e.key);
            rule.values.clear();
            if (rule.op != ClaimRule::Op::Equals && e.value.IsSequence()) {
                for (size_t k = 0; k < e.value.size(); ++k) {
                    if (const auto v = text(e.value[k], indexed(ep, k)))
                        rule.values << *v;
                }
            } else if (const auto v = text(e.value, ep)) {
                rule.values << *v;
            }
        }
        if (rule.claim.isEmpty())
            error(n[i], rp + QStringLiteral(".claim"), QStringLiteral("name the claim"));
        if (opCount != 1)
            error(n[i], rp, QStringLiteral("give exactly one of equals, one_of or contains"));
        rules << rule;
    }
    out = rules;
}

} // namespace

QStringList applyConfigText(const QByteArray &yaml, const QString &path, Config &config,
                            const SecretResolver &resolve) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml.toStdString());
    } catch (const YAML::Exception &e) {
        return {QStringLiteral("%1:%2: %3")
                    .arg(path)
                    .arg(e.mark.is_null() ? 0 : e.mark.line + 1)
                    .arg(QString::fromStdString(e.msg))};
    }
    Config next = config;
    FileReader reader(path, resolve);
    try {
        reader.read(root, next);
    } catch (const YAML::Exception &e) { // a malformed node the reader did not foresee
        reader.problems << QStringLiteral("%1:%2: %3")
                               .arg(path)
                               .arg(e.mark.is_null() ? 0 : e.mark.line + 1)
                               .arg(QString::fromStdString(e.msg));
    }
    if (!reader.problems.isEmpty())
        return reader.problems;
    next.configFile = QFileInfo(path).absoluteFilePath();
    config = next;
    return {};
}

QStringList applyConfigFile(const QString &path, Config &config, const SecretResolver &resolve) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {QStringLiteral("%1: cannot read: %2").arg(path, file.errorString())};
    if (file.size() > MaxFileBytes)
        return {QStringLiteral("%1: larger than %2 bytes").arg(path).arg(MaxFileBytes)};
    return applyConfigText(file.read(MaxFileBytes), path, config, resolve);
}

} // namespace Tokengate
