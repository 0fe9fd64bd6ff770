// SPDX-License-Identifier: Apache-2.0
#include "gui/settingspage.h"

#include "core/auth/discovery.h"
#include "core/config/configdiff.h"
#include "core/config/configoptions.h"
#include "core/config/configschema.h"
#include "core/config/configsecrets.h"
#include "core/config/dotenv.h"
#include "core/config/settingstable.h"
#include "gui/configsettings.h"
#include "gui/devcertificate.h"
#include "gui/gatewaycontroller.h"
#include "gui/idppresets.h"
#include "gui/idpprobe.h"
#include "gui/routeprobe.h"

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QVBoxLayout>

#include <limits>

namespace Tokengate {

namespace {

// The introspection timeout as the page's spin box shows it: whole seconds, at least 1.
int shownSeconds(int ms) {
    return qMax(1, ms / 1000);
}

// A spin box over the range the config file allows for `key` (durations in whole seconds),
// with the setting's help as its tooltip.
QSpinBox *spinBox(const QString &key, const QString &suffix) {
    const Setting<Config> *s = findSetting(configSettings(), key);
    Q_ASSERT(s);
    qint64 min = s->min;
    qint64 max = s->max;
    if (s->kind == SettingKind::Seconds) {
        min = (min + 999) / 1000;
        max /= 1000;
    }
    constexpr qint64 Largest = std::numeric_limits<int>::max();
    auto *box = new QSpinBox;
    box->setObjectName(key);
    box->setRange(int(qBound(-Largest, min, Largest)), int(qBound(-Largest, max, Largest)));
    box->setSuffix(suffix);
    box->setToolTip(s->help);
    return box;
}

QLabel *errorLabel() {
    auto *label = new QLabel;
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("color: #c01c28;"));
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->hide();
    return label;
}

QGroupBox *group(const QString &title, QFormLayout **form) {
    auto *box = new QGroupBox(title);
    *form = new QFormLayout(box);
    (*form)->setFieldGrowthPolicy(QFormLayout::ExpandingFieldsGrow);
    return box;
}

} // namespace

