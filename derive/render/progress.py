"""A progress bar on stderr that shows itself only when the work lasts more than about a second."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

__all__ = ["ProgressBar"]

DELAY = 1.0  # seconds before the bar appears


class ProgressBar:
    """Callable as ``bar(what, done, total)``; silent when disabled or when stderr is not a terminal."""

    def __init__(self, enabled: bool = True, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.enabled = enabled and (console is not None or sys.stderr.isatty())
        self.start = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            if time.monotonic() - self.start < DELAY:
                return
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("entries"), TimeRemainingColumn(), console=self.console,
                                      transient=True)
            self._progress.start()
            self._task = self._progress.add_task(what, total=total)
        if self._task is not None:
            self._progress.update(self._task, description=what, completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
