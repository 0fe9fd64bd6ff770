// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace Tokengate {

struct Config;
struct IntrospectionConfig;
class DemoIdp;
class HttpServer;

// What demo mode adds around a gateway: the demo IdP and the echo upstream on loopback, and a
// random JWT secret. The shells (tokengated --demo, the desktop app) own it, so the gateway
// they run is the production one, merely pointed at these by apply().
class DemoEnvironment {
public:
    DemoEnvironment();
    ~DemoEnvironment();
    DemoEnvironment(const DemoEnvironment &) = delete;
    DemoEnvironment &operator=(const DemoEnvironment &) = delete;

    // Starts the echo upstream and the IdP; false with the reason in `error`.
    bool start(QString *error);
    // Points `config` at the running IdP (every introspection endpoint) and echo upstream (the
    // routes without an upstream too), on loopback only. The same for every config given while this
    // lives, so a reload keeps the demo's IdP, tokens and secret. Nothing is left to discover: call
    // it before discovery.
    void apply(Config &config) const;
    DemoIdp &idp() const { return *m_idp; }

private:
    void useDemoIdp(IntrospectionConfig &endpoint) const;

    std::unique_ptr<HttpServer> m_echo;
    std::unique_ptr<DemoIdp> m_idp;
    QString m_jwtSecret;
    // A self-signed certificate for localhost and 127.0.0.1, for an HTTPS listener given no
    // certificate of its own; gone with the demo.
    std::unique_ptr<QTemporaryDir> m_tlsDir;
    QString m_certFile;
    QString m_keyFile;
};

} // namespace Tokengate
