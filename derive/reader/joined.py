"""Two equations in one display row, split into one row each: each is a claim of its own.

People join equations with a wide space or a word between them: ``a = b, \\qquad c = d``,
``a = b, \\quad c = d``, ``a = b \\qquad c = d``, ``a = b \\quad\\text{and}\\quad c = d``,
``a = b \\text{where } c = d``, ``a = b \\quad\\text{with}\\quad c = d``. A join is a run, outside any
brackets, of spacing, at most one comma and at most one such word, that holds \\qquad, a comma and \\quad,
or the word; it splits the row only where both sides hold an "=" and what follows is no layer qualifier
(``\\quad \\text{for } l = …``, ``\\forall l``, ``, \\quad l = 2, \\dots``), which stays with its row.
"""

from __future__ import annotations

import re

__all__ = ["equations"]

# One lexeme each: \text{…} (braces not nested), a control word or symbol, any other character.
_LEXEME = re.compile(r"\\(?:text|textrm|textnormal|mbox)\s*\{[^{}]*\}|\\[A-Za-z]+|\\[\s\S]|[\s\S]")
_SPACE = frozenset({"\\,", "\\;", "\\:", "\\!", "\\ ", "\\quad", "\\qquad", "~"})
_WORD = re.compile(r"\\[a-z]+\s*\{[\s,]*(?:and|where|with)[\s,]*\}")
_OPEN = frozenset({"{", "(", "[", "\\{", "\\begin", "\\lVert"})
_CLOSE = frozenset({"}", ")", "]", "\\}", "\\end", "\\rVert"})
_EQUALS = frozenset({"=", "\\equiv", "\\triangleq", "\\coloneqq", "\\eqqcolon"})
_QUALIFIER = re.compile(r"\\text|\\textrm|\\mbox|\\forall(?![A-Za-z])|l(?![A-Za-z0-9_^'{])")


def equations(row: str) -> list[str]:
    """The equations of one row, in order (the row itself when it holds one).

    >>> equations(r"a = b, \\qquad c = d \\quad \\text{for } l < n_l")
    ['a = b', 'c = d \\\\quad \\\\text{for } l < n_l']
    """
    lexemes = [(m.start(), m.group()) for m in _LEXEME.finditer(row)]
    depths, depth = [], 0  # the depth before each lexeme
    for _, lexeme in lexemes:
        depths.append(depth)
        depth = max(0, depth + (lexeme in _OPEN) - (lexeme in _CLOSE))
    signs = [k for k, (_, lexeme) in enumerate(lexemes) if depths[k] == 0 and lexeme in _EQUALS]
    pieces, start, seen, k = [], 0, False, 0
    while k < len(lexemes):
        end = _run(lexemes, k) if depths[k] == 0 else k
        if end == k:
            seen |= depths[k] == 0 and lexemes[k][1] in _EQUALS
            k += 1
            continue
        after = lexemes[end][0] if end < len(lexemes) else len(row)
        if seen and signs[-1] >= end and _joins([s for _, s in lexemes[k:end]]) and not _QUALIFIER.match(row, after):
            pieces.append(row[start:lexemes[k][0]].strip())
            start, seen = after, False
        k = end
    return [*pieces, row[start:].strip()] if pieces else [row]


def _run(lexemes: list[tuple[int, str]], k: int) -> int:
    """Where a run of spacing, commas and joining words that starts at ``k`` ends (``k``: none starts there)."""
    end = k
    while end < len(lexemes) and (lexemes[end][1] in _SPACE or lexemes[end][1] in ",~" or
                                  lexemes[end][1].isspace() or _WORD.fullmatch(lexemes[end][1])):
        end += 1
    return end


def _joins(run: list[str]) -> bool:
    """Whether a run of spacing, commas and words joins two equations."""
    commas, words = run.count(","), sum(1 for s in run if _WORD.fullmatch(s))
    if commas > 1 or words > 1:
        return False
    return words == 1 or "\\qquad" in run or (commas == 1 and "\\quad" in run)
