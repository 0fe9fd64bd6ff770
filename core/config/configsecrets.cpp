// SPDX-License-Identifier: Apache-2.0
#include "core/config/configsecrets.h"

#include "core/config/settingstable.h"

namespace Tokengate {

namespace {

template<typename Owner>
void collect(const QList<Setting<Owner>> &settings, Owner &owner, const QString &prefix,
             const QString &sentTo, QList<SecretSetting> &out) {
    for (const Setting<Owner> &s : settings) {
        // The first endpoint's rows at the top level (its options) are listed with it below.
        if (s.flags.testFlag(SettingFlag::FirstItem))
            continue;
        if (const auto *secret = std::get_if<SecretRef<Owner>>(&s.field))
            out.append(
                {prefix + s.key, &secret->value.ref(owner), &secret->reference.ref(owner), sentTo});
    }
}

} // namespace

void setTypedSecret(QString &value, QString &reference, const QString &typed) {
    if (typed == value)
        return;
    value = typed;
    reference.clear();
}

QList<SecretSetting> secretSettings(Config &config) {
    QList<SecretSetting> out;
    collect(configSettings(), config, QString(), QString(), out);
    for (IntrospectionConfig *e : config.introspectionEndpoints()) {
        const QString prefix = QStringLiteral("introspection.%1.").arg(e->name);
        collect(endpointSettings(), *e, prefix, e->url.isEmpty() ? e->issuer : e->url, out);
    }
    return out;
}

} // namespace Tokengate
