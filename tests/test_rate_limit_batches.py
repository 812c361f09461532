"""Rate limits on Redis counted in batches (issue 20, item 4): the common tracking hit costs
no Redis round trip, and the budget stays shared by every process within a stated bound."""

from __future__ import annotations

import collections
import contextlib
import threading

import pytest
import redis
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from app.ratelimit import SCHEME, BatchedRedisStorage, limit_of, storage_settings


@pytest.fixture
def shared_redis(redis_url):
    if redis_url is None:
        pytest.skip("needs Redis (REDIS_URL): the batches are sent to it")
    return redis_url


@contextlib.contextmanager
def redis_commands():
    """Every command any redis client of this process sends, by name."""
    seen: collections.Counter[str] = collections.Counter()
    original = redis.Redis.execute_command

    def counted(self, *args, **options):
        seen[str(args[0]).upper()] += 1
        return original(self, *args, **options)

    redis.Redis.execute_command = counted
    try:
        yield seen
    finally:
        redis.Redis.execute_command = original


def test_the_limit_bites_across_two_processes_sharing_redis(shared_redis):
    """Two storages on one Redis are two web processes: each counts hits of its own between
    trips, and together they let through at most N x (b - 1) beyond the limit."""
    item = parse("40 per minute")  # b = min(10, 40 // 10) = 4
    processes = [
        FixedWindowRateLimiter(BatchedRedisStorage(SCHEME + shared_redis, batch=10))
        for _ in range(2)
    ]
    processes[0].storage.clear(item.key_for("198.51.100.7", "lookup"))
    admitted = [0, 0]
    for n in range(120):  # one client, its requests spread over both processes
        if processes[n % 2].hit(item, "198.51.100.7", "lookup"):
            admitted[n % 2] += 1
    assert 40 <= sum(admitted) <= 40 + 2 * (4 - 1), admitted
    assert all(admitted), admitted  # both processes served, and both then refused:
    assert not any(p.hit(item, "198.51.100.7", "lookup") for p in processes)
    assert processes[0].hit(item, "198.51.100.8", "lookup")  # another client: its own budget


def test_one_process_counts_exactly(shared_redis):
    item = parse("60 per minute")
    process = FixedWindowRateLimiter(BatchedRedisStorage(SCHEME + shared_redis, batch=10))
    process.storage.clear(item.key_for("198.51.100.9"))
    assert sum(process.hit(item, "198.51.100.9") for _ in range(100)) == 60


def test_threads_of_one_process_count_the_hits_on_their_way(shared_redis):
    """A gthread worker: hits counted while another thread's trip is out are not lost."""
    item = parse("40 per minute")
    process = FixedWindowRateLimiter(BatchedRedisStorage(SCHEME + shared_redis, batch=10))
    process.storage.clear(item.key_for("198.51.100.11"))
    admitted = []

    def client():
        admitted.extend(process.hit(item, "198.51.100.11") for _ in range(25))

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 200
    assert 40 <= sum(admitted) <= 40 + (4 - 1), sum(admitted)


def test_small_limits_are_sent_at_every_hit(shared_redis):
    item = parse("50 per 15 minutes")  # under 60 (a login's): exact, whatever the batch
    storage = BatchedRedisStorage(SCHEME + shared_redis, batch=10)
    other = FixedWindowRateLimiter(BatchedRedisStorage(SCHEME + shared_redis, batch=10))
    storage.clear(item.key_for("198.51.100.10"))
    process = FixedWindowRateLimiter(storage)
    with redis_commands() as sent:
        results = [(process if n % 2 else other).hit(item, "198.51.100.10") for n in range(54)]
    assert results == [True] * 50 + [False] * 4  # exact across the two processes
    assert sent["EVALSHA"] >= 51  # every hit went to Redis until the window was spent


def test_a_tracking_hit_costs_no_redis_round_trip(app, client, demo, shared_redis):
    """Before: three commands a hit (the counter's EVALSHA, GET and TTL for the headers)."""
    assert app.config["RATELIMIT_STORAGE_URI"].startswith(SCHEME + "redis")
    app.config["TRACKING_RATE_LIMIT"] = "100000 per minute"  # a load test from one address
    try:
        client.get("/seguimiento/ABCD-EFGH-JK")
        with redis_commands() as sent:
            answers = [client.get("/seguimiento/ABCD-EFGH-JK") for _ in range(100)]
    finally:
        app.config["TRACKING_RATE_LIMIT"] = "60 per minute"
    assert {a.status_code for a in answers} == {404}
    assert all("X-RateLimit-Remaining" in a.headers for a in answers)  # from the local count
    assert sum(sent.values()) <= 12, sent  # one trip per 10 hits
    assert not sent["GET"] and not sent["TTL"], sent


def test_the_setting_chooses_the_storage():
    config = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/3", "RATELIMIT_BATCH": 10}
    storage_settings(config)
    assert config["RATELIMIT_STORAGE_URI"] == "batched+redis://127.0.0.1:6379/3"
    assert config["RATELIMIT_STORAGE_OPTIONS"] == {"batch": 10}
    exact = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/3", "RATELIMIT_BATCH": 1}
    storage_settings(exact)
    assert exact["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    memory = {"RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_BATCH": 10}
    storage_settings(memory)
    assert memory["RATELIMIT_STORAGE_URI"] == "memory://"
    assert limit_of(parse("60 per minute").key_for("1.2.3.4", "lookup")) == 60
    assert limit_of("not-a-limits-key") is None
