// SPDX-License-Identifier: Apache-2.0
#include "core/config/configdiff.h"

#include "core/config/settingstable.h"

#include <QSet>
#include <QUrl>

namespace Tokengate {

namespace {

// A URL's password never shows (redis://:pw@host is accepted, with a warning).
QString shown(const QString &text) {
    const QUrl url(text, QUrl::StrictMode);
    if (url.isValid() && !url.password().isEmpty())
        return url.toString(QUrl::RemoveUserInfo);
    return text.isEmpty() ? QStringLiteral("(none)") : text;
}

template<typename Owner>
void compareRows(const QList<Setting<Owner>> &rows, const Owner &a, const Owner &b,
                 const QString &prefix, QStringList &out);

// Items of a list (endpoints, routes) paired by name: added, removed, or compared row by row.
template<typename Item>
void compareItems(const QList<Item> &a, const QList<Item> &b, const QList<Setting<Item>> &rows,
                  const QString &prefix, QStringList &out) {
    QStringList namesA, namesB;
    for (const Item &i : a)
        namesA << i.name;
    for (const Item &i : b)
        namesB << i.name;
    for (const Item &i : b) {
        const qsizetype was = namesA.indexOf(i.name);
        if (was < 0)
            out << prefix + i.name + QStringLiteral(": added");
        else
            compareRows(rows, a[was], i, prefix + i.name + u'.', out);
    }
    for (const Item &i : a) {
        if (!namesB.contains(i.name))
            out << prefix + i.name + QStringLiteral(": removed");
    }
    // Same items in another order: the first match wins, so the order is a setting too.
    QStringList common;
    for (const QString &n : namesB) {
        if (namesA.contains(n))
            common << n;
    }
    QStringList commonBefore;
    for (const QString &n : namesA) {
        if (namesB.contains(n))
            commonBefore << n;
    }
    if (common != commonBefore)
        out << prefix.chopped(1) + QStringLiteral(": order %1 → %2")
                                       .arg(commonBefore.join(QStringLiteral(", ")),
                                            common.join(QStringLiteral(", ")));
}

template<typename Owner>
void compareRows(const QList<Setting<Owner>> &rows, const Owner &a, const Owner &b,
                 const QString &prefix, QStringList &out) {
    for (const Setting<Owner> &s : rows) {
        if (s.key.isEmpty() || s.flags.testFlag(SettingFlag::FirstItem) || sameSetting(s, a, b))
            continue;
        const QString key = prefix + s.key;
        if (const auto *endpoints = std::get_if<EndpointsRef<Owner>>(&s.field)) {
            QList<IntrospectionConfig> listA{endpoints->first.get(a)};
            listA += endpoints->more.get(a);
            QList<IntrospectionConfig> listB{endpoints->first.get(b)};
            listB += endpoints->more.get(b);
            compareItems(listA, listB, endpointSettings(), key + u'.', out);
            continue;
        }
        if (const auto *routes = std::get_if<FieldRef<Owner, QList<RouteConfig>>>(&s.field)) {
            compareItems(routes->get(a), routes->get(b), routeSettings(), key + u'.', out);
            continue;
        }
        const QString from = settingText(s, a);
        const QString to = settingText(s, b);
        if (s.isSecret() || (from.isEmpty() && to.isEmpty()))
            out << key + QStringLiteral(": changed");
        else
            out << QStringLiteral("%1: %2 → %3").arg(key, shown(from), shown(to));
        // A password changed alone would read "a → a": still a change to show.
        if (out.last().endsWith(QStringLiteral(" → ") + shown(from)) && from != to)
            out.last() = key + QStringLiteral(": changed");
    }
}

} // namespace

QStringList configChanges(const Config &before, const Config &after) {
    QStringList out;
    // The one setting without a key in the file (--demo and the app's checkbox).
    if (before.demo != after.demo)
        out << QStringLiteral("demo: %1 → %2")
                   .arg(before.demo ? QStringLiteral("on") : QStringLiteral("off"),
                        after.demo ? QStringLiteral("on") : QStringLiteral("off"));
    compareRows(configSettings(), before, after, QString(), out);
    return out;
}

} // namespace Tokengate
