// SPDX-License-Identifier: Apache-2.0
#include "gui/testbenchpage.h"

#include "core/devidp/demoidp.h"
#include "gui/gatewaycontroller.h"
#include "gui/idpprobe.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QVBoxLayout>

namespace Tokengate {

namespace {

QPlainTextEdit *readOnlyText() {
    auto *text = new QPlainTextEdit;
    text->setReadOnly(true);
    text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return text;
}

} // namespace

TestBenchPage::TestBenchPage(GatewayController *gateway, IdpProbe *probe, QWidget *parent)
    : QWidget(parent)
    , m_gateway(gateway)
    , m_probe(probe) {
    m_token = new QLineEdit;
    m_token->setPlaceholderText(QStringLiteral("Paste an access token"));
    m_token->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_token->setObjectName(QStringLiteral("benchToken"));
    m_check = new QPushButton(QStringLiteral("Check"));
    m_check->setObjectName(QStringLiteral("benchCheck"));
    m_check->setDefault(true);
    auto *tokenRow = new QHBoxLayout;
    tokenRow->addWidget(m_token, 1);
    tokenRow->addWidget(m_check);

    // The request the token comes with: routes judge by method, path and Host.
    m_method = new QComboBox;
    m_method->setEditable(true);
    m_method->addItems({QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                        QStringLiteral("PATCH"), QStringLiteral("DELETE"), QStringLiteral("HEAD"),
                        QStringLiteral("OPTIONS")});
    m_method->setObjectName(QStringLiteral("benchMethod"));
    m_target = new QLineEdit(QStringLiteral("/"));
    m_target->setObjectName(QStringLiteral("benchPath"));
    m_target->setToolTip(QStringLiteral("Path and query of the request, as a client sends it"));
    m_host = new QLineEdit;
    m_host->setObjectName(QStringLiteral("benchHost"));
    m_host->setPlaceholderText(QStringLiteral("the gateway's"));
    auto *requestRow = new QHBoxLayout;
    requestRow->addWidget(new QLabel(QStringLiteral("Request")));
    requestRow->addWidget(m_method);
    requestRow->addWidget(m_target, 1);
    requestRow->addWidget(new QLabel(QStringLiteral("Host")));
    requestRow->addWidget(m_host);

    m_subject = new QLineEdit(QStringLiteral("demo-user"));
    m_scope = new QLineEdit(QStringLiteral("read write"));
    m_mint = new QPushButton(QStringLiteral("Mint from the demo IdP"));
    auto *mintRow = new QHBoxLayout;
    mintRow->addWidget(new QLabel(QStringLiteral("Subject")));
    mintRow->addWidget(m_subject);
    mintRow->addWidget(new QLabel(QStringLiteral("Scope")));
    mintRow->addWidget(m_scope);
    mintRow->addWidget(m_mint);

    m_decision = new QLabel;
    m_decision->setObjectName(QStringLiteral("benchDecision"));
    m_decision->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_decision->setWordWrap(true);
    QFont bold = m_decision->font();
    bold.setBold(true);
    m_decision->setFont(bold);
    m_decoded = readOnlyText();
    m_decoded->setObjectName(QStringLiteral("benchDecoded"));
    m_introspection = readOnlyText();
    m_jwt = readOnlyText();
    m_curl = new QLineEdit;
    m_curl->setReadOnly(true);
    m_curl->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto *copy = new QPushButton(QStringLiteral("Copy"));
    auto *curlRow = new QHBoxLayout;
    curlRow->addWidget(m_curl, 1);
    curlRow->addWidget(copy);

    auto *results = new QHBoxLayout;
    auto *decoded = new QGroupBox(QStringLiteral("Token (decoded, not verified)"));
    (new QVBoxLayout(decoded))->addWidget(m_decoded);
    results->addWidget(decoded);
    auto *left = new QGroupBox(QStringLiteral("Introspection answer or local validation"));
    (new QVBoxLayout(left))->addWidget(m_introspection);
    auto *right = new QGroupBox(QStringLiteral("JWT for the upstream (decoded)"));
    (new QVBoxLayout(right))->addWidget(m_jwt);
    results->addWidget(left);
    results->addWidget(right);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(tokenRow);
    layout->addLayout(requestRow);
    layout->addLayout(mintRow);
    layout->addWidget(m_decision);
    layout->addLayout(results, 1);
    layout->addWidget(new QLabel(QStringLiteral("Try it through the gateway:")));
    layout->addLayout(curlRow);

    connect(m_check, &QPushButton::clicked, this, &TestBenchPage::check);
    connect(m_token, &QLineEdit::returnPressed, this, &TestBenchPage::check);
    connect(m_target, &QLineEdit::returnPressed, this, &TestBenchPage::check);
    connect(m_mint, &QPushButton::clicked, this, [this] {
        if (mintDemoToken())
            check();
    });
    connect(copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_curl->text()); });
    connect(m_gateway, &GatewayController::stateChanged, this, &TestBenchPage::updateEnabled);
    updateEnabled();
}

