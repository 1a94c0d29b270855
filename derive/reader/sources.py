"""A derivation's source as one text, with where each of its lines is written.

A Markdown or plain file is its own text. A Jupyter notebook is the text of its Markdown cells, in order, with
a line of prose between each two, so that nothing (a display left open, a ``derive: skip`` marker) reaches from
one cell into the next (code and raw cells are not read; a blank line opens the text, so a cell of ``---`` is
never front matter). A LaTeX
file is its text with each ``\\input{…}`` or ``\\include{…}`` replaced by the file it names (``.tex`` added, as
LaTeX does), recursively. ``Source.locate(line)`` maps a line of the text back to (path, line, cell).

What cannot be read is one of ``Source.problems``, for the caller to list as not checked at its line: an
``\\input`` that cannot be followed (a missing file, a cycle, past MAX_FILES or MAX_BYTES: such a source never
passes), or a display a notebook's cell leaves open (nothing runs on from one cell into the next).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from derive.errors import ReadError, one_line
from derive.reader.extract import display_equations
from derive.reader.files import MAX_BYTES, read_text
from derive.reader.origins import UNREAD, Span, locate, short

__all__ = ["Source", "read_source", "MAX_FILES"]

MAX_FILES = 100  # \input and \include commands followed in one project (a hostile tree cannot blow up)
_INPUT = re.compile(r"\\(?:input|include)(?![A-Za-z@])[ \t]*(?:\{([^{}\n]*)\}|([A-Za-z0-9_./\-]+))")
_COMMENT = re.compile(r"(?<!\\)(?:\\\\)*%")  # a % after an even run of backslashes opens a comment
_LINE = re.compile(r"\bline (\d+)\b")
_BETWEEN = "<!-- a cell ends -->"  # between a notebook's cells: prose, which nothing in a cell reaches past
_PROBE = "\n\n$$\nx = x\n$$\n"  # read after a notebook's cell unless something in the cell runs on


@dataclass(frozen=True)
class Source:
    """The text the reader reads, where each of its lines is written, and the parts that could not be read:
    (line of the text, why) for each."""

    path: str
    text: str
    spans: tuple[Span, ...]
    problems: tuple[tuple[int, str], ...] = ()

    def locate(self, line: int) -> tuple[str, int, int | None]:
        """(path, line, cell) where ``line`` of ``text`` is written."""
        return locate(self.spans, line, self.path)

    def relabel(self, message: str) -> str:
        """``message`` with each "line N" (a line of ``text``) said as where it is written."""
        def said(match: re.Match) -> str:
            at = short(self.spans, self.path, int(match[1]))
            return f"line {at}" if at.isdigit() else at

        return _LINE.sub(said, message)

    def told(self, progress):
        """``progress(what, done, total)``, or None, hearing each "PATH:N" (N a line of ``text``) as where it is."""
        def heard(what: str, done: int, total: int) -> None:
            at = what.removeprefix(self.path + ":")
            if at.isdigit():
                path, line, cell = self.locate(int(at))
                what = f"{path}:{line}" if cell is None else f"{path}:cell {cell}:{line}"
            progress(what, done, total)

        return progress and heard


def read_source(path: str | Path) -> Source:
    """Read ``path`` as a source: a notebook (.ipynb) by its Markdown cells, a LaTeX file (.tex) with the files
    it inputs, anything else as text. Raises ReadError (one line) when ``path`` itself cannot be read.

    >>> read_source("/nonexistent/nb.ipynb")
    Traceback (most recent call last):
    ...
    derive.errors.ReadError: /nonexistent/nb.ipynb: no such file
    """
    shown, suffix = str(path), Path(path).suffix.lower()
    if suffix == ".ipynb":
        return _notebook(shown)
    text = read_text(path)
    if suffix != ".tex":
        return Source(shown, text, (Span(1, shown, 1),))
    project = _Project(shown)
    project.expand(shown, text, (os.path.realpath(shown),))
    return Source(shown, "".join(project.parts), tuple(project.spans) or (Span(1, shown, 1),),
                  tuple(project.problems))


def _notebook(shown: str) -> Source:
    """The Markdown cells of a notebook, each followed by a blank line, after one blank line."""
    text = read_text(shown)
    try:
        import nbformat  # only for notebooks: it takes a moment to import

        with warnings.catch_warnings():  # a missing cell id, an old minor version: read all the same
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
        cells = [(n, c.get("cell_type"), c.get("source", "")) for n, c in enumerate(notebook.cells, 1)]
    except Exception as exc:  # bad JSON, not a notebook, a version nbformat does not know: never a traceback
        why = one_line(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        raise ReadError(f"{shown}: not a Jupyter notebook nbformat can read ({why[:200]})") from None
    lines, spans, problems = [""], [Span(1, shown, 1)], []
    for n, kind, source in cells:
        if kind != "markdown":
            continue
        body = "".join(source) if isinstance(source, list) else str(source)
        own, problem = _alone(body.replace("\r\n", "\n").replace("\r", "\n"))
        spans.append(Span(len(lines) + 1, shown, 1, n))
        if problem:
            problems.append((len(lines) + problem[0], f"{problem[1]} opened at line {len(lines) + problem[0]}"))
        lines += [*own, "", _BETWEEN, ""]  # a marker that ends a cell is not before the next cell's display
    return Source(shown, "\n".join(lines), tuple(spans), tuple(problems))


def _alone(body: str) -> tuple[list[str], tuple[int, str] | None]:
    """A Markdown cell's lines, so that nothing in it runs on into the next cell (Jupyter renders each cell alone):
    a display left open is blanked from its line on, (its line, "unterminated … block") the problem, and a code
    fence left open is closed after the cell."""
    lines, problem = body.split("\n"), None
    blocks = display_equations(body)
    if blocks and blocks[-1].error and blocks[-1].error.startswith("unterminated"):
        start = blocks[-1].start_line
        lines[start - 1:] = [""] * (len(lines) - start + 1)
        problem = (start, blocks[-1].error.split(" opened at ")[0])
    probe = display_equations("\n".join(lines) + _PROBE)  # a display after the cell is read: nothing runs on
    if not probe or [row.text for row in probe[-1].rows] != ["x = x"]:
        lines.append("```")
    return lines, problem


@dataclass
class _Project:
    """A LaTeX project being read: the text so far (parts), its spans, the problems, how much was read."""

    main: str
    parts: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    line: int = 1  # the line of the text the next part starts on
    size: int = 0
    commands: int = 0  # \input commands met (followed or not): at most MAX_FILES
    stopped: bool = False

    def add(self, text: str, path: str, line: int) -> None:
        if text:
            self.spans.append(Span(self.line, path, line))
            self.parts.append(text)
            self.line += text.count("\n")
            self.size += len(text)

    def newline(self) -> None:
        """End the line the text is on, so that the next part starts a line of its own."""
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts[-1] += "\n"
            self.line += 1

    def expand(self, shown: str, text: str, trail: tuple[str, ...], names: tuple[str, ...] = ()) -> None:
        """Add ``text`` (of the file ``shown``), each \\input it makes replaced by the file it names. ``trail``:
        the real paths of the files that input this one (and it), ``names`` theirs as shown, for a cycle."""
        pos, line = 0, 1
        for command in _INPUT.finditer(text):
            start = text.rfind("\n", 0, command.start()) + 1
            if self.stopped or _escaped(text, command.start()) or _COMMENT.search(text, start, command.start()):
                continue
            at = line + text.count("\n", pos, command.start())
            self.add(text[pos:command.start()], shown, line)
            pos, line = command.end(), at
            name = command[1] if command[1] is not None else command[2]
            child, why = self.follow(shown, name.strip(), trail, (*names, shown))
            if why:
                self.spans.append(Span(self.line, shown, at))  # the command's line, even right after a child
                self.problems.append((self.line, f"{UNREAD}{one_line(command.group())} at {one_line(shown)}:{at}: "
                                                 f"{why}"))
                continue
            assert child is not None
            self.newline()
            self.expand(child[0], child[1], (*trail, child[2]), (*names, shown))
            self.newline()
        self.add(text[pos:], shown, line)

    def follow(self, shown: str, name: str, trail: tuple[str, ...], names: tuple[str, ...]):
        """(the file ``name`` as shown, its text, its real path), or why it is not read."""
        self.commands += 1
        if self.commands > MAX_FILES:
            return self.stop(f"more than {MAX_FILES} \\input and \\include commands")
        if not name:
            return None, "no file named"
        tried = []
        for folder in dict.fromkeys((os.path.dirname(shown), os.path.dirname(self.main))):  # its own, then main's
            for candidate in ((name,) if name.endswith(".tex") else (name + ".tex", name)):
                path = os.path.normpath(os.path.join(folder, candidate))
                tried.append(path)
                if not os.path.lexists(path):
                    continue
                real = os.path.realpath(path)
                if real in trail:
                    cycle = [*names[trail.index(real):], path]
                    return None, "a cycle: " + " → ".join(one_line(p) for p in cycle)
                try:
                    text = read_text(path)
                except ReadError as exc:
                    return None, str(exc)
                if self.size + len(text) > MAX_BYTES:
                    return self.stop(f"more than {MAX_BYTES // 2**20} MB of text")
                return (path, text, real), ""
        return None, "no such file (" + ", ".join(one_line(p) for p in dict.fromkeys(tried)) + ")"

    def stop(self, limit: str) -> tuple[None, str]:
        """Past a limit: this command is the one problem that says so; those after it are left as they are."""
        self.stopped = True
        return None, f"the project has {limit}; this one and those after it are not followed"


def _escaped(text: str, pos: int) -> bool:
    """Whether an odd run of backslashes precedes pos (``\\\\input`` is a line break, then a word)."""
    start = pos
    while start and text[start - 1] == "\\":
        start -= 1
    return (pos - start) % 2 == 1
