"""Vector and matrix form, lowered to index form: shapes first, then one equation per entry.

A layer quantity written without unit indices is a vector (z^L, a^L, δ^L: s_L
entries; b^L: s_{L+1}; x: s_1; y, h_{W,b}(x): s_{n_l}) or a matrix (W^L:
s_{L+1} × s_L). Every product, sum, transpose, entrywise (Hadamard) product and
gradient gets a shape in terms of the layer widths, compared as expressions of l
and n_l — so a transpose that fits only where two layers happen to be equally
wide is a shape failure naming both shapes, never a pass on square test
networks. An equation between vectors or matrices becomes the equation between
their entries (i, j), with fresh free indices: index typing, the exact check and
the all-widths proof then apply to it unchanged.

The batch form (samples as columns) is read where the file defines it: a row X = [x^{(1)}, …, x^{(m)}] names X
(checks.aliases puts the columns in its place), and a matrix of columns is s × m, column k the quantity of sample
k (a^{(l)(k)}: the forward pass of (x^{(k)}, y^{(k)})). The samples are a dimension of their own, written m; \\mathbf{1}
is the vector of m ones. A batch name no row defines (A^{(l)} alone) is not read, never guessed. A vector added to
an s × m matrix (broadcasting, W A + b) is a shape failure: written b \\mathbf{1}^T, the sum is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

from derive.errors import NotUnderstood
from derive.meaning.indices import INDEX_LETTERS, ShapeError, is_m, layer_text, layer_value
from derive.reader.ast import (
    Add,
    Call,
    Columns,
    Derivative,
    Frac,
    Hadamard,
    Kronecker,
    Mul,
    Neg,
    Node,
    Norm,
    Num,
    Pow,
    Qualified,
    Sum,
    Sym,
    Transpose,
    Var,
    descendants,
    rebuild,
)
from derive.reader.batch import is_batch

__all__ = ["Shape", "lower_equation", "shape_of"]

Layer = Node  # a layer as written: l, l + 1, n_l, 2
Entry = Callable[[Node | None, Node | None], Node]  # (row index, column index) -> the entry
VECTORS = {"z": 0, "a": 0, "delta": 0, "b": 1}  # the layer of their units, relative to the superscript
MATRICES = frozenset({"W", "w"})
SAMPLED = frozenset({"x", "y", "a", "z", "delta"})  # what a column of a batch matrix may be, at sample k
SAMPLES = Var("m")  # the samples as a dimension: m of them
_PROBES = ({"l": 2, "n_l": 5}, {"l": 3, "n_l": 9}, {"l": 7, "n_l": 11})  # three points fix a linear layer


@dataclass(frozen=True)
class Shape:
    """Rows and columns, each a layer (s_L of them) or None (one)."""

    rows: Layer | None = None
    cols: Layer | None = None

    @property
    def scalar(self) -> bool:
        return self.rows is None and self.cols is None

    def __str__(self) -> str:
        if self.scalar:
            return "a number"
        if self.cols is None:
            return f"has {_width(self.rows)} entries"
        return f"is {_width(self.rows) if self.rows is not None else 1} × {_width(self.cols)}"

    def same(self, other: Shape) -> bool:
        return _same(self.rows, other.rows) and _same(self.cols, other.cols)


def _width(layer: Layer | None) -> str:
    if is_m(layer):
        return "m"
    text = layer_text(layer) if layer is not None else "1"
    return f"s_{text}" if len(text) == 1 else f"s_{{{text}}}"


def _key(layer: Layer) -> tuple:
    try:
        return tuple(layer_value(layer, {"l": p["l"]}, p["n_l"]) for p in _PROBES)
    except NotUnderstood:
        return (str(layer),)


def _same(p: Layer | None, q: Layer | None) -> bool:
    return (p is None) == (q is None) and (p is None or _key(p) == _key(q))  # type: ignore[arg-type]


def _at(*indices: Node | None) -> tuple[Node, ...]:
    """The unit indices of an entry: every one there (a vector has no column index to give)."""
    assert all(i is not None for i in indices)
    return tuple(i for i in indices if i is not None)


def _plus(layer: Node, k: int) -> Node:
    if k == 0:
        return layer
    if isinstance(layer, Num):
        return Num(layer.value + k)
    return Add((layer, Num(Fraction(k))))


@dataclass(frozen=True)
class _Form:
    shape: Shape
    entry: Entry


class _Lower:
    def __init__(self, used: set[str]):
        self.free = iter([v for v in sorted(INDEX_LETTERS, key="ijkpqrtuv".index) if v not in used])

    def fresh(self) -> Var:
        try:
            return Var(next(self.free))
        except StopIteration:
            raise NotUnderstood("too many products to write entry by entry (index letters run out)") from None

    def form(self, node: Node) -> _Form:  # noqa: C901 - one case per node class
        if isinstance(node, Sym) and not node.sub and node.sup is not None and node.name in MATRICES:
            return _Form(Shape(_plus(node.sup, 1), node.sup), lambda i, j: Sym(node.name, _at(i, j), node.sup))
        if isinstance(node, Sym) and not node.sub and (
                (node.sup is not None and node.name in VECTORS) or node.name in ("x", "y")):
            layer = Num(Fraction(1)) if node.name == "x" else Var("n_l") if node.name == "y" else \
                _plus(node.sup, VECTORS[node.name])  # type: ignore[arg-type]
            return _Form(Shape(layer), lambda i, j: Sym(node.name, _at(i), node.sup, node.sample))
        if isinstance(node, Columns):
            return self.columns(node)
        if isinstance(node, Sym) and node.name == "ones" and not node.sub:
            return _Form(Shape(SAMPLES), lambda i, j: Num(Fraction(1)))
        if isinstance(node, Sym) and is_batch(node.name) and not node.sub and (node.sup or node.name in "XY"):
            raise NotUnderstood(f"{node} is not defined: a batch matrix is read where a row of the file gives its "
                                f"columns, as in {node} = \\left[…^{{(1)}}, \\dots, …^{{(m)}}\\right]")
        if isinstance(node, Call) and node.name == "h":
            if node.sub not in ((), (Sym("W"), Sym("b")), (Sym("w"), Sym("b"))) or node.args != (Sym("x"),):
                raise NotUnderstood(f"{node}: h is read only at its parameters (W,b), of x")
            return _Form(Shape(Var("n_l")), lambda i, j: Sym("a", _at(i), Var("n_l")))
        if isinstance(node, Transpose):
            inner = self.form(node.x)
            return _Form(Shape(inner.shape.cols, inner.shape.rows), lambda i, j: inner.entry(j, i))
        if isinstance(node, Add):
            return self.same_shape(node, [self.form(t) for t in node.terms], lambda es: Add(tuple(es)))
        if isinstance(node, Hadamard):
            forms = [self.form(f) for f in node.factors]
            return self.same_shape(node, forms, lambda es: Mul(tuple(es)))
        if isinstance(node, Neg):
            inner = self.form(node.x)
            return _Form(inner.shape, lambda i, j: Neg(inner.entry(i, j)))
        if isinstance(node, Mul):
            out = self.form(node.factors[0])
            for f in node.factors[1:]:
                out = self.product(out, self.form(f), node)
            return out
        if isinstance(node, Frac):
            num, den = self.form(node.num), self.form(node.den)
            self.need_scalar(den, node.den, "a denominator")
            return _Form(num.shape, lambda i, j: Frac(num.entry(i, j), node.den))
        if isinstance(node, Pow) and isinstance(node.base, Norm):
            return self.norm(node)
        if isinstance(node, Pow):
            self.need_scalar(self.form(node.base), node.base, "a power's base")
            return _Form(Shape(), lambda i, j: node)
        if isinstance(node, Sum):
            body = self.form(node.body)
            return _Form(body.shape, lambda i, j: Sum(node.var, node.lower, node.upper, body.entry(i, j)))
        if isinstance(node, Call) and node.name == "diag":
            (v,) = [self.form(a) for a in node.args]
            if v.shape.cols is not None or v.shape.rows is None:
                raise ShapeError(f"{_said(node)}: diag takes a vector; {node.args[0]} {v.shape}")
            return _Form(Shape(v.shape.rows, v.shape.rows), lambda i, j: Mul((v.entry(i, None), Kronecker(*_at(i, j)))))
        if isinstance(node, Call) and node.name != "J":  # f, f', σ, exp, …: entry by entry
            forms = [self.form(a) for a in node.args]
            shaped = [f for f in forms if not f.shape.scalar]
            if not shaped:
                return _Form(Shape(), lambda i, j: node)
            return _Form(shaped[0].shape, lambda i, j: Call(node.name, tuple(f.entry(i, j) for f in forms),
                                                            node.sub, node.sup, node.semicolon))
        if isinstance(node, Derivative) and node.body is not None and not node.wrt.sub:
            return self.gradient(node)
        return _Form(Shape(), lambda i, j: node)  # a number, an indexed quantity, J's value: one entry

    def same_shape(self, node: Node, forms: list[_Form], build: Callable[[list[Node]], Node]) -> _Form:
        shaped = [f for f in forms if not f.shape.scalar]
        if isinstance(node, Add) and shaped and len(shaped) < len(forms):
            raise ShapeError(f"{_said(node)} adds a number to something that {shaped[0].shape}")
        for f, g in itertools.pairwise(shaped):
            if not f.shape.same(g.shape):
                broadcast = {f.shape.cols, g.shape.cols} == {None, SAMPLES} and _same(f.shape.rows, g.shape.rows)
                hint = " (a vector is added to every column as b \\mathbf{1}^T)" if broadcast else ""
                raise ShapeError(f"{_said(node)}: one term {f.shape}, another {g.shape}{hint}")
        shape = shaped[0].shape if shaped else Shape()
        return _Form(shape, lambda i, j: build([f.entry(i, j) for f in forms]))

    def product(self, p: _Form, q: _Form, node: Node) -> _Form:
        if p.shape.scalar or q.shape.scalar:
            return _Form(q.shape if p.shape.scalar else p.shape, lambda i, j: Mul((p.entry(i, j), q.entry(i, j))))
        inner, rows = p.shape.cols, q.shape.rows
        if inner is None and rows is None:  # a column times a row: the outer product
            return _Form(Shape(p.shape.rows, q.shape.cols), lambda i, j: Mul((p.entry(i, None), q.entry(None, j))))
        if inner is None or rows is None or not _same(inner, rows):
            raise ShapeError(f"{_said(node)}: the left factor {p.shape}, the right {q.shape}, so they cannot be "
                             "multiplied")
        k = self.fresh()
        upper = _upper(inner)
        return _Form(Shape(p.shape.rows, q.shape.cols),
                     lambda i, j: Sum(k, Num(Fraction(1)), upper, Mul((p.entry(i, k), q.entry(k, j)))))

    def norm(self, node: Pow) -> _Form:
        assert isinstance(node.base, Norm)
        try:
            inner = self.form(node.base.x)
        except NotUnderstood:  # e.g. h_{W,b}(x^{(i)}): the norm is read as a whole (derive.meaning.arrays)
            return _Form(Shape(), lambda i, j: node)
        if inner.shape.scalar or node.exp != Num(Fraction(2)):
            return _Form(Shape(), lambda i, j: node)
        i, j = self.fresh(), self.fresh() if inner.shape.cols is not None else None
        body: Node = Pow(inner.entry(i, j), Num(Fraction(2)))
        for index, layer in ((j, inner.shape.cols), (i, inner.shape.rows)):
            if index is not None and layer is not None:
                body = Sum(index, Num(Fraction(1)), _upper(layer), body)
        return _Form(Shape(), lambda a, b: body)

    def columns(self, node: Columns) -> _Form:
        """[c^{(1)}, c^{(2)}, …, c^{(m)}]: s × m, column k the quantity c of sample k."""
        last = node.items[-1]
        listed = [replace(last, sample=Num(Fraction(k))) for k in range(1, len(node.items))]  # type: ignore[type-var]
        if not (isinstance(last, Sym) and last.name in SAMPLED and not last.sub and is_m(last.sample)
                and node.dots == len(node.items) - 1 and list(node.items[:-1]) == listed):
            raise NotUnderstood(f"{node}: derive reads a matrix of columns as [c^{{(1)}}, c^{{(2)}}, \\dots, "
                                "c^{(m)}], column k the quantity c (x, y, a^{(l)}, z^{(l)}, δ^{(l)}) of sample k")
        column = self.form(last)
        if column.shape.rows is None or column.shape.cols is not None:
            raise NotUnderstood(f"{node}: its columns are not vectors")
        return _Form(Shape(column.shape.rows, SAMPLES),
                     lambda i, j: self.form(replace(last, sample=j)).entry(i, None))

    def gradient(self, node: Derivative) -> _Form:
        """∂J/∂W^L, ∇_{W^L} J: the shape of what it differentiates, entry (i, j) the derivative by W^L_ij."""
        by = node.wrt if node.wrt.sup is not None or node.wrt.name != "a" else Sym("a", (), Var("n_l"))  # ∇_a C
        wrt = self.form(by)
        assert node.body is not None
        self.need_scalar(self.form(node.body), node.body, "what is differentiated")
        if wrt.shape.scalar:
            return _Form(Shape(), lambda i, j: node)
        return _Form(wrt.shape, lambda i, j: Derivative(wrt.entry(i, j), node.body))  # type: ignore[arg-type]

    @staticmethod
    def need_scalar(form: _Form, node: Node, what: str) -> None:
        if not form.shape.scalar:
            raise NotUnderstood(f"{what}, {_said(node)}, {form.shape}: derive reads it only as a number")


def _said(node: Node) -> str:
    """``node`` as a message quotes it: a matrix of columns by the batch name the file gave it (A^{(l+1)})."""
    return str(rebuild(node, lambda _, new: Sym(new.label, (), new.layer) if isinstance(new, Columns) and new.label
                       else None))


def _upper(layer: Layer) -> Node:
    """How far an index over ``layer``'s units runs: s_layer, or m over the samples."""
    return SAMPLES if is_m(layer) else Sym("s", (layer,))


