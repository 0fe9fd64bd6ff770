#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Holds COUNT idle keep-alive connections open to each PORT on 127.0.0.1 (bench/idle.sh):
# each sends one request and reads its answer, then stays silent, repeating the request every
# 20 s so that no idle timeout closes it. Touches READY_FILE once all are open.
#   bench/idleclients.py COUNT READY_FILE PORT... [--header 'Name: value'] [--tls]
# --tls: each connection is HTTPS (the certificate is not checked: loopback, a bench).
import socket
import ssl
import sys
import time

args = sys.argv[1:]
tls = None
if "--tls" in args:
    args.remove("--tls")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
header = b""
if "--header" in args:
    i = args.index("--header")
    header = args[i + 1].encode() + b"\r\n"
    del args[i:i + 2]
count, ready, ports = int(args[0]), args[1], [int(p) for p in args[2:]]
request = b"GET /index.html HTTP/1.1\r\nHost: bench\r\n" + header + b"\r\n"

def ask(s):
    s.sendall(request)
    s.recv(65536)  # the answer is small; leftovers are read next time

conns = []
for port in ports:
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        if tls:
            s = tls.wrap_socket(s)
        ask(s)
        conns.append(s)
open(ready, "w").close()
while True:
    time.sleep(20)
    for s in conns:
        ask(s)