SettingsPage::SettingsPage(IdpProbe *probe, QWidget *parent)
    : QWidget(parent)
    , m_probe(probe) {
    auto *content = new QWidget;
    auto *column = new QVBoxLayout(content);
    m_generalMessages = errorLabel();
    column->addWidget(m_generalMessages);

    QFormLayout *form = nullptr;
    column->addWidget(group(QStringLiteral("Gateway"), &form));
    m_demo = new QCheckBox(QStringLiteral("Demo mode: built-in IdP and echo upstream on loopback"));
    form->addRow(m_demo);
    m_listen = lineEdit(QStringLiteral("listen"), QStringLiteral("127.0.0.1:8080"));
    addRow(form, QStringLiteral("Listen on"), m_listen, QStringLiteral("listen"));
    m_plainHttp = new QCheckBox(QStringLiteral("Serve plain HTTP there (off: HTTPS only)"));
    m_plainHttp->setObjectName(QStringLiteral("plain-http"));
    addRow(form, QString(), m_plainHttp, QStringLiteral("plain_http"));
    addHttpsGroup(column);

    column->addWidget(group(QStringLiteral("Upstream"), &form));
    m_fixedUpstream = new QRadioButton(QStringLiteral("Forward to"));
    m_destinationMode = new QRadioButton(QStringLiteral("Destination header, allowed hosts"));
    auto *modes = new QButtonGroup(this);
    modes->addButton(m_fixedUpstream);
    modes->addButton(m_destinationMode);
    m_upstream = lineEdit(QStringLiteral("upstream"), QStringLiteral("http://127.0.0.1:3000"));
    m_destinationAllow =
        lineEdit(QStringLiteral("destination-allow"), QStringLiteral("*.internal, api:8443"));
    form->addRow(m_fixedUpstream, m_upstream);
    form->addRow(QString(), m_messages[QStringLiteral("upstream")] = errorLabel());
    form->addRow(m_destinationMode, m_destinationAllow);
    form->addRow(QString(), m_messages[QStringLiteral("destination-allow")] = errorLabel());

    column->addWidget(group(QStringLiteral("Introspection (RFC 7662)"), &form));
    m_auth = new QComboBox;
    m_auth->addItem(QStringLiteral("Every request needs an active token"));
    m_auth->addItem(QStringLiteral("No authentication (plain proxy)"));
    form->addRow(QStringLiteral("Authentication"), m_auth);
    m_preset = new QComboBox;
    m_preset->setObjectName(QStringLiteral("idp-preset"));
    m_preset->addItem(QStringLiteral("Fill in for a known IdP…"));
    for (const IdpPreset &p : idpPresets())
        m_preset->addItem(p.name);
    form->addRow(QStringLiteral("IdP"), m_preset);
    m_presetHelp = new QLabel;
    m_presetHelp->setObjectName(QStringLiteral("idp-preset-help"));
    m_presetHelp->setWordWrap(true);
    m_presetHelp->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_presetHelp->hide();
    form->addRow(QString(), m_presetHelp);
    m_issuer =
        lineEdit(QStringLiteral("issuer"), QStringLiteral("https://idp.example.com/realms/dev"));
    m_discover = new QPushButton(QStringLiteral("Discover"));
    m_discover->setObjectName(QStringLiteral("discover"));
    m_discover->setToolTip(
        QStringLiteral("Read the introspection endpoint from the issuer's discovery document"));
    auto *issuerRow = new QHBoxLayout;
    issuerRow->addWidget(m_issuer);
    issuerRow->addWidget(m_discover);
    form->addRow(QStringLiteral("Issuer"), issuerRow);
    form->addRow(QString(), m_messages[QStringLiteral("issuer")] = errorLabel());
    m_validation = new QComboBox;
    m_validation->setObjectName(QStringLiteral("token-validation"));
    m_validation->addItem(QStringLiteral("Introspect every token (RFC 7662)"),
                          int(TokenValidation::Introspect));
    m_validation->addItem(QStringLiteral("Validate JWTs here, never ask the IdP"),
                          int(TokenValidation::Jwt));
    m_validation->addItem(QStringLiteral("Validate JWTs here, then introspect them"),
                          int(TokenValidation::JwtThenIntrospect));
    form->addRow(QStringLiteral("Validation"), m_validation);
    m_audience =
        lineEdit(QStringLiteral("token-audience"), QStringLiteral("https://api.example.com"));
    m_audience->setToolTip(QStringLiteral("The aud a JWT access token must name (several: "
                                          "separated by commas)"));
    addRow(form, QStringLiteral("Audience"), m_audience, QStringLiteral("token-audience"));
    connect(m_validation, &QComboBox::currentIndexChanged, this, &SettingsPage::validate);
    connect(m_preset, &QComboBox::activated, this, &SettingsPage::applyPreset);
    m_introspectionUrl = lineEdit(QStringLiteral("introspection-url"),
                                  QStringLiteral("https://idp.example.com/oauth2/introspect"));
    m_test = new QPushButton(QStringLiteral("Test connection"));
    m_test->setObjectName(QStringLiteral("test-connection"));
    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(m_introspectionUrl);
    urlRow->addWidget(m_test);
    form->addRow(QStringLiteral("Endpoint"), urlRow);
    form->addRow(QString(), m_messages[QStringLiteral("introspection-url")] = errorLabel());
    m_probeResult = new QLabel;
    m_probeResult->setObjectName(QStringLiteral("probe-result"));
    m_probeResult->setWordWrap(true);
    m_probeResult->hide();
    form->addRow(QString(), m_probeResult);
    m_storage = new QLabel;
    m_storage->setWordWrap(true);
    form->addRow(m_storage);
    m_clientId = lineEdit(QStringLiteral("client-id"));
    addRow(form, QStringLiteral("Client id"), m_clientId, QStringLiteral("client-id"));
    m_clientSecret = secretEdit(QStringLiteral("client-secret"));
    addRow(form, QStringLiteral("Client secret"), m_clientSecret, QStringLiteral("client-secret"));
    m_authorization = secretEdit(QStringLiteral("introspection-authorization"));
    m_authorization->setPlaceholderText(QStringLiteral("or a verbatim Authorization value"));
    addRow(form, QStringLiteral("Authorization"), m_authorization,
           QStringLiteral("introspection-authorization"));
    m_introspectionTimeout = spinBox(QStringLiteral("introspection.timeout"), QStringLiteral(" s"));
    addRow(form, QStringLiteral("Timeout"), m_introspectionTimeout,
           QStringLiteral("introspection-timeout"));
    m_scopes = lineEdit(QStringLiteral("required-scopes"), QStringLiteral("read write"));
    form->addRow(QStringLiteral("Required scopes"), m_scopes);
    m_allowMissingToken =
        new QCheckBox(QStringLiteral("Forward requests without a token, unauthenticated"));
    form->addRow(m_allowMissingToken);

    column->addWidget(group(QStringLiteral("Cache"), &form));
    m_cacheEnabled = new QCheckBox(QStringLiteral("Remember introspection answers"));
    form->addRow(m_cacheEnabled);
    m_cacheTtl = spinBox(QStringLiteral("cache.ttl"), QStringLiteral(" s"));
    form->addRow(QStringLiteral("TTL (0: until exp)"), m_cacheTtl);
    m_cacheNegativeTtl = spinBox(QStringLiteral("cache.negative_ttl"), QStringLiteral(" s"));
    form->addRow(QStringLiteral("Inactive answers"), m_cacheNegativeTtl);
    m_cacheStaleGrace = spinBox(QStringLiteral("cache.stale_grace"), QStringLiteral(" s"));
    form->addRow(QStringLiteral("Stale grace (IdP down)"), m_cacheStaleGrace);
    m_cacheMaxEntries = spinBox(QStringLiteral("cache.max_entries"), QString());
    addRow(form, QStringLiteral("Max entries"), m_cacheMaxEntries, QStringLiteral("cache"));

    column->addWidget(group(QStringLiteral("JWT for the upstream (HS256)"), &form));
    m_jwtHeader = lineEdit(QStringLiteral("jwt-header"), QStringLiteral("none: no JWT"));
    addRow(form, QStringLiteral("Header"), m_jwtHeader, QStringLiteral("jwt-header"));
    m_jwtSecret = secretEdit(QStringLiteral("jwt-secret"));
    addRow(form, QStringLiteral("Secret"), m_jwtSecret, QStringLiteral("jwt-secret"));
    m_jwtLifetime = spinBox(QStringLiteral("jwt.lifetime"), QStringLiteral(" s"));
    form->addRow(QStringLiteral("Lifetime"), m_jwtLifetime);
    m_jwtPassthrough = new QCheckBox(QStringLiteral("Keep a client-sent JWT header (trusts it)"));
    form->addRow(m_jwtPassthrough);
    // The routes of an opened file are kept and judged here even though no field shows them.
    column->addWidget(new RouteProbeBox([this] { return config(); }));
    column->addStretch();

    auto *scroll = new QScrollArea;
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);

    auto *importEnv = new QPushButton(QStringLiteral("Import .env…"));
    importEnv->setToolTip(QStringLiteral("Read an introspection-microgateway .env file"));
    auto *revert = new QPushButton(QStringLiteral("Revert"));
    m_apply = new QPushButton(QStringLiteral("Apply"));
    m_apply->setDefault(true);
    m_outcome = new QLabel;
    m_outcome->setWordWrap(true);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(importEnv);
    buttons->addStretch();
    buttons->addWidget(revert);
    buttons->addWidget(m_apply);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    m_changes = new QLabel;
    m_changes->setObjectName(QStringLiteral("apply-changes"));
    m_changes->setWordWrap(true);
    m_changes->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_changes);
    layout->addWidget(m_outcome);
    layout->addLayout(buttons);

    connect(importEnv, &QPushButton::clicked, this, &SettingsPage::chooseDotEnv);
    // Revert is an edit like any other: undone by Undo.
    connect(revert, &QPushButton::clicked, this, [this] {
        m_lastKeys.clear(); // its own step, merged with no typing before or after it
        editConfig(m_revertTo);
        m_lastKeys.clear();
        emit configReplaced();
    });
    connect(m_apply, &QPushButton::clicked, this, [this] {
        if (problems().isEmpty())
            emit applyRequested(config());
    });
    connect(m_discover, &QPushButton::clicked, this, &SettingsPage::discover);
    connect(m_test, &QPushButton::clicked, this, &SettingsPage::testConnection);
    for (QCheckBox *box :
         {m_demo, m_plainHttp, m_tlsEnabled, m_allowMissingToken, m_cacheEnabled, m_jwtPassthrough})
        connect(box, &QCheckBox::toggled, this, &SettingsPage::validate);
    for (QRadioButton *b : {m_fixedUpstream, m_destinationMode})
        connect(b, &QRadioButton::toggled, this, &SettingsPage::validate);
    for (QSpinBox *box : {m_introspectionTimeout, m_cacheTtl, m_cacheNegativeTtl, m_cacheStaleGrace,
                          m_cacheMaxEntries, m_jwtLifetime})
        connect(box, &QSpinBox::valueChanged, this, &SettingsPage::validate);
    connect(m_auth, &QComboBox::currentIndexChanged, this, &SettingsPage::validate);
    connect(m_clientAuth, &QComboBox::currentIndexChanged, this, &SettingsPage::validate);
    m_messages.insert(QString(), m_generalMessages);
    setConfig(Config());
}

