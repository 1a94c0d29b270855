"""Where each line of a source's text is written: the line map a derivation read from several places (a
notebook's cells, a LaTeX file and the files it inputs) carries, so that every report names the file, cell and
line an equation is written on. Light on purpose: reports import it, and most reports come from one file.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass

from derive.errors import one_line

__all__ = ["Span", "locate", "short", "UNREAD"]

UNREAD = "not read: "  # how a problem's reason starts: a part of the source never seen, which never passes


@dataclass(frozen=True)
class Span:
    """Lines ``start``… of a source's text (up to the next span) come from ``path``, starting at its ``line``
    (of notebook cell ``cell``, 1-based among all the notebook's cells)."""

    start: int
    path: str
    line: int
    cell: int | None = None


def locate(spans: tuple[Span, ...], line: int, path: str = "") -> tuple[str, int, int | None]:
    """Where ``line`` of a source's text is written: (path, line, cell); ``path``'s own ``line`` without spans."""
    k = bisect.bisect_right(spans, line, key=lambda span: span.start) - 1
    if k < 0:
        return path, line, None
    span = spans[k]
    return span.path, span.line + line - span.start, span.cell


def short(spans: tuple[Span, ...], main: str, line: int) -> str:
    """A short label of ``line``: the number alone in the file ``main`` itself, ``cell 3:2`` in a notebook, or
    ``chapters/ch1.tex:12`` (relative to ``main``'s folder) in a file that it inputs."""
    path, at, cell = locate(spans, line, main)
    if cell is not None:
        return f"cell {cell}:{at}"
    if path == main:
        return str(at)
    return f"{one_line(os.path.relpath(path, os.path.dirname(main) or '.'))}:{at}"
