// SPDX-License-Identifier: Apache-2.0
#include "core/config/settingvalue.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace Tokengate {

std::optional<bool> parseBool(const QString &text) {
    const QString v = text.trimmed().toLower();
    if (v == u"true" || v == u"yes" || v == u"on" || v == u"1")
        return true;
    if (v == u"false" || v == u"no" || v == u"off" || v == u"0")
        return false;
    return std::nullopt;
}

std::optional<qint64> parseSecondsMs(const QString &text) {
    bool ok = false;
    const double seconds = text.trimmed().toDouble(&ok);
    // Beyond this the milliseconds would not fit; any bound a setting has is far below.
    if (!ok || !std::isfinite(seconds) || std::abs(seconds) > 1e12)
        return std::nullopt;
    return std::llround(seconds * 1000);
}

QString secondsText(qint64 ms) {
    if (ms % 1000 == 0)
        return QString::number(ms / 1000);
    static const QRegularExpression trailingZeros(QStringLiteral("0+$"));
    return QString::number(double(ms) / 1000.0, 'f', 3).remove(trailingZeros);
}

bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port) {
    QString host;
    QString portText = text;
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon >= 0) {
        host = text.left(colon);
        portText = text.mid(colon + 1);
    }
    bool ok = false;
    const uint p = portText.toUInt(&ok);
    if (!ok || p > 65535)
        return false;
    QHostAddress a;
    if (host.isEmpty() && colon < 0)
        a = QHostAddress::LocalHost;
    else if (host == u"*")
        a = QHostAddress::Any;
    else if (host.startsWith(u'[') && host.endsWith(u']'))
        ok = a.setAddress(host.mid(1, host.size() - 2));
    else
        ok = a.setAddress(host);
    if (!ok || a.isNull())
        return false;
    *address = a;
    *port = quint16(p);
    return true;
}

QString formatListenAddress(const QHostAddress &address, quint16 port) {
    QString host;
    if (address == QHostAddress::Any) // 0.0.0.0 and [::] keep their spelling: each is one stack
        host = QStringLiteral("*");
    else if (address.protocol() == QAbstractSocket::IPv6Protocol)
        host = u'[' + address.toString() + u']';
    else
        host = address.toString();
    return host + u':' + QString::number(port);
}

QStringList splitList(const QString &text) {
    static const QRegularExpression separators(QStringLiteral("[,\\s]+"));
    return text.split(separators, Qt::SkipEmptyParts);
}

bool isHttpToken(QStringView text) {
    static const QByteArray tchar = "!#$%&'*+-.^_`|~";
    return !text.isEmpty() && std::all_of(text.cbegin(), text.cend(), [](QChar c) {
        return c.unicode() < 0x80 && (c.isLetterOrNumber() || tchar.contains(char(c.unicode())));
    });
}

} // namespace Tokengate
