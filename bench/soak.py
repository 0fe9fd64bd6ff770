#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# The traffic of bench/soak.sh: CLIENTS concurrent clients send a weighted mix of requests to
# the gateway for SECONDS from T0 and judge every answer by the token's class (see bench/soakidp.py for
# what the IdP says about each). Prints one JSON report on stdout; bench/soak.sh checks it.
#   soak.py GATEWAY_PORT T0 FLAP SECONDS REVOKE_SLACK_S [CLIENTS]
# REVOKE_SLACK_S: how long after its revocation a token may still be accepted (cache TTL +
# stale grace + a margin); a 2xx later than that is "wrongly allowed".
import asyncio
import collections
import json
import os
import random
import sys
import time

from soakidp import phase

PORT = int(sys.argv[1])
T0, FLAP, SECONDS, REVOKE_SLACK = (float(a) for a in sys.argv[2:6])
CLIENTS = int(sys.argv[6]) if len(sys.argv) > 6 else 24
HOT = [f"v-hot-{i}" for i in range(20)]
INACTIVE = [f"i-known-{i}" for i in range(50)]
UPLOAD = os.urandom(1 << 20) * 4  # 4 MiB
DOWNLOAD_BYTES = 8 << 20  # bench/soak.sh writes big.bin of this size
ANSWER_TIMEOUT = 30  # the gateway's own bounds are far shorter: longer means it hung

# Statuses each class of request may get. Valid tokens: 200, or 503/504 while the IdP cannot
# answer (stale grace serves the cached ones). Refused tokens: 401, or 503/504 likewise.
VALID = {200, 503, 504}
REFUSED = {401, 503, 504}
MALFORMED = {400, 401, 413, 414, 431}

stats = collections.Counter()  # (class, IdP phase at the start, status) -> count
aborted = collections.Counter()  # how -> count
refusals = collections.Counter()  # "class status reason" of every 5xx, from the refusal's body
problems = collections.Counter()  # wrongly_allowed, wrongly_refused, unexpected, hung, dropped
examples = collections.defaultdict(list)  # a few examples per problem, for the report
revocables = []  # tokens r-<id>-<revoke_at_ms>


def problem(kind, what):
    problems[kind] += 1
    if len(examples[kind]) < 5:
        examples[kind].append(what)


class Dropped(Exception):
    """The connection ended without an answer."""


async def read_response(reader, head=False):
    """(status, headers, body bytes counted, close) of one response; 1xx are skipped. A
    refusal's reason id (its body ends in "(reason_id)") is in headers[":reason"]."""
    while True:
        try:
            raw = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            raise Dropped(str(e)) from e
        lines = raw.decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        status = int(status)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip().lower()
        if 100 <= status < 200:
            continue
        break
    close = headers.get("connection") == "close" or version == "HTTP/1.0"
    size = 0
    try:
        if head or status in (204, 304):
            pass
        elif headers.get("transfer-encoding") == "chunked":
            while True:
                n = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if n == 0:
                    while await reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                size += len(await reader.readexactly(n + 2)) - 2
        elif "content-length" in headers:
            left = int(headers["content-length"])
            small = b""
            while left:
                chunk = await reader.read(min(left, 1 << 20))
                if not chunk:
                    raise Dropped("body cut short")
                left -= len(chunk)
                size += len(chunk)
                if size <= 4096:
                    small += chunk
            if status >= 300 and small.endswith(b")\n"):
                headers[":reason"] = small[small.rfind(b"(") + 1:-2].decode("latin-1")
        else:
            while chunk := await reader.read(1 << 20):
                size += len(chunk)
            close = True
    except (asyncio.IncompleteReadError, ConnectionError) as e:
        raise Dropped(f"body: {e}") from e
    if status >= 500 and ":reason" not in headers and len(examples["5xx without a reason id"]) < 5:
        examples["5xx without a reason id"].append(repr(raw[:300]))
    return status, headers, size, close


def request(method, token, target="/index.html", extra=b""):
    auth = b"Authorization: Bearer %s\r\n" % token.encode() if token else b""
    return b"%s %s HTTP/1.1\r\nHost: soak\r\n%s%s\r\n" % (method, target.encode(), auth, extra)


