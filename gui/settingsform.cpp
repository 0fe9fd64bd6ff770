// SPDX-License-Identifier: Apache-2.0
#include "gui/settingsform.h"

#include "core/config/configsecrets.h"
#include "gui/structuretables.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

namespace Tokengate {

template<typename Owner>
QList<FormField> formFields(const QList<Setting<Owner>> &rows, std::function<Owner *()> owner) {
    using K = SettingKind;
    QList<FormField> out;
    for (const Setting<Owner> &s : rows) {
        if (s.key.isEmpty() || s.flags.testFlag(SettingFlag::FirstItem) || s.kind == K::Endpoints ||
            s.kind == K::Routes)
            continue;
        FormField f;
        f.key = s.key;
        f.option = s.option;
        f.help = s.help;
        f.kind = s.kind;
        f.choices = s.choices;
        if (const auto *e = std::get_if<EnumRef<Owner>>(&s.field))
            f.choices = e->names();
        f.text = [s, owner] { return settingText(s, *owner()); };
        // Typed here, a value is the value itself (the settings page's way), never a reference.
        f.apply = [s, owner](const QString &text) {
            return applySettingText(s, *owner(), text, SettingSource{});
        };
        if (const auto *secret = std::get_if<SecretRef<Owner>>(&s.field)) {
            f.text = [ref = *secret, owner] { return ref.value.get(*owner()); };
            f.apply = [ref = *secret, owner](const QString &text) {
                setTypedSecret(ref.value.ref(*owner()), ref.reference.ref(*owner()), text);
                return QString();
            };
            f.note = [ref = *secret, owner] {
                const QString from = ref.reference.get(*owner());
                return from.isEmpty() ? QString()
                                      : QStringLiteral("From %1; typing replaces it.").arg(from);
            };
        } else if (const auto *map =
                       std::get_if<FieldRef<Owner, QMap<QString, QString>>>(&s.field)) {
            f.map = [ref = *map, owner] { return ref.get(*owner()); };
            f.applyMap = [s, owner](const QMap<QString, QString> &m) {
                return applySettingMap(s, *owner(), m);
            };
        } else if (const auto *rules = std::get_if<FieldRef<Owner, QList<ClaimRule>>>(&s.field)) {
            f.rules = [ref = *rules, owner] { return ref.get(*owner()); };
            f.applyRules = [s, owner](const QList<ClaimRule> &r) {
                return applySettingRules(s, *owner(), r);
            };
        }
        out << f;
    }
    return out;
}

template QList<FormField> formFields(const QList<Setting<Config>> &, std::function<Config *()>);
template QList<FormField> formFields(const QList<Setting<IntrospectionConfig>> &,
                                     std::function<IntrospectionConfig *()>);
template QList<FormField> formFields(const QList<Setting<RouteConfig>> &,
                                     std::function<RouteConfig *()>);

SettingsForm::SettingsForm(QWidget *parent)
    : QWidget(parent)
    , m_layout(new QVBoxLayout(this)) {
    m_layout->setContentsMargins(0, 0, 0, 0);
}

namespace {

QLabel *problemLabel(const QString &key) {
    auto *problem = new QLabel;
    problem->setObjectName(QStringLiteral("problem:") + key);
    problem->setStyleSheet(QStringLiteral("color: #c01c28;"));
    problem->setWordWrap(true);
    problem->hide();
    return problem;
}

} // namespace

QWidget *SettingsForm::editorFor(const FormField &f, QLabel *problem, QLabel *note) {
    // The outcome of an edit: its problem shown, or the form told.
    const auto shown = [this, problem](const QString &why) {
        problem->setText(why);
        problem->setVisible(!why.isEmpty());
        if (why.isEmpty())
            emit edited();
    };
    const auto applied = [this, f, shown, problem, note](const QString &text) {
        // Leaving a field unchanged is no edit (and must not drop a secret's reference); a
        // refusal shown for it goes, the core's problem with the config stays.
        if (text == f.text()) {
            if (!m_shownProblems.contains(f.key))
                problem->hide();
            return;
        }
        shown(f.apply(text));
        if (f.note) { // a secret typed no longer comes from its reference
            note->setText(f.note());
            note->setVisible(!note->text().isEmpty());
        }
    };
    if (f.map) {
        const bool headers = f.kind == SettingKind::HeaderMap;
        auto *table = new MapTable(headers ? QStringLiteral("header") : QStringLiteral("name"),
                                   QStringLiteral("value"));
        connect(table, &MapTable::edited, this, [f, table, shown] {
            QString why;
            const QMap<QString, QString> map = table->map(&why);
            shown(why.isEmpty() ? f.applyMap(map) : why);
        });
        m_refreshers << [table, f] { table->setMap(f.map()); };
        return table;
    }
    if (f.rules) {
        auto *table = new RulesTable;
        connect(table, &RulesTable::edited, this, [f, table, shown] {
            QString why;
            const QList<ClaimRule> rules = table->rules(&why);
            shown(why.isEmpty() ? f.applyRules(rules) : why);
        });
        m_refreshers << [table, f] { table->setRules(f.rules()); };
        return table;
    }
    if (f.kind == SettingKind::Bool) {
        auto *box = new QCheckBox;
        connect(box, &QCheckBox::clicked, this, [applied](bool on) {
            applied(on ? QStringLiteral("true") : QStringLiteral("false"));
        });
        m_refreshers << [box, f] { box->setChecked(f.text() == u"true"); };
        return box;
    }
    if (f.kind == SettingKind::Choice && !f.choices.isEmpty()) {
        auto *box = new QComboBox;
        box->addItems(f.choices);
        connect(box, &QComboBox::activated, this,
                [box, applied](int) { applied(box->currentText()); });
        m_refreshers << [box, f] { box->setCurrentText(f.text()); };
        return box;
    }
    auto *line = new QLineEdit;
    connect(line, &QLineEdit::editingFinished, this, [line, applied, f] {
        applied(f.kind == SettingKind::Secret ? line->text() : line->text().trimmed());
    });
    m_refreshers << [line, f, note] {
        line->setText(f.text());
        if (f.note) {
            note->setText(f.note());
            note->setVisible(!note->text().isEmpty());
        }
    };
    if (f.kind == SettingKind::Secret) {
        line->setEchoMode(QLineEdit::Password);
        line->setContextMenuPolicy(Qt::NoContextMenu); // never to the clipboard from here
    }
    return line;
}

void SettingsForm::setFields(QList<FormField> fields) {
    while (QLayoutItem *item = m_layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_fields = std::move(fields);
    m_refreshers.clear();
    m_refreshed.clear();
    m_problems.clear();
    m_shownProblems.clear();
    // One box per section, in the order sections first appear (an endpoint's tls.* keys sit
    // amid its others).
    QHash<QString, QFormLayout *> sections;
    for (const FormField &f : m_fields) {
        const QString head = f.key.contains(u'.') ? f.key.section(u'.', 0, 0) : QString();
        QFormLayout *&form = sections[head];
        if (!form) {
            auto *box = new QGroupBox(head.isEmpty() ? QStringLiteral("General") : head);
            form = new QFormLayout(box);
            m_layout->addWidget(box);
        }
        const QString label = head.isEmpty() ? f.key : f.key.mid(head.size() + 1);
        QLabel *problem = problemLabel(f.key);
        m_problems.insert(f.key, problem);
        auto *note = new QLabel;
        note->setObjectName(QStringLiteral("note:") + f.key);
        note->setStyleSheet(QStringLiteral("color: palette(placeholder-text);"));
        note->hide();
        QWidget *editor = editorFor(f, problem, note);
        m_refreshed << editor;
        editor->setObjectName(f.key);
        editor->setToolTip(f.help);
        if (auto *line = qobject_cast<QLineEdit *>(editor); line && f.kind == SettingKind::Path) {
            auto *browse = new QPushButton(QStringLiteral("Browse…"));
            browse->setObjectName(f.key + QStringLiteral(":browse"));
            connect(browse, &QPushButton::clicked, this, [this, line, f] {
                // The form may be rebuilt while the dialog is open (a file opened meanwhile).
                const QPointer<QLineEdit> guard(line);
                const QString path = QFileDialog::getOpenFileName(this, f.key, line->text());
                if (path.isEmpty() || !guard)
                    return;
                line->setText(path);
                emit line->editingFinished();
            });
            auto *row = new QWidget;
            auto *h = new QHBoxLayout(row);
            h->setContentsMargins(0, 0, 0, 0);
            h->addWidget(line, 1);
            h->addWidget(browse);
            form->addRow(label, row);
        } else {
            form->addRow(label, editor);
        }
        form->addRow(QString(), note);
        form->addRow(QString(), problem);
    }
    m_layout->addStretch();
    refresh();
}

void SettingsForm::refresh(bool keepEdited) {
    const QWidget *focus = QApplication::focusWidget();
    for (qsizetype i = 0; i < m_refreshers.size(); ++i) {
        const QWidget *editor = m_refreshed.value(i);
        if (keepEdited && focus && editor && (editor == focus || editor->isAncestorOf(focus)))
            continue;
        m_refreshers[i]();
    }
}

QStringList SettingsForm::showProblems(const QStringList &problems) {
    QHash<QString, QStringList> byField;
    QStringList untied;
    for (const QString &problem : problems) {
        const QString head = problem.section(QStringLiteral(": "), 0, 0);
        QString field;
        QString shown = problem;
        // The field named first wins ("give its url, or the issuer" is about url); at one
        // place, the longer name ("strip prefix" over "prefix").
        qsizetype first = problem.size();
        qsizetype longest = 0;
        for (const FormField &f : m_fields) {
            if (head == f.key || (!f.option.isEmpty() && head == f.option)) {
                field = f.key;
                shown = problem.mid(head.size() + 2); // the field says which
                break;
            }
            // Named in the sentence: "no upstream (set one...)", "strip prefix ...". Not the
            // name field: "needs a name", "a header name" are about something else.
            if (f.key == u"name")
                continue;
            const QString spoken = QString(f.key).replace(u'_', u' ');
            for (const QString &name : {f.key, spoken}) {
                const QRegularExpression word(QStringLiteral("(^|[^\\w.])%1($|[^\\w.])")
                                                  .arg(QRegularExpression::escape(name)));
                const QRegularExpressionMatch m = word.match(problem);
                if (!m.hasMatch())
                    continue;
                const qsizetype at = m.capturedEnd(1);
                if (at < first || (at == first && name.size() > longest)) {
                    field = f.key;
                    first = at;
                    longest = name.size();
                }
            }
        }
        if (field.isEmpty())
            untied << problem;
        else
            byField[field] << shown;
    }
    for (const QString &key : std::as_const(m_shownProblems)) {
        if (!byField.contains(key))
            m_problems.value(key)->hide();
    }
    m_shownProblems.clear();
    for (auto it = byField.cbegin(); it != byField.cend(); ++it) {
        QWidget *label = m_problems.value(it.key());
        qobject_cast<QLabel *>(label)->setText(it.value().join(u'\n'));
        label->show();
        m_shownProblems.insert(it.key());
    }
    return untied;
}

void SettingsForm::detach(QObject *owner) {
    disconnect(this, nullptr, owner, nullptr);
    setFields({});
}

QString SettingsForm::problem(const QString &key) const {
    const auto *label = qobject_cast<QLabel *>(m_problems.value(key));
    return label && !label->isHidden() ? label->text() : QString();
}

} // namespace Tokengate