void SettingsPage::addHttpsGroup(QVBoxLayout *column) {
    QFormLayout *form = nullptr;
    column->addWidget(group(QStringLiteral("HTTPS"), &form));
    m_tlsEnabled = new QCheckBox(QStringLiteral("Serve HTTPS"));
    m_tlsEnabled->setObjectName(QStringLiteral("tls-enabled"));
    form->addRow(m_tlsEnabled);
    m_tlsListen = lineEdit(QStringLiteral("tls-listen"), QStringLiteral("127.0.0.1:8443"));
    addRow(form, QStringLiteral("Listen on"), m_tlsListen, QStringLiteral("tls.listen"));
    m_tlsCert = lineEdit(QStringLiteral("tls-cert-file"), QStringLiteral("PEM chain, own first"));
    form->addRow(QStringLiteral("Certificate"), pathRow(m_tlsCert, QStringLiteral("Certificate")));
    form->addRow(QString(), m_messages[QStringLiteral("tls.cert_file")] = errorLabel());
    m_tlsKey = lineEdit(QStringLiteral("tls-key-file"), QStringLiteral("unencrypted PEM key"));
    form->addRow(QStringLiteral("Key"), pathRow(m_tlsKey, QStringLiteral("Private key")));
    form->addRow(QString(), m_messages[QStringLiteral("tls.key_file")] = errorLabel());
    m_devCertificate = new QPushButton(QStringLiteral("Create a local development certificate"));
    m_devCertificate->setObjectName(QStringLiteral("create-dev-certificate"));
    m_devCertificate->setToolTip(QStringLiteral(
        "A self-signed certificate for localhost, kept in the app's data folder (key readable "
        "by you alone)"));
    form->addRow(QString(), m_devCertificate);
    m_trust = new QLabel;
    m_trust->setObjectName(QStringLiteral("dev-certificate-trust"));
    m_trust->setWordWrap(true);
    m_trust->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_trust->hide();
    form->addRow(QString(), m_trust);
    m_clientAuth = new QComboBox;
    m_clientAuth->setObjectName(QStringLiteral("tls-client-auth"));
    for (const auto &[mode, name] : ConfigSchema::clientAuths)
        m_clientAuth->addItem(QString::fromLatin1(name), int(mode));
    m_clientAuth->setToolTip(
        findSetting(configSettings(), QStringLiteral("tls.client_auth"))->help);
    addRow(form, QStringLiteral("Client certificates"), m_clientAuth,
           QStringLiteral("tls.client_auth"));
    m_clientCa = lineEdit(QStringLiteral("tls-client-ca-file"), QStringLiteral("PEM CAs"));
    form->addRow(QStringLiteral("Client CAs"), pathRow(m_clientCa, QStringLiteral("Client CAs")));
    form->addRow(QString(), m_messages[QStringLiteral("tls.client_ca_file")] = errorLabel());
    connect(m_devCertificate, &QPushButton::clicked, this, &SettingsPage::createDevCertificate);
}

