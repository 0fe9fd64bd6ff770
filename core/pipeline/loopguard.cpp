// SPDX-License-Identifier: Apache-2.0
#include "core/pipeline/loopguard.h"

#include <QNetworkInterface>
#include <QRandomGenerator>

#include <algorithm>

namespace Tokengate {

namespace {

// ::ffff:a.b.c.d and a.b.c.d are the same peer; a zone id does not change the address.
QHostAddress normalised(QHostAddress address) {
    address.setScopeId(QString());
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : address;
}

bool isWildcard(const QHostAddress &a) {
    return a == QHostAddress::Any || a == QHostAddress::AnyIPv4 || a == QHostAddress::AnyIPv6;
}

// What connecting to `a` reaches on this host: loopback, the unspecified address (Linux
// connects it to the host itself) and every interface address.
bool isLocal(const QHostAddress &a) {
    if (a.isLoopback() || isWildcard(a))
        return true;
    const QList<QHostAddress> all = QNetworkInterface::allAddresses();
    return std::any_of(all.cbegin(), all.cend(),
                       [&a](const QHostAddress &own) { return normalised(own) == a; });
}

// The address `host` names without a lookup; null for other names.
QHostAddress literal(QString host) {
    host = host.toLower();
    if (host.endsWith(u'.'))
        host.chop(1);
    // RFC 6761 6.3: localhost names are loopback, whatever a resolver says.
    if (host == u"localhost" || host.endsWith(u".localhost"))
        return QHostAddress(QHostAddress::LocalHost);
    return normalised(QHostAddress(host));
}

} // namespace

void OwnListeners::set(QList<Listener> listeners) {
    const QMutexLocker lock(&m_mutex);
    m_listeners = std::move(listeners);
}

QList<OwnListeners::Listener> OwnListeners::get() const {
    const QMutexLocker lock(&m_mutex);
    return m_listeners;
}

LoopGuard::LoopGuard(std::shared_ptr<const OwnListeners> listeners)
    : m_listeners(std::move(listeners)) {}

const QByteArray &LoopGuard::pseudonym() {
    // The return type is spelled out: deduced, it would be a QStringBuilder still referring to
    // the temporary toHex() result after the lambda returned (found by fuzz/ under ASan).
    static const QByteArray name = []() -> QByteArray {
        QByteArray bytes(8, Qt::Uninitialized);
        QRandomGenerator::system()->generate(bytes.begin(), bytes.end());
        return "tokengate-" + bytes.toHex();
    }();
    return name;
}

bool LoopGuard::passedHere(const HeaderMap &headers) {
    const QByteArray &own = pseudonym();
    const auto &fields = headers.fields();
    return std::any_of(fields.cbegin(), fields.cend(), [&own](const HeaderField &f) {
        return HeaderMap::sameName(f.name, "Via") && f.value.contains(own);
    });
}

void LoopGuard::stamp(RequestHead &head) {
    head.headers.append("Via", "1." + QByteArray::number(head.versionMinor) + ' ' + pseudonym());
}

bool LoopGuard::targetsSelf(const Origin &origin) const {
    if (!m_listeners)
        return false;
    // Asked per request: upstreams almost always listen on another port than ours, and then
    // there is no host name to parse into an address.
    const QList<OwnListeners::Listener> listeners = m_listeners->get();
    if (std::none_of(listeners.cbegin(), listeners.cend(),
                     [&](const auto &l) { return l.port == origin.port; }))
        return false;
    return targetsSelf(literal(origin.host), origin.port);
}

bool LoopGuard::targetsSelf(const QHostAddress &address, quint16 port) const {
    if (!m_listeners || address.isNull())
        return false;
    const QList<OwnListeners::Listener> listeners = m_listeners->get();
    const QHostAddress target = normalised(address);
    return std::any_of(listeners.cbegin(), listeners.cend(), [&](const auto &l) {
        if (l.port != port)
            return false;
        // Connecting to 0.0.0.0 or :: reaches whatever listens on the port locally.
        if (isWildcard(l.address) || isWildcard(target))
            return isLocal(target);
        return normalised(l.address) == target;
    });
}

} // namespace Tokengate
