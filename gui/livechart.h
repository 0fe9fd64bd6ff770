// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QList>
#include <QWidget>

namespace Tokengate {

// A small line chart of one per-second series (drawn with QPainter; Qt Charts is not a
// dependency). NaN values are gaps. The y axis runs from 0 to `fixedMax`, or to the
// series' largest value when that is 0.
class LiveChart : public QWidget {
    Q_OBJECT
public:
    LiveChart(const QString &title, const QString &unit, double fixedMax = 0,
              QWidget *parent = nullptr);
    void setValues(const QList<double> &values);
    const QList<double> &values() const { return m_values; }
    QSize sizeHint() const override { return {360, 140}; }
    QSize minimumSizeHint() const override { return {200, 90}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QString formatValue(double v) const;

    QString m_title;
    QString m_unit;
    double m_fixedMax;
    QList<double> m_values;
};

} // namespace Tokengate
