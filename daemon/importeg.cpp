// SPDX-License-Identifier: Apache-2.0
#include "daemon/importeg.h"

#include "core/config/egimport.h"

#include <QFile>

#include <cstdio>

namespace Tokengate {

namespace {

constexpr qint64 MaxInputBytes = 4 << 20;

void printLine(FILE *to, const QString &line) {
    std::fprintf(to, "%s\n", line.toLocal8Bit().constData());
}

} // namespace

int runImportEg(const QStringList &args) {
    if (args.size() != 1 || args.first().startsWith(u'-')) {
        printLine(stderr, QStringLiteral("usage: tokengated import-eg gateway.config.yml > "
                                         "tokengate.yml"));
        return 2;
    }
    QFile file(args.first());
    if (!file.open(QIODevice::ReadOnly)) {
        printLine(stderr, QStringLiteral("tokengated import-eg: cannot read %1: %2")
                              .arg(args.first(), file.errorString()));
        return 2;
    }
    if (file.size() > MaxInputBytes) {
        printLine(stderr, QStringLiteral("tokengated import-eg: %1 is larger than %2 bytes")
                              .arg(args.first())
                              .arg(MaxInputBytes));
        return 2;
    }
    const EgImport result = importExpressGateway(file.read(MaxInputBytes));
    for (const QString &error : result.errors)
        printLine(stderr, args.first() + QStringLiteral(": ") + error);
    if (!result.errors.isEmpty())
        return 2;
    std::fwrite(result.tokengateYaml.constData(), 1, size_t(result.tokengateYaml.size()), stdout);
    std::fflush(stdout);
    if (result.notConverted.isEmpty())
        return 0;
    printLine(stderr, QStringLiteral("tokengated import-eg: not converted (review these):"));
    for (const QString &item : result.notConverted)
        printLine(stderr, QStringLiteral("  ") + item);
    return 1;
}

} // namespace Tokengate
