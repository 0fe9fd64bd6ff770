// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>

namespace Tokengate {

class HeaderMap;

// The methods a request asks its upstream to act on instead of its own: X-HTTP-Method-Override,
// X-HTTP-Method, X-Method-Override (Express's method-override, Rack, Symfony, Laravel, ASP.NET)
// and a `_method` query parameter (method-override with a query getter, Rails, Laravel).
// Upper case, as those frameworks read them; every comma-separated value of every such field,
// without duplicates and without the request's own method. A `_method` in a form body is not
// seen: the gateway does not read bodies.
QList<QByteArray> methodOverrides(const HeaderMap &headers, QByteArrayView query,
                                  QByteArrayView method);

} // namespace Tokengate
