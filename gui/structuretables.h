// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/auth/claimrule.h"

#include <QMap>
#include <QTableWidget>

#include <optional>

namespace Tokengate {

// A table for a setting that is a structure in the config file. It keeps one empty row at the
// end to type a new entry into; emptying a row removes the entry. `edited` is emitted for the
// user's edits only, never for fill().
class EntryTable : public QTableWidget {
    Q_OBJECT
signals:
    void edited();

protected:
    explicit EntryTable(const QStringList &titles, QWidget *parent = nullptr);
    void fill(const QList<QStringList> &rows);
    // The cell's text, trimmed.
    QString cell(int row, int column) const;
    bool rowEmpty(int row) const;

private:
    void appendEmptyRowIfNeeded();
    bool m_filling = false;
};

// Names to values: header maps, jwt.claims.
class MapTable : public EntryTable {
    Q_OBJECT
public:
    MapTable(const QString &nameTitle, const QString &valueTitle, QWidget *parent = nullptr);
    void setMap(const QMap<QString, QString> &map);
    // The rows as a map; `problem` gets what is wrong with them (a value without a name, a
    // name twice).
    QMap<QString, QString> map(QString *problem) const;
};

// A list of values in one cell: comma-separated, a value that is empty, holds a comma or a
// quote, or has spaces around it, written in double quotes ("a,b"; a quote in it doubled). Without
// the quotes, a one_of value "a,b" read back from the table would become two values, a and b, and
// the rule would let more tokens pass than the config file said.
QString joinListCell(const QStringList &values);
// The values of such a cell; nullopt when a quote is left open, text follows one, or a bare
// value holds one.
std::optional<QStringList> splitListCell(const QString &cell);

// Claim rules: claim, test (equals, one_of, contains) and values (one for equals, taken whole;
// a list for the others, as joinListCell writes it).
class RulesTable : public EntryTable {
    Q_OBJECT
public:
    explicit RulesTable(QWidget *parent = nullptr);
    void setRules(const QList<ClaimRule> &rules);
    QList<ClaimRule> rules(QString *problem) const;
};

} // namespace Tokengate
