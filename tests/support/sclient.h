// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QProcess>
#include <QStringList>

namespace Tokengate::Test {

// `openssl s_client` to 127.0.0.1:`port` offering only `version` ("tls1_2", "tls1_3"), with
// `extra` arguments (-sess_out FILE, -cert FILE...), sending `request` and staying until the
// answer (-ign_eof), so TLS 1.3's tickets, sent after the handshake, have come. Its whole
// output; empty if it did not end within 30 s. Blocks this thread: the server must live in
// another one (the gateway's workers do).
inline QByteArray sClientExchange(quint16 port, const QString &version, const QStringList &extra,
                                  const QByteArray &request) {
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QStringLiteral("openssl"),
            QStringList{QStringLiteral("s_client"), QStringLiteral("-connect"),
                        QStringLiteral("127.0.0.1:%1").arg(port), u'-' + version,
                        QStringLiteral("-ign_eof")} +
                extra);
    p.write(request);
    p.closeWriteChannel();
    return p.waitForFinished(30000) ? p.readAll() : QByteArray();
}

} // namespace Tokengate::Test
