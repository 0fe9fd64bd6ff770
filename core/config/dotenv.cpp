// SPDX-License-Identifier: Apache-2.0
#include "core/config/dotenv.h"

#include <QFile>
#include <QRegularExpression>

namespace Tokengate {

namespace {

// The value after "=": quoted values end at their closing quote (double quotes know \n, \"
// and \\); unquoted ones end at a blank followed by "#" and lose surrounding blanks. The
// blank may be the one right after "=", so "KEY= # comment" is empty.
bool parseValue(QStringView afterEquals, QString *value) {
    const QStringView raw = afterEquals.trimmed();
    if (raw.startsWith(u'\'')) {
        const qsizetype end = raw.indexOf(u'\'', 1);
        if (end < 0)
            return false;
        *value = raw.sliced(1, end - 1).toString();
        return true;
    }
    if (raw.startsWith(u'"')) {
        QString out;
        for (qsizetype i = 1; i < raw.size(); ++i) {
            const QChar c = raw[i];
            if (c == u'"') {
                *value = out;
                return true;
            }
            if (c == u'\\' && i + 1 < raw.size()) {
                const QChar n = raw[++i];
                out += n == u'n' ? QChar(u'\n') : n;
            } else {
                out += c;
            }
        }
        return false;
    }
    qsizetype end = afterEquals.size();
    for (qsizetype i = 1; i < afterEquals.size(); ++i) {
        if (afterEquals[i] == u'#' && afterEquals[i - 1].isSpace()) {
            end = i;
            break;
        }
    }
    *value = afterEquals.first(end).trimmed().toString();
    return true;
}

} // namespace

QProcessEnvironment withDotEnv(const QProcessEnvironment &env, const QString &path,
                               QStringList *problems) {
    QFile file(path);
    if (!file.exists())
        return env;
    if (!file.open(QIODevice::ReadOnly)) {
        *problems << QStringLiteral("%1: %2").arg(path, file.errorString());
        return env;
    }
    constexpr qint64 MaxDotEnvBytes = 1 << 20;
    const QByteArray text = file.read(MaxDotEnvBytes + 1);
    if (text.size() > MaxDotEnvBytes) {
        *problems << QStringLiteral("%1: larger than 1 MiB").arg(path);
        return env;
    }
    return withDotEnvText(env, text, path, problems);
}

QProcessEnvironment withDotEnvText(const QProcessEnvironment &env, const QByteArray &text,
                                   const QString &path, QStringList *problems) {
    QProcessEnvironment merged = env;
    static const QRegularExpression name(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    const QStringList lines = QString::fromUtf8(text).split(u'\n');
    for (qsizetype n = 0; n < lines.size(); ++n) {
        QStringView line = QStringView(lines[n]).trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (line.startsWith(u"export "))
            line = line.sliced(7).trimmed();
        const qsizetype eq = line.indexOf(u'=');
        const QString key = eq < 0 ? QString() : line.first(eq).trimmed().toString();
        QString value;
        if (eq < 0 || !name.match(key).hasMatch()) {
            *problems << QStringLiteral("%1:%2: expected NAME=value").arg(path).arg(n + 1);
            continue;
        }
        if (!parseValue(line.sliced(eq + 1), &value)) {
            *problems << QStringLiteral("%1:%2: %3 has an unterminated quote")
                             .arg(path)
                             .arg(n + 1)
                             .arg(key);
            continue;
        }
        // Only the real environment wins: a later line overrides an earlier one, as in
        // dotenv and Docker Compose.
        if (!env.contains(key))
            merged.insert(key, value);
    }
    return merged;
}

} // namespace Tokengate
