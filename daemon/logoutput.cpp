// SPDX-License-Identifier: Apache-2.0
#include "daemon/logoutput.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>

#include <cstdio>

namespace Tokengate {

namespace {

bool g_json = false;
QMutex g_mutex;

const char *levelName(QtMsgType type) {
    switch (type) {
    case QtDebugMsg:
        return "debug";
    case QtInfoMsg:
        return "info";
    case QtWarningMsg:
        return "warning";
    case QtCriticalMsg:
        return "error";
    case QtFatalMsg:
        return "fatal";
    }
    return "info";
}

void writeLine(QtMsgType type, const QMessageLogContext &context, const QString &message) {
    const QString time = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    const QString category = QString::fromLatin1(context.category ? context.category : "default");
    QByteArray line;
    if (g_json) {
        line =
            QJsonDocument(QJsonObject{{QStringLiteral("time"), time},
                                      {QStringLiteral("level"), QLatin1StringView(levelName(type))},
                                      {QStringLiteral("category"), category},
                                      {QStringLiteral("message"), message}})
                .toJson(QJsonDocument::Compact);
    } else {
        // One record per line, whatever the message holds.
        QString flat = message;
        flat.replace(u'\n', QStringLiteral("\\n"));
        line = QString(time + u' ' + QLatin1StringView(levelName(type)) + u' ' + category +
                       QStringLiteral(": ") + flat)
                   .toUtf8();
    }
    line += '\n';
    QMutexLocker lock(&g_mutex);
    std::fwrite(line.constData(), 1, size_t(line.size()), stderr);
    std::fflush(stderr);
}

} // namespace

void installLogOutput(const QString &format) {
    g_json = format == u"json";
    qInstallMessageHandler(writeLine);
}

void applyLogLevel(const QString &level) {
    QString rules = QStringLiteral("tokengate.*.debug=%1\n")
                        .arg(level == u"debug" ? QStringLiteral("true") : QStringLiteral("false"));
    if (level == u"warn" || level == u"error")
        rules += QStringLiteral("tokengate.*.info=false\n");
    if (level == u"error")
        rules += QStringLiteral("tokengate.*.warning=false\n");
    QLoggingCategory::setFilterRules(rules);
}

} // namespace Tokengate
