// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>

namespace Tokengate {

class HeaderMap;

// The methods a request asks its upstream to act on instead of its own: X-HTTP-Method-Override,
// X-HTTP-Method, X-Method-Override (Express's method-override, Rack, Symfony, Laravel, ASP.NET;
// "_" for "-" too, as CGI-style servers read it), and the `_method` or
// `X-HTTP-Method-Override` query parameters (method-override with a query getter, Laravel,
// ASP.NET), their keys read as PHP reads them.
struct MethodOverrides {
    // Upper case, as those frameworks read them; every comma-separated value of every such
    // field, without duplicates and without the request's own method.
    QList<QByteArray> methods;
    // A value that is not a method name (non-ASCII, spaces inside, controls): what the upstream
    // makes of it (JavaScript's trim() and toUpperCase(), say) cannot be told, so it is refused.
    bool unreadable = false;
};
// A `_method` in a form body is not seen: the gateway does not read bodies.
MethodOverrides methodOverrides(const HeaderMap &headers, QByteArrayView query,
                                QByteArrayView method);

} // namespace Tokengate
