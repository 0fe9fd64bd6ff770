// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QList>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace Tokengate::Fuzz {

// A broken invariant is a crash to libFuzzer: abort() saves the input as crash-<sha1>.
[[noreturn]] inline void invariantFailed(const char *file, int line, const char *what,
                                         const QByteArray &detail) {
    std::fprintf(stderr, "%s:%d: invariant failed: %s\n%s\n", file, line, what, detail.constData());
    std::fflush(stderr);
    std::abort();
}

#define FUZZ_CHECK(cond, detail)                                                                   \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ::Tokengate::Fuzz::invariantFailed(__FILE__, __LINE__, #cond, QByteArray(detail));     \
    } while (0)

inline QByteArrayView bytes(const uint8_t *data, size_t size) {
    return QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size));
}

// Deterministic per input (FNV-1a of its bytes, then splitmix64), so a crash reproduces from
// the saved file alone while the fuzzer still explores other cuts as it mutates the bytes.
class InputRandom {
public:
    explicit InputRandom(QByteArrayView input) {
        m_state = 0xcbf29ce484222325ull;
        for (char c : input)
            m_state = (m_state ^ uchar(c)) * 0x100000001b3ull;
    }
    quint64 next() {
        quint64 z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // 0 .. n-1
    qsizetype below(qsizetype n) { return n <= 0 ? 0 : qsizetype(next() % quint64(n)); }
    bool chance(int percent) { return below(100) < percent; }

private:
    quint64 m_state;
};

// Cut points for feeding `size` bytes the way TCP may deliver them: sometimes one byte at a
// time (where a parser's state carries across calls) when there are at most `byteByByteUpTo`,
// otherwise runs of up to `longest` bytes.
inline QList<qsizetype> randomCuts(qsizetype size, InputRandom &random, qsizetype longest = 64,
                                   qsizetype byteByByteUpTo = 4096) {
    QList<qsizetype> cuts;
    const bool byteByByte = random.chance(15) && size <= byteByByteUpTo;
    for (qsizetype at = 0; at < size;) {
        at += byteByByte ? 1 : 1 + random.below(longest);
        if (at < size)
            cuts.append(at);
    }
    return cuts;
}

// Secret references in config files resolve without touching the machine: env: to a fixed
// value, the others not at all.
inline std::optional<QString> fuzzSecret(const QString &reference, QString *error) {
    if (reference.startsWith(QStringLiteral("env:")))
        return QStringLiteral("fuzz-secret-value");
    *error = QStringLiteral("not available while fuzzing");
    return std::nullopt;
}

// Qt objects that need an application (sockets, timers, QObject deletion) get one.
inline void ensureApplication() {
    static int argc = 1;
    static char name[] = "tokengate-fuzz";
    static char *argv[] = {name, nullptr};
    static QCoreApplication *app = QCoreApplication::instance() ? QCoreApplication::instance()
                                                                : new QCoreApplication(argc, argv);
    (void)app;
}

} // namespace Tokengate::Fuzz
