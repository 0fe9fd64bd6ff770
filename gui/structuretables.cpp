// SPDX-License-Identifier: Apache-2.0
#include "gui/structuretables.h"

#include "core/config/configschema.h"

#include <QHeaderView>

namespace Tokengate {

QString joinListCell(const QStringList &values) {
    QStringList cells;
    for (const QString &v : values) {
        const bool plain =
            !v.isEmpty() && !v.contains(u',') && !v.contains(u'"') && v == v.trimmed();
        cells << (plain ? v : u'"' + QString(v).replace(u'"', QStringLiteral("\"\"")) + u'"');
    }
    return cells.join(QStringLiteral(", "));
}

std::optional<QStringList> splitListCell(const QString &cell) {
    enum class State { Plain, Quoted, AfterQuote } state = State::Plain;
    QStringList out;
    QString current;
    bool quoted = false;
    const auto push = [&] {
        // A quoted value is kept as written, spaces and all; a bare one is trimmed.
        const QString value = quoted ? current : current.trimmed();
        if (quoted || !value.isEmpty())
            out << value;
        current.clear();
        quoted = false;
        state = State::Plain;
    };
    for (qsizetype i = 0; i < cell.size(); ++i) {
        const QChar c = cell[i];
        switch (state) {
        case State::Plain:
            if (c == u',') {
                push();
            } else if (c == u'"' && current.trimmed().isEmpty()) {
                current.clear();
                quoted = true;
                state = State::Quoted;
            } else if (c == u'"') {
                return std::nullopt; // a"b, c": which commas were meant cannot be told
            } else {
                current += c;
            }
            break;
        case State::Quoted:
            if (c == u'"' && i + 1 < cell.size() && cell[i + 1] == u'"') {
                current += c;
                ++i;
            } else if (c == u'"') {
                state = State::AfterQuote;
            } else {
                current += c;
            }
            break;
        case State::AfterQuote:
            if (c == u',')
                push();
            else if (!c.isSpace())
                return std::nullopt; // "a"b: what was meant cannot be told
            break;
        }
    }
    if (state == State::Quoted)
        return std::nullopt;
    push();
    return out;
}

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
    horizontalHeaderItem(2)->setToolTip(
        QStringLiteral("equals: the whole cell. one_of, contains: values separated by commas; "
                       "\"a,b\" for a value holding a comma"));
}

void RulesTable::setRules(const QList<ClaimRule> &rules) {
    QList<QStringList> rows;
    for (const ClaimRule &rule : rules)
        rows << QStringList{
            rule.claim, QString::fromLatin1(ConfigSchema::nameOf(ConfigSchema::claimOps, rule.op)),
            rule.op == ClaimRule::Op::Equals ? rule.values.value(0) : joinListCell(rule.values)};
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
        } else if (const std::optional<QStringList> list = splitListCell(values)) {
            rule.values = *list;
        } else {
            if (problem->isEmpty())
                *problem = QStringLiteral("row %1: a quote is not closed, or text follows one "
                                          "(write \"a,b\" for a value holding a comma)")
                               .arg(r + 1);
            continue;
        }
        out << rule;
    }
    return out;
}

} // namespace Tokengate
