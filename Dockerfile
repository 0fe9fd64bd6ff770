# SPDX-License-Identifier: Apache-2.0
# tokengated in a container: Debian 12, built from this tree, run as a non-root user.
# Untested here (docker cannot build on the project's machines); see README.md "Docker".
#   docker build -t tokengate .
#   docker run --rm -p 8080:8080 -e SSO_INTROSPECTION=https://idp.example.com/introspect \
#     -e SSO_CLIENT_ID=gateway -e SSO_CLIENT_SECRET_FILE=/run/secrets/sso_client_secret tokengate

# Build stage: compile the daemon and package it as the .deb (whose Depends list the exact
# runtime libraries, computed by dpkg-shlibdeps).
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config dpkg-dev file \
      qt6-base-dev qt6-httpserver-dev qt6-websockets-dev node-llhttp libssl-dev libexpected-dev \
      libyaml-cpp-dev libsystemd-dev libhiredis-dev qtkeychain-qt6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTOKENGATE_BUILD_TESTS=OFF \
 && cmake --build build --target tokengated \
 && cd build && cpack -G DEB -D CPACK_COMPONENTS_ALL=daemon -B /pkg

# Runtime stage: only the package and the libraries it depends on.
FROM debian:12-slim
COPY --from=build /pkg/tokengated_*.deb /tmp/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/tokengated_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/tokengated_*.deb \
 && install -d -o tokengate -g tokengate -m 0750 /var/lib/tokengate
# The package's postinst created the "tokengate" system user.
USER tokengate
WORKDIR /var/lib/tokengate
# PORT (introspection-microgateway's variable) makes tokengated listen on every interface;
# TOKENGATE_LISTEN overrides it. The admin listener (/healthz, /readyz, /metrics) binds
# loopback by default: open it to the container's network for Prometheus.
ENV PORT=8080 \
    TOKENGATE_ADMIN_LISTEN=0.0.0.0:9090 \
    LANG=C.UTF-8
EXPOSE 8080 9090
# No curl in the image: bash's /dev/tcp speaks enough HTTP for a health check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tokengated"]
