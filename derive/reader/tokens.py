"""Split one row of LaTeX math into tokens, the way TeX sees them in math mode.

Spacing, sizing (\\left, \\big...), \\label and alignment marks vanish here, so the parser
only ever sees what carries meaning; unknown macros and stray characters fail early. A
function of the registry (derive.primitives) is read wherever it is spelled: \\exp, \\ln,
\\operatorname{NAME}, \\mathrm{NAME}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.errors import ParseError
from derive.primitives import Function, reading

__all__ = ["GREEK", "OPERATORS", "CLOSERS", "DEFINES", "Tok", "fail", "tokenize"]

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu "
    "xi pi rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma "
    "Phi Psi Omega".split())
OPERATORS = frozenset(  # TeX's own \log-like macros; any other function name is spelled \operatorname{...}
    "arccos arcsin arctan arg cos cosh cot coth csc deg det dim exp gcd hom inf ker lg lim liminf limsup ln log "
    "max min Pr sec sin sinh sup tan tanh".split())
_NAMED = frozenset({"operatorname", "mathrm"})  # \operatorname{NAME}: a function called by its name

_SIZERS = frozenset("left right big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr".split())
_IGNORED = _SIZERS | {"displaystyle", "textstyle", "limits", "nolimits", "nonumber", "notag",
                      "quad", "qquad", ",", ";", "!", ":", " ", "\n", "\t", "\r"}
_ALIASES = {"cdot": "mul", "times": "mul", "{": "\\{", "}": "\\}", "lbrace": "\\{",
            "rbrace": "\\}", "lbrack": "[", "rbrack": "]", "|": "norm", "Vert": "norm",
            "lVert": "lnorm", "rVert": "rnorm", "frac": "frac", "dfrac": "frac", "tfrac": "frac",
            "sum": "sum", "partial": "partial", "prime": "prime",
            "equiv": "=", "triangleq": "=", "coloneqq": "=", "eqqcolon": "="}  # the last four: "is defined as"
DEFINES = frozenset({"\\equiv", "\\triangleq", "\\coloneqq", "\\eqqcolon", ":="})  # an "=" that defines
_CHARS = frozenset("+-=()[]{}^_',;/.")
CLOSERS = {"(": ")", "[": "]", "{": "}", "\\{": "\\}", "norm": "norm", "lnorm": "rnorm"}
_TOKEN = re.compile(r"(?P<ws>[ \t\r\n\f\v~&]+)|(?P<cs>\\(?:[A-Za-z]+|[\s\S]))"
                    r"|(?P<num>[0-9]+(?:\.[0-9]+)?)|(?P<ch>:=|[\s\S])")
_LABEL = re.compile(r"\*?[ \t\r\n]*\{[^{}]*\}")
_NAME = re.compile(r"\*?[ \t]*\{[ \t]*([A-Za-z]+)[ \t]*\}")


@dataclass(frozen=True)
class Tok:
    """One token and the 1-based column where it starts."""

    kind: str  # "name", "func" (always a call), "num", "frac", "sum", "partial", "prime", "mul", "norm", a char, "end"
    text: str
    col: int

    def __str__(self) -> str:
        return "end of row" if self.kind == "end" else f"'{self.text}'"


def fail(message: str, col: int) -> ParseError:
    """A ParseError that says where."""
    return ParseError(f"{message} at column {col}")


def _called(name: str) -> str:
    """The name a call is stored under: a function's own (\\ln is log), an activation's as written."""
    entry = reading(name)
    return entry.name if isinstance(entry, Function) else name


def _control(text: str, name: str, col: int, pos: int) -> tuple[Tok | None, int]:
    """The token of the control sequence \\name at ``col`` (None: it vanishes), and where reading goes on."""
    if name in _IGNORED:
        return None, pos
    if name in ("label", "tag"):
        label = _LABEL.match(text, pos)
        if label is None:
            raise fail(f"\\{name} without {{...}}", col)
        return None, label.end()
    if name in _ALIASES:
        return Tok(_ALIASES[name], "\\" + name, col), pos
    if name in GREEK:
        return Tok("name", name, col), pos
    if name == "mathcal":  # \mathcal{L}: a loss written in calligraphic type is read as the letter
        word = _NAME.match(text, pos)
        if word is None:
            raise fail("\\mathcal without {...}", col)
        return Tok("name", word.group(1), col), word.end()
    if name in _NAMED:
        word = _NAME.match(text, pos)
        if word is None or reading(word.group(1)) is None:
            raise fail(f"unknown function \\{name}{{...}}", col)
        return Tok("func", _called(word.group(1)), col), word.end()
    if reading(name) is not None:
        return Tok("func", _called(name), col), pos
    if name == "\\":
        raise fail("unexpected row break \\\\", col)
    raise fail(f"unknown macro \\{name}", col)


def _character(s: str, col: int) -> Tok:
    """The token of one character that is not a letter, digit or space."""
    if s == "*":
        return Tok("mul", s, col)
    if s == ":=":
        return Tok("=", s, col)
    if s in _CHARS:
        return Tok(s, s, col)
    if s == "|":
        raise fail("absolute value |...| is not supported (use \\| for a norm)", col)
    raise fail(f"unexpected character {s!r}", col)


def tokenize(text: str) -> list[Tok]:
    """Split a row into tokens, dropping spacing, sizing and labels (TeX: spaces never matter in math)."""
    toks: list[Tok] = []
    pos, after_sizer = 0, False
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None  # the last alternative matches any character
        kind, s, col, pos = match.lastgroup, match.group(), pos + 1, match.end()
        if kind == "ws":
            continue
        if after_sizer and s == ".":  # \left. and \right. are invisible delimiters
            after_sizer = False
            continue
        after_sizer = kind == "cs" and s[1:] in _SIZERS
        if kind == "cs":
            tok, pos = _control(text, s[1:], col, pos)
        elif kind == "num":
            tok = Tok("num", s, col)
        elif s.isascii() and s.isalpha():
            tok = Tok("name", s, col)
        else:
            tok = _character(s, col)
        if tok is not None:
            toks.append(tok)
    while toks and toks[-1].kind in (",", "."):  # sentence punctuation after a display row
        toks.pop()
    toks.append(Tok("end", "", len(text) + 1))
    return toks
