// SPDX-License-Identifier: Apache-2.0
#include "core/observe/prometheustext.h"

#include <cmath>

namespace Tokengate {

namespace {

QByteArray escapeLabelValue(const QByteArray &value) {
    QByteArray out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

QByteArray formatValue(double v) {
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "+Inf" : "-Inf";
    // Integers print exactly: counters reach 2^53 long before they would lose precision.
    if (v == std::floor(v) && std::fabs(v) < 9e15)
        return QByteArray::number(qint64(v));
    return QByteArray::number(v, 'g', 12);
}

} // namespace

void PrometheusText::family(QByteArrayView name, QByteArrayView type, QByteArrayView help) {
    m_text += "# HELP " + name.toByteArray() + ' ' + help.toByteArray() + '\n';
    m_text += "# TYPE " + name.toByteArray() + ' ' + type.toByteArray() + '\n';
}

void PrometheusText::sample(QByteArrayView name, const Labels &labels, double value) {
    m_text += name.toByteArray();
    if (!labels.isEmpty()) {
        m_text += '{';
        for (qsizetype i = 0; i < labels.size(); ++i) {
            if (i)
                m_text += ',';
            m_text += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + '"';
        }
        m_text += '}';
    }
    m_text += ' ' + formatValue(value) + '\n';
}

} // namespace Tokengate
