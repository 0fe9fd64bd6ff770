// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/httpmessage.h"
#include "core/http/upstreamtarget.h"

#include <QHostAddress>
#include <QMutex>

#include <memory>

namespace Tokengate {

// The addresses this process accepts requests on (data and admin listeners), shared by the
// workers: the data listener's port is known only once it is bound, after they start.
class OwnListeners {
public:
    struct Listener {
        QHostAddress address; // Any/AnyIPv4/AnyIPv6: every local address
        quint16 port = 0;
    };
    void set(QList<Listener> listeners);
    QList<Listener> get() const;

private:
    mutable QMutex m_mutex;
    QList<Listener> m_listeners;
};

// Keeps the gateway from calling itself (a Destination or an upstream naming one of its own
// listeners, directly or through a name): each forwarded request carries a Via element
// (RFC 9110 7.6.3) with this process's random pseudonym, and a request already carrying it
// is refused; a target that is an own listener is refused before any connection.
class LoopGuard {
public:
    explicit LoopGuard(std::shared_ptr<const OwnListeners> listeners = {});

    // "tokengate-<16 hex>", drawn once per process.
    static const QByteArray &pseudonym();
    static bool passedHere(const HeaderMap &headers);
    // Appends "Via: 1.<minor> <pseudonym>" after the fields a previous hop set.
    static void stamp(RequestHead &head);

    // True when `origin` is an address literal (or a localhost name) one of the listeners
    // accepts on. Other names are left to the Via check, which sees them after one hop.
    bool targetsSelf(const Origin &origin) const;
    // The same for a peer address once a name is resolved (an upstream connection's).
    bool targetsSelf(const QHostAddress &address, quint16 port) const;

private:
    std::shared_ptr<const OwnListeners> m_listeners;
};

} // namespace Tokengate