QLayout *SettingsPage::pathRow(QLineEdit *edit, const QString &title) {
    auto *browse = new QPushButton(QStringLiteral("Browse…"));
    browse->setObjectName(edit->objectName() + QStringLiteral("-browse"));
    connect(browse, &QPushButton::clicked, this, [this, edit, title] {
        const QString path = QFileDialog::getOpenFileName(
            this, title, edit->text(),
            QStringLiteral("PEM files (*.pem *.crt *.key);;All files (*)"));
        if (!path.isEmpty())
            edit->setText(path);
    });
    auto *row = new QHBoxLayout;
    row->addWidget(edit);
    row->addWidget(browse);
    return row;
}

void SettingsPage::createDevCertificate() {
    QString error;
    const auto files = DevCertificate::create(&error);
    if (!files) {
        m_trust->setText(error);
        m_trust->setStyleSheet(QStringLiteral("color: #c01c28;"));
        m_trust->show();
        return;
    }
    m_tlsEnabled->setChecked(true);
    if (m_tlsListen->text().trimmed().isEmpty())
        m_tlsListen->setText(QStringLiteral("127.0.0.1:8443"));
    m_tlsCert->setText(files->certFile);
    m_tlsKey->setText(files->keyFile);
    m_trust->setStyleSheet(QString());
    m_trust->setText(DevCertificate::trustInstructions(files->certFile));
    m_trust->show();
}

