// SPDX-License-Identifier: Apache-2.0
#include "core/config/configoptions.h"

#include "core/config/settingstable.h"

#include <QFile>

namespace Tokengate {

namespace {

// The help text with the setting's default in a default Config.
QString description(const Setting<Config> &s) {
    if (s.isSecret() || s.flags.testFlag(SettingFlag::Switch))
        return s.help;
    const QString defaultValue = settingText(s, Config());
    return defaultValue.isEmpty() ? s.help
                                  : s.help + QStringLiteral(" Default: %1.").arg(defaultValue);
}

QList<ConfigOption> buildOptions() {
    QList<ConfigOption> options;
    for (const Setting<Config> &s : configSettings()) {
        if (s.option.isEmpty())
            continue;
        ConfigOption o;
        o.name = s.option;
        o.env = QStringLiteral("TOKENGATE_") + s.option.toUpper().replace(u'-', u'_');
        o.valueName = s.flags.testFlag(SettingFlag::Switch) ? QString() : s.valueName;
        o.description = description(s);
        o.compatEnv = s.legacyEnv;
        o.secret = s.isSecret();
        o.apply = [&s](Config &c, const QString &value) {
            return applySettingText(s, c, value, SettingSource());
        };
        options << o;
    }
    return options;
}

} // namespace

const QList<ConfigOption> &configOptions() {
    static const QList<ConfigOption> options = buildOptions();
    return options;
}

std::optional<QString> readSecretFile(const QString &path, QString *error) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("cannot read \"%1\": %2").arg(path, file.errorString());
        return std::nullopt;
    }
    constexpr qint64 MaxSecretBytes = 1 << 20;
    QByteArray content = file.read(MaxSecretBytes + 1);
    if (content.size() > MaxSecretBytes) {
        *error = QStringLiteral("\"%1\" is larger than 1 MiB: not a secret file").arg(path);
        return std::nullopt;
    }
    // Secret files (Docker, systemd credentials) usually end with a newline nobody means.
    while (content.endsWith('\n') || content.endsWith('\r'))
        content.chop(1);
    return QString::fromUtf8(content);
}

// A value read from a file, or a secret, is never echoed in a problem: a *_FILE pointed at the
// wrong file may hold someone's secret, and problems reach logs and terminals. Problems quote
// values (or parts of them) in double quotes, so only an "expected ..." text before ", got "
// without any quote is kept: it can hold no part of the value.
QString withoutValue(const QString &problem, const QString &value) {
    const QString note =
        QStringLiteral("(the value is not shown: it came from a file or is secret)");
    const qsizetype got = problem.indexOf(QStringLiteral(", got "));
    const QString expectation = got >= 0 ? problem.left(got) : QString();
    const QString trimmed = value.trimmed();
    if (expectation.isEmpty() || expectation.contains(u'"') ||
        (!trimmed.isEmpty() && expectation.contains(trimmed)))
        return QStringLiteral("not a valid value ") + note;
    return expectation + u' ' + note;
}

QString commandLineName(const ConfigOption &option) {
    return option.secret ? option.name + QStringLiteral("-file") : option.name;
}

QString applyCommandLine(const ConfigOption &option, Config &config, const QString &value) {
    if (option.valueName.isEmpty()) // a switch: given means on
        return option.apply(config, QStringLiteral("true"));
    if (!option.secret)
        return option.apply(config, value);
    QString error;
    const std::optional<QString> secret = readSecretFile(value, &error);
    if (!secret)
        return error;
    const QString problem = option.apply(config, *secret);
    return problem.isEmpty() ? problem : withoutValue(problem, *secret);
}

QStringList applyEnvironment(Config &config, const QProcessEnvironment &env) {
    QStringList problems;
    for (const ConfigOption &o : configOptions()) {
        // Only the first name set counts, TOKENGATE_* before the compatibility names: "wins"
        // must also hold for a switch turned off (TOKENGATE_X=false beats X=true) and for a
        // compatibility value that would not parse.
        for (const QString &name : QStringList{o.env} + o.compatEnv) {
            const QString fileName = name + QStringLiteral("_FILE");
            if (!env.contains(name) && !env.contains(fileName))
                continue;
            if (env.contains(name) && env.contains(fileName)) {
                problems << QStringLiteral("%1 and %2: set one, not both").arg(name, fileName);
                break;
            }
            QString value;
            QString from = name;
            if (env.contains(name)) {
                value = env.value(name);
            } else if (env.contains(fileName)) {
                from = fileName;
                QString error;
                const std::optional<QString> content = readSecretFile(env.value(fileName), &error);
                if (!content) {
                    problems << fileName + QStringLiteral(": ") + error;
                    break;
                }
                value = *content;
            }
            const QString error = o.apply(config, value);
            if (!error.isEmpty())
                problems << from + QStringLiteral(": ") +
                                (from == fileName || o.secret ? withoutValue(error, value) : error);
            break;
        }
    }
    // SSO_INTROSPECTION_FILE counts too: Docker secrets users set only that one.
    const bool microgatewayMode = env.contains(QStringLiteral("SSO_INTROSPECTION")) ||
                                  env.contains(QStringLiteral("SSO_INTROSPECTION_FILE")) ||
                                  env.contains(QStringLiteral("PORT"));
    if (microgatewayMode && !env.contains(QStringLiteral("TOKENGATE_LISTEN"))) {
        const QString port = env.value(QStringLiteral("PORT"), QStringLiteral("8080"));
        bool ok = false;
        const uint p = port.toUInt(&ok);
        // Checked before anything is set, so a refused PORT leaves the default in place.
        if (!ok || p == 0 || p > 65535) {
            problems << QStringLiteral("PORT: expected a port number from 1 to 65535, got \"%1\"")
                            .arg(port);
        } else {
            config.server.address = QHostAddress::Any;
            config.server.port = quint16(p);
        }
    }
    return problems;
}

} // namespace Tokengate
