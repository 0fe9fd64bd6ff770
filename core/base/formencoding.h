// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace Tokengate {

// application/x-www-form-urlencoded (RFC 6749 appendix B): everything but ALPHA / DIGIT /
// "-" / "." / "_" / "~" is %XX, space is "+". Used for introspection bodies and for the
// client id and secret inside HTTP Basic, so that "+/=%&:" survive the trip.
QByteArray formEncode(QByteArrayView raw);
// RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~".
bool isUnreserved(char c);
// 0-15 for a hex digit, -1 otherwise.
int hexValue(char c);
QByteArray formDecode(QByteArrayView encoded);

using FormFields = QList<QPair<QByteArray, QByteArray>>;
FormFields parseForm(QByteArrayView body);
// The first field of that name, decoded; empty when absent.
QByteArray formValue(const FormFields &fields, QByteArrayView name);

// "Basic " + base64(formEncode(id) ":" formEncode(secret)) per RFC 6749 section 2.3.1.
QByteArray basicAuthorization(QByteArrayView clientId, QByteArrayView clientSecret);
// The inverse, for the demo IdP: false when the value is not well-formed Basic credentials.
bool parseBasicAuthorization(QByteArrayView value, QByteArray *clientId, QByteArray *secret);

} // namespace Tokengate
