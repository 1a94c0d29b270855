"""Find the display equations in Markdown, LaTeX or plain text, with 1-based source lines.

Regex searches jump from one candidate opener to the next (a $$ starting a line, \\[,
\\begin{align} and friends, a code fence), so prose costs next to nothing and the scan
stays linear on any input; each display block is then split into rows at top-level \\\\, and a
row that joins two equations (a = b, \\qquad c = d) into one row each (derive.reader.joined).
An unterminated block, or an environment that looks like a formula but is not read, comes back with `error`
set, not raised, so it is reported "not checked" and the rest still checked; one marked ``derive: skip``, `skip`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from derive.reader.joined import equations

__all__ = ["ENVIRONMENTS", "ALIGNED", "Row", "Block", "display_equations"]


# How each display environment is read. ROWS: rows split at \\, each its own equation; CHAIN: the same, and
# a row that starts with &= continues the chain of the row above; ONE: the body is one equation whose \\
# only breaks the line. Then what follows \begin{env} and is dropped: alignat's {n}, aligned's [t].
ROWS, CHAIN, ONE = "rows", "chain", "one"
_NUMBER, _PLACE = r"\s*\{\s*\d+\s*\}", r"(?:\s*\[[tbc]\])?"
_READ = {
    "equation": (ROWS, ""), "equation*": (ROWS, ""), "displaymath": (ROWS, ""),
    "gather": (ROWS, ""), "gather*": (ROWS, ""), "gathered": (ROWS, _PLACE),
    "align": (CHAIN, ""), "align*": (CHAIN, ""), "aligned": (CHAIN, _PLACE), "split": (CHAIN, ""),
    "flalign": (CHAIN, ""), "flalign*": (CHAIN, ""), "eqnarray": (CHAIN, ""), "eqnarray*": (CHAIN, ""),
    "alignat": (CHAIN, _NUMBER), "alignat*": (CHAIN, _NUMBER), "alignedat": (CHAIN, _PLACE + _NUMBER),
    "xalignat": (CHAIN, _NUMBER), "xxalignat": (CHAIN, _NUMBER), "multline": (ONE, ""), "multline*": (ONE, ""),
}
_ARGUMENT = {env: re.compile(arg) for env, (_, arg) in _READ.items() if arg}
ENVIRONMENTS = frozenset(_READ)
ALIGNED = frozenset(env for env, (rule, _) in _READ.items() if rule == CHAIN)
# Prose environments are looked into, not read; code is skipped whole, like a fenced block; the pieces of a
# formula (cases, matrices) are read as part of their row. Any other environment that holds an = sign and
# neither prose math nor another environment is returned as a block derive does not read, never dropped.
_PROSE = frozenset("document abstract itemize enumerate description figure figure* table table* tabular tabular* "
                   "tabularx longtable center flushleft flushright quote quotation verse minipage proof theorem "
                   "lemma proposition corollary definition remark example frame block thebibliography titlepage "
                   "subequations tikzpicture math".split())
_CODE = frozenset({"verbatim", "verbatim*", "Verbatim", "lstlisting", "minted", "comment"})
_PIECES = "cases|dcases|rcases|matrix|pmatrix|bmatrix|Bmatrix|vmatrix|Vmatrix|smallmatrix|array|subarray"
_OTHER_BEGIN = re.compile(r"\\begin[ \t]*\{(?!(?:" + _PIECES + r")\*?\})[A-Za-z]+\*?\}")
_OTHER_END = re.compile(r"\\end[ \t]*\{(?!(?:" + _PIECES + r")\*?\})([A-Za-z]+\*?)\}")
_INLINE = re.compile(r"(?<!\\)(?:\\\\)*(?:\$|\\[\[(])")  # $, \( or \[ (not \\[2pt]): prose, or a display
# A skip marker: alone on the line before a display (blank lines between), or a comment opening its body.
_SKIP_BEFORE = re.compile(r"^[^\S\n]*(?:<!--[ \t]*derive:[ \t]*skip[ \t]*-->[^\S\n]*|%[ \t]*derive:[ \t]*skip\b[^\n]*)"
                          r"\n\s*", re.MULTILINE)
_SKIP_INSIDE = re.compile(r"\s*(?:\\begin[ \t]*\{[A-Za-z]+\*?\}\s*)*%[ \t]*derive:[ \t]*skip\b")

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
_AMPERSAND = re.compile(r"(\\begin\{([bp]?matrix)\}.*?\\end\{\2\})|(?<!\\)&", re.S)  # a matrix keeps its &


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
    and rows; `error` is set (and rows empty) when the block is never closed or its environment is
    not read; `skip` when the author marked it ``derive: skip`` (never set on an unclosed block)."""

    start_line: int
    env: str
    rows: tuple[Row, ...]
    error: str | None = None
    skip: bool = False


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
    environment of ENVIRONMENTS (also inside $$: the block then takes its name). Inline $$...$$
    (within one line), fenced code and verbatim environments are skipped.

    >>> text = "Let $$n_l$$ be.\\n$$\\n\\\\begin{align*}a&=b\\\\\\\\ &=c\\\\end{align*}\\n$$"
    >>> [b.env for b in display_equations(text)]
    ['align*']
    """
    cursor, blocks, pos, ahead = _Cursor(text), [], 0, _Ahead(text)
    marks = frozenset(m.end() for m in _SKIP_BEFORE.finditer(text)) if "derive:" in text else None
    found = [_search(kind, text, 0) for kind in _KINDS]
    while any(found):
        match = min(filter(None, found), key=re.Match.start)
        kind, pos = _KINDS[found.index(match)], match.end()
        env = "$$" if kind == "dollars" else "```" if kind == "fence" else "\\[" if match.group(1) else match.group(2)
        if kind == "backslash" and cursor.in_inline_math(match.start()):
            pass  # inside inline $$...$$: part of the sentence
        elif kind == "fence" or env in _CODE:
            end = _LINE_START["fence"][0].search(text, pos) if kind == "fence" else _find(_closer(env), text, pos)
            pos = end.end() if end else len(text)
        elif env in _READ or kind == "dollars" or match.group(1):
            line = cursor.line_at(pos)
            closing = _find(_closer(env), text, pos)
            if closing is None:
                opener = f"\\begin{{{env}}}" if env in ENVIRONMENTS else env
                blocks.append(Block(line, env, (), f"unterminated {opener} block opened at line {line}"))
                break
            blocks.append(_marked(_block(text, pos, closing.start(), env, line), text, match, marks))
            pos = closing.end()
            cursor.after_block(pos)
        elif (closing := _unread(text, match, ahead)) is not None:
            block = Block(cursor.line_at(pos), env, (), f"the environment {env} is not read")
            blocks.append(_marked(block, text, match, marks))
            pos = closing.end()
            cursor.after_block(pos)
        found = [m if m is None or m.start() >= pos else _search(k, text, pos) for k, m in zip(_KINDS, found)]
    return blocks


def _marked(block: Block, text: str, opener: re.Match, marks: frozenset[int] | None) -> Block:
    """The block, skipped when a marker stands on the last non-blank line before its opener or opens its body."""
    start = opener.end() - 2 if opener.group().endswith("$$") else opener.start()
    if marks is not None and (start in marks or _SKIP_INSIDE.match(text, opener.end())):
        return replace(block, skip=True)
    return block


class _Ahead:
    """The next unescaped match of a pattern at or after positions that only move forward: a stretch of
    text is searched once however many environments ask, so the scan stays linear."""

    def __init__(self, text: str):
        self.text, self.memo = text, {}  # type: str, dict[re.Pattern, tuple[int, re.Match | None]]
    def find(self, pattern: re.Pattern, pos: int) -> re.Match | None:
        since, match = self.memo.get(pattern, (-1, None))
        if since < 0 or pos < since or (match is not None and pos > match.start()):
            match = _find(pattern, self.text, pos)
            self.memo[pattern] = (pos, match)
        return match


def _unread(text: str, begin: re.Match, ahead: _Ahead) -> re.Match | None:
    """The \\end of an environment derive does not read that looks like a formula (not prose, code or a piece
    of a formula; an = sign; no other environment, no $, \\( or \\[ inside), or None."""
    env = begin.group(2)
    if env in _PROSE or env.rstrip("*") in _PIECES.split("|"):
        return None
    end, inner = ahead.find(_OTHER_END, begin.end()), ahead.find(_OTHER_BEGIN, begin.end())
    if end is None or end.group(1) != env or (inner is not None and inner.start() < end.start()):
        return None
    body = text[begin.end():end.start()]
    return end if "=" in body and not _INLINE.search(body) else None


def _block(text: str, start: int, end: int, env: str, line: int) -> Block:
    """Unwrap environments that fill the whole block (dropping their arguments), then split it into rows."""
    first = start = _after_argument(text, start, end, env)
    while (begin := _BEGIN.match(text, start, end)) and begin.group(1) in ENVIRONMENTS:
        closing = "\\end{" + begin.group(1) + "}"
        while end > begin.end() and text[end - 1].isspace():
            end -= 1
        if end - len(closing) < begin.end() or not text.startswith(closing, end - len(closing)):
            break
        env, end = begin.group(1), end - len(closing)
        start = _after_argument(text, begin.end(), end, env)
    rule = _READ[env][0] if env in _READ else ROWS
    return Block(line, env, tuple(_rows(text[start:end], line + text.count("\n", first, start), rule)))


def _after_argument(text: str, start: int, end: int, env: str) -> int:
    """Where the body of env starts: after its argument ({n} of alignat, [t] of aligned), if any."""
    argument = _ARGUMENT.get(env)
    match = argument.match(text, start, end) if argument else None
    return match.end() if match else start


def _rows(body: str, line: int, rule: str) -> list[Row]:
    """Rows of a block body whose first line is `line`, split at \\ outside braces (not at all under the ONE
    rule, where \\ breaks a line); comments blanked, & marks removed, empty rows dropped."""
    if "%" in body:
        body = _COMMENT.sub(lambda m: m.group()[:m.start(1) - m.start()] + " " * len(m.group(1)), body)
    if rule == ONE:
        body = _BREAK.sub(lambda m: " " * len(m.group()), body)
    parts = _BREAK.split(body)  # row, break, row, break, ..., row
    rows, depth, row_start, offset, counted = [], 0, 0, 0, 0
    for i in range(0, len(parts), 2):
        piece = parts[i]
        depth += piece.count("{") - piece.count("}") + piece.count("\\begin{cases}") - piece.count("\\end{cases}")
        depth += piece.count("\\}") - piece.count("\\{")
        depth = max(depth, 0)
        end = offset + len(piece)
        offset = end + (len(parts[i + 1]) if i + 1 < len(parts) else 0)
        if depth and i + 1 < len(parts):
            continue  # a \\ inside braces does not end the row
        raw = body[row_start:end]
        clean = raw if "&" not in raw else _AMPERSAND.sub(lambda m: m.group(1) or " ", raw)
        text = clean.lstrip()
        if text:
            first = row_start + len(clean) - len(text)
            line += body.count("\n", counted, first)
            counted = first
            go_on = rule == CHAIN and _CONTINUES.match(raw) is not None  # an align row that starts with &=
            rows += [Row(line, eq, go_on and not n) for n, eq in enumerate(equations(text.rstrip()))]
        row_start = offset
    return rows
