// SPDX-License-Identifier: Apache-2.0
#pragma once

// Typing into the app's widgets as a user does, for the GUI tests (header only: the support
// library does not link Qt Widgets).
#include <QLineEdit>
#include <QTableWidget>
#include <QTest>

#include <utility>

namespace Tokengate::Test {

// Replaces what `line` holds by typing, then Return.
inline void retype(QLineEdit *line, const QString &text) {
    line->selectAll();
    QTest::keyClick(line, Qt::Key_Delete);
    QTest::keyClicks(line, text);
    QTest::keyClick(line, Qt::Key_Return);
}

// Replaces the text of the line edit `key` under `parent` (found by object name), then
// Return, which applies it.
inline bool typeInto(QWidget *parent, const QString &key, const QString &text) {
    auto *line = parent->findChild<QLineEdit *>(key);
    if (!line)
        return false;
    retype(line, text);
    return true;
}

// typeInto() for each (key, text) in turn; the key of the first that could not be typed, or
// nothing.
inline QString typeAll(QWidget *parent, const QList<std::pair<QString, QString>> &fields) {
    for (const auto &[key, text] : fields) {
        if (!typeInto(parent, key, text))
            return key;
    }
    return {};
}

// Replaces a table cell's text: F2 opens the cell's editor, Return commits.
inline bool typeInCell(QTableWidget *table, int row, int column, const QString &text) {
    table->setCurrentCell(row, column);
    QTest::keyClick(table, Qt::Key_F2);
    auto *editor = qobject_cast<QLineEdit *>(table->indexWidget(table->currentIndex()));
    if (!editor)
        return false;
    retype(editor, text);
    // The delegate commits on a later turn of the event loop.
    return QTest::qWaitFor(
        [&] { return table->item(row, column) && table->item(row, column)->text() == text; },
        5'000);
}

} // namespace Tokengate::Test
