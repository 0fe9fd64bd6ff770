// SPDX-License-Identifier: Apache-2.0
#include "gui/structuretables.h"

#include "core/config/configschema.h"

#include <QHeaderView>

namespace Tokengate {

EntryTable::EntryTable(const QStringList &titles, QWidget *parent)
    : QTableWidget(parent) {
    setColumnCount(int(titles.size()));
    setHorizontalHeaderLabels(titles);
    horizontalHeader()->setStretchLastSection(true);
    verticalHeader()->hide();
    setEditTriggers(QAbstractItemView::AllEditTriggers);
    setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    connect(this, &QTableWidget::itemChanged, this, [this] {
        if (m_filling)
            return;
        m_filling = true;
        appendEmptyRowIfNeeded();
        m_filling = false;
        emit edited();
    });
    fill({});
}

void EntryTable::fill(const QList<QStringList> &rows) {
    m_filling = true;
    setRowCount(0);
    for (const QStringList &texts : rows) {
        const int row = rowCount();
        insertRow(row);
        for (int c = 0; c < texts.size(); ++c)
            setItem(row, c, new QTableWidgetItem(texts[c]));
    }
    appendEmptyRowIfNeeded();
    m_filling = false;
}

QString EntryTable::cell(int row, int column) const {
    const QTableWidgetItem *i = item(row, column);
    return i ? i->text().trimmed() : QString();
}

bool EntryTable::rowEmpty(int row) const {
    for (int c = 0; c < columnCount(); ++c) {
        if (!cell(row, c).isEmpty())
            return false;
    }
    return true;
}

void EntryTable::appendEmptyRowIfNeeded() {
    const int rows = rowCount();
    if (rows > 0 && rowEmpty(rows - 1))
        return;
    insertRow(rows);
    for (int c = 0; c < columnCount(); ++c)
        setItem(rows, c, new QTableWidgetItem);
}

MapTable::MapTable(const QString &nameTitle, const QString &valueTitle, QWidget *parent)
    : EntryTable({nameTitle, valueTitle}, parent) {}

void MapTable::setMap(const QMap<QString, QString> &map) {
    QList<QStringList> rows;
    for (auto it = map.cbegin(); it != map.cend(); ++it)
        rows << QStringList{it.key(), it.value()};
    fill(rows);
}

QMap<QString, QString> MapTable::map(QString *problem) const {
    QMap<QString, QString> out;
    for (int r = 0; r < rowCount(); ++r) {
        const QString name = cell(r, 0);
        const QString value = cell(r, 1);
        if (name.isEmpty()) {
            if (!value.isEmpty() && problem->isEmpty())
                *problem = QStringLiteral("row %1: give a name for \"%2\"").arg(r + 1).arg(value);
            continue;
        }
        if (out.contains(name) && problem->isEmpty())
            *problem = QStringLiteral("%1 is given twice").arg(name);
        out.insert(name, value);
    }
    return out;
}

RulesTable::RulesTable(QWidget *parent)
    : EntryTable({QStringLiteral("claim"), QStringLiteral("test"),
                  QStringLiteral("values (comma-separated)")},
                 parent) {
    horizontalHeaderItem(1)->setToolTip(QStringLiteral("equals, one_of or contains"));
}

void RulesTable::setRules(const QList<ClaimRule> &rules) {
    QList<QStringList> rows;
    for (const ClaimRule &rule : rules)
        rows << QStringList{
            rule.claim, QString::fromLatin1(ConfigSchema::nameOf(ConfigSchema::claimOps, rule.op)),
            rule.values.join(QStringLiteral(", "))};
    fill(rows);
}

QList<ClaimRule> RulesTable::rules(QString *problem) const {
    QList<ClaimRule> out;
    for (int r = 0; r < rowCount(); ++r) {
        if (rowEmpty(r))
            continue;
        ClaimRule rule;
        rule.claim = cell(r, 0);
        const QString test = cell(r, 1);
        const auto op = ConfigSchema::valueOf(ConfigSchema::claimOps,
                                              test.isEmpty() ? QStringLiteral("equals") : test);
        if (!op) {
            if (problem->isEmpty())
                *problem = QStringLiteral("row %1: the test is equals, one_of or contains, not "
                                          "\"%2\"")
                               .arg(r + 1)
                               .arg(test);
            continue;
        }
        rule.op = *op;
        const QString values = cell(r, 2);
        if (rule.op == ClaimRule::Op::Equals) {
            if (!values.isEmpty())
                rule.values << values;
        } else {
            for (const QString &v : values.split(u',')) {
                if (!v.trimmed().isEmpty())
                    rule.values << v.trimmed();
            }
        }
        out << rule;
    }
    return out;
}

} // namespace Tokengate
