"""What waits in the in-memory broker the suite sends tasks to (`memory://`, tests/conftest.py)."""

from __future__ import annotations

from queue import Empty

from config.celery import app as celery_app


def take(task: str, queue: str = "short") -> list[list[object]]:
    """Take every message off the queue; the args of those that call `task`, in the order they were sent."""
    calls = []
    with celery_app.connection_for_write() as conn:
        waiting = conn.SimpleQueue(queue, no_ack=True)
        try:
            while True:
                message = waiting.get(block=False)
                if message.headers["task"] == task:
                    calls.append(message.payload[0])  # Celery's body: [args, kwargs, embed]
        except Empty:
            pass
        finally:
            waiting.close()
    return calls


def queued_syncs() -> list[int]:
    """The source ids of the syncs queued since the last call, taken off the broker (syncs wait on `long`)."""
    return [args[0] for args in take("reporting.tasks.sync_stripe_source", "long")]
