"""Rate-limit counters kept in Redis and counted in this process between trips (issue 20, item 4).

flask-limiter's Redis storage costs three round trips a request with headers on: the counter's
EVALSHA, then a GET and a TTL for the ``X-RateLimit-*`` headers. This storage (scheme
``batched+redis://``, chosen by ``create_app`` when ``RATELIMIT_BATCH`` > 1) keeps, per key and
process, the shared total Redis last gave back, the hits not sent yet and the window's end:

- a hit is counted here, with no round trip, while this process holds fewer than ``b`` unsent
  hits for the key and its view of the total is under half the limit;
- otherwise the unsent hits go in one ``INCRBY`` (a script that also sets the window's expiry
  and returns the new total with the time left): the total is shared by every process;
- the headers are answered from that state, never from Redis;
- once Redis gave back a total at the limit, the window is spent for every process: the
  hits after it are refused here until it ends (a client hammering a spent budget costs
  no round trip).

``b`` is ``min(RATELIMIT_BATCH, limit // 10)``; a limit under 60 a window (logins, one-time
codes, the survey: what guards people's accounts and proofs) is sent at every hit
(exact, as before, in one round trip instead of three). Bound: a process holds at most ``b - 1``
unsent hits for a key, and once it has seen half the limit it sends every hit, so a window lets
through at most ``N x (b - 1)`` hits beyond the limit, N being the processes sharing the Redis
(with two workers and the tracking budget of 60 a minute: b = 6, at most 10 more). Hits still
unsent when a window ends are dropped with it (they belong to that window). Fixed window only
(the strategy the app configures).

The limit is read from the key (limits' ``RateLimitItem.key_for`` ends with
``/<amount>/<multiples>/<granularity>``); a key not shaped like that is sent at every hit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from limits.storage import RedisStorage, Storage

SCHEME = "batched+"
SHARE = 10  # a process holds at most a tenth of a limit unsent
EXACT_BELOW = 60  # smaller limits guard logins and codes: every hit goes to Redis
PURGE_EVERY = 1024  # hits between sweeps of the windows that ended

# INCRBY, the window's expiry when this created the key, and what is left of the window.
SEND = """
local total = redis.call('incrby', KEYS[1], ARGV[2])
if tonumber(total) == tonumber(ARGV[2]) then
    redis.call('expire', KEYS[1], ARGV[1])
end
return {total, redis.call('pttl', KEYS[1])}
"""


@dataclass
class Window:
    ends: float  # time.monotonic()
    shared: int = 0  # the total Redis gave back at the last trip (every process's sent hits)
    unsent: int = 0  # this process's hits since
    sending: int = 0  # this process's hits on their way to Redis (another thread's trip)

    def total(self) -> int:
        return self.shared + self.sending + self.unsent


def limit_of(key: str) -> int | None:
    """The limit's amount, from limits' key: ``…/<amount>/<multiples>/<granularity>``."""
    parts = key.rsplit("/", 3)
    if len(parts) != 4 or not parts[1].isdigit():
        return None
    return int(parts[1])


class BatchedRedisStorage(Storage):
    STORAGE_SCHEME = [SCHEME + "redis", SCHEME + "rediss", SCHEME + "redis+unix"]

    def __init__(
        self, uri: str, wrap_exceptions: bool = False, batch: int = 10, **options: Any
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.redis = RedisStorage(uri.removeprefix(SCHEME), wrap_exceptions=False, **options)
        self.batch = max(1, int(batch))
        self.send_script = self.redis.get_connection().register_script(SEND)
        self.windows: dict[str, Window] = {}
        self.lock = threading.Lock()
        self.hits = 0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self.redis.base_exceptions

    def batch_for(self, key: str) -> int:
        limit = limit_of(key)
        if limit is None or limit < EXACT_BELOW:
            return 1
        return max(1, min(self.batch, limit // SHARE))

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.monotonic()
        with self.lock:
            self.hits += 1
            if self.hits % PURGE_EVERY == 0:
                self._purge(now)
            window = self.windows.get(key)
            if window is None or now >= window.ends:
                window = self.windows[key] = Window(ends=now + expiry)
            window.unsent += amount
            total = window.total()
            limit = limit_of(key) or 0
            if limit and window.shared >= limit:
                return total  # this window is spent for everyone: refused without a trip
            if window.unsent < self.batch_for(key) and 2 * total < limit:
                return total  # counted here: no round trip
            sending, window.unsent = window.unsent, 0
            window.sending += sending
        try:
            shared, left_ms = self.send_script([self.redis.prefixed_key(key)], [expiry, sending])
        except BaseException:
            with self.lock:
                window.sending -= sending
                window.unsent += sending  # sent with the next trip
            raise
        with self.lock:
            window.sending -= sending
            now, left = time.monotonic(), int(left_ms) / 1000
            if left > 0 and now + left > window.ends + 1:  # Redis began this window: its total
                window.shared = int(shared)
            else:  # another thread's trip may have come back first, with a larger total
                window.shared = max(window.shared, int(shared))
            if left > 0:
                window.ends = now + left
        return int(shared)  # this hit's place in the window, as Redis counted it

    def get(self, key: str) -> int:
        with self.lock:
            window = self.windows.get(key)
            if window is not None and time.monotonic() < window.ends:
                return window.total()
        return self.redis.get(key)

    def get_expiry(self, key: str) -> float:
        with self.lock:
            window = self.windows.get(key)
            if window is not None and (left := window.ends - time.monotonic()) > 0:
                return time.time() + left
        return self.redis.get_expiry(key)

    def check(self) -> bool:
        return self.redis.check()

    def reset(self) -> int | None:
        with self.lock:
            self.windows.clear()
        return self.redis.reset()

    def clear(self, key: str) -> None:
        with self.lock:
            self.windows.pop(key, None)
        self.redis.clear(key)

    def _purge(self, now: float) -> None:
        for key in [k for k, w in self.windows.items() if now >= w.ends]:
            del self.windows[key]


def storage_settings(config: dict) -> None:
    """Count Redis-backed limits in batches when ``RATELIMIT_BATCH`` > 1 (see the module)."""
    uri = config["RATELIMIT_STORAGE_URI"]
    batch = int(config["RATELIMIT_BATCH"])
    if batch > 1 and uri.startswith(("redis://", "rediss://", "redis+unix://")):
        config["RATELIMIT_STORAGE_URI"] = SCHEME + uri
        options = config.get("RATELIMIT_STORAGE_OPTIONS") or {}
        config["RATELIMIT_STORAGE_OPTIONS"] = {**options, "batch": batch}
