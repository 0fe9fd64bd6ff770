// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>

namespace Tokengate {

// Writes the Prometheus text exposition format (version 0.0.4): one HELP and TYPE line per
// family, then its samples. Label values are escaped here, so callers pass them raw.
class PrometheusText {
public:
    using Labels = QList<QPair<QByteArray, QByteArray>>;

    void family(QByteArrayView name, QByteArrayView type, QByteArrayView help);
    void sample(QByteArrayView name, const Labels &labels, double value);
    void sample(QByteArrayView name, double value) { sample(name, {}, value); }

    QByteArray text() const { return m_text; }
    static constexpr char ContentType[] = "text/plain; version=0.0.4; charset=utf-8";

private:
    QByteArray m_text;
};

} // namespace Tokengate
