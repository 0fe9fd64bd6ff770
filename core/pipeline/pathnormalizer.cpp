// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/pathnormalizer.h"

#include "core/base/formencoding.h"
#include "core/base/reason.h"

namespace Tokengate {

namespace {

constexpr char Hex[] = "0123456789ABCDEF";

// Checks bytes one at a time as UTF-8 (RFC 3629), overlong forms and surrogates refused:
// "%C0%AE" is "." to a lax decoder, and decoders that drop bad bytes join what they split.
class Utf8Check {
public:
    bool feed(unsigned char b) {
        if (m_need == 0) {
            if (b < 0x80)
                return true;
            if (b >= 0xC2 && b <= 0xDF)
                return start(1, 0x80, 0xBF);
            if (b >= 0xE0 && b <= 0xEF)
                return start(2, b == 0xE0 ? 0xA0 : 0x80, b == 0xED ? 0x9F : 0xBF);
            if (b >= 0xF0 && b <= 0xF4)
                return start(3, b == 0xF0 ? 0x90 : 0x80, b == 0xF4 ? 0x8F : 0xBF);
            return false;
        }
        if (b < m_low || b > m_high)
            return false;
        --m_need;
        m_low = 0x80;
        m_high = 0xBF;
        return true;
    }
    bool complete() const { return m_need == 0; }

private:
    bool start(int need, unsigned char low, unsigned char high) {
        m_need = need;
        m_low = low;
        m_high = high;
        return true;
    }
    int m_need = 0;
    unsigned char m_low = 0x80;
    unsigned char m_high = 0xBF;
};

NormalizedPath refuse(Reason reason, const char *message) {
    NormalizedPath r;
    r.reason = reason;
    r.message = message;
    return r;
}

bool isDotSegment(QByteArrayView segment) {
    return segment == "." || segment == "..";
}

// The part a servlet container resolves: the segment up to ";" or its escape "%3B" (a proxy
// in front of the upstream may decode that one).
QByteArrayView beforeParameters(QByteArrayView segment) {
    qsizetype end = segment.indexOf(';');
    const qsizetype escaped = QByteArrayView(segment).indexOf("%3B");
    if (escaped >= 0 && (end < 0 || escaped < end))
        end = escaped;
    return end < 0 ? segment : segment.first(end);
}

// With escaped slashes kept an upstream may still split on them: "..%2F" must not climb.
bool hasHiddenDotSegment(QByteArrayView segment) {
    qsizetype start = 0;
    while (start <= segment.size()) {
        qsizetype end = segment.size();
        qsizetype skip = 0;
        for (qsizetype i = start; i < segment.size(); ++i) {
            if (segment[i] == '\\') {
                end = i;
                skip = 1;
                break;
            }
            if (segment.sliced(i).startsWith("%2F") || segment.sliced(i).startsWith("%5C")) {
                end = i;
                skip = 3;
                break;
            }
        }
        if (isDotSegment(beforeParameters(segment.sliced(start, end - start))))
            return true;
        if (skip == 0)
            return false;
        start = end + skip;
    }
    return false;
}

// Most paths are already normal: nothing escaped, no dot or empty segment, plain ASCII.
bool isPlain(QByteArrayView raw) {
    char previous = 0;
    for (const char c : raw) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '%' || c == '\\' || byte < 0x20 || byte >= 0x7F ||
            (previous == '/' && (c == '/' || c == '.')))
            return false;
        previous = c;
    }
    return true;
}

} // namespace

