"""Split one row of LaTeX math into tokens, the way TeX sees them in math mode.

Spacing, sizing (\\left, \\big...), \\label and alignment marks vanish here, so the parser
only ever sees what carries meaning; unknown macros and stray characters fail early. A
function of the registry (derive.primitives) is read wherever it is spelled: \\exp, \\ln,
\\operatorname{NAME}, \\mathrm{NAME}. Comparisons, \\mathbb{1}, \\text{…}, \\forall and a step written as
\\begin{cases} become tokens for derive.reader.conditions, which reads them or refuses them. Vector form:
\\top, \\intercal, \\mathsf{T} and \\mathrm{T} are the token "transpose"; \\odot, \\circ, \\bullet and .*
"hadamard"; \\mathbf, \\boldsymbol and \\bm vanish (bold type changes nothing); diag is a function however spelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derive.errors import ParseError
from derive.primitives import Function, reading

__all__ = ["GREEK", "OPERATORS", "CLOSERS", "DEFINES", "COMPARISONS", "Tok", "fail", "tokenize"]

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
            "equiv": "=", "triangleq": "=", "coloneqq": "=", "eqqcolon": "=",  # these four: "is defined as"
            "in": "in", "dots": "dots", "ldots": "dots", "cdots": "dots", "max": "max",  # \max(0, z) is ReLU
            "top": "transpose", "intercal": "transpose", "nabla": "nabla",
            "odot": "hadamard", "circ": "hadamard", "bullet": "hadamard"}
DEFINES = frozenset({"\\equiv", "\\triangleq", "\\coloneqq", "\\eqqcolon", ":="})  # an "=" that defines
_CHARS = frozenset("+-=()[]{}^_',;/.")
MAX_DIGITS = 1000  # of a number as written (an exact number a power may make is bounded apart)
# Comparisons, read only in an indicator (\mathbb{1}[z > 0]) or a row's layer qualifier (\text{for } l < n_l).
COMPARISONS = {">": ">", "<": "<", "gt": ">", "lt": "<", "geq": ">=", "ge": ">=", "geqslant": ">=", "leq": "<=",
               "le": "<=", "leqslant": "<=", "neq": "!=", "ne": "!="}
_ALIASES.update(dict.fromkeys((c for c in COMPARISONS if c.isalpha()), "cmp"))
_WORDS = frozenset({"text", "textrm", "textnormal", "mbox", "textit"})  # \text{for }: prose inside a row
_INDICATOR = re.compile(r"[ \t]*\{[ \t]*([A-Za-z0-9]+)[ \t]*\}")  # \mathbb{1}, \mathbf{1}
CLOSERS = {"(": ")", "[": "]", "{": "}", "\\{": "\\}", "norm": "norm", "lnorm": "rnorm"}
_TOKEN = re.compile(r"(?P<ws>[ \t\r\n\f\v~&]+)|(?P<cs>\\(?:[A-Za-z]+|[\s\S]))"
                    r"|(?P<num>[0-9]+(?:\.[0-9]+)?)|(?P<ch>:=|\.\*|[\s\S])")
_LABEL = re.compile(r"\*?[ \t\r\n]*\{(?:[^{}]|\{[^{}]*\})*\}")  # \tag{BP1}, \tag*{\text{BP1}}
_BOLD = re.compile(r"[ \t]*\{[ \t]*(\\?[A-Za-z0-9]+)[ \t]*\}")  # \mathbf{W}, \boldsymbol{\delta}, \mathbf{1}
_SANS = re.compile(r"[ \t]*(?:\{[ \t]*([A-Za-z]+)[ \t]*\}|([A-Za-z]))")  # \mathsf{T}, \mathsf T
_NAME = re.compile(r"\*?[ \t]*\{[ \t]*([A-Za-z]+)[ \t]*\}")


@dataclass(frozen=True)
class Tok:
    """One token and the 1-based column where it starts."""

    kind: str  # "name", "func" (always a call), "num", "frac", "sum", "partial", "prime", "mul", "norm", a char, "end",
    # and in vector form "transpose", "hadamard", "nabla"
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
    if name in _READERS:  # a macro with an argument: \mathcal{L}, \mathbb{1}, \text{for }
        return _READERS[name](text, name, col, pos)
    if name in _NAMED:
        word = _NAME.match(text, pos)
        if name == "mathrm" and word is not None and word.group(1) in ("T", "F"):  # a transpose; a norm's F
            return Tok("transpose" if word.group(1) == "T" else "name", word.group(1), col), word.end()
        if word is None or (reading(word.group(1)) is None and word.group(1) != "diag"):
            raise fail(f"unknown function \\{name}{{...}}", col)
        return Tok("func", _called(word.group(1)), col), word.end()
    if reading(name) is not None:
        return Tok("func", _called(name), col), pos
    if name == "\\":
        raise fail("unexpected row break \\\\", col)
    raise fail(f"unknown macro \\{name}", col)


def _calligraphic(text: str, name: str, col: int, pos: int) -> tuple[Tok, int]:
    """\\mathcal{L}: a loss written in calligraphic type is read as the letter."""
    word = _NAME.match(text, pos)
    if word is None:
        raise fail("\\mathcal without {...}", col)
    return Tok("name", word.group(1), col), word.end()


def _bold(text: str, name: str, col: int, pos: int) -> tuple[Tok | None, int]:
    """\\mathbf{W}, \\boldsymbol{\\delta}, \\bm{a}: the letter itself; \\mathbf{W^{(l)}} or \\bm W: the macro vanishes
    and what follows is read; \\mathbf{1} is the indicator, any other number is refused."""
    word = _BOLD.match(text, pos)
    if word is None:
        return None, pos
    letter = word.group(1).lstrip("\\")
    if letter.isdigit():
        return _indicator(text, name, col, pos)
    if len(letter) == 1 or (word.group(1)[0] == "\\" and letter in GREEK):
        return Tok("name", letter, col), word.end()
    return None, pos


def _sans(text: str, name: str, col: int, pos: int) -> tuple[Tok, int]:
    """\\mathsf{T} or \\mathsf T: a transpose; any other sans-serif letter is refused."""
    word = _SANS.match(text, pos)
    if word is None or (word.group(1) or word.group(2)) != "T":
        raise fail(f"\\{name} is read only as the transpose \\mathsf{{T}}", col)
    return Tok("transpose", "\\mathsf{T}", col), word.end()


def _indicator(text: str, name: str, col: int, pos: int) -> tuple[Tok, int]:
    """\\mathbb{1} or \\mathbf{1}: the indicator of the condition that follows; any other letter is refused."""
    word = _INDICATOR.match(text, pos)
    if word is None or word.group(1) != "1":
        shown = "" if word is None else f"{{{word.group(1)}}}"
        raise fail(f"\\{name}{shown} is not read (\\{name}{{1}}[z > 0] is the indicator of z > 0)", col)
    return Tok("indicator", f"\\{name}{{1}}", col), word.end()


def _words(text: str, name: str, col: int, pos: int) -> tuple[Tok, int]:
    """\\text{for } (prose in a row, as the token "text"), braces balanced; \\text{diag} is the function."""
    start = text.find("{", pos)
    if start < 0 or text[pos:start].strip():
        raise fail(f"\\{name} without {{...}}", col)
    depth, end = 0, start
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0) * (text[end - 1] != "\\")
        if depth == 0:
            words = text[start + 1:end]
            return (Tok("func", "diag", col) if words.strip() == "diag" else Tok("text", words, col)), end + 1
    raise fail(f"unclosed {{ of \\{name}", col)


def _environment(text: str, name: str, col: int, pos: int) -> tuple[Tok, int]:
    """\\begin{bmatrix} x^{(1)} & \\cdots & x^{(m)} \\end{bmatrix} (pmatrix, matrix): one row of columns, the token
    "matrix" that tokenize reads as [x^{(1)}, \\dots, x^{(m)}]; cases: see _cases."""
    begin = _ENVIRONMENT.match(text, pos)
    env = begin.group(1) if begin else ""
    end = text.find(f"\\end{{{env}}}", pos)
    if name != "begin" or env not in _MATRICES or end < 0 or begin is None:
        return _cases(text, name, col, pos)
    inner = text[begin.end():end]
    if "\\\\" in inner:
        raise fail(f"\\begin{{{env}}} with more than one row: derive reads a matrix written as its columns, "
                   f"\\begin{{{env}}} x^{{(1)}} & \\cdots & x^{{(m)}} \\end{{{env}}}", col)
    return Tok("matrix", inner, col), end + len(f"\\end{{{env}}}")


_MATRICES = frozenset({"bmatrix", "pmatrix", "matrix"})


def _cases(text: str, name: str, col: int, pos: int) -> tuple[Tok, int]:
    """\\begin{cases} 1 & z > 0 \\\\ 0 & \\text{otherwise} \\end{cases} (or 0 & z \\le 0, either row first): the
    unit step \\mathbb{1}[z > 0], as the text of a token "cases" that tokenize reads; nothing else is read."""
    begin = _ENVIRONMENT.match(text, pos)
    env = begin.group(1) if begin else ""
    end = text.find("\\end{cases}", pos)
    if name != "begin" or env != "cases" or end < 0:
        raise fail(f"\\{name}{{{env}}} is not read" + (" (only \\begin{cases} as a unit step)" if env else ""), col)
    rows = [_case(row) for row in re.split(r"\\\\", text[begin.end():end]) if row.strip()]  # type: ignore[union-attr]
    ones = [c for v, c in rows if v == "1" and c]
    if len(rows) != 2 or {v for v, _ in rows} != {"0", "1"} or not ones or not any(
            c is None or _opposite(c, ones[0]) for v, c in rows if v == "0"):
        raise fail("cannot read this cases: derive reads the unit step \\begin{cases} 1 & z > 0 \\\\ "
                   "0 & \\text{otherwise} \\end{cases}", col)
    return Tok("cases", f"\\mathbb{{1}}[{ones[0]}]", col), end + len("\\end{cases}")


def _case(row: str) -> tuple[str, str | None]:
    """One row of cases: its value and its condition (None: otherwise)."""
    found = _CASE.fullmatch(row.replace("&", " "))
    if found is None:
        return "", ""
    condition = found.group(2).strip()
    return found.group(1), None if re.fullmatch(_OTHERWISE, condition) else condition


def _opposite(c: str, d: str) -> bool:
    """Whether two conditions compare the same sides in opposite senses (z < 0 against z > 0: the kink aside)."""
    p, q = (_COMPARED.split(re.sub(r"\s+", "", x)) for x in (c, d))
    up = lambda op: COMPARISONS[op.lstrip("\\")] in (">", ">=")
    return len(p) == len(q) == 3 and p[0::2] == q[0::2] and up(p[1]) != up(q[1])


_READERS = {"mathcal": _calligraphic, "mathbb": _indicator, **dict.fromkeys(("mathbf", "boldsymbol", "bm"), _bold),
            "mathsf": _sans, "sf": _sans, **dict.fromkeys(_WORDS, _words), "begin": _environment, "end": _cases,
            "forall": lambda text, name, col, pos: (Tok("text", "for all", col), pos)}  # \forall l: a qualifier
_ENVIRONMENT = re.compile(r"[ \t]*\{([A-Za-z]+\*?)\}")
_CASE = re.compile(r"\s*([01])\s*,?\s*(?:\\(?:text|mbox|textrm)\{\s*(?:if|for|when)\s*\})?(.*?)[\s,.]*", re.S)
_OTHERWISE = r"\\(?:text|mbox|textrm)\{\s*(?:otherwise|else)\s*\}"
_COMPARED = re.compile(r"(>=|<=|>|<|\\(?:geq|ge|gt|leq|le|lt)(?![A-Za-z]))")


def _expand(tok: Tok) -> list[Tok]:
    """A token that stands for others: \\text{for $l < n_l$} (its words, then the math between the dollars)
    and cases (the indicator it is), tokenized at the token's column; a matrix of columns as [c1, c2, …]."""
    if tok.kind == "matrix":
        out = [Tok("[", "[", tok.col)]
        for k, cell in enumerate(tok.text.split("&")):
            out += [Tok(",", ",", tok.col)] * (k > 0) + [Tok(t.kind, t.text, tok.col) for t in tokenize(cell)[:-1]]
        return [*out, Tok("]", "]", tok.col)]
    parts = tok.text.split("$") if tok.kind == "text" else ["", tok.text]
    out = [Tok("text", " ".join(parts[0::2]), tok.col)] if tok.kind == "text" else []
    for math in parts[1::2]:
        out += [Tok(t.kind, t.text, tok.col) for t in tokenize(math)[:-1]]
    return out


def _character(s: str, col: int) -> Tok:
    """The token of one character that is not a letter, digit or space."""
    if s == "*":
        return Tok("mul", s, col)
    if s == ".*":
        return Tok("hadamard", s, col)
    if s in ("<", ">"):
        return Tok("cmp", s, col)
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
            if len(s) > MAX_DIGITS:
                raise fail(f"a number of {len(s):,} digits (at most {MAX_DIGITS:,})", col)
            tok = Tok("num", s, col)
        elif s.isascii() and s.isalpha():
            tok = Tok("name", s, col)
        else:
            tok = _character(s, col)
        if tok is not None:
            expands = tok.kind in ("cases", "matrix") or (tok.kind == "text" and "$" in tok.text)
            toks.extend(_expand(tok) if expands else (tok,))
    while toks and toks[-1].kind in (",", "."):  # sentence punctuation after a display row
        toks.pop()
    toks.append(Tok("end", "", len(text) + 1))
    return toks
