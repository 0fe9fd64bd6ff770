// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <cstring>

namespace Tokengate {

// Writes a message head into room sized once up front: QByteArray::append per piece costs
// more than copying the bytes. Grows if the estimate was short, so it is only a hint.
class HeadWriter {
public:
    explicit HeadWriter(qsizetype estimate) { m_out.resize(estimate); }

    void put(QByteArrayView bytes) {
        if (bytes.isEmpty()) // a null view has no pointer memcpy may take
            return;
        if (m_used + bytes.size() > m_out.size())
            m_out.resize(2 * (m_used + bytes.size()));
        std::memcpy(m_out.data() + m_used, bytes.data(), size_t(bytes.size()));
        m_used += bytes.size();
    }
    void field(QByteArrayView name, QByteArrayView value) {
        put(name);
        put(": ");
        put(value);
        put("\r\n");
    }
    QByteArray take() {
        m_out.truncate(m_used);
        m_used = 0;
        return std::exchange(m_out, {});
    }

private:
    QByteArray m_out;
    qsizetype m_used = 0;
};

} // namespace Tokengate