def shape_of(node: Node) -> Shape:
    """The shape of an expression (a ShapeError where its parts do not fit)."""
    return _Lower(set()).form(node).shape


def _letters(*nodes: Node) -> set[str]:
    return {n.name for node in nodes for n in descendants(node) if isinstance(n, Var)}


def lower_equation(lhs: Node, rhs: Node) -> tuple[Node, Node, str] | None:
    """``lhs = rhs`` entry by entry, and which entry it is (e.g. "entry (i, j)"); None when both sides are
    numbers already. Raises ShapeError, naming both shapes, where the sides or their parts do not fit."""
    low = _Lower(_letters(lhs, rhs))
    rows, cols = low.fresh(), low.fresh()  # the free indices first: entry (i, j) where i and j are unused
    left, right = low.form(_bare(lhs)), low.form(_bare(rhs))
    if left.shape.scalar and right.shape.scalar:  # numbers; written entry by entry only where vectors meet inside
        if not any(isinstance(n, (Transpose, Hadamard)) for side in (lhs, rhs) for n in descendants(side)):
            return None
        return _qualified(lhs, left.entry(None, None)), _qualified(rhs, right.entry(None, None)), ""
    if not left.shape.same(right.shape):
        raise ShapeError(f"the left side {left.shape}, the right side {right.shape}")
    i = rows if left.shape.rows is not None else None
    j = cols if left.shape.cols is not None else None
    entry = "entry (" + ", ".join(str(v) for v in (i, j) if v is not None) + ")"
    return _qualified(lhs, left.entry(i, j)), _qualified(rhs, right.entry(i, j)), entry


def _bare(side: Node) -> Node:
    return side.x if isinstance(side, Qualified) else side


def _qualified(side: Node, lowered: Node) -> Node:
    """The lowered side with the layer qualifier the written one had (\\text{for } l < n_l)."""
    return replace(side, x=lowered) if isinstance(side, Qualified) else lowered
