// SPDX-License-Identifier: Apache-2.0
#include "gui/settingsform.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QVBoxLayout>

namespace Tokengate {

template<typename Owner>
QList<FormField> formFields(const QList<Setting<Owner>> &rows, std::function<Owner *()> owner) {
    using K = SettingKind;
    QList<FormField> out;
    for (const Setting<Owner> &s : rows) {
        if (s.key.isEmpty() || s.flags.testFlag(SettingFlag::FirstItem))
            continue;
        switch (s.kind) {
        case K::Secret:
        case K::Map:
        case K::HeaderMap:
        case K::ClaimRules:
        case K::Endpoints:
        case K::Routes:
            continue;
        default:
            break;
        }
        FormField f;
        f.key = s.key;
        f.help = s.help;
        f.kind = s.kind;
        f.choices = s.choices;
        if (const auto *e = std::get_if<EnumRef<Owner>>(&s.field))
            f.choices = e->names();
        f.text = [s, owner] { return settingText(s, *owner()); };
        f.apply = [s, owner](const QString &text) {
            return applySettingText(s, *owner(), text, SettingSource{});
        };
        out << f;
    }
    return out;
}

template QList<FormField> formFields(const QList<Setting<Config>> &, std::function<Config *()>);
template QList<FormField> formFields(const QList<Setting<RouteConfig>> &,
                                     std::function<RouteConfig *()>);

SettingsForm::SettingsForm(QWidget *parent)
    : QWidget(parent)
    , m_layout(new QVBoxLayout(this)) {
    m_layout->setContentsMargins(0, 0, 0, 0);
}

void SettingsForm::setFields(QList<FormField> fields) {
    while (QLayoutItem *item = m_layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    m_fields = std::move(fields);
    m_refreshers.clear();
    m_problems.clear();
    QString section;
    QFormLayout *form = nullptr;
    for (const FormField &f : m_fields) {
        const QString head = f.key.contains(u'.') ? f.key.section(u'.', 0, 0) : QString();
        if (!form || head != section) {
            section = head;
            auto *box = new QGroupBox(section.isEmpty() ? QStringLiteral("General") : section);
            form = new QFormLayout(box);
            m_layout->addWidget(box);
        }
        const QString label = head.isEmpty() ? f.key : f.key.mid(head.size() + 1);
        auto *problem = new QLabel;
        problem->setObjectName(QStringLiteral("problem:") + f.key);
        problem->setStyleSheet(QStringLiteral("color: #c01c28;"));
        problem->setWordWrap(true);
        problem->hide();
        m_problems.insert(f.key, problem);
        const auto applied = [this, f, problem](const QString &text) {
            const QString why = f.apply(text);
            problem->setText(why);
            problem->setVisible(!why.isEmpty());
            if (why.isEmpty())
                emit edited();
        };
        QWidget *editor = nullptr;
        if (f.kind == SettingKind::Bool) {
            auto *box = new QCheckBox;
            connect(box, &QCheckBox::clicked, this, [applied](bool on) {
                applied(on ? QStringLiteral("true") : QStringLiteral("false"));
            });
            m_refreshers << [box, f] { box->setChecked(f.text() == u"true"); };
            editor = box;
        } else if (f.kind == SettingKind::Choice && !f.choices.isEmpty()) {
            auto *box = new QComboBox;
            box->addItems(f.choices);
            connect(box, &QComboBox::activated, this,
                    [box, applied](int) { applied(box->currentText()); });
            m_refreshers << [box, f] { box->setCurrentText(f.text()); };
            editor = box;
        } else {
            auto *line = new QLineEdit;
            connect(line, &QLineEdit::editingFinished, this,
                    [line, applied] { applied(line->text().trimmed()); });
            m_refreshers << [line, f] { line->setText(f.text()); };
            editor = line;
        }
        editor->setObjectName(f.key);
        editor->setToolTip(f.help);
        form->addRow(label, editor);
        form->addRow(QString(), problem);
    }
    m_layout->addStretch();
    refresh();
}

void SettingsForm::refresh() {
    for (const auto &r : m_refreshers)
        r();
}

QString SettingsForm::problem(const QString &key) const {
    const auto *label = qobject_cast<QLabel *>(m_problems.value(key));
    return label && !label->isHidden() ? label->text() : QString();
}

} // namespace Tokengate
