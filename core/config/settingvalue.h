// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <optional>

namespace Tokengate {

// The spelling of values shared by the config file, the environment, the command line and the
// Express Gateway importer, so that a value one of them accepts means the same in the others.

// A boolean: true/false, yes/no, on/off or 1/0, in any letter case, blanks around ignored.
// nullopt for anything else (an empty value included).
std::optional<bool> parseBool(const QString &text);

// Seconds, fractions allowed ("2.5"), as whole milliseconds; nullopt unless a finite number.
std::optional<qint64> parseSecondsMs(const QString &text);
// The milliseconds as parseSecondsMs reads them back: "5", "2.5", "0.25".
QString secondsText(qint64 ms);

// "127.0.0.1:8080", "[::1]:8080", "8080" (loopback), "*:8080" (all interfaces).
bool parseListenAddress(const QString &text, QHostAddress *address, quint16 *port);
// What parseListenAddress reads back ("*:8080" only for QHostAddress::Any).
QString formatListenAddress(const QHostAddress &address, quint16 port);

// A list written as one value: items separated by commas or blanks ("read write", "a,b").
QStringList splitList(const QString &text);

// An HTTP token (RFC 9110 5.6.2): what header names and methods are made of.
bool isHttpToken(QStringView text);

} // namespace Tokengate
