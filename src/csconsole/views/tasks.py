"""One way to run slow work off the GUI thread.

A :class:`Task` wraps a plain function that takes a :class:`TaskContext`. The
function runs on a pool thread and never touches a widget; it reports progress
and checks for cancellation through the context. Results, failures and progress
come back to the GUI thread as queued signals. A :class:`TaskRunner` owns the
tasks of a window and waits for them in :meth:`TaskRunner.shutdown`, so no
thread outlives the widgets it reports to.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from csconsole.errors import Cancelled, KnownError

log = logging.getLogger(__name__)


class TaskContext:
    """What a worker function may use: progress reports and the cancel flag."""

    def __init__(self, emit_progress: Callable[[object], None]) -> None:
        self.cancel_event = threading.Event()
        self._emit = emit_progress

    def progress(self, value: object) -> None:
        self._emit(value)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self.cancel_event.is_set():
            raise Cancelled()


class _SparedObjects:
    """While background work runs, the garbage collector leaves alone every object that
    existed before it started (``gc.freeze``).

    A full collection walks every object not frozen while holding the GIL, and so freezes
    the window as long: 50-250 ms for the window, a portfolio and a book's evaluations.
    The work's own allocations trigger such collections on its thread, during a sync as
    in the rebuild of the portfolio after it. Objects made by the work are collected as
    usual; the frozen ones go back to the collector when the last running task ends (tasks
    overlap: a superseded one may still be finishing as the next starts). Freezing and
    thawing cost nothing (the collector moves one list). A freeze someone else made is
    left as it is."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._froze = False

    @contextmanager
    def during_work(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0 and gc.get_freeze_count() == 0:
                gc.freeze()
                self._froze = True
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._froze:
                    gc.unfreeze()
                    self._froze = False


spared = _SparedObjects()


class Task(QObject):
    """A background job with success, failure, cancel and progress signals."""

    progressed = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, name: str, fn: Callable[[TaskContext], Any]) -> None:
        super().__init__()
        self.name = name
        self._fn = fn
        self.context = TaskContext(self.progressed.emit)
        self.done = threading.Event()

    def cancel(self) -> None:
        self.context.cancel_event.set()

    def run_in_worker(self) -> None:
        """Runs on a pool thread, with the objects older than the task spared the garbage
        collector; only signals cross back to the GUI."""
        try:
            with spared.during_work():
                result = self._fn(self.context)
        except Cancelled:
            self.cancelled.emit()
        except KnownError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: keep the traceback in the log, tell the user briefly
            log.exception("background task %s failed", self.name)
            self.failed.emit(f"{self.name} failed unexpectedly ({type(exc).__name__}); see the log")
        else:
            if self.context.cancelled:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
        finally:
            self.done.set()
            self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self.task.run_in_worker()


class TaskRunner(QObject):
    """Starts tasks on a private thread pool; a newer task of the same name supersedes the older."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(2)
        self._tasks: dict[str, Task] = {}
        self._closed = False

    def start(
        self,
        name: str,
        fn: Callable[[TaskContext], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[str], None] | None = None,
        on_progress: Callable[[Any], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        on_finish: Callable[[], None] | None = None,
    ) -> Task:
        previous = self._tasks.get(name)
        if previous is not None and not previous.done.is_set():
            previous.cancel()
        task = Task(name, fn)
        for signal, callback in (
            (task.succeeded, on_success),
            (task.failed, on_failure),
            (task.progressed, on_progress),
            (task.cancelled, on_cancel),
            (task.finished, on_finish),
        ):
            if callback is not None:
                signal.connect(self._unless_closed(callback))
        task.finished.connect(lambda: self._forget(name, task))
        self._tasks[name] = task
        self._pool.start(_Runnable(task))
        return task

    def _unless_closed(self, callback: Callable[..., None]) -> Callable[..., None]:
        """The callback, dropped once the runner has shut down: a result queued while its
        window closed must not reach widgets that are already deleted."""

        def call(*args: Any) -> None:
            if not self._closed:
                callback(*args)

        return call

    def _forget(self, name: str, task: Task) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]

    def running(self, name: str) -> Task | None:
        task = self._tasks.get(name)
        return task if task is not None and not task.done.is_set() else None

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every task and wait for the threads; True when all stopped in time.
        Results that arrive afterwards are dropped."""
        self._closed = True
        for task in list(self._tasks.values()):
            task.cancel()
        return bool(self._pool.waitForDone(timeout_ms))
