"""The subcommands beside check and export — bench (speed figures), primitives (what derive knows) — and the
exit codes of all."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from derive.errors import ReadError, SpecError

__all__ = ["bench", "primitives", "writable", "write", "Listened", "EXIT_PASS", "EXIT_FAIL", "EXIT_USAGE"]

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2  # every claim passed; one failed (or was not checked); bad input


def writable(path: Path) -> None:
    """Refuse early a path that cannot be written, before the checks run."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReadError(f"cannot write {path}: it is a directory")
    if not parent.is_dir():
        raise ReadError(f"cannot write {path}: folder {parent} does not exist")
    if not os.access(path if path.exists() else parent, os.W_OK):
        raise ReadError(f"cannot write {path}: permission denied")


def write(path: Path, text: str) -> None:
    """Write an output, or say in one line why it cannot be written (a full disk, a vanished folder)."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ReadError(f"cannot write {path}: {exc.strerror or exc}") from None


class Listened:
    """Standard output that goes quiet once its reader has left (``derive check | head``): the rest is dropped,
    and the exit code stays the verdict however early the reader left."""

    def __init__(self, out: TextIO):
        self._out, self.left = out, False

    def write(self, text: str) -> int:
        self._quietly(lambda: self._out.write(text))
        return len(text)

    def flush(self) -> None:
        self._quietly(self._out.flush)

    def _quietly(self, act: Callable[[], object]) -> None:
        if self.left:
            return
        try:
            act()
        except BrokenPipeError:
            self.left = True
            with contextlib.suppress(OSError, ValueError):  # the flush at exit must not find the pipe either
                os.dup2(os.open(os.devnull, os.O_WRONLY), self._out.fileno())

    def __getattr__(self, name: str):
        return getattr(self._out, name)


def bench(args) -> int:
    from derive.bench import LADDER, bench_ladder, markdown_table, plot, render
    from derive.render import rich_console

    if not args.timeout > 0:
        raise SpecError(f"--timeout must be positive, got {args.timeout}")
    if args.plot is not None:
        writable(args.plot)
    console = rich_console()
    rows = bench_ladder(args.ladder or LADDER, args.baseline, args.timeout,
                        on_row=lambda r: console.print(f"measured {','.join(map(str, r.sizes))}: {r.wall:.2f} s",
                                                       style="dim"))
    render(rows, console)
    if args.markdown:
        print(markdown_table(rows))
    if args.plot is not None:
        plot(rows, args.plot)
        print(f"wrote {args.plot}")
    return EXIT_PASS if all(r.passed for r in rows) else EXIT_FAIL


def primitives(args) -> int:
    from derive.model.losses import markdown_table
    from derive.primitives import markdown_tables

    print(markdown_tables() + "\n" + markdown_table(), end="")
    return EXIT_PASS
