"""Find the display equations in Markdown, LaTeX or plain text, with 1-based source lines.

Regex searches jump from one candidate opener to the next (a $$ starting a line, \\[,
\\begin{align} and friends, a code fence), so prose costs next to nothing and the scan
stays linear on any input; each display block is then split into rows at top-level \\\\.
An unterminated block is returned with `error` set, not raised, so the caller can
report it as "not checked" and still check everything else.
"""

from __future__ import annotations

import functools
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from derive.errors import ReadError

__all__ = ["MAX_BYTES", "ENVIRONMENTS", "ALIGNED", "Row", "Block", "read_text", "display_equations"]

MAX_BYTES = 2 * 1024 * 1024
ALIGNED = frozenset({"align", "align*", "aligned", "split", "eqnarray", "eqnarray*"})
ENVIRONMENTS = ALIGNED | {"equation", "equation*", "gather", "gather*", "gathered", "multline",
                          "multline*"}

# Each pattern starts with a fixed character, which lets the regex engine skip ahead fast.
_LINE_START = {  # (anywhere after the first line, on the first line)
    "dollars": (re.compile(r"\n[^\S\n]*\$\$"), re.compile(r"[^\S\n]*\$\$")),
    "fence": (re.compile(r"\n[^\S\n]*(?:```|~~~)"), re.compile(r"[^\S\n]*(?:```|~~~)")),
}
_KINDS = ("dollars", "fence", "backslash")
_BACKSLASH = re.compile(r"\\(?:(\[)|begin[ \t]*\{([A-Za-z]+\*?)\})")
_BREAK = re.compile(r"(\\\\\*?(?:[^\S\n]*\[[^\S\n]*-?[0-9.]+[^\S\n]*[a-z]{2}[^\S\n]*\])?)")
_COMMENT = re.compile(r"(?<!\\)(?:\\\\)*(%[^\n]*)")  # after an even run of backslashes
_BEGIN = re.compile(r"\s*\\begin[ \t]*\{([A-Za-z]+\*?)\}")
_CONTINUES = re.compile(r"\s*&\s*=")
_AMPERSAND = re.compile(r"(?<!\\)&")


@dataclass(frozen=True)
class Row:
    """One row of a block: its first source line, its text without & marks, and whether it
    continues the chain of the row above (an align row starting with &=)."""

    line: int
    text: str
    continues: bool = False


