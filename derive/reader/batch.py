"""The batch form's notation: a matrix written as its columns, the samples' quantities, the vector of ones.

``\\left[x^{(1)}, x^{(2)}, \\dots, x^{(m)}\\right]`` is read as ``Columns``, and so are
``\\begin{bmatrix} x^{(1)} & \\cdots & x^{(m)} \\end{bmatrix}`` (pmatrix, matrix), ``\\ldots``, ``\\cdots``
and columns separated by spaces only; a bracket holding a comma or an ellipsis is one, any other [·] keeps
its reading (derive.reader.conditions). ``a^{(l)(k)}``, ``z^{(l)(k)}`` and ``\\delta^{(l)(k)}`` are those
quantities at sample k (layer first, then the sample, both in parentheses). A capital letter other than W,
or \\Delta, with a layer written ^{(…)} names a batch matrix (A^{(l)}, Z^{(l+1)}, \\Delta^{(l)}): the parser
only reads the name, a row of the file must say what its columns are. ``\\mathbf{1}`` not followed by a
condition is the vector of m ones (``Sym("ones")``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from derive.reader.ast import Mul, Sym
from derive.reader.node import Columns, Node
from derive.reader.tokens import Tok, fail

if TYPE_CHECKING:
    from derive.reader.parse import _Parser

__all__ = ["is_batch", "listing", "columns", "layer_and_sample", "ones"]

_NOT_BATCH = frozenset({"W", "T", "F"})  # a weight; a transpose mark; a norm's F


def is_batch(name: str) -> bool:
    """Whether ``name`` with a layer ^{(…)} names a batch matrix: \\Delta, or a capital letter but W."""
    return name == "Delta" or (len(name) == 1 and name.isupper() and name not in _NOT_BATCH)


def listing(p: _Parser) -> bool:
    """After an opening [: whether a comma or an ellipsis stands between it and its ] (at its own depth)."""
    depth = 0
    for tok in p.toks[p.i:]:
        if tok.kind in ("(", "[", "{", "\\{"):
            depth += 1
        elif tok.kind in (")", "]", "}", "\\}"):
            if depth == 0:
                return False
            depth -= 1
        elif depth == 0 and tok.kind in (",", "dots"):
            return True
        elif tok.kind == "end":
            return False
    return False


def columns(p: _Parser, opener: Tok) -> Node:
    """The columns between ``opener`` and its ], separated by commas, one of them possibly an ellipsis."""
    saved = p.enter()
    items: list[Node] = []
    dots: int | None = None
    while p.peek().kind != "]":
        tok = p.peek()
        if tok.kind == "dots":
            p.next()
            if dots is not None:
                raise fail("a second ellipsis among the columns", tok.col)
            dots = len(items)
        else:  # columns separated by spaces only, [x^{(1)} \; x^{(2)} \; \cdots \; x^{(m)}], read as a product
            item = p.expr()
            spaced = isinstance(item, Mul) and all(isinstance(f, Sym) and f.sample is not None for f in item.factors)
            items.extend(item.factors if isinstance(item, Mul) and spaced else (item,))
        if p.peek().kind == ",":
            p.next()
        elif p.peek().kind != "dots" and tok.kind != "dots":
            break
    p.close(opener)
    p.leave(saved)
    if not items:
        raise fail("a matrix of columns without a column", opener.col)
    return p.power(Columns(tuple(items), dots))


def layer_and_sample(p: _Parser) -> tuple[Node, Node] | None:
    """At the superscript of a layered name: {(layer)(sample)} read (the layer, the sample), else None."""
    toks, i = p.toks, p.i
    if [t.kind for t in toks[i:i + 2]] != ["{", "("]:
        return None
    depth, k = 0, i + 1
    for k in range(i + 1, len(toks)):
        depth += (toks[k].kind == "(") - (toks[k].kind == ")")
        if depth == 0:
            break
    if toks[k + 1].kind != "(":
        return None
    p.next()
    layer, _ = p.group(p.next())
    sample, _ = p.group(p.next())
    if p.peek().kind != "}":
        raise fail(f"{p.peek()} after the sample: write a^{{(l)(k)}}", p.peek().col)
    p.next()
    return layer[0], sample[0]


def ones(p: _Parser, tok: Tok) -> Node | None:
    """\\mathbf{1} with no condition after it: the vector of m ones (and its transpose), else None."""
    if tok.text == "\\mathbb{1}" or p.peek().kind in ("_", "[", "(", "\\{"):
        return None
    return p.power(Sym("ones"))
