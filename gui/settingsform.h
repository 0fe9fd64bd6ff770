// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/settingstable.h"

#include <QSet>
#include <QWidget>

#include <functional>

class QLabel;
class QVBoxLayout;

namespace Tokengate {

// One setting a form edits: its config-file key, help and kind, and how to read and write
// its value in the config file's words (the settings table's own parsers).
struct FormField {
    QString key;
    QString option; // the command line's name, which some of the core's problems use
    QString help;
    SettingKind kind = SettingKind::Text;
    QStringList choices;
    std::function<QString()> text;
    std::function<QString(const QString &)> apply; // the problem, empty when applied
    // Secrets: where the value comes from (the file's reference), shown under the field.
    std::function<QString()> note;
    // Map and HeaderMap settings.
    std::function<QMap<QString, QString>()> map;
    std::function<QString(const QMap<QString, QString> &)> applyMap;
    // ClaimRules settings.
    std::function<QList<ClaimRule>()> rules;
    std::function<QString(const QList<ClaimRule> &)> applyRules;
};

// Every setting of `rows` on the Owner `owner()` gives at each call. Left out: the endpoints
// and routes lists (their own editors) and the first endpoint's duplicate rows.
template<typename Owner>
QList<FormField> formFields(const QList<Setting<Owner>> &rows, std::function<Owner *()> owner);

// A form over FormFields, grouped by section: a check box for yes/no settings, a list for
// choices, a table for maps and claim rules, a masked line for secrets, a line with Browse…
// for files, a line for the rest (applied when editing ends), the help as tooltip, and the
// problem with a refused value under it.
class SettingsForm : public QWidget {
    Q_OBJECT
public:
    explicit SettingsForm(QWidget *parent = nullptr);
    void setFields(QList<FormField> fields);
    // Re-reads every value (the owner changed under the form). `keepEdited`: not the field
    // being typed into (the change came from elsewhere; the user's text is not lost).
    void refresh(bool keepEdited = false);
    // Before `owner` (whose data the fields edit) goes: the field being typed into applies its
    // text as it loses focus, into the data still there, and nothing reaches `owner` again.
    void detach(QObject *owner);
    // The problem shown under `key`, for tests.
    QString problem(const QString &key) const;
    // Shows each of the core's problems (Config::validate(), about what this form edits)
    // under the field it names ("upstream: ..." or "no upstream ..." goes under upstream);
    // returns those that name none. Replaces the problems shown by the last call.
    QStringList showProblems(const QStringList &problems);

signals:
    void edited();

private:
    // The widget that edits `f`, showing its problems in `problem` and its note in `note`.
    QWidget *editorFor(const FormField &f, QLabel *problem, QLabel *note);

    QVBoxLayout *m_layout;
    QList<FormField> m_fields;
    QList<std::function<void()>> m_refreshers;
    QList<QWidget *> m_refreshed; // the editor each refresher fills
    QHash<QString, QWidget *> m_problems;
    QSet<QString> m_shownProblems; // fields showing a problem from showProblems()
};

} // namespace Tokengate
