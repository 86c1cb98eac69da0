"""`make run`'s supervisor: the embedded Redis is started again when it dies; any other exit stops everything."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

import redis

from config.processes import Child, stop, supervise
from reporting import embedded_redis


def test_supervisor_restarts_redis_and_returns_when_another_child_exits(tmp_path):
    socket = tmp_path / "redis.sock"

    def start_redis() -> subprocess.Popen[bytes]:
        return embedded_redis.start(socket, persist=False)

    broker = Child("Redis", start_redis(), restart=start_redis)
    web = Child("web", subprocess.Popen(["sleep", "60"], start_new_session=True))
    exited: list[Child] = []
    watcher = threading.Thread(target=lambda: exited.append(supervise([broker, web], every=0.05)))
    watcher.start()
    try:
        first = broker.process
        first.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 15
        while broker.process is first:
            assert time.monotonic() < deadline, "Redis was not started again"
            time.sleep(0.05)
        assert redis.Redis(unix_socket_path=str(socket)).ping()
        assert watcher.is_alive()  # a Redis restart stops nothing

        web.process.send_signal(signal.SIGKILL)
        watcher.join(timeout=15)
    finally:
        stop([broker.process, web.process])

    assert exited == [web]
    assert broker.restarts == 1
