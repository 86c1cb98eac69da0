"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1, in a thread, answering from a script."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = -1  # an answer that never comes: the handler waits until the receiver closes


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Records every POST; answers each with the next scripted status (200 once the script runs out)."""

    def __init__(self) -> None:
        self.received: queue.SimpleQueue[Received] = queue.SimpleQueue()
        self.script: queue.SimpleQueue[int] = queue.SimpleQueue()
        self.closing = threading.Event()
        self.hanging = threading.Event()  # set while a handler holds a request it will not answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.put(Received(self.path, dict(self.headers.items()), body))
                try:
                    status = receiver.script.get_nowait()
                except queue.Empty:
                    status = 200
                if status == HANG:
                    receiver.hanging.set()
                    receiver.closing.wait(timeout=60)
                    return
                answer = f"answered {status}".encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the tests read what arrived from `received`

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/stripe"

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def answer(self, *statuses: int) -> None:
        for status in statuses:
            self.script.put(status)

    def take(self, timeout: float = 10) -> Received:
        """The next request to arrive (waiting for it, up to `timeout` seconds)."""
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
