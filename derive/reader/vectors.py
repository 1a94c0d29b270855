"""Scripts of vector form: transposes, and the subscript of a norm.

A transpose is written as a superscript: T, \\top, \\intercal, \\mathsf{T}, \\mathrm{T}, alone (W^T, W^{\\top},
(W^{(l)})^T) or after the layer in one group (W^{(l)T}, a^{(l)\\top}, W^{l\\,T}); T is never a power or a layer.

The prime rule: a prime means the transpose only on a weight matrix W or w written without unit indices
(W', W^{(l)\\prime}, (W^{(l)})'), because a weight is never differentiated as a function. On anything else
it is the derivative of a function (f', σ', g', as derive.reader.notation reads it), and on a parenthesised
expression other than a weight it is refused: one reading or an error, never both.

A norm takes the subscript F (Frobenius) or 2 (Euclidean), both the sum of squared entries under the root,
so it is dropped: \\|W^{(l)}\\|_F^2 is Pow(Norm(W^{(l)}), 2). Any other subscript is refused.
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from derive.reader.ast import Kronecker, Node, Norm, Num, Pow, Sym, Transpose
from derive.reader.batch import is_batch
from derive.reader.notation import LAYERED, SAMPLED
from derive.reader.tokens import Tok, fail

if TYPE_CHECKING:
    from derive.reader.parse import _Parser

__all__ = ["ALONE", "AFTER_LAYER", "WEIGHTS", "transposed", "transpose", "scripts"]

ALONE, AFTER_LAYER = "alone", "after the layer"  # how a transpose was written in a superscript
WEIGHTS = frozenset({"W", "w"})  # the names a prime transposes
_NORMS = (Sym("F"), Num(Fraction(2)))


def _mark(tok: Tok, weight: bool) -> bool:
    """Whether ``tok`` writes a transpose (a prime does on a weight only)."""
    return tok.kind == "transpose" or (tok.kind == "name" and tok.text == "T") or (
        weight and tok.kind in ("'", "prime"))


def _closing(toks: list[Tok], start: int, opener: str, closer: str) -> int | None:
    """The index of the token that closes the one at ``start``, or None."""
    depth = 0
    for k in range(start, len(toks)):
        depth += (toks[k].kind == opener) - (toks[k].kind == closer)
        if depth == 0:
            return k
    return None


def transposed(p: _Parser, name: str | None) -> str | None:
    """After ^: ALONE when a transpose is written alone (consumed: ^T, ^{\\top}, and ^\\prime on a weight),
    AFTER_LAYER when it follows the layer of ``name`` in one group (moved out: ^{(l)T} becomes ^{(l)}T), None
    when there is none. ``name`` None: the superscript of a parenthesised expression (only ALONE)."""
    toks, i, weight = p.toks, p.i, name in WEIGHTS
    if _mark(toks[i], weight):
        p.i += 1
        return ALONE
    end = _closing(toks, i, "{", "}") if toks[i].kind == "{" else None
    if end is None:
        return None
    if end == i + 2 and _mark(toks[i + 1], weight):
        p.i = end + 1
        return ALONE
    if name is None or (name not in LAYERED | SAMPLED and not is_batch(name)):
        return None
    if end > i + 2 and _mark(toks[end - 1], weight):
        toks[end - 1], toks[end] = toks[end], toks[end - 1]  # the caller reads ^{(l)} and steps over the mark
        return AFTER_LAYER
    shut = _closing(toks, i + 1, "(", ")") if toks[i + 1].kind == "(" else None
    if shut is not None and shut < end - 1:  # W^{(l)Q}
        raise fail(f"{toks[shut + 1]} after the layer of {name}: only a transpose (T, \\top) may follow it",
                   toks[shut + 1].col)
    return None


def transpose(node: Node, col: int) -> Transpose:
    """The transpose of ``node``; refused on an entry (W_{ij}^T: an entry is a number)."""
    if isinstance(node, Kronecker) or (isinstance(node, Sym) and node.sub):
        raise fail(f"a transpose of the entry {node}: write the whole matrix or vector, without indices", col)
    return Transpose(node)


def scripts(p: _Parser, node: Node) -> Node:
    """The scripts of ``node`` when it is not a name: a transpose, a prime on a weight, a power; F or 2 under
    a norm, before or after its power."""
    given, named = node, _norm_subscript(p, node)
    tok = p.peek()
    if tok.kind == "'" or (tok.kind == "^" and p.peek(1).kind in ("prime", "{") and _primed(p)):
        p.i += tok.kind == "'"
        if not (isinstance(node, Sym) and node.name in WEIGHTS and not node.sub):
            raise fail(f"a prime on ({node}) is read only as the transpose of a weight W: write ^T, or f'(z)",
                       tok.col)
        node = transpose(node, tok.col)
    elif tok.kind == "^":
        p.next()
        node = transpose(node, tok.col) if transposed(p, None) == ALONE else Pow(node, p.arg(tok))
    if not named and isinstance(node, Pow):
        named = _norm_subscript(p, node.base)
    if p.peek().kind in ("^", "_", "'") and (named or node is not given):
        raise fail(f"double script after {node}", p.peek().col)
    if p.peek().kind == "_":
        raise fail(f"subscript on {node}", p.peek().col)
    return node


def _primed(p: _Parser) -> bool:
    """At ^: whether \\prime or {\\prime} follows (consumed with the ^)."""
    p.next()
    if p.primed():
        return True
    p.i -= 1
    return False


def _norm_subscript(p: _Parser, node: Node) -> bool:
    """Consume _F or _2 after a norm (and say so); any other subscript is an error."""
    if not (isinstance(node, Norm) and p.peek().kind == "_"):
        return False
    script = p.next()
    kind = p.arg(script)
    if kind not in _NORMS:
        raise fail(f"a norm with the subscript {kind}: derive reads \\|x\\|_F and \\|x\\|_2 (the sum of squared "
                   "entries under the root) only", script.col)
    return True
