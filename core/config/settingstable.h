// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"
#include "core/config/secretref.h"

#include <QFlags>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace Tokengate {

// What a setting's value is. Each kind has one parser, used alike for the config file, the
// environment and the command line (settingstable.cpp), and one way of being written.
enum class SettingKind {
    Bool,         // parseBool(): true/false, yes/no, on/off, 1/0
    Integer,      // a whole number from `min` to `max`
    Seconds,      // seconds, fractions allowed; kept in milliseconds from `min` to `max`
    Text,         // taken as written
    Url,          // an http or https URL, or nothing
    UrlPath,      // a path starting with "/", or nothing
    Path,         // a file (relative: to the config file), or one of `choices` as written
    HeaderName,   // an HTTP field name, or nothing
    Choice,       // one of `choices` (or of the enum's names)
    List,         // a list; written as one value, items are separated by commas or blanks
    Methods,      // a List of HTTP methods, upper-cased
    Patterns,     // a List of Destination host patterns, kept comma-joined
    TokenSources, // a List of bearer, query, query:NAME, header:NAME, cookie:NAME
    Listen,       // address:port
    Secret,       // the file names a reference (env:, file:, keychain:); elsewhere the value
    Map,          // names to values, in the file only
    HeaderMap,    // a Map whose names are HTTP field names
    ClaimRules,   // a list of {claim, equals | one_of | contains}, in the file only
    Endpoints,    // the introspection endpoints, each read with endpointSettings()
    Routes,       // the routes, each read with routeSettings()
};

enum class SettingFlag {
    Switch = 0x1,         // a command-line option without value: given means on
    Inverted = 0x2,       // the option and its variables mean the opposite of the field
    AnyCase = 0x4,        // a Choice in any letter case, kept in lower case
    NotEmpty = 0x8,       // an empty value is refused
    OnWithSection = 0x10, // a Bool that writing its section turns on (cache.enabled)
    Identifies = 0x20,    // names a list item: written even when it has its default
    FirstItem = 0x40,     // the first item of a list setting, here for environment and options
};
Q_DECLARE_FLAGS(SettingFlags, SettingFlag)
Q_DECLARE_OPERATORS_FOR_FLAGS(SettingFlags)

// Access to one field of `Owner`, possibly nested (Config::server.limits.maxConnections).
template<typename Owner, typename T> struct FieldRef {
    T &(*ref)(Owner &) = nullptr;
    const T &(*get)(const Owner &) = nullptr;
};

// An enum field, seen as the index of its value in a ConfigSchema name table.
template<typename Owner> struct EnumRef {
    int (*get)(const Owner &) = nullptr;
    void (*set)(Owner &, int) = nullptr;
    QStringList (*names)() = nullptr;
};

template<typename Owner> struct ListenRef {
    FieldRef<Owner, QHostAddress> address;
    FieldRef<Owner, quint16> port;
};

// A secret and the config file's reference it came from (shown instead of it).
template<typename Owner> struct SecretRef {
    FieldRef<Owner, QString> value;
    FieldRef<Owner, QString> reference;
};

// The first introspection endpoint and the further ones, one list in the file.
template<typename Owner> struct EndpointsRef {
    FieldRef<Owner, IntrospectionConfig> first;
    FieldRef<Owner, QList<IntrospectionConfig>> more;
};

template<typename Owner>
using SettingField =
    std::variant<std::monostate, FieldRef<Owner, bool>, FieldRef<Owner, std::optional<bool>>,
                 FieldRef<Owner, int>, FieldRef<Owner, qint64>, FieldRef<Owner, QString>,
                 FieldRef<Owner, QStringList>, FieldRef<Owner, QMap<QString, QString>>,
                 FieldRef<Owner, QList<TokenSource>>, FieldRef<Owner, QList<ClaimRule>>,
                 FieldRef<Owner, QList<RouteConfig>>, EnumRef<Owner>, ListenRef<Owner>,
                 SecretRef<Owner>, EndpointsRef<Owner>>;

// One setting: where the config file, the environment and the command line name it, what
// its values are, and the field of `Owner` (Config, one endpoint, one route) it sets. The
// reader, the option table, --help, --check-config, the importer's output and the desktop
// app's ranges all come from these rows; the default is the field's in a default Owner.
template<typename Owner> struct Setting {
    QString key{};           // in the config file, dotted: "limits.max_connections"; empty: none
    QString option{};        // --option and TOKENGATE_OPTION; empty: neither
    QStringList legacyEnv{}; // introspection-microgateway's names; TOKENGATE_* wins over them
    SettingKind kind = SettingKind::Text;
    SettingFlags flags{};
    qint64 min = 0; // Integer; Seconds in milliseconds
    qint64 max = 0;
    QStringList choices{}; // Choice of text; Path: values taken as they are ("stdout", "off")
    QString valueName{};   // in --help: "seconds", "url"
    QString help{};
    SettingField<Owner> field{};
    FieldRef<Owner, bool> enables{}; // any value turns it on, "off" turns it off

    bool isSecret() const { return kind == SettingKind::Secret; }
};