def judge(kind, status, token, started, ended, reason=""):
    """Counts the answer and flags it when the token's class forbids it."""
    idp = phase(T0, FLAP, started)
    stats[(kind, idp, status)] += 1
    what = f"{kind} {status} {reason} idp={idp} token={token[:24]}"
    expect = kind.rsplit("-", 1)[-1]  # pipelined-hot is judged as hot
    if status >= 500:
        refusals[f"{'valid' if expect not in ('inactive', 'malformed') else expect} {status} "
                 f"{reason or '?'}"] += 1
    if expect == "revoked":
        revoke_at = int(token.rsplit("-", 1)[1]) / 1000
        if 200 <= status < 300 and started > revoke_at + REVOKE_SLACK:
            problem("wrongly_allowed", f"{what} {started - revoke_at:.1f}s after revocation")
        elif status == 401 and ended < revoke_at:
            problem("wrongly_refused", f"{what} before its revocation")
        elif status not in VALID | REFUSED:
            problem("unexpected", what)
    elif expect in ("inactive", "malformed"):
        if 200 <= status < 300:
            problem("wrongly_allowed", what)
        elif status not in (MALFORMED if expect == "malformed" else REFUSED):
            problem("unexpected", what)
    else:
        if status == 401:
            problem("wrongly_refused", what)
        elif status not in VALID:
            problem("unexpected", what)


class Client:
    def __init__(self):
        self.reader = self.writer = None
        self.how = ""  # the aborted scenario's way of leaving, for the report

    async def connection(self):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", PORT, limit=1 << 20)
        return self.reader, self.writer

    def close(self):
        if self.writer is not None:
            self.writer.transport.abort()
        self.reader = self.writer = None

    async def simple(self, kind, token, method=b"GET", target="/index.html"):
        """One request on the kept-alive connection."""
        reader, writer = await self.connection()
        started = time.time()
        writer.write(request(method, token, target))
        try:
            status, headers, size, close = await read_response(reader, head=method == b"HEAD")
        except Dropped as e:
            self.close()
            problem("dropped", f"{kind} {e}")
            return
        judge(kind, status, token, started, time.time(), headers.get(":reason", ""))
        if kind == "download" and status == 200 and size != DOWNLOAD_BYTES:
            problem("unexpected", f"download of {size} bytes")
        if close:
            self.close()

    async def hot(self):
        await self.simple("hot", random.choice(HOT),
                          method=random.choice([b"GET", b"GET", b"HEAD"]))

    async def unique(self):
        await self.simple("unique", f"v-u-{random.getrandbits(64):x}")

    async def inactive(self):
        token = random.choice(INACTIVE) if random.random() < 0.7 else \
            f"i-u-{random.getrandbits(64):x}"
        await self.simple("inactive", token)

    async def revoked(self):
        """A token used before and after the IdP revokes it (its name says when)."""
        if len(revocables) < 200:
            revoke_at_ms = int(time.time() * 1000) + random.randint(1000, 20000)
            revocables.append(f"r-{random.getrandbits(32):x}-{revoke_at_ms}")
        token = random.choice(revocables)
        if int(token.rsplit("-", 1)[1]) / 1000 + REVOKE_SLACK + 30 < time.time():
            revocables.remove(token)  # long revoked: make room for new ones
        await self.simple("revoked", token)

    async def download(self):
        await self.simple("download", random.choice(HOT), target="/big.bin")

    async def upload(self):
        """4 MiB up, Content-Length or chunked; a valid token (200) or an inactive one (401)."""
        kind, token = random.choice([("upload", random.choice(HOT)),
                                     ("upload-inactive", random.choice(INACTIVE))])
        chunked = random.random() < 0.5
        framing = b"Transfer-Encoding: chunked\r\n" if chunked else \
            b"Content-Length: %d\r\n" % len(UPLOAD)
        reader, writer = await self.connection()
        started = time.time()
        writer.write(request(b"POST", token, "/upload", framing))

        async def send():
            for i in range(0, len(UPLOAD), 1 << 18):
                part = UPLOAD[i:i + (1 << 18)]
                writer.write(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
                await writer.drain()
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()

        sender = asyncio.ensure_future(send())
        try:
            status, headers, _, close = await read_response(reader)
        except Dropped as e:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)  # its error is this one
            self.close()
            problem("dropped", f"{kind} {e}")
            return
        judge(kind, status, token, started, time.time(), headers.get(":reason", ""))
        try:
            await asyncio.wait_for(sender, 5)
        except (asyncio.TimeoutError, ConnectionError):
            close = True  # answered before the body went: the gateway may stop reading
        if close:
            self.close()

    async def pipelined(self):
        """Five requests in one write; the answers must come back in order."""
        batch = [("hot", random.choice(HOT)) if random.random() < 0.7 else
                 ("inactive", random.choice(INACTIVE)) for _ in range(5)]
        reader, writer = await self.connection()
        started = time.time()
        writer.write(b"".join(request(b"GET", t) for _, t in batch))
        for kind, token in batch:
            try:
                status, headers, _, close = await read_response(reader)
            except Dropped as e:
                self.close()
                problem("dropped", f"pipelined {e}")
                return
            judge("pipelined-" + kind, status, token, started, time.time(),
                  headers.get(":reason", ""))
            if close:
                self.close()
                return

    async def malformed(self):
        """A fresh connection with a bad token or bad framing: 4xx, never forwarded."""
        bad = random.choice([
            request(b"GET", "", extra=b"Authorization: Bearer\r\n"),
            request(b"GET", "v-hot-0 v-hot-1"),
            request(b"GET", "v-hot-0\x7f"),
            request(b"GET", "v-\xe9t\xe9"),
            request(b"GET", "", extra=b"Authorization: Basic dXNlcjpwYXNz\r\n"),
            request(b"GET", "v-" + "x" * 70000),
            request(b"GET", "", extra=b"Authorization: Bearer v-hot-0\r\n"
                    b"Authorization: Bearer v-hot-1\r\n"),
            request(b"POST", "v-hot-0", extra=b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"),
            request(b"POST", "v-hot-0", extra=b"Content-Length: abc\r\n"),
            b"GARBAGE\r\n\r\n",
            b"GET /index.html HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer v-hot-0\r\n"
            b"Bad Header\r\n\r\n",
        ])
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT, limit=1 << 20)
        started = time.time()
        try:
            writer.write(bad)
            status, _, _, _ = await read_response(reader)
            judge("malformed", status, bad[:40].decode("latin-1"), started, time.time())
        except Dropped as e:
            problem("dropped", f"malformed {bad[:40]!r} {e}")
        finally:
            writer.transport.abort()

    async def aborted(self):
        """A client that leaves early, at one of several points."""
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT, limit=1 << 20)
        how = self.how = random.choice(["connect", "half-head", "head", "part-body",
                                        "part-download"])
        if how == "half-head":
            writer.write(b"GET /index.html HTTP/1.1\r\nHost: so")
        elif how == "head":
            writer.write(request(b"GET", f"v-u-{random.getrandbits(64):x}"))
        elif how == "part-body":
            writer.write(request(b"POST", random.choice(HOT), "/upload",
                                 b"Content-Length: %d\r\n" % len(UPLOAD)) + UPLOAD[:100000])
        else:
            writer.write(request(b"GET", random.choice(HOT), "/big.bin"))
            try:  # a refusal is short and the connection may stay open: wait for no more
                status = (await reader.readuntil(b"\r\n\r\n")).split(b" ", 2)[1]
                if status == b"200":
                    await reader.readexactly(65536)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                pass
        try:
            await writer.drain()
        except ConnectionError:
            pass
        writer.transport.abort()
        aborted[how] += 1


