// SPDX-License-Identifier: Apache-2.0
#include "gui/requestlogfilter.h"

#include "gui/requestlogmodel.h"

namespace Tokengate {

void RequestLogFilter::setText(const QString &text) {
    m_words = text.split(u' ', Qt::SkipEmptyParts);
    invalidateRowsFilter();
}

void RequestLogFilter::setRefusedOnly(bool on) {
    m_refusedOnly = on;
    invalidateRowsFilter();
}

bool RequestLogFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    const QAbstractItemModel *m = sourceModel();
    if (m_refusedOnly) {
        const int status =
            m->index(sourceRow, RequestLogModel::Status, sourceParent).data().toInt();
        if (status > 0 && status < 400)
            return false;
    }
    for (const QString &word : m_words) {
        bool found = false;
        for (int c = 0; c < m->columnCount(sourceParent) && !found; ++c)
            found = m->index(sourceRow, c, sourceParent)
                        .data()
                        .toString()
                        .contains(word, Qt::CaseInsensitive);
        if (!found)
            return false;
    }
    return true;
}

} // namespace Tokengate
