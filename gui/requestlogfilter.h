// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QSortFilterProxyModel>

namespace Tokengate {

// The log's filter box: every word must appear in some column (case-insensitive), and
// "refused only" keeps requests that did not get a 2xx/3xx answer.
class RequestLogFilter : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void setText(const QString &text);
    void setRefusedOnly(bool on);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QStringList m_words;
    bool m_refusedOnly = false;
};

} // namespace Tokengate
