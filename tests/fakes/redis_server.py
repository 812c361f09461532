"""A redis-server of the test's own, on a free port, that the test may stop and start again,
or freeze (SIGSTOP: connections are accepted by the kernel, nothing is answered) and thaw.
Never the shared Redis on 6379."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

from redis import Redis

from tests.fakes.smtp import free_port


class OwnRedis:
    def __init__(self) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command line
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def client(self) -> Redis:
        return Redis.from_url(self.url, socket_timeout=2)

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None:
            self.thaw()  # a frozen process would keep SIGTERM pending
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
