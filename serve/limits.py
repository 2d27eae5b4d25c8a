"""Fair use: a body-size limit enforced before the body is read, and per-client rate
limits (token buckets, off unless ``NLU_RATE_LIMIT`` is set)."""

import json
import time
from collections import OrderedDict

from starlette.exceptions import HTTPException

from nlu.errors import RateLimited


class BodyLimit:
    """Pure ASGI middleware: at most ``max_bytes`` of request body.

    A ``Content-Length`` over the limit is answered 413 before a byte of the body is read;
    a body without one (chunked) is counted as it arrives and refused the moment it passes
    the limit, so an oversized body never sits whole in memory.
    """

    def __init__(self, app, max_bytes):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            return await _refuse(send, f"the request body has {declared} bytes; at most "
                                       f"{self.max_bytes} bytes (NLU_MAX_BODY_BYTES)")
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the app's body read, which turns any other exception
                    # into a 400: an HTTPException is answered as it says.
                    raise HTTPException(413, f"the request body has more than "
                                             f"{self.max_bytes} bytes (NLU_MAX_BODY_BYTES)")
            return message

        return await self.app(scope, counted_receive, send)


def _content_length(scope):
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send, detail):
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class TokenBuckets:
    """One token bucket per client: ``rate`` requests a second on average, bursts of up to
    ``burst``. At most ``max_clients`` buckets are kept (the least recently seen go first),
    so a flood of new addresses cannot grow memory without bound.

    >>> buckets = TokenBuckets(rate=1, burst=2)
    >>> buckets.take("a", now=0.0), buckets.take("a", now=0.0)
    (0.0, 0.0)
    >>> buckets.take("a", now=0.0)  # empty: a token comes back in a second
    1.0
    >>> buckets.take("a", now=1.0), buckets.take("b", now=1.0)
    (0.0, 0.0)
    """

    def __init__(self, rate, burst, max_clients=100_000):
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self._buckets = OrderedDict()  # client -> (tokens, time of that count)

    def take(self, client, now=None):
        """Take a token for ``client``: 0.0 when granted, else the seconds until one is."""
        now = time.monotonic() if now is None else now
        tokens, then = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[client] = (tokens, now)
        if len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


def check_rate(buckets, client):
    """Raise :class:`~nlu.errors.RateLimited` when ``client`` has no token left."""
    wait = buckets.take(client)
    if wait:
        raise RateLimited(f"too many requests from this client: at most {buckets.rate:g} a "
                          f"second (bursts of {buckets.burst}); retry in {wait:.1f} s",
                          retry_after=wait)
