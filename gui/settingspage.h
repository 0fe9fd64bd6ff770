// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/config/config.h"

#include <QHash>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLayout;
class QLineEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QVBoxLayout;

namespace Tokengate {

class IdpProbe;

// The settings editor over the same Config tokengated uses: listener and HTTPS (with a local
// development certificate on demand), upstream or Destination mode, introspection and client
// auth (with presets for well-known IdPs), validation (introspection or local JWT), cache, JWT,
// scopes, demo mode. Every
// edit re-runs Config::validate() and shows each problem next to its field. Secrets are
// edited here but saved by the window, to the keychain only.
class SettingsPage : public QWidget {
    Q_OBJECT
public:
    explicit SettingsPage(IdpProbe *probe, QWidget *parent = nullptr);

    void setConfig(const Config &config);
    // The same for an edit made elsewhere (routes, all settings): Revert still goes back to
    // the last setConfig().
    void editConfig(const Config &config);
    // The edited config: the last setConfig() value with the page's fields applied.
    Config config() const;
    // Problems of the edited config (unparsable fields and Config::validate()), as shown.
    QStringList problems() const;
    // The same for `edited` in place of config() (the fields' own problems included).
    QStringList problemsWith(const Config &edited) const;
    // Fills the fields from a microgateway .env file; returns its problems (also shown).
    QStringList importDotEnv(const QString &path);
    // Asks for the .env file, then importDotEnv().
    void chooseDotEnv();
    // A line under the buttons: what Apply did, or why it did not.
    void setOutcome(const QString &text, bool ok);
    // Where secrets are kept, shown above the secret fields.
    void setSecretStorage(const QString &text, bool persistent);
    QString outcome() const;
    // The settings in effect: what "Apply will change" compares the edited ones with.
    void setApplied(const Config &config);
    QString changes() const;
    // The message shown next to a field ("upstream", "jwt-secret", ...), for tests.
    QString fieldMessage(const QString &field) const;

    // Edits not applied yet, step by step, on every page that edits this config. A step is
    // one edit; typing into one field is one step. setConfig() starts a new history.
    bool canUndo() const { return !m_undo.isEmpty(); }
    bool canRedo() const { return !m_redo.isEmpty(); }
    void undo();
    void redo();
    // What the next undo or redo changes back, one setting per line.
    QStringList undoText() const;
    QStringList redoText() const;

signals:
    void applyRequested(const Tokengate::Config &config);
    // The config changed under the copies kept elsewhere (Routes, Endpoints, All settings):
    // a file opened, secrets loaded, an undo.
    void configReplaced();
    void historyChanged();
    // An edit changed config(), made on this page or through editConfig(): copies kept
    // elsewhere may be stale.
    void configEdited();

private:
    QLineEdit *lineEdit(const QString &field, const QString &placeholder = {});
    QLineEdit *secretEdit(const QString &field);
    void addRow(QFormLayout *form, const QString &label, QWidget *widget, const QString &field);
    void validate();
    // Records an edit into the undo history (after validate()).
    void recordEdit();
    void restore(const Config &config);
    void discover();
    void testConnection();
    void updateEnabled();
    void addHttpsGroup(QVBoxLayout *column);
    // A line edit for a file path with a "Browse…" button beside it.
    QLayout *pathRow(QLineEdit *edit, const QString &title);
    void createDevCertificate();
    // Fills issuer, validation and audience for idpPresets()[index] and says what to create.
    void applyPreset(int index);

    IdpProbe *m_probe;
    Config m_base;
    Config m_revertTo;
    bool m_loading = false;
    QHash<QString, QLabel *> m_messages; // problem prefix -> its label
    QLabel *m_generalMessages;
    QLabel *m_outcome;
    QLabel *m_changes;
    Config m_applied;
    QLabel *m_storage;

    static constexpr qsizetype MaxUndoSteps = 200;
    QList<Config> m_undo;
    QList<Config> m_redo;
    Config m_current;       // as of the last recorded step
    QStringList m_lastKeys; // what that step changed: the same again extends it
    qint64 m_lastEditMs = 0;
    bool m_restoring = false;

    QCheckBox *m_demo;
    QLineEdit *m_listen;
    QCheckBox *m_plainHttp;
    QCheckBox *m_tlsEnabled;
    QLineEdit *m_tlsListen;
    QLineEdit *m_tlsCert;
    QLineEdit *m_tlsKey;
    QComboBox *m_clientAuth;
    QLineEdit *m_clientCa;
    QPushButton *m_devCertificate;
    QLabel *m_trust;
    QRadioButton *m_fixedUpstream;
    QRadioButton *m_destinationMode;
    QLineEdit *m_upstream;
    QLineEdit *m_destinationAllow;
    QComboBox *m_auth;
    QComboBox *m_preset;
    QLabel *m_presetHelp;
    QLineEdit *m_issuer;
    QComboBox *m_validation;
    QLineEdit *m_audience;
    QPushButton *m_discover;
    QLineEdit *m_introspectionUrl;
    QPushButton *m_test;
    QLabel *m_probeResult;
    QLineEdit *m_clientId;
    QLineEdit *m_clientSecret;
    QLineEdit *m_authorization;
    QSpinBox *m_introspectionTimeout;
    QLineEdit *m_scopes;
    QCheckBox *m_allowMissingToken;
    QCheckBox *m_cacheEnabled;
    QSpinBox *m_cacheTtl;
    QSpinBox *m_cacheNegativeTtl;
    QSpinBox *m_cacheStaleGrace;
    QSpinBox *m_cacheMaxEntries;
    QLineEdit *m_jwtHeader;
    QLineEdit *m_jwtSecret;
    QSpinBox *m_jwtLifetime;
    QCheckBox *m_jwtPassthrough;
    QPushButton *m_apply;
};

} // namespace Tokengate
