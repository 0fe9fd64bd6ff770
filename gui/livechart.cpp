// SPDX-License-Identifier: Apache-2.0
#include "gui/livechart.h"

#include <QPainter>
#include <QPainterPath>

#include <cmath>

namespace Tokengate {

LiveChart::LiveChart(const QString &title, const QString &unit, double fixedMax, QWidget *parent)
    : QWidget(parent)
    , m_title(title)
    , m_unit(unit)
    , m_fixedMax(fixedMax) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void LiveChart::setValues(const QList<double> &values) {
    m_values = values;
    update();
}

QString LiveChart::formatValue(double v) const {
    if (std::isnan(v))
        return QStringLiteral("–");
    if (m_unit == u"%")
        return QString::number(v * 100, 'f', 0) + QStringLiteral(" %");
    return QString::number(v, 'f', v < 10 ? 1 : 0) + u' ' + m_unit;
}

void LiveChart::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const QFontMetrics fm = fontMetrics();

    double latest = std::nan("");
    for (auto it = m_values.crbegin(); it != m_values.crend(); ++it) {
        if (!std::isnan(*it)) {
            latest = *it;
            break;
        }
    }
    p.setPen(pal.text().color());
    p.drawText(QRect(6, 2, width() - 12, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, m_title);
    p.drawText(QRect(6, 2, width() - 12, fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               formatValue(latest));

    double top = m_fixedMax;
    if (top <= 0) {
        for (double v : m_values) {
            if (!std::isnan(v))
                top = qMax(top, v);
        }
        // A round scale: 1, 2, 5 times a power of ten.
        const double magnitude = std::pow(10.0, std::floor(std::log10(qMax(top, 1.0))));
        for (double step : {1.0, 2.0, 5.0, 10.0}) {
            if (top <= step * magnitude) {
                top = step * magnitude;
                break;
            }
        }
    }
    const QRectF plot(6, fm.height() + 6, width() - 12, height() - fm.height() - 12);
    p.setPen(QPen(pal.mid().color(), 1, Qt::DotLine));
    for (int i = 0; i <= 2; ++i) {
        const double y = plot.top() + plot.height() * i / 2.0;
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
    }
    p.setPen(pal.placeholderText().color());
    p.drawText(plot.adjusted(2, 0, 0, 0), Qt::AlignLeft | Qt::AlignTop,
               formatValue(top).replace(QStringLiteral(".0 "), QStringLiteral(" ")));
    if (m_values.size() < 2)
        return;

    const double dx = plot.width() / double(m_values.size() - 1);
    QPainterPath line;
    QList<QPointF> isolated; // seconds with a value between two gaps: a dot, not a line
    bool drawing = false;
    for (qsizetype i = 0; i < m_values.size(); ++i) {
        const double v = m_values[i];
        if (std::isnan(v)) {
            drawing = false;
            continue;
        }
        const QPointF at(plot.left() + dx * double(i),
                         plot.bottom() - plot.height() * qBound(0.0, v / top, 1.0));
        const bool nextIsGap = i + 1 >= m_values.size() || std::isnan(m_values[i + 1]);
        if (drawing)
            line.lineTo(at);
        else if (nextIsGap)
            isolated << at;
        else
            line.moveTo(at);
        drawing = true;
    }
    const QColor color = pal.highlight().color();
    p.setPen(QPen(color, 1.6));
    p.drawPath(line);
    p.setPen(Qt::NoPen);
    p.setBrush(color);
    for (const QPointF &at : isolated)
        p.drawEllipse(at, 2.0, 2.0);
}

} // namespace Tokengate
