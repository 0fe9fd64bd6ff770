// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/observe/requestevent.h"

#include <QFile>
#include <QObject>

namespace Tokengate {

// Writes one JSON line per RequestEvent. Query values of parameters that carry tokens
// (access_token) are replaced by "REDACTED" so the log never holds a credential.
class AccessLog : public QObject {
    Q_OBJECT
public:
    // `target`: "stdout" or a file path (appended to).
    explicit AccessLog(QObject *parent = nullptr);
    bool open(const QString &target, QString *error);
    void write(const Tokengate::RequestEvent &event);

    static QByteArray formatLine(const RequestEvent &event);
    static QByteArray redactTarget(const QByteArray &target);

private:
    QFile m_file;
};

} // namespace Tokengate
