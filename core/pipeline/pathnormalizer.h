// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/base/reason.h"
#include "core/pipeline/routeconfig.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QFlags>

namespace Tokengate {

// A request path brought to the one form routes are matched against and the upstream then
// receives, or the reason it is refused. Upstreams disagree about "//", "..", "%2F", ";" and
// non-UTF-8 escapes; a path either means one thing after this or does not get through.
struct NormalizedPath {
    QByteArray path;
    Reason reason = Reason::None; // when refused
    const char *message = "";

    bool refused() const { return reason != Reason::None; }
};

// `raw` is the path of an origin-form target, without its query. A path that does not start
// with "/" (OPTIONS *) is returned as it is.
NormalizedPath normalizePath(QByteArrayView raw, const PathConfig &config);

// The path with every ";..." segment parameter cut off, as servlet containers read it.
QByteArray withoutPathParameters(QByteArrayView path);

// The spellings of "/" that upstreams disagree about; each may be read as "/" or not.
enum class SlashSpelling { Backslash = 1, Escaped = 2, EscapedBackslash = 4, All = 7 };
Q_DECLARE_FLAGS(SlashSpellings, SlashSpelling)

// The path with the chosen spellings ("\\", "%2F", "%5C") read as "/" and the empty segments
// that makes merged, as a Windows server or one behind a decoding proxy reads it.
QByteArray withEscapedSlashesAsSlashes(QByteArrayView path,
                                       SlashSpellings which = SlashSpelling::All);

} // namespace Tokengate

Q_DECLARE_OPERATORS_FOR_FLAGS(Tokengate::SlashSpellings)