@dataclass(frozen=True)
class Block:
    """A display block: line of its opening delimiter, environment ("$$", "\\[", "align*", ...)
    and rows; `error` is set (and rows empty) when the block is never closed."""

    start_line: int
    env: str
    rows: tuple[Row, ...]
    error: str | None = None


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file of at most MAX_BYTES.

    Raises ReadError with a one-line message for a missing, unreadable, binary or too large file.

    >>> read_text("/nonexistent/post.md")
    Traceback (most recent call last):
    ...
    derive.errors.ReadError: /nonexistent/post.md: no such file
    """
    p = Path(path)
    try:
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ReadError(f"{p}: is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ReadError(f"{p}: not a regular file")
        with p.open("rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ReadError(f"{p}: no such file") from None
    except OSError as e:
        raise ReadError(f"{p}: cannot read ({e.strerror or e})") from None
    if max(info.st_size, len(data)) > MAX_BYTES:
        size = max(info.st_size, len(data)) / 2**20
        raise ReadError(f"{p}: file too large: {size:.1f} MB (limit {MAX_BYTES // 2**20} MB)")
    if b"\0" in data:
        raise ReadError(f"{p}: binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        raise ReadError(f"{p}: not UTF-8 text (invalid byte at offset {e.start})") from None


class _Cursor:
    """Line number, and inline-$$ parity within the line, at offsets that only move forward.

    Each query counts on from the previous one, so the whole scan stays linear.
    """

    def __init__(self, text: str):
        self.text, self.pos, self.line, self.line_start = text, 0, 1, 0
        self.dollars_to, self.dollars = 0, 0

    def line_at(self, pos: int) -> int:
        if pos < self.pos:
            self.pos, self.line, self.line_start = 0, 1, 0
        newlines = self.text.count("\n", self.pos, pos)
        if newlines:
            self.line += newlines
            self.line_start = self.text.rfind("\n", self.pos, pos) + 1
        self.pos = pos
        return self.line

    def in_inline_math(self, pos: int) -> bool:
        """Whether pos follows an odd number of $$ on its line (inline math ends with its line)."""
        self.line_at(pos)
        if self.dollars_to < self.line_start:
            self.dollars_to, self.dollars = self.line_start, 0
        self.dollars += self.text.count("$$", self.dollars_to, pos)
        self.dollars_to = pos
        return self.dollars % 2 == 1

    def after_block(self, pos: int) -> None:
        """Inline math restarts after a display block, even on the same line."""
        self.dollars_to, self.dollars = pos, 0


def _escaped(text: str, pos: int) -> bool:
    """Whether an odd run of backslashes precedes pos, so text[pos] is escaped."""
    start = pos
    while start and text[start - 1] == "\\":
        start -= 1
    return (pos - start) % 2 == 1


def _find(pattern: re.Pattern, text: str, pos: int) -> re.Match | None:
    """The first match of pattern at or after pos that is not escaped."""
    while (match := pattern.search(text, pos)) and _escaped(text, match.start()):
        pos = match.start() + 1
    return match


def _search(kind: str, text: str, pos: int) -> re.Match | None:
    """The next candidate opener of one kind at or after pos."""
    if kind == "backslash":
        return _find(_BACKSLASH, text, pos)
    anywhere, first_line = _LINE_START[kind]
    return (pos == 0 and first_line.match(text)) or anywhere.search(text, pos)


@functools.cache
def _closer(env: str) -> re.Pattern:
    """The delimiter that ends a block opened as env."""
    closing = {"$$": r"\$\$", "\\[": r"\\\]"}.get(env) or r"\\end[ \t]*\{" + re.escape(env) + r"\}"
    return re.compile(closing)


def display_equations(text: str) -> list[Block]:
    """The display blocks of a text, in order, split into rows.

    Display math is $$...$$ whose opening $$ is the first thing on its line, \\[...\\], or an
    equation, align or gather environment (starred or not, also inside $$: the block then
    takes its name). Inline $$...$$ (within one line) and fenced code are skipped.

    >>> text = "Let $$n_l$$ be.\\n$$\\n\\\\begin{align*}a&=b\\\\\\\\ &=c\\\\end{align*}\\n$$"
    >>> [b.env for b in display_equations(text)]
    ['align*']
    """
    cursor, blocks, pos = _Cursor(text), [], 0
    found = [_search(kind, text, 0) for kind in _KINDS]
    while any(found):
        match = min(filter(None, found), key=re.Match.start)
        kind, pos = _KINDS[found.index(match)], match.end()
        if kind == "fence":
            fence = _LINE_START["fence"][0].search(text, pos)
            pos = fence.end() if fence else len(text)
        elif kind == "dollars" or (not cursor.in_inline_math(match.start()) and (
                match.group(1) or match.group(2) in ENVIRONMENTS)):
            env = "$$" if kind == "dollars" else "\\[" if match.group(1) else match.group(2)
            line = cursor.line_at(pos)
            closing = _find(_closer(env), text, pos)
            if closing is None:
                opener = f"\\begin{{{env}}}" if env in ENVIRONMENTS else env
                blocks.append(Block(line, env, (), f"unterminated {opener} block opened at line {line}"))
                break
            blocks.append(_block(text, pos, closing.start(), env, line))
            pos = closing.end()
            cursor.after_block(pos)
        found = [m if m is None or m.start() >= pos else _search(k, text, pos) for k, m in zip(_KINDS, found)]
    return blocks


def _block(text: str, start: int, end: int, env: str, line: int) -> Block:
    """Unwrap environments that fill the whole block, then split it into rows."""
    body_line = line
    while (begin := _BEGIN.match(text, start, end)) and begin.group(1) in ENVIRONMENTS:
        closing = "\\end{" + begin.group(1) + "}"
        while end > begin.end() and text[end - 1].isspace():
            end -= 1
        if end - len(closing) < begin.end() or not text.startswith(closing, end - len(closing)):
            break
        body_line += text.count("\n", start, begin.end())
        env, start, end = begin.group(1), begin.end(), end - len(closing)
    return Block(line, env, tuple(_rows(text[start:end], body_line, env in ALIGNED)))


def _rows(body: str, line: int, aligned: bool) -> list[Row]:
    """Rows of a block body whose first line is `line`, split at \\ outside braces;
    comments blanked, & marks removed, empty rows dropped."""
    if "%" in body:
        body = _COMMENT.sub(lambda m: m.group()[:m.start(1) - m.start()] + " " * len(m.group(1)), body)
    parts = _BREAK.split(body)  # row, break, row, break, ..., row
    rows, depth, row_start, offset, counted = [], 0, 0, 0, 0
    for i in range(0, len(parts), 2):
        piece = parts[i]
        depth += piece.count("{") - piece.count("}")
        if "\\{" in piece or "\\}" in piece:
            depth += piece.count("\\}") - piece.count("\\{")
        depth = max(depth, 0)
        end = offset + len(piece)
        offset = end + (len(parts[i + 1]) if i + 1 < len(parts) else 0)
        if depth and i + 1 < len(parts):
            continue  # a \\ inside braces does not end the row
        raw = body[row_start:end]
        clean = raw if "&" not in raw else _AMPERSAND.sub(" ", raw)
        text = clean.lstrip()
        if text:
            first = row_start + len(clean) - len(text)
            line += body.count("\n", counted, first)
            counted = first
            rows.append(Row(line, text.rstrip(), aligned and _CONTINUES.match(raw) is not None))
        row_start = offset
    return rows
