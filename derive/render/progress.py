"""A progress bar on stderr that shows itself only when the work lasts more than about a second (rich's progress
module is imported only then: most checks end sooner)."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from derive.render import rich_console

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

__all__ = ["ProgressBar"]

DELAY = 1.0  # seconds before the bar appears


class ProgressBar:
    """Callable as ``bar(what, done, total)``; silent when disabled or when stderr is not a terminal."""

    def __init__(self, enabled: bool = True, console: Console | None = None):
        self.console = console or rich_console(stderr=True)
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
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

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
