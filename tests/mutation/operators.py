"""Mutation operators: single edits a careful reviewer would try on the seed's derivation.

An operator maps one side of a row (a tree of ``dsl``) to the trees that differ from it by one edit.
``mutants`` applies every operator to every side of every row of ``seed_rows.ROWS`` and keeps, per
operator, each distinct printing that differs from the row as printed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .dsl import (
    Add,
    Call,
    Data,
    Frac,
    H,
    Lam,
    Layer,
    Loss,
    M,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Row,
    Size,
    Sum,
    Sym,
    Term,
    fields,
    latex,
)
from .seed_rows import ROWS

__all__ = ["OPERATORS", "Mutant", "mutants", "rewrites"]

LETTERS = "ijk"  # the unit and sample letters an index may be changed to


def rewrites(node: Node, edit: Callable[[Node], Iterator[Node]]) -> Iterator[Node]:
    """Every tree obtained by applying ``edit`` at exactly one node (``edit(n)`` yields n's replacements)."""
    yield from edit(node)
    for name, k, child in fields(node):
        for new in rewrites(child, edit):
            if k is None:
                yield dataclasses.replace(node, **{name: new})  # type: ignore[type-var]
            else:
                items = getattr(node, name)
                yield dataclasses.replace(node, **{name: (*items[:k], new, *items[k + 1:])})  # type: ignore[type-var]


def _everywhere(edit: Callable[[Node], Iterator[Node]]) -> Callable[[Node], Iterator[Node]]:
    return lambda side: rewrites(side, edit)


def _without(factors: tuple[Node, ...], k: int) -> Node:
    rest = factors[:k] + factors[k + 1:]
    return rest[0] if len(rest) == 1 else Mul(rest)


def _drop_factor(test: Callable[[Node], bool]) -> Callable[[Node], Iterator[Node]]:
    def edit(n: Node) -> Iterator[Node]:
        if isinstance(n, Mul):
            yield from (_without(n.factors, k) for k, x in enumerate(n.factors) if test(x))
    return _everywhere(edit)


def _shift(layer: Layer) -> Iterator[Layer]:
    yield from (dataclasses.replace(layer, offset=layer.offset + d) for d in (-1, 1))


# ---------------------------------------------------------------- the edits


def _swap_w(n: Node) -> Iterator[Node]:
    if isinstance(n, Sym) and n.name == "W" and len(set(n.subs)) == 2:
        yield dataclasses.replace(n, subs=n.subs[::-1])


def _letter(n: Node) -> Iterator[Node]:
    """One index letter changed: a subscript, a sample superscript, or the letter a sum binds."""
    others = lambda c: (o for o in LETTERS if o != c)
    if isinstance(n, Sym):
        yield from (dataclasses.replace(n, subs=(*n.subs[:k], o, *n.subs[k + 1:]))
                    for k, c in enumerate(n.subs) for o in others(c))
    named = {Data: ("sub", "sample"), H: ("sample",), Loss: ("xs", "ys"), Sum: ("var",)}.get(type(n), ())
    if isinstance(n, Sum) and isinstance(n.upper, Layer):
        named = ()  # the layer l of the regulariser is not a unit or a sample
    for name in named:
        if getattr(n, name):
            yield from (dataclasses.replace(n, **{name: o}) for o in others(getattr(n, name)))


def _layer(n: Node) -> Iterator[Node]:
    if isinstance(n, Sym):
        yield from (dataclasses.replace(n, layer=layer) for layer in _shift(n.layer))


def _bound(n: Node) -> Iterator[Node]:
    if isinstance(n, Size):
        yield from (dataclasses.replace(n, layer=layer) for layer in _shift(n.layer))
    if isinstance(n, Sum) and isinstance(n.upper, Layer):
        yield from (dataclasses.replace(n, upper=layer) for layer in _shift(n.upper))


def _flip_sign(side: Node) -> Iterator[Node]:
    """Negate one term (or the whole side), or remove a leading minus."""
    def edit(n: Node) -> Iterator[Node]:
        if isinstance(n, Add):
            yield from (Add((*n.terms[:k], dataclasses.replace(t, sign=-t.sign), *n.terms[k + 1:]))
                        for k, t in enumerate(n.terms))
        if isinstance(n, Neg):
            yield n.x
    yield from rewrites(side, edit)
    if not isinstance(side, Neg):
        yield Neg(side)


def _drop_term(n: Node) -> Iterator[Node]:
    if isinstance(n, Add):
        for k in range(len(n.terms)):
            rest = n.terms[:k] + n.terms[k + 1:]
            only = rest[0]
            yield Add(rest) if len(rest) > 1 else (only.x if only.sign > 0 else Neg(only.x))


def _swap_difference(n: Node) -> Iterator[Node]:
    if isinstance(n, Add) and len(n.terms) == 2 and n.terms[0].sign > 0 > n.terms[1].sign:
        a, b = n.terms
        yield Add((dataclasses.replace(a, x=b.x), dataclasses.replace(b, x=a.x)))


def _add_bias(n: Node) -> Iterator[Node]:
    """Σ_k f(z_k^L) W_jk^L → Σ_k f(z_k^L) W_jk^L + b_j^L: the seed's dropped bias put back."""
    if isinstance(n, Sum) and isinstance(n.body, Mul):
        for w in n.body.factors:
            if isinstance(w, Sym) and w.name == "W" and w.subs[1] == n.var:
                yield Add((Term(1, n), Term(1, Sym("b", w.layer, w.subs[:1]))))


def _fprime_of_a(n: Node) -> Iterator[Node]:
    if isinstance(n, Call) and n.fn == "f'" and isinstance(n.arg, Sym) and n.arg.name == "z":
        yield Call("f'", dataclasses.replace(n.arg, name="a"))


def _lambda_over_m(n: Node) -> Iterator[Node]:
    if isinstance(n, Mul):
        yield from (Mul((*n.factors[:k], Frac(Lam(), M()), *n.factors[k + 1:]))
                    for k, x in enumerate(n.factors) if x == Lam())


def _is(cls: type, **attrs) -> Callable[[Node], bool]:
    return lambda n: isinstance(n, cls) and all(getattr(n, k) == v for k, v in attrs.items())


def _unwrap(cls: type, attr: str, **attrs) -> Callable[[Node], Iterator[Node]]:
    test = _is(cls, **attrs)
    return _everywhere(lambda n: iter([getattr(n, attr)] if test(n) else []))


OPERATORS: dict[str, Callable[[Node], Iterator[Node]]] = {
    "swap W subscripts": _everywhere(_swap_w),
    "change an index letter": _everywhere(_letter),
    "shift a layer superscript": _everywhere(_layer),
    "shift a sum bound": _everywhere(_bound),
    "flip a sign": _flip_sign,
    "drop f'": _drop_factor(_is(Call, fn="f'")),
    "f'(z) → f'(a)": _everywhere(_fprime_of_a),
    "drop 1/m": _drop_factor(_is(Frac, num=Num(1), den=M())),
    "½ → 1": _drop_factor(_is(Frac, num=Num(1), den=Num(2))),
    "λ/2 → λ": _unwrap(Frac, "num", num=Lam(), den=Num(2)),
    "λ → λ/m": _everywhere(_lambda_over_m),
    "drop a term": _everywhere(_drop_term),
    "swap the sides of a difference": _everywhere(_swap_difference),
    "drop a sum": _unwrap(Sum, "body"),
    "drop a square": _unwrap(Pow, "base", exp=2),
    "put the bias back": _everywhere(_add_bias),
}


@dataclass(frozen=True)
class Mutant:
    """Row ``index`` of ROWS replaced by ``row``, which differs from it by one edit of ``operator``."""

    operator: str
    index: int
    row: Row

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def latex(self) -> str:
        return latex(self.row)


def _squeeze(text: str) -> str:
    return "".join(text.split())


def mutants(operator: str, rows: tuple[Row, ...] = ROWS) -> list[Mutant]:
    """Every distinct mutant of ``operator``: one side of one row edited once, printed differently."""
    out: dict[tuple[int, str], Mutant] = {}
    for index, row in enumerate(rows):
        for name, side in row.sides().items():
            for new in OPERATORS[operator](side):
                mutant = Mutant(operator, index, dataclasses.replace(row, **{name: new}))
                key = (index, _squeeze(mutant.latex))
                if key[1] != _squeeze(latex(row)) and key not in out:
                    out[key] = mutant
    return list(out.values())