NormalizedPath normalizePath(QByteArrayView raw, const PathConfig &config) {
    if (!raw.startsWith('/') || isPlain(raw))
        return NormalizedPath{raw.toByteArray()};
    using Escaped = PathConfig::EscapedSlashes;
    const bool normalize = config.normalizePath;
    const auto notCanonical = [] {
        return refuse(Reason::PathNotCanonical,
                      "The path is not in normal form (normalize_path is off)");
    };

    // Pass 1: one spelling per byte. Unreserved bytes plain, other escapes upper-case,
    // raw non-ASCII escaped; slashes in disguise handled as configured.
    QByteArray decoded;
    decoded.reserve(raw.size() + 8);
    Utf8Check utf8;
    for (qsizetype i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        unsigned char byte = static_cast<unsigned char>(c);
        bool escaped = false;
        if (c == '%') {
            const int hi = i + 2 < raw.size() ? hexValue(raw[i + 1]) : -1;
            const int lo = hi >= 0 ? hexValue(raw[i + 2]) : -1;
            if (lo < 0)
                return refuse(Reason::PathMalformed, "The path has a \"%\" without two hex digits");
            byte = static_cast<unsigned char>(hi * 16 + lo);
            escaped = true;
        }
        if (!utf8.feed(byte))
            return refuse(Reason::PathMalformed, "The path's bytes are not UTF-8");
        if (byte < 0x20 || byte == 0x7F)
            return refuse(Reason::PathMalformed, "The path holds a control character");
        if (byte == '/' && !escaped) {
            decoded += '/';
        } else if (byte == '/' || byte == '\\') {
            if (config.escapedSlashes == Escaped::Reject)
                return refuse(Reason::PathEscapedSlash,
                              "The path holds an escaped slash or a backslash");
            if (config.escapedSlashes == Escaped::UnescapeAndForward)
                decoded += '/';
            else if (escaped)
                decoded += byte == '/' ? "%2F" : "%5C";
            else
                decoded += '\\';
        } else if (escaped && isUnreserved(char(byte))) {
            if (!normalize)
                return notCanonical();
            decoded += char(byte);
        } else if (escaped || byte >= 0x80) {
            const char spelled[] = {'%', Hex[byte >> 4], Hex[byte & 15]};
            if (!normalize && (!escaped || raw.sliced(i, 3) != QByteArrayView(spelled, 3)))
                return notCanonical();
            decoded.append(spelled, 3);
        } else {
            decoded += c;
        }
        if (escaped)
            i += 2;
    }
    if (!utf8.complete())
        return refuse(Reason::PathMalformed, "The path's bytes are not UTF-8");

    // Pass 2: segments; empty ones merged, "." and ".." resolved (RFC 3986 5.2.4).
    QByteArray out;
    out.reserve(decoded.size());
    QList<qsizetype> starts; // where each kept segment's "/" is in `out`
    qsizetype i = 1;
    for (;;) {
        qsizetype end = decoded.indexOf('/', i);
        const bool last = end < 0;
        if (last)
            end = decoded.size();
        const QByteArrayView segment = QByteArrayView(decoded).sliced(i, end - i);
        const QByteArrayView base = beforeParameters(segment);
        if (base.size() != segment.size() && isDotSegment(base))
            return refuse(Reason::PathParameter, "The path holds a \"..;\" or \".;\" segment");
        if (config.escapedSlashes == Escaped::Keep && hasHiddenDotSegment(segment) &&
            !isDotSegment(segment))
            return refuse(Reason::PathNotCanonical,
                          "The path holds a dot segment behind an escaped slash");
        if (segment.isEmpty() && !last) {
            if (!config.mergeSlashes)
                return refuse(Reason::PathNotCanonical,
                              "The path holds \"//\" (merge_slashes is off)");
        } else if (isDotSegment(segment)) {
            if (!normalize)
                return notCanonical();
            if (segment == "..") {
                if (starts.isEmpty())
                    return refuse(Reason::PathNotCanonical,
                                  "The path's \"..\" segments climb above the root");
                out.truncate(starts.takeLast());
            }
            if (last)
                out += '/';
        } else {
            starts.append(out.size());
            out += '/';
            out += segment;
        }
        if (last)
            break;
        i = end + 1;
    }
    if (out.isEmpty())
        out = "/";
    return NormalizedPath{out};
}

QByteArray withoutPathParameters(QByteArrayView path) {
    QByteArray out;
    out.reserve(path.size());
    bool inParameter = false;
    for (qsizetype i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '/')
            inParameter = false;
        else if (c == ';' || path.sliced(i).startsWith("%3B")) // escapes are upper case here
            inParameter = true;
        if (inParameter || (c == '/' && out.endsWith('/')))
            continue;
        out += c;
    }
    return out;
}

QByteArray withEscapedSlashesAsSlashes(QByteArrayView path, SlashSpellings which) {
    QByteArray out;
    out.reserve(path.size());
    for (qsizetype i = 0; i < path.size(); ++i) {
        char c = path[i];
        // Escapes are upper case here.
        if (c == '%' &&
            ((which.testFlag(SlashSpelling::Escaped) && path.sliced(i).startsWith("%2F")) ||
             (which.testFlag(SlashSpelling::EscapedBackslash) &&
              path.sliced(i).startsWith("%5C")))) {
            c = '/';
            i += 2;
        } else if (c == '\\' && which.testFlag(SlashSpelling::Backslash)) {
            c = '/';
        }
        if (c == '/' && out.endsWith('/'))
            continue;
        out += c;
    }
    return out;
}

} // namespace Tokengate