SCENARIOS = [(Client.hot, 40), (Client.unique, 15), (Client.inactive, 12), (Client.revoked, 8),
             (Client.pipelined, 8), (Client.malformed, 6), (Client.aborted, 5),
             (Client.download, 3), (Client.upload, 3)]


async def client(end):
    c = Client()
    funcs, weights = zip(*SCENARIOS)
    while time.time() < end:
        scenario = random.choices(funcs, weights)[0]
        try:
            await asyncio.wait_for(scenario(c), ANSWER_TIMEOUT)
        except asyncio.TimeoutError:
            problem("hung", f"{scenario.__name__} (aborted: {c.how})" if scenario is Client.aborted
                    else scenario.__name__)
            c.close()
        except (ConnectionError, OSError) as e:
            problem("dropped", f"{scenario.__name__} {e!r}")
            c.close()
    c.close()


async def main():
    await asyncio.sleep(max(0.0, T0 - time.time()))
    end = T0 + SECONDS
    await asyncio.gather(*(client(end) for _ in range(CLIENTS)))
    by_status = collections.Counter()
    classes = collections.defaultdict(lambda: collections.defaultdict(dict))
    for (kind, idp, status), n in sorted(stats.items()):
        by_status[status] += n
        classes[kind][idp][status] = n
    print(json.dumps({"requests": sum(by_status.values()),
                      "by_status": dict(sorted(by_status.items())),
                      "classes": classes, "aborted": dict(sorted(aborted.items())),
                      "refusals": dict(sorted(refusals.items())),
                      "problems": {k: problems[k] for k in
                                   ("wrongly_allowed", "wrongly_refused", "unexpected", "hung",
                                    "dropped")},
                      "examples": examples}, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
