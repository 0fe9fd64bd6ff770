// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/routesettings.h"

#include "core/pipeline/router.h"

namespace Tokengate {

QByteArray RouteSettings::rewriteTarget(const QByteArray &target) const {
    if (stripPrefix.isEmpty())
        return target;
    const TargetParts parts = splitTarget(target);
    const QByteArrayView path = parts.path;
    if (path.size() < stripPrefix.size() ||
        path.first(stripPrefix.size())
            .compare(stripPrefix, caseInsensitive ? Qt::CaseInsensitive : Qt::CaseSensitive))
        return target;
    if (!stripPrefix.endsWith('/') && path.size() > stripPrefix.size() &&
        path[stripPrefix.size()] != '/')
        return target;
    QByteArray out = rewritePrefix;
    const QByteArrayView rest = path.sliced(stripPrefix.size());
    if (out.endsWith('/') && rest.startsWith('/'))
        out.chop(1);
    else if (!out.isEmpty() && !out.endsWith('/') && !rest.isEmpty() && !rest.startsWith('/'))
        out += '/';
    out += rest;
    if (!out.startsWith('/'))
        out.prepend('/');
    if (parts.hasQuery)
        out += '?' + parts.query.toByteArray();
    return out;
}

} // namespace Tokengate
