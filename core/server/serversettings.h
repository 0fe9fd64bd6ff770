// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "core/http/clientcertificate.h"
#include "core/http/httplimits.h"

#include <QHostAddress>
#include <QMap>
#include <QString>

namespace Tokengate {

// What runs each worker's event loop: epoll (Linux) costs per wake-up what the ready sockets
// cost; Qt's default polls every open connection on every wake-up. Kept to compare them.
enum class EventDispatcher { Epoll, Qt };

// Where HTTPS is served; what it presents (TlsCredentials) can change on a reload, this not.
struct TlsListen {
    bool enabled = false;
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8443; // 0: any free port

    bool operator==(const TlsListen &) const = default;
};

// Where an HTTPS listener's certificate chain and key are read from, again on every reload.
struct TlsFiles {
    QString certFile;
    QString keyFile;
    // More certificates, chosen by SNI from the names they carry: chain file -> key file.
    QMap<QString, QString> sniCertificates;
    // Client certificates (mTLS): what is asked of clients, and the CAs theirs must chain to.
    ClientAuth clientAuth = ClientAuth::None;
    QString clientCaFile;

    bool operator==(const TlsFiles &) const = default;
};

struct ServerSettings {
    bool plainEnabled = true; // off: HTTPS only
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8080; // 0: any free port
    TlsListen tls;
    int workers = 0; // 0: one per core
    HttpLimits limits;
    // Off: one acceptor thread hands sockets to the workers (platforms without SO_REUSEPORT).
    bool reusePort = true;
    EventDispatcher eventDispatcher = EventDispatcher::Epoll;

    bool operator==(const ServerSettings &) const = default;
};

} // namespace Tokengate