QLineEdit *SettingsPage::lineEdit(const QString &field, const QString &placeholder) {
    auto *edit = new QLineEdit;
    edit->setObjectName(field);
    edit->setPlaceholderText(placeholder);
    edit->setClearButtonEnabled(true);
    connect(edit, &QLineEdit::textChanged, this, &SettingsPage::validate);
    return edit;
}

QLineEdit *SettingsPage::secretEdit(const QString &field) {
    QLineEdit *edit = lineEdit(field);
    edit->setEchoMode(QLineEdit::Password);
    // Secrets never go into the clipboard from here.
    edit->setContextMenuPolicy(Qt::NoContextMenu);
    return edit;
}

void SettingsPage::addRow(QFormLayout *form, const QString &label, QWidget *widget,
                          const QString &field) {
    form->addRow(label, widget);
    QLabel *message = errorLabel();
    m_messages.insert(field, message);
    form->addRow(QString(), message);
}

void SettingsPage::setConfig(const Config &c) {
    m_revertTo = c;
    m_restoring = true;
    editConfig(c);
    m_restoring = false;
    m_undo.clear();
    m_redo.clear();
    m_current = config();
    m_lastKeys.clear();
    emit historyChanged();
    emit configReplaced();
}

namespace {

// The settings configChanges() names ("cache.ttl: 60 → 45" names cache.ttl).
QStringList changedKeys(const Config &before, const Config &after) {
    QStringList keys;
    for (const QString &line : configChanges(before, after))
        keys << line.section(QStringLiteral(": "), 0, 0);
    return keys;
}

qint64 nowMs() {
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

void SettingsPage::recordEdit() {
    if (m_restoring)
        return;
    const Config now = config();
    if (now == m_current)
        return;
    const QStringList keys = changedKeys(m_current, now);
    // Keystrokes in one field within a moment of each other make one step.
    constexpr qint64 TypingMs = 1'500;
    const bool sameTyping = !m_undo.isEmpty() && keys.size() == 1 && keys == m_lastKeys &&
                            nowMs() - m_lastEditMs < TypingMs;
    if (!sameTyping) {
        m_undo << m_current;
        if (m_undo.size() > MaxUndoSteps)
            m_undo.removeFirst();
    }
    m_current = now;
    m_lastKeys = keys;
    m_lastEditMs = nowMs();
    m_redo.clear();
    emit historyChanged();
    emit configEdited();
}

void SettingsPage::restore(const Config &c) {
    m_restoring = true;
    editConfig(c);
    m_restoring = false;
    m_current = config();
    m_lastKeys.clear();
    emit historyChanged();
    emit configReplaced();
}

void SettingsPage::undo() {
    if (m_undo.isEmpty())
        return;
    m_redo << m_current;
    restore(m_undo.takeLast());
}

void SettingsPage::redo() {
    if (m_redo.isEmpty())
        return;
    m_undo << m_current;
    restore(m_redo.takeLast());
}

QStringList SettingsPage::undoText() const {
    return m_undo.isEmpty() ? QStringList() : configChanges(m_current, m_undo.last());
}

QStringList SettingsPage::redoText() const {
    return m_redo.isEmpty() ? QStringList() : configChanges(m_current, m_redo.last());
}

void SettingsPage::editConfig(const Config &c) {
    m_loading = true;
    m_base = c;
    m_demo->setChecked(c.demo);
    m_listen->setText(ConfigSettings::listenText(c.server));
    m_plainHttp->setChecked(c.server.plainEnabled);
    m_tlsEnabled->setChecked(c.server.tls.enabled);
    m_tlsListen->setText(ConfigSettings::listenText(c.server.tls.address, c.server.tls.port));
    m_tlsCert->setText(c.tls.certFile);
    m_tlsKey->setText(c.tls.keyFile);
    m_clientAuth->setCurrentIndex(m_clientAuth->findData(int(c.tls.clientAuth)));
    m_clientCa->setText(c.tls.clientCaFile);
    m_upstream->setText(c.upstreamUrl);
    m_destinationAllow->setText(c.destinationAllow);
    (c.upstreamUrl.isEmpty() && !c.destinationAllow.isEmpty() ? m_destinationMode : m_fixedUpstream)
        ->setChecked(true);
    m_auth->setCurrentIndex(c.auth == AuthMode::None ? 1 : 0);
    m_issuer->setText(c.introspection.issuer);
    m_validation->setCurrentIndex(m_validation->findData(int(c.introspection.validation)));
    m_audience->setText(c.introspection.audiences.join(QStringLiteral(", ")));
    m_introspectionUrl->setText(c.introspection.url);
    m_clientId->setText(c.introspection.clientId);
    m_clientSecret->setText(c.introspection.clientSecret);
    m_authorization->setText(c.introspection.authorization);
    m_introspectionTimeout->setValue(shownSeconds(c.introspection.timeoutMs));
    m_scopes->setText(c.requiredScopes.join(u' '));
    m_allowMissingToken->setChecked(c.allowMissingToken);
    m_cacheEnabled->setChecked(c.cache.enabled);
    m_cacheTtl->setValue(c.cache.ttlSecs);
    m_cacheNegativeTtl->setValue(c.cache.negativeTtlSecs);
    m_cacheStaleGrace->setValue(c.cache.staleGraceSecs);
    m_cacheMaxEntries->setValue(
        int(qMin<qint64>(c.cache.maxEntries, m_cacheMaxEntries->maximum())));
    m_jwtHeader->setText(c.jwt.headerName);
    m_jwtSecret->setText(c.jwt.secret);
    m_jwtLifetime->setValue(c.jwt.lifetimeSecs);
    m_jwtPassthrough->setChecked(c.jwt.allowPassthrough);
    m_loading = false;
    validate();
}

Config SettingsPage::config() const {
    Config c = m_base;
    c.demo = m_demo->isChecked();
    parseListenAddress(m_listen->text().trimmed(), &c.server.address, &c.server.port);
    c.server.plainEnabled = m_plainHttp->isChecked();
    c.server.tls.enabled = m_tlsEnabled->isChecked();
    parseListenAddress(m_tlsListen->text().trimmed(), &c.server.tls.address, &c.server.tls.port);
    c.tls.certFile = m_tlsCert->text().trimmed();
    c.tls.keyFile = m_tlsKey->text().trimmed();
    c.tls.clientAuth = ClientAuth(m_clientAuth->currentData().toInt());
    c.tls.clientCaFile = m_clientCa->text().trimmed();
    if (m_destinationMode->isChecked()) {
        c.upstreamUrl.clear();
        c.destinationAllow = m_destinationAllow->text().trimmed();
    } else {
        c.upstreamUrl = m_upstream->text().trimmed();
        c.destinationAllow.clear();
    }
    c.auth = m_auth->currentIndex() == 1 ? AuthMode::None : AuthMode::Introspection;
    c.introspection.issuer = m_issuer->text().trimmed();
    c.introspection.validation = TokenValidation(m_validation->currentData().toInt());
    c.introspection.audiences = splitList(m_audience->text());
    c.introspection.url = m_introspectionUrl->text().trimmed();
    c.introspection.clientId = m_clientId->text().trimmed();
    // A secret typed over one read from a reference: setTypedSecret() says what becomes of it.
    setTypedSecret(c.introspection.clientSecret, c.introspection.clientSecretRef,
                   m_clientSecret->text());
    setTypedSecret(c.introspection.authorization, c.introspection.authorizationRef,
                   m_authorization->text());
    // Whole seconds here; another page may have set a fraction, kept unless this one changes.
    if (m_introspectionTimeout->value() != shownSeconds(m_base.introspection.timeoutMs))
        c.introspection.timeoutMs = m_introspectionTimeout->value() * 1000;
    c.requiredScopes = splitList(m_scopes->text());
    c.allowMissingToken = m_allowMissingToken->isChecked();
    c.cache.enabled = m_cacheEnabled->isChecked();
    c.cache.ttlSecs = m_cacheTtl->value();
    c.cache.negativeTtlSecs = m_cacheNegativeTtl->value();
    c.cache.staleGraceSecs = m_cacheStaleGrace->value();
    c.cache.maxEntries = m_cacheMaxEntries->value();
    c.jwt.headerName = m_jwtHeader->text().trimmed();
    setTypedSecret(c.jwt.secret, c.jwt.secretRef, m_jwtSecret->text());
    c.jwt.lifetimeSecs = m_jwtLifetime->value();
    c.jwt.allowPassthrough = m_jwtPassthrough->isChecked();
    return c;
}

QStringList SettingsPage::problems() const {
    return problemsWith(config());
}

QStringList SettingsPage::problemsWith(const Config &edited) const {
    QStringList out;
    QHostAddress address;
    quint16 port = 0;
    if (!parseListenAddress(m_listen->text().trimmed(), &address, &port))
        out << QStringLiteral("listen: expected address:port, e.g. 127.0.0.1:8080, got \"%1\"")
                   .arg(m_listen->text());
    if (m_tlsEnabled->isChecked() &&
        !parseListenAddress(m_tlsListen->text().trimmed(), &address, &port))
        out << QStringLiteral("tls.listen: expected address:port, e.g. 127.0.0.1:8443, got \"%1\"")
                   .arg(m_tlsListen->text());
    if (m_fixedUpstream->isChecked() && m_upstream->text().trimmed().isEmpty() && !edited.demo)
        out << QStringLiteral("upstream: enter the URL of the service to protect, or choose "
                              "the Destination header");
    // A preset's placeholders, left as they were.
    for (const auto &[field, edit] : {std::pair{QStringLiteral("issuer"), m_issuer},
                                      std::pair{QStringLiteral("token-audience"), m_audience}}) {
        const auto [start, length] = firstPlaceholder(edit->text());
        if (start >= 0 && edit->isEnabled())
            out << field + QStringLiteral(": replace %1 with yours")
                               .arg(edit->text().mid(start, length));
    }
    return out + GatewayController::prepared(edited).validate();
}

void SettingsPage::validate() {
    if (m_loading)
        return;
    updateEnabled();
    QHash<QString, QStringList> byField;
    for (const QString &problem : problems()) {
        const qsizetype colon = problem.indexOf(QStringLiteral(": "));
        const QString field = colon > 0 ? problem.left(colon) : QString();
        // "tls.cert_file \"/x.pem\": no PEM certificate in it" belongs to tls.cert_file.
        const QString named = field.section(u' ', 0, 0);
        // The endpoint's problems (introspection "default": JWT validation needs audience...)
        // are about what the Validation and Audience rows set.
        if (field.startsWith(u"introspection \""))
            byField[QStringLiteral("token-audience")] << problem.mid(colon + 2);
        else if (m_messages.contains(field))
            byField[field] << problem.mid(colon + 2);
        else if (!named.isEmpty() && m_messages.contains(named))
            byField[named] << problem;
        else
            byField[QString()] << problem;
    }
    for (auto it = m_messages.cbegin(); it != m_messages.cend(); ++it) {
        const QStringList lines = byField.value(it.key());
        it.value()->setText(lines.join(u'\n'));
        it.value()->setVisible(!lines.isEmpty());
    }
    m_apply->setEnabled(byField.isEmpty());
    recordEdit();
    const QStringList changes = configChanges(m_applied, config());
    m_changes->setText(changes.isEmpty()
                           ? QStringLiteral("Nothing to apply: the gateway runs these settings.")
                           : QStringLiteral("Apply will change:\n") + changes.join(u'\n'));
}

void SettingsPage::setApplied(const Config &config) {
    m_applied = config;
    validate();
}

QString SettingsPage::changes() const {
    return m_changes->text();
}

QString SettingsPage::fieldMessage(const QString &field) const {
    const QLabel *label = m_messages.value(field);
    return label && !label->isHidden() ? label->text() : QString();
}

void SettingsPage::applyPreset(int index) {
    if (index < 1 || index > idpPresets().size())
        return;
    const IdpPreset &preset = idpPresets()[index - 1];
    m_validation->setCurrentIndex(m_validation->findData(int(preset.validation)));
    // An audience the user typed stays; another preset's placeholder does not.
    if (!preset.audience.isEmpty())
        m_audience->setText(preset.audience);
    else if (firstPlaceholder(m_audience->text()).first >= 0)
        m_audience->clear();
    m_issuer->setText(preset.issuerPattern);
    m_presetHelp->setText(preset.name + QStringLiteral(": ") + preset.help);
    m_presetHelp->show();
    // The user types over the first placeholder at once.
    m_issuer->setFocus(Qt::OtherFocusReason);
    if (const auto [start, length] = firstPlaceholder(m_issuer->text()); start >= 0)
        m_issuer->setSelection(int(start), int(length));
}

void SettingsPage::updateEnabled() {
    const bool demo = m_demo->isChecked();
    const bool auth = m_auth->currentIndex() == 0 && !demo;
    m_fixedUpstream->setEnabled(!demo);
    m_destinationMode->setEnabled(!demo);
    m_upstream->setEnabled(!demo && m_fixedUpstream->isChecked());
    m_destinationAllow->setEnabled(!demo && m_destinationMode->isChecked());
    const bool tls = m_tlsEnabled->isChecked();
    for (QWidget *w : std::initializer_list<QWidget *>{m_tlsListen, m_tlsCert, m_tlsKey,
                                                       m_clientAuth, m_clientCa})
        w->setEnabled(tls);
    for (QWidget *w : std::initializer_list<QWidget *>{
             m_preset, m_issuer, m_discover, m_introspectionUrl, m_test, m_clientId, m_clientSecret,
             m_authorization, m_validation})
        w->setEnabled(auth);
    m_audience->setEnabled(auth && TokenValidation(m_validation->currentData().toInt()) !=
                                       TokenValidation::Introspect);
    for (QWidget *w : std::initializer_list<QWidget *>{m_cacheTtl, m_cacheNegativeTtl,
                                                       m_cacheStaleGrace, m_cacheMaxEntries})
        w->setEnabled(m_cacheEnabled->isChecked());
}

void SettingsPage::setOutcome(const QString &text, bool ok) {
    m_outcome->setText(text);
    m_outcome->setStyleSheet(ok ? QString() : QStringLiteral("color: #c01c28;"));
}

QString SettingsPage::outcome() const {
    return m_outcome->text();
}

void SettingsPage::setSecretStorage(const QString &text, bool persistent) {
    m_storage->setText(text);
    m_storage->setStyleSheet(persistent ? QStringLiteral("color: palette(placeholder-text);")
                                        : QStringLiteral("color: #c01c28; font-weight: bold;"));
}

void SettingsPage::discover() {
    m_discover->setEnabled(false);
    m_probeResult->setText(QStringLiteral("Discovering…"));
    m_probeResult->show();
    m_probe->discover(
        m_issuer->text(), issuerTls(config().upstream, config().introspection),
        [this, guard = QPointer<SettingsPage>(this)](const IdpProbe::Discovery &d) {
            if (!guard)
                return;
            m_discover->setEnabled(true);
            if (d.introspectionUrl.isEmpty()) {
                m_probeResult->setText(QStringLiteral("Discovery failed: ") + d.error);
                return;
            }
            m_introspectionUrl->setText(d.introspectionUrl);
            m_probeResult->setText(QStringLiteral("Found the introspection endpoint."));
        });
}

void SettingsPage::testConnection() {
    m_test->setEnabled(false);
    m_probeResult->setText(QStringLiteral("Calling the IdP…"));
    m_probeResult->show();
    m_probe->testConnection(
        config(), [this, guard = QPointer<SettingsPage>(this)](bool ok, const QString &message) {
            if (!guard)
                return;
            m_test->setEnabled(true);
            m_probeResult->setText(message);
            m_probeResult->setStyleSheet(ok ? QStringLiteral("color: #26a269;")
                                            : QStringLiteral("color: #c01c28;"));
        });
}

QStringList SettingsPage::importDotEnv(const QString &path) {
    QStringList problems;
    // Only the file's variables: this process's environment is not the user's intent here.
    const QProcessEnvironment env = withDotEnv(QProcessEnvironment(), path, &problems);
    if (env.isEmpty() && problems.isEmpty())
        problems << QStringLiteral("%1: no settings found").arg(path);
    Config c = config();
    c.demo = false;
    const QHostAddress address = c.server.address;
    problems << applyEnvironment(c, env);
    // introspection-microgateway listens on every interface; on a developer's machine the
    // gateway stays on the address set here unless the file names one.
    if (!env.contains(QStringLiteral("TOKENGATE_LISTEN")))
        c.server.address = address;
    setConfig(c);
    setOutcome(problems.isEmpty()
                   ? QStringLiteral("Imported %1. Check the fields, then Apply.").arg(path)
                   : problems.join(u'\n'),
               problems.isEmpty());
    return problems;
}

void SettingsPage::chooseDotEnv() {
    const QString path = QFileDialog::getOpenFileName(
        this, QStringLiteral("Import a microgateway .env"), QString(),
        QStringLiteral("Environment files (.env *.env);;All files (*)"));
    if (!path.isEmpty())
        importDotEnv(path);
}

} // namespace Tokengate
