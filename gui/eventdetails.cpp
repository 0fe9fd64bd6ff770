// SPDX-License-Identifier: Apache-2.0
#include "gui/eventdetails.h"

#include "core/observe/accesslog.h"

namespace Tokengate {

namespace {

QString row(const QString &name, const QString &value) {
    if (value.isEmpty())
        return {};
    return QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>")
        .arg(name.toHtmlEscaped(), value.toHtmlEscaped());
}

QString ms(qint64 us) {
    return us < 0 ? QString()
                  : QString::number(double(us) / 1000.0, 'f', 2) + QStringLiteral(" ms");
}

} // namespace

QString stepOutcomeColor(StepOutcome outcome) {
    switch (outcome) {
    case StepOutcome::Ok:
        return QStringLiteral("#26a269");
    case StepOutcome::Skipped:
        return QStringLiteral("#77767b");
    case StepOutcome::Anonymous:
    case StepOutcome::Refused:
    case StepOutcome::Error:
    case StepOutcome::Count:
        break;
    }
    return QStringLiteral("#c01c28");
}

QString eventDetailsHtml(const RequestEvent &e) {
    QString html = QStringLiteral("<h3>%1 %2</h3><table>")
                       .arg(QString::fromLatin1(e.method).toHtmlEscaped(),
                            QString::fromLatin1(AccessLog::redactTarget(e.target)).toHtmlEscaped());
    html += row(QStringLiteral("Status"),
                e.status ? QString::number(e.status) : QStringLiteral("no response (client gone)"));
    html += row(QStringLiteral("Reason"), QString::fromLatin1(reasonId(e.reason)));
    html += row(QStringLiteral("Started"), e.start.toLocalTime().toString(Qt::ISODateWithMs));
    html += row(QStringLiteral("Client"), e.peer);
    html += row(QStringLiteral("Route"), QString::fromLatin1(e.route));
    html += row(QStringLiteral("Subject"), e.subject);
    html += row(QStringLiteral("Client id"), e.clientId);
    html += row(QStringLiteral("Token fp"), QString::fromLatin1(e.tokenFingerprint));
    html += row(QStringLiteral("Cache"), QString::fromLatin1(cacheOutcomeId(e.cache)));
    html += row(QStringLiteral("Total"), ms(e.durationUs));
    html += row(QStringLiteral("IdP"), ms(e.idpUs));
    html += row(QStringLiteral("Upstream"), ms(e.upstreamUs));
    html += row(QStringLiteral("Bytes in/out"),
                QStringLiteral("%1 / %2").arg(e.requestBodyBytes).arg(e.responseBodyBytes));
    if (!e.tunnelEnd.isEmpty())
        html += row(QStringLiteral("WebSocket"),
                    e.tunnelEnd == "open"
                        ? QStringLiteral("open")
                        : QStringLiteral("closed by ") + QString::fromLatin1(e.tunnelEnd));
    html += row(QStringLiteral("Request id"), QString::fromLatin1(e.requestId));
    html += row(QStringLiteral("Worker"), QString::number(e.worker));
    html += QStringLiteral("</table><h4>Decision trace</h4>");
    if (e.trace.isEmpty()) {
        html += QStringLiteral("<p>No pipeline stage ran (refused while reading the request).</p>");
        return html;
    }
    html += QStringLiteral("<ol>");
    for (const DecisionStep &step : e.trace) {
        html += QStringLiteral("<li><b>%1</b>: <span style=\"color:%2\">%3</span>")
                    .arg(QString::fromLatin1(stageId(step.stage)), stepOutcomeColor(step.outcome),
                         QString::fromLatin1(stepOutcomeId(step.outcome)));
        if (!step.detail.isEmpty())
            html += QStringLiteral(" &mdash; ") + step.detail.toHtmlEscaped();
        html += QStringLiteral("</li>");
    }
    html += QStringLiteral("</ol>");
    return html;
}

} // namespace Tokengate
