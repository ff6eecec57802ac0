"""One discipline for the emulator's threads.

ThreadedMotoServer serves each request on a thread of its own and moto's backends have no locks (two threads
listing and adding to one dict answer HTTP 500). So the emulator keeps one *state lock*: every request runs
holding it, and so does background work (a stack operation) while it touches state. A thread that waits for
another — a request waiting for a stack operation to settle, an operation waiting for a provider's response,
code that calls the emulator back over HTTP — lets go of the lock first, so nothing deadlocks.

A reset (``/moto-api/reset``, or moto's own between tests) cancels background work: every piece of work
belongs to the generation it started in, and work that resumes after a reset stops without touching the
state that came after it.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

_state = threading.Lock()
_held = threading.local()
_generation = 0
_resets: list[threading.Event] = []
"""Wake-up events of work waiting now: a reset sets them all."""


class Cancelled(Exception):
    """Raised in background work that resumes after a reset."""


@contextlib.contextmanager
def holding_state() -> Iterator[None]:
    """Hold the state lock (already held by this thread: nothing more to do)."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    with _state:
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


@contextlib.contextmanager
def released_state() -> Iterator[None]:
    """Let go of the state lock, if this thread holds it, while it waits for another thread."""
    depth = getattr(_held, "depth", 0)
    if not depth:
        yield
        return
    _held.depth = 0
    _state.release()
    try:
        yield
    finally:
        _state.acquire()
        _held.depth = depth


def generation() -> int:
    return _generation


def wait(event: threading.Event, timeout: float | None, started_in: int) -> bool:
    """Wait for ``event`` without the state lock, as work of generation ``started_in``: True when it was
    set; raise :class:`Cancelled` when a reset came first or meanwhile."""
    _resets.append(event)
    try:
        with released_state():
            happened = event.wait(timeout)
    finally:
        _resets.remove(event)
    if _generation != started_in:
        raise Cancelled()
    return happened


def reset() -> None:
    """Start a new generation and wake all waiting work, which then stops (:func:`wait`)."""
    global _generation
    _generation += 1
    for event in list(_resets):
        event.set()


def after(seconds: float, work: Callable[..., None], *args: Any) -> None:
    """Run ``work(*args)`` on a background thread ``seconds`` from now, holding the state lock, unless the
    emulator is reset meanwhile."""
    started_in = _generation

    def run() -> None:
        with holding_state():
            if _generation == started_in:
                work(*args)

    timer = threading.Timer(seconds, run)
    timer.daemon = True
    timer.start()


class InOrder:
    """Work run one piece after another on one background thread, in the order it was given, holding the
    state lock; work given before a reset is dropped. For deliveries whose order matters (the events of one
    bucket reach a FIFO queue in the order they happened)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._work: queue.SimpleQueue[tuple[int, Callable[..., None], tuple[Any, ...]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self._pending = 0
        self._settled = threading.Condition()

    def submit(self, work: Callable[..., None], *args: Any) -> None:
        with self._settled:
            self._pending += 1
        self._work.put((_generation, work, args))
        with self._starting:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def settle(self) -> None:
        """Wait until the work given so far is done (the fidelity gate's in-process tests read what a
        delivery wrote right after the request that caused it)."""
        with self._settled:
            self._settled.wait_for(lambda: self._pending == 0)

    def _run(self) -> None:
        while True:
            started_in, work, args = self._work.get()
            try:
                with holding_state():
                    if _generation == started_in:
                        work(*args)
            except Exception:  # one piece's failure must not stop the pieces after it
                print(f"{self._name}: {work.__qualname__} failed", file=sys.stderr, flush=True)
                traceback.print_exc()
            finally:
                with self._settled:
                    self._pending -= 1
                    self._settled.notify_all()
