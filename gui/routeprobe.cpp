// SPDX-License-Identifier: Apache-2.0
#include "gui/routeprobe.h"

#include "core/base/reason.h"
#include "core/config/routecompiler.h"
#include "core/pipeline/router.h"
#include "core/pipeline/routesettings.h"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QUrl>

namespace Tokengate {

namespace {

QString listOr(const QStringList &items, const QString &none) {
    return items.isEmpty() ? none : items.join(QStringLiteral(", "));
}

// What the route asks of a request it takes, in the order the gateway checks it. `scopes`:
// the top-level ones and the route's own.
QStringList requirements(const Config &c, const RouteConfig &r, const QStringList &scopes) {
    QStringList out;
    if (r.clientCertificateRequired)
        out << QStringLiteral("a verified client certificate, else 403 "
                              "client_certificate_required");
    // As routecompiler.cpp: with auth none every route is public.
    if (!r.authenticate || c.auth == AuthMode::None) {
        out << QStringLiteral("public: no token is looked at");
        return out;
    }
    const QString endpoint = r.introspection.isEmpty() ? c.introspection.name : r.introspection;
    out << QStringLiteral("an active token (judged by the endpoint \"%1\"), else 401%2")
               .arg(endpoint, r.passThrough ? QStringLiteral(", or forwarded without identity "
                                                             "(pass_through)")
                                            : QString());
    // As GatewayExchange::refuse: on a pass_through route a token failing the policy is
    // refused the same way as an inactive one, by a forward without identity.
    const auto orElse = [&](const char *status) {
        return r.passThrough ? QStringLiteral("else forwarded without identity")
                             : QStringLiteral("else ") + QLatin1StringView(status);
    };
    if (!scopes.isEmpty())
        out << QStringLiteral("the scopes %1, %2")
                   .arg(scopes.join(u' '), orElse("403 insufficient_scope"));
    if (!r.audiences.isEmpty())
        out << QStringLiteral("aud one of %1, %2")
                   .arg(r.audiences.join(QStringLiteral(", ")), orElse("403"));
    if (!r.issuers.isEmpty())
        out << QStringLiteral("iss one of %1, %2")
                   .arg(r.issuers.join(QStringLiteral(", ")), orElse("403"));
    if (!r.rateLimits.isEmpty())
        out << QStringLiteral("within the rate limits %1, else 429").arg(r.rateLimits.join(u' '));
    return out;
}

} // namespace

QStringList describeRouting(const Config &c, const QString &method, const QString &url,
                            const QString &host) {
    const QUrl parsed(url, QUrl::StrictMode);
    if (!parsed.isValid() || parsed.host().isEmpty() || !parsed.path().startsWith(u'/'))
        return {QStringLiteral("Enter a whole URL, e.g. https://api.example.com/orders/1")};
    const QByteArray verb = method.trimmed().toUpper().toLatin1();
    // A Host as typed may carry a port or a trailing dot: the router compares without them.
    const QByteArray hostName =
        host.trimmed().isEmpty() ? parsed.host().toLower().toUtf8()
                                 : hostWithoutPort(host.trimmed().toLower().toUtf8()).toByteArray();
    const QByteArray rawPath = parsed.path(QUrl::FullyEncoded).toUtf8();
    if (c.routes.isEmpty()) {
        RouteConfig all; // no routes: the top-level settings take every request
        QStringList out{QStringLiteral("No routes: every request goes to %1.")
                            .arg(c.upstreamUrl.isEmpty() ? QStringLiteral("the Destination header")
                                                         : c.upstreamUrl)};
        all.passThrough = c.allowMissingToken;
        for (const QString &line : requirements(c, all, c.requiredScopes))
            out << QStringLiteral("It needs ") + line + u'.';
        return out;
    }
    QString error;
    const std::optional<Router> router = Router::compile(c.routes, c.paths, &error);
    if (!router)
        return {QStringLiteral("The routes do not compile: ") + error};
    const RouteDecision d = router->decide(verb, hostName, rawPath);
    if (d.path.refused())
        return {QStringLiteral("Refused before any route: %1 %2 (%3).")
                    .arg(httpStatus(d.path.reason))
                    .arg(QLatin1StringView(reasonId(d.path.reason)),
                         QLatin1StringView(d.path.message))};
    if (d.index < 0)
        return {QStringLiteral("No route takes %1 %2 on host %3: 404 route_not_found.")
                    .arg(QString::fromLatin1(verb), QString::fromUtf8(d.path.path),
                         QString::fromUtf8(hostName))};
    const RouteConfig &r = c.routes[d.index];
    // The gateway's own rewrite (segment boundaries, joined slashes, case as configured).
    const QList<RouteSettings> compiled = compileRoutes(c);
    const QString forwarded = d.index < compiled.size()
                                  ? QString::fromUtf8(compiled[d.index].rewriteTarget(d.path.path))
                                  : QString::fromUtf8(d.path.path);
    QStringList out{QStringLiteral("Route %1 \"%2\" takes it (the first that matches).")
                        .arg(d.index + 1)
                        .arg(r.name),
                    QStringLiteral("Forwarded to %1 as %2.")
                        .arg(r.destinationMode
                                 ? QStringLiteral("the Destination header's host (within %1)")
                                       .arg(listOr({r.destinationAllow}, QStringLiteral("none")))
                                 : r.upstreamUrl,
                             forwarded)};
    // As routecompiler.cpp: the top-level scopes, then the route's own.
    QStringList scopes = c.requiredScopes;
    for (const QString &own : r.requiredScopes) {
        if (!scopes.contains(own))
            scopes << own;
    }
    for (const QString &line : requirements(c, r, scopes))
        out << QStringLiteral("It needs ") + line + u'.';
    return out;
}

RouteProbeBox::RouteProbeBox(std::function<Config()> edited, QWidget *parent)
    : QGroupBox(QStringLiteral("Which route takes a request?"), parent)
    , m_edited(std::move(edited)) {
    m_method = new QComboBox;
    m_method->setObjectName(QStringLiteral("route-probe-method"));
    m_method->setEditable(true);
    m_method->addItems({QStringLiteral("GET"), QStringLiteral("POST"), QStringLiteral("PUT"),
                        QStringLiteral("PATCH"), QStringLiteral("DELETE"),
                        QStringLiteral("OPTIONS"), QStringLiteral("HEAD")});
    m_url = new QLineEdit;
    m_url->setObjectName(QStringLiteral("route-probe-url"));
    m_url->setPlaceholderText(QStringLiteral("https://api.example.com/orders/1"));
    m_host = new QLineEdit;
    m_host->setObjectName(QStringLiteral("route-probe-host"));
    m_host->setPlaceholderText(QStringLiteral("Host (default: the URL's)"));
    auto *go = new QPushButton(QStringLiteral("Which route?"));
    go->setObjectName(QStringLiteral("route-probe-run"));
    m_result = new QLabel;
    m_result->setObjectName(QStringLiteral("route-probe-result"));
    m_result->setWordWrap(true);
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *grid = new QGridLayout(this);
    grid->addWidget(m_method, 0, 0);
    grid->addWidget(m_url, 0, 1);
    grid->addWidget(m_host, 0, 2);
    grid->addWidget(go, 0, 3);
    grid->addWidget(m_result, 1, 0, 1, 4);
    grid->setColumnStretch(1, 3);
    grid->setColumnStretch(2, 1);
    connect(go, &QPushButton::clicked, this, &RouteProbeBox::run);
    connect(m_url, &QLineEdit::returnPressed, this, &RouteProbeBox::run);
}

void RouteProbeBox::run() {
    m_result->setText(
        describeRouting(m_edited(), m_method->currentText(), m_url->text(), m_host->text())
            .join(u'\n'));
}

QString RouteProbeBox::result() const {
    return m_result->text();
}

} // namespace Tokengate
