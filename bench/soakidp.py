#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The flapping IdP of bench/soak.sh: an RFC 7662 endpoint on 127.0.0.1:PORT that is up for
# FLAP seconds, then down for FLAP seconds, counted from the shared start time T0 (so the
# traffic driver, bench/soak.py, knows the phase too; up before T0). Down phases alternate
# between refusing (no listener, connections reset) and hanging (connections accepted, nothing
# answered), the two ways an IdP fails. Answers depend only on the token, so nothing is shared
# with the driver:
#   v-...              active
#   r-<id>-<epoch_ms>  active until that time (revoked then), inactive after
#   anything else      inactive
#   soakidp.py PORT T0 [FLAP]
import asyncio
import json
import sys
import time
from urllib.parse import parse_qs


def phase(t0, flap, now=None):
    """'up', 'refuse' or 'hang' at `now` for a flap period starting at t0."""
    elapsed = (now if now is not None else time.time()) - t0
    slot = int(elapsed // flap)
    if elapsed < 0 or slot % 2 == 0:
        return "up"
    return "refuse" if (slot // 2) % 2 == 0 else "hang"


def answer(token):
    active = token.startswith("v-")
    if token.startswith("r-"):
        revoke_at_ms = int(token.rsplit("-", 1)[1])
        active = time.time() * 1000 < revoke_at_ms
    if not active:
        return {"active": False}
    return {"active": True, "sub": "soak", "client_id": "soak", "scope": "read",
            "exp": int(time.time()) + 3600}


class Idp:
    def __init__(self, port, t0, flap):
        self.port, self.t0, self.flap = port, t0, flap
        self.server = None
        self.writers = set()
        self.calls = 0

    async def serve(self, reader, writer):
        self.writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length)
                if phase(self.t0, self.flap) != "up":
                    while phase(self.t0, self.flap) != "up":  # hang: never answer this one
                        await asyncio.sleep(0.1)
                    break
                self.calls += 1
                token = parse_qs(body.decode("latin-1")).get("token", [""])[0]
                data = json.dumps(answer(token)).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(data), data))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self.writers.discard(writer)
            writer.close()

    async def run(self):
        last = None
        while True:
            now = phase(self.t0, self.flap)
            if now != last:
                if now == "refuse" and self.server is not None:
                    self.server.close()
                    self.server = None
                    for w in list(self.writers):
                        w.transport.abort()
                elif self.server is None:
                    self.server = await asyncio.start_server(self.serve, "127.0.0.1", self.port,
                                                             reuse_address=True, backlog=1024)
                print(f"{time.time():.3f} idp {now} calls={self.calls}", flush=True)
                last = now
            await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(Idp(int(sys.argv[1]), float(sys.argv[2]),
                    float(sys.argv[3]) if len(sys.argv) > 3 else 5.0).run())
