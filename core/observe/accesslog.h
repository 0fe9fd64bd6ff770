// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/observe/logfilewriter.h"
#include "core/observe/requestevent.h"

namespace Tokengate {

// Writes one JSON line per RequestEvent. Query values of parameters that carry tokens
// (access_token) are replaced by "REDACTED" so the log never holds a credential.
// write() runs on the thread that finished the request: the line is formatted there and
// handed to a LogFileWriter, so no request waits for the disk or for another thread.
class AccessLog {
public:
    // `target`: "stdout" or a file path (appended to).
    bool open(const QString &target, QString *error);
    bool reopen(QString *error) { return m_writer.reopen(error); }
    void write(const Tokengate::RequestEvent &event); // any thread
    quint64 droppedLines() const { return m_writer.droppedLines(); }

    static QByteArray formatLine(const RequestEvent &event);
    static void appendLine(QByteArray &out, const RequestEvent &event);
    static QByteArray redactTarget(const QByteArray &target);

private:
    LogFileWriter m_writer;
};

} // namespace Tokengate