// The rows, in the config file's order. Every key of a section is contiguous.
const QList<Setting<Config>> &configSettings();
const QList<Setting<IntrospectionConfig>> &endpointSettings();
const QList<Setting<RouteConfig>> &routeSettings();

// The row with that config file key, or nullptr.
template<typename Owner>
const Setting<Owner> *findSetting(const QList<Setting<Owner>> &settings, const QString &key) {
    for (const Setting<Owner> &s : settings) {
        if (s.key == key)
            return &s;
    }
    return nullptr;
}

// Where a value comes from. The config file holds secret references and paths relative to
// itself; the environment and the command line hold the values.
struct SettingSource {
    bool file = false;
    QString directory; // the config file's
    const SecretResolver *resolve = nullptr;
};

// Each returns the problem with the value (without the setting's name), empty when applied;
// a refused value leaves `owner` as it was.
template<typename Owner>
QString applySettingText(const Setting<Owner> &s, Owner &owner, const QString &text,
                         const SettingSource &source);
// A list setting from the file's sequence of values.
template<typename Owner>
QString applySettingItems(const Setting<Owner> &s, Owner &owner, const QStringList &items);
// A Map setting from the file's mapping.
template<typename Owner>
QString applySettingMap(const Setting<Owner> &s, Owner &owner, const QMap<QString, QString> &map);

// A ClaimRules setting from rules edited elsewhere (the desktop app): each names its claim
// and has a value, exactly one for equals.
template<typename Owner>
QString applySettingRules(const Setting<Owner> &s, Owner &owner, const QList<ClaimRule> &rules);

// Whether the setting's field is the same in both.
template<typename Owner> bool sameSetting(const Setting<Owner> &s, const Owner &a, const Owner &b);
// A scalar setting's value as applySettingText reads it back ("5", "2.5", "*:8080", "a, b");
// "off" when its `enables` field is off; empty for secrets and structures.
template<typename Owner> QString settingText(const Setting<Owner> &s, const Owner &owner);

// Builds the rows' accessors from member pointers, outer to inner:
// at<&Config::server, &ServerSettings::limits, &HttpLimits::maxConnections>.
namespace SettingAccess {

template<typename T> struct MemberTraits;
template<typename C, typename M> struct MemberTraits<M C::*> {
    using Class = C;
    using Type = M;
};

template<auto First, auto... Rest> struct MemberPath {
    using Owner = typename MemberTraits<decltype(First)>::Class;
    using Head = typename MemberTraits<decltype(First)>::Type;
    static auto &ref(Owner &o) {
        if constexpr (sizeof...(Rest) == 0)
            return o.*First;
        else
            return MemberPath<Rest...>::ref(o.*First);
    }
    static const auto &get(const Owner &o) {
        if constexpr (sizeof...(Rest) == 0)
            return o.*First;
        else
            return MemberPath<Rest...>::get(o.*First);
    }
};

template<auto... Path> struct Field {
    using P = MemberPath<Path...>;
    using Owner = typename P::Owner;
    using Type = std::remove_cvref_t<decltype(P::get(std::declval<const Owner &>()))>;
    static Type &ref(Owner &o) { return P::ref(o); }
    static const Type &get(const Owner &o) { return P::get(o); }
};

template<const auto &Table, auto... Path> struct Enum {
    using F = Field<Path...>;
    static int get(const typename F::Owner &o) {
        for (size_t i = 0; i < Table.size(); ++i) {
            if (Table[i].first == F::get(o))
                return int(i);
        }
        return -1;
    }
    static void set(typename F::Owner &o, int index) { F::ref(o) = Table[size_t(index)].first; }
    static QStringList names() {
        QStringList out;
        for (const auto &entry : Table)
            out << QString::fromLatin1(entry.second);
        return out;
    }
};

} // namespace SettingAccess

template<auto... Path>
inline constexpr FieldRef<typename SettingAccess::Field<Path...>::Owner,
                          typename SettingAccess::Field<Path...>::Type>
    at{&SettingAccess::Field<Path...>::ref, &SettingAccess::Field<Path...>::get};

template<const auto &Table, auto... Path>
inline constexpr EnumRef<typename SettingAccess::Field<Path...>::Owner> enumAt{
    &SettingAccess::Enum<Table, Path...>::get, &SettingAccess::Enum<Table, Path...>::set,
    &SettingAccess::Enum<Table, Path...>::names};

// A struct with `address` and `port`, such as ServerSettings.
template<auto... Path>
inline constexpr ListenRef<typename SettingAccess::Field<Path...>::Owner> listenAt{
    at<Path..., &SettingAccess::Field<Path...>::Type::address>,
    at<Path..., &SettingAccess::Field<Path...>::Type::port>};

} // namespace Tokengate
