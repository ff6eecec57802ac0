"""Stack operations run on their own thread, as CloudFormation runs them apart from the API call.

The call that starts an operation (CreateStack, UpdateStack, DeleteStack, ExecuteChangeSet) returns once
the operation is *settled*: finished, or waiting for something outside the emulator, such as a custom
resource provider's response. A caller that then supplies what it waits for (the provider's response)
gets its answer once the operation has settled again. Everything the emulator can do itself is therefore
done by the time a call returns, and a stack waits only where AWS would wait on someone else.

An operation runs holding the emulator's state lock and lets go of it while it waits; the call waiting for it
lets go meanwhile (:mod:`scripts.local.concurrency`). An operation waiting when the emulator is reset stops
there, leaving the new state alone.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any

from scripts.local import concurrency

_current = threading.local()


class Operation:
    """One stack operation; ``waits`` counts the outside parties it is waiting for."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._changed = threading.Condition()
        self._waits = 0
        self._finished = False
        self._error: BaseException | None = None

    def settled(self) -> None:
        """Block until the operation has finished or is waiting; raise what it raised if it failed."""
        with self._changed:
            self._changed.wait_for(lambda: self._finished or self._waits > 0)
            error = self._error if self._finished else None
        if error is not None:
            raise error

    def _run(self, work: Callable[..., None], args: tuple[Any, ...]) -> None:
        _current.operation = self
        try:
            with concurrency.holding_state():
                work(*args)
        except concurrency.Cancelled:
            pass
        except BaseException as error:  # re-raised in the thread that waits for the operation
            self._error = error
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()


class Wait:
    """Something an operation waits for from outside; answered at most once."""

    def __init__(self) -> None:
        self.operation: Operation | None = getattr(_current, "operation", None)
        self._generation = concurrency.generation()
        self._answer: Any = None
        self._answered = False
        self._lock = threading.Lock()
        self._event = threading.Event()

    def result(self, timeout: float) -> tuple[bool, Any]:
        """On the operation's thread: (True, answer), or (False, None) after ``timeout`` seconds."""
        self._change_waits(+1)
        if concurrency.wait(self._event, timeout, self._generation):
            return True, self._answer
        with self._lock:
            if self._answered:  # answered just as the time ran out
                return True, self._answer
            self._answered = True
        self._change_waits(-1)
        return False, None

    def answer(self, value: Any) -> bool:
        """From another thread: hand over the answer, then block until the operation has settled again.
        False when the wait was already answered or had timed out."""
        with self._lock:
            if self._answered:
                return False
            self._answered = True
            self._answer = value
        self._change_waits(-1)
        self._event.set()
        if self.operation is not None:
            with concurrency.released_state():
                self.operation.settled()
        return True

    def _change_waits(self, delta: int) -> None:
        if self.operation is None:
            return
        with self.operation._changed:
            self.operation._waits += delta
            self.operation._changed.notify_all()


def run(name: str, work: Callable[..., None], *args: Any) -> None:
    """Run ``work(*args)`` as a stack operation and return once it has settled. Inside an operation
    (a change set executing its create), the work runs inline."""
    if getattr(_current, "operation", None) is not None:
        work(*args)
        return
    operation = Operation(name)
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(operation._run, work, args), name=f"cloudformation {name}", daemon=True
    )
    with concurrency.released_state():
        thread.start()
        operation.settled()