void TestBenchPage::updateEnabled() {
    const bool running = m_gateway->isRunning();
    const bool demo = m_gateway->demoIdp() != nullptr;
    m_mint->setEnabled(demo);
    m_mint->setToolTip(demo ? QString()
                            : QStringLiteral("Start the gateway in demo mode to mint tokens"));
    m_check->setEnabled(running && m_gateway->runningConfig().auth == AuthMode::Introspection);
    m_check->setToolTip(m_check->isEnabled()
                            ? QString()
                            : QStringLiteral("Start the gateway (with authentication) first: "
                                             "the bench uses its settings"));
}

void TestBenchPage::setToken(const QByteArray &token) {
    m_token->setText(QString::fromLatin1(token));
}

bool TestBenchPage::mintDemoToken() {
    DemoIdp *idp = m_gateway->demoIdp();
    if (!idp)
        return false;
    setToken(idp->mint(m_subject->text().trimmed(), m_scope->text().trimmed(), 3600));
    return true;
}

void TestBenchPage::check() {
    // A newer check (Return pressed while the IdP answers) supersedes any answer in flight.
    const quint64 generation = ++m_generation;
    if (!m_gateway->isRunning())
        return;
    const QByteArray token = m_token->text().trimmed().toLatin1();
    if (token.isEmpty()) {
        m_decision->setText(QStringLiteral("Paste a token first."));
        return;
    }
    const Config config = m_gateway->runningConfig();
    BenchRequest request;
    request.method = m_method->currentText().trimmed().toUpper();
    if (request.method.isEmpty())
        request.method = QStringLiteral("GET");
    request.target = m_target->text().trimmed();
    request.host = m_host->text().trimmed();
    request.listenUrl = m_gateway->service().listenUrl();
    const BenchRoute route = benchRoute(config, request);
    if (!route.routed || !route.route.authenticate) {
        showReport(evaluateWithoutToken(route, request, token), config, token);
        return;
    }
    if (std::optional<TestBenchReport> refused = refuseUnreadableToken(route, request, token)) {
        showReport(std::move(*refused), config, token);
        return;
    }
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const int endpointIndex = route.route.introspection;
    const IntrospectionConfig &endpoint = config.endpointAt(endpointIndex);
    QString localCheck;
    if (endpoint.validation != TokenValidation::Introspect) {
        // The gateway's own keys and rules: what it would decide, check by check.
        const LocalCheck local = checkLocally(
            token, m_gateway->service().issuerKeys(endpointIndex).get(), endpoint, now);
        localCheck = local.summary;
        if (!local.needsIdp) {
            TestBenchReport report = evaluateToken(local.local, config, route, request, token, now,
                                                   &m_gateway->service().revocations());
            report.localCheck = localCheck;
            showReport(std::move(report), config, token);
            return;
        }
    }
    m_check->setEnabled(false);
    m_decision->setText(QStringLiteral("Asking the IdP…"));
    m_probe->introspect(
        config, token,
        [this, guard = QPointer<TestBenchPage>(this), config, route, request, token, localCheck,
         generation](const IntrospectionOutcome &answer) {
            if (!guard || generation != m_generation)
                return;
            const qint64 at = QDateTime::currentSecsSinceEpoch();
            TestBenchReport report = evaluateToken(answer, config, route, request, token, at,
                                                   &m_gateway->service().revocations());
            report.localCheck = localCheck;
            showReport(std::move(report), config, token);
        },
        endpointIndex);
}

void TestBenchPage::showReport(TestBenchReport report, const Config &config,
                               const QByteArray &token) {
    m_report = std::move(report);
    // The token checked, not what the field holds now: it may have been edited meanwhile.
    m_report.decoded = decodeJwt(token, QDateTime::currentSecsSinceEpoch());
    m_decoded->setPlainText(
        m_report.decoded.isEmpty()
            ? QStringLiteral("Not a JWT: an opaque token only the IdP can read.")
            : m_report.decoded);
    m_decision->setText(
        m_report.localCheck.isEmpty()
            ? m_report.decision
            : QStringLiteral("JWT check: %1\n%2").arg(m_report.localCheck, m_report.decision));
    m_decision->setStyleSheet(m_report.allowed ? QStringLiteral("color: #26a269;")
                                               : QStringLiteral("color: #c01c28;"));
    m_introspection->setPlainText(m_report.introspection);
    m_jwt->setPlainText(
        m_report.jwt.isEmpty()
            ? (config.jwt.headerName.isEmpty() ? QStringLiteral("No JWT header is configured.")
               : m_report.anonymous ? QStringLiteral("No JWT: pass_through forwards the request "
                                                     "without identity.")
                                    : QStringLiteral("No JWT: the request is refused."))
            : QStringLiteral("%1: %2\n\n%3\n%4")
                  .arg(config.jwt.headerName, QString::fromLatin1(m_report.jwt), m_report.jwtHeader,
                       m_report.jwtPayload));
    m_curl->setText(m_report.curl);
    updateEnabled();
    emit checked();
}

} // namespace Tokengate
