"""Index typing: the layer (or the samples) each unit index of an equation ranges over.

W^L_ij types i by layer L+1 (its rows) and j by layer L (its columns); b^L_i by
L+1; z^L_i, a^L_i, δ^L_i by L, also as the variable of a derivative (∂/∂a^L_j
types j by L, ∂/∂W^L_kj k by L+1); x_j by layer 1 and y_i by the output n_l; a sum
Σ_{j=1}^{s_T} types j by T and a sum to m ranges over the samples, as does the
sample k of x^{(k)}, y^{(k)}, a^{(l)(k)}, z^{(l)(k)} and δ^{(l)(k)}. An index
typed by two different layers is a shape error — different layers have
independent widths, so such an equation is wrong on some network even where
this one's widths agree — never an instance to skip. A sum written without
bounds (Σ_k) gets the range of the layer its index is typed by.

Typing runs on one network at one value of the free layer l: every layer
superscript is then a number. A quantity whose layer does not exist there
raises Unfit (that l is outside the equation's domain), and so does a layer the
row's qualifier excludes (\\text{for } l < n_l: derive.reader.conditions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

from derive.errors import DeriveError, NotUnderstood
from derive.meaning.symbols import Unfit
from derive.reader.ast import (
    Add,
    Derivative,
    Kronecker,
    Mul,
    Neg,
    Node,
    Num,
    Sum,
    Sym,
    Var,
    children,
    descendants,
    rebuild,
)
from derive.reader.node import admitted

__all__ = ["ShapeError", "Typing", "SAMPLES", "type_indices", "layer_value", "is_width",
           "LAYER_SPAN", "INDEX_LETTERS", "over_layers", "is_m", "letters", "layer_text"]

SAMPLES = "samples"  # the type of an index that runs over the samples 1..m
DEEPEST = 12  # depths tried to see whether a layer such as n_l+1 exists on some network
INDEX_LETTERS = frozenset("ijkpqrtuv")  # unit indices; l is the layer
# The layers a superscript L may take on a network of n_l layers, per quantity.
LAYER_SPAN: dict[str, Callable[[int], range]] = {
    "W": lambda n: range(1, n), "w": lambda n: range(1, n), "b": lambda n: range(1, n),
    "z": lambda n: range(2, n + 1), "a": lambda n: range(1, n + 1), "delta": lambda n: range(2, n + 1)}


class ShapeError(DeriveError):
    """An index used with two layers, or a shape that does not fit: a failure, with both shapes named."""


@dataclass(frozen=True)
class _Use:
    """One place an index is typed: its layer (or SAMPLES), the layer as written, and how to say it."""

    layer: int | str
    written: Node | None
    quantity: Node | str  # e.g. W_{ji}^{l}, or a sum's bound; written out only for a message
    role: str  # rows, columns, units, or "" for a sum's bound

    @property
    def where(self) -> str:
        """The quantity, e.g. W_{ji}^{l}."""
        return str(self.quantity)

    @property
    def base(self) -> str:
        """The quantity without its indices, e.g. W^{l}."""
        q = self.quantity
        return str(replace(q, sub=(), sample=None)) if isinstance(q, Sym) else str(q)


@dataclass(frozen=True)
class Typing:
    """The result: each free unit index's type (None: used in no typed place), and the equation's
    sides with every bound-less sum given the bounds of its index's type."""

    free: dict[str, int | str | None]
    lhs: Node
    rhs: Node


def layer_value(node: Node, layers: dict[str, int], n_l: int) -> int:
    """A layer written as an expression of n_l, the layer variables and whole numbers."""
    if isinstance(node, Num) and node.value.denominator == 1:
        return int(node.value)
    if isinstance(node, (Var, Sym)) and not getattr(node, "sub", ()) and node.name in ("n_l", *layers):
        return n_l if node.name == "n_l" else layers[node.name]
    if isinstance(node, Add):
        return sum(layer_value(t, layers, n_l) for t in node.terms)
    if isinstance(node, Neg):
        return -layer_value(node.x, layers, n_l)
    if isinstance(node, Mul):
        out = 1
        for f in node.factors:
            out *= layer_value(f, layers, n_l)
        return out
    raise NotUnderstood(f"the layer {node} is not a whole number")


def layer_text(layer: Node | None) -> str:
    """A layer as l + c, n_l − c or a number: ((l+1)−1)+1 is l+1."""
    if layer is None:
        return ""
    try:
        c = layer_value(layer, {"l": 0}, 0)
        a, b = layer_value(layer, {"l": 1}, 0) - c, layer_value(layer, {"l": 0}, 1) - c
    except NotUnderstood:
        return str(layer).replace(" ", "")
    terms = [t for k, t in ((a, "l"), (b, "n_l")) for t in ([t] if k == 1 else [f"{k}{t}"] if k else [])]
    text = "+".join(terms) + (f"{c:+d}" if c and terms else "" if terms else str(c))
    return text.replace("+-", "-")


def is_width(node: Node | None) -> bool:
    """Whether ``node`` is a width s_T (or S_T)."""
    return isinstance(node, Sym) and node.name in ("s", "S") and len(node.sub) == 1 and node.sup is None


def is_m(node: Node | None) -> bool:
    """Whether ``node`` is m, the number of samples."""
    return isinstance(node, (Var, Sym)) and node.name == "m" and not getattr(node, "sub", ())


class _Typer:
    def __init__(self, sizes: tuple[int, ...], layers: dict[str, int], free: frozenset[str] | None = None):
        self.sizes, self.n_l, self.layers = sizes, len(sizes), dict(layers)
        self.free = frozenset(layers) if free is None else free  # the free layer letters (not a sum's)
        self.uses: dict[tuple, list[_Use]] = {}
        self.bound: dict[int, tuple] = {}  # id of a bound-less Sum -> its key, to fill its bounds
        self.equal: list[tuple] = []  # (key, key, node): a Kronecker δ_{ij} compares units of one layer

    def layer(self, node: Node) -> int:
        return layer_value(node, self.layers, self.n_l)

    def walk(self, node: Node, units: dict, samples: dict) -> None:
        if isinstance(node, Sum):
            return self.sum(node, units, samples)
        if isinstance(node, Sym):
            self.sym(node, units, samples)
        if isinstance(node, Kronecker):
            keys = [units.get(i.name, ("free", i.name)) for i in (node.i, node.j) if isinstance(i, Var)]
            if len(keys) == 2:
                self.equal.append((*keys, node))
        if isinstance(node, Derivative):
            self.sym(node.wrt, units, samples)
            if node.body is not None:
                self.walk(node.body, units, samples)
            return None
        if not isinstance(node, Sym):  # a symbol's scripts are indices, typed above
            for child in children(node):
                self.walk(child, units, samples)
        return None

    def absent(self, node: Node, name: str, written: Node) -> None:
        """A quantity whose layer does not exist here: outside the equation's domain (Unfit) when some
        depth and free l have it, else wrong on every network (a ShapeError)."""
        span = LAYER_SPAN.get(name, lambda n: range(1, n + 1))
        bound = letters(written) - {"n_l", *self.free}
        if not bound and any(layer_value(written, {"l": l}, n) in span(n) for n in range(2, DEEPEST + 1)
                             for l in range(1, n + 1)):
            raise Unfit(f"{node} does not exist")
        where = "a sum's layer" if bound else "any network"
        raise ShapeError(f"{node}: layer {written} does not exist on {where}"
                         f" ({'s' if name == 's' else str(Sym(name))} has layers {_span_text(span)})")

    def use(self, units: dict, index: Node, layer: int | str, written: Node | None, node: Sym, role: str):
        if isinstance(index, Var) and index.name in INDEX_LETTERS:
            key = units.get(index.name, ("free", index.name))
            self.uses.setdefault(key, []).append(_Use(layer, written, node, role))

    def sym(self, node: Sym, units: dict, samples: dict) -> None:
        name = node.name
        if name in LAYER_SPAN and node.sup is not None:
            layer = self.layer(node.sup)
            if layer not in LAYER_SPAN[name](self.n_l):
                self.absent(node, name, node.sup)
            above = Add((node.sup, Num(Fraction(1))))
            places = ([(layer + 1, above, "rows"), (layer, node.sup, "columns")] if name in ("W", "w")
                      else [(layer + 1, above, "entries")] if name == "b" else [(layer, node.sup, "units")])
            for index, (at, written, role) in zip(node.sub, places):
                self.use(units, index, at, written, node, role)
            if node.sample is not None:  # a^{(l)(k)}: k runs over the samples
                self.use(samples, node.sample, SAMPLES, None, node, "samples")
        elif name in ("x", "y"):
            at, written = (1, Num(Fraction(1))) if name == "x" else (self.n_l, Var("n_l"))
            for index in node.sub:
                self.use(units, index, at, written, node, "units")
            if node.sample is not None:
                self.use(samples, node.sample, SAMPLES, None, node, "samples")
        elif is_width(node):
            if not 1 <= self.layer(node.sub[0]) <= self.n_l:
                self.absent(node, "s", node.sub[0])

    def sum(self, node: Sum, units: dict, samples: dict) -> None:
        var = node.var
        if var is None:
            raise NotUnderstood(f"a sum needs an index: {node}")
        if node.upper is not None and not (is_width(node.upper) or is_m(node.upper)) and over_layers(node):
            lo, hi = (self.layer(b) if b is not None else 1 for b in (node.lower, node.upper))
            for value in range(lo, hi + 1):  # a sum over layers: typed once per layer
                inner = _Typer(self.sizes, {**self.layers, var.name: value}, self.free)
                inner.walk(node.body, units, samples)
                for key, found in inner.uses.items():
                    self.uses.setdefault(key, []).extend(found)
                self.bound.update(inner.bound)
            return
        key = ("sum", id(node), tuple(sorted(self.layers.items())))  # one index per layer of a sum over layers
        over_samples = is_m(node.upper)
        if over_samples:
            samples = {**samples, var.name: key}
        else:
            units = {**units, var.name: key}
        if is_width(node.upper):
            assert isinstance(node.upper, Sym)
            written = node.upper.sub[0]
            if not 1 <= self.layer(written) <= self.n_l:
                self.absent(node.upper, "s", written)
            self.uses[key] = [_Use(self.layer(written), written, node.upper, "")]
        elif over_samples:
            self.uses[key] = [_Use(SAMPLES, None, "m", "")]
        elif node.upper is None:
            self.bound[id(node)] = key
        self.walk(node.body, units, samples)


def over_layers(node: Sum) -> bool:
    """A sum whose index is a layer: its bound mentions n_l, or its index is a superscript of the body."""
    name = node.var.name if node.var else ""
    return "n_l" in letters(node.upper) or any(
        isinstance(n, Sym) and n.sup is not None and name in letters(n.sup) for n in descendants(node.body))


def _span_text(span: Callable[[int], range]) -> str:
    """A layer range in terms of n_l, e.g. 2..n_l."""
    r = span(DEEPEST)
    return f"{r.start}..{'n_l' if r.stop == DEEPEST + 1 else 'n_l-1'}"


def letters(node: Node | None) -> set[str]:
    """The names of the bare letters in ``node``."""
    if node is None:
        return set()
    return {n.name for n in descendants(node) if isinstance(n, (Var, Sym)) and not getattr(n, "sub", ())}


def _width(use: _Use, sizes: tuple[int, ...]) -> int | None:
    """The width an index of this use runs to on these widths (None for the samples)."""
    return sizes[use.layer - 1] if isinstance(use.layer, int) else None


def _conflict(name: str, first: _Use, other: _Use, sizes: tuple[int, ...]) -> str:
    """The shape message for ``name`` typed by two layers, e.g. "W_{ji}^{l}: j runs to s_{l} = 3, but W^{l} has
    s_{l + 1} = 2 rows"."""
    def width(use: _Use) -> str:
        return "m" if use.layer == SAMPLES else f"s_{{{layer_text(use.written)}}} = {_width(use, sizes)}"

    bound, used = (first, other) if not first.role else (other, first)
    if not bound.role:  # a sum's bound against a quantity
        text = f"{used.where}: {name} runs to {width(bound)}, but {used.base} has {width(used)} {used.role}"
    else:
        text = (f"{name} indexes the {first.role} of {first.where} ({width(first)}) and the {other.role} of "
                f"{other.where} ({width(other)})")
    if SAMPLES not in (first.layer, other.layer) and _width(first, sizes) == _width(other, sizes):
        text += f" — layers {first.layer} and {other.layer}, whose widths differ on other networks"
    return text


def type_indices(lhs: Node, rhs: Node, sizes: tuple[int, ...], layers: dict[str, int]) -> Typing:
    """Type the unit indices of ``lhs = rhs`` on a network of these widths at these layer values.

    Raises Unfit when a layer the equation names does not exist there, or its qualifier excludes it
    (\\text{for } l < n_l: the sides come back without it), ShapeError on a conflict.
    """
    sides = [admitted(side, lambda n: layer_value(n, layers, len(sizes))) for side in (lhs, rhs)]
    if sides[0] is None or sides[1] is None:
        raise Unfit("the row's layer qualifier excludes this layer")
    lhs, rhs = sides[0], sides[1]
    typer = _Typer(sizes, layers)
    typer.walk(lhs, {}, {})
    typer.walk(rhs, {}, {})
    types: dict[tuple, _Use | None] = {}
    for key, uses in typer.uses.items():
        for use in uses[1:]:
            if use.layer != uses[0].layer:
                raise ShapeError(_conflict(key[1] if key[0] == "free" else _sum_var(key, lhs, rhs), uses[0], use,
                                           sizes))
        types[key] = uses[0] if uses else None
    for p, q, node in typer.equal:  # δ_{ij}: i and j run over one layer
        tp, tq = types.get(p), types.get(q)
        if tp is not None and tq is not None and tp.layer != tq.layer:
            raise ShapeError(f"{node} compares a unit of {tp.where} with one of {tq.where}: different layers")
        types[p] = types[q] = tp or tq

    def fill(original: Node, node: Node) -> Node | None:
        if isinstance(node, Sum) and id(original) in typer.bound:
            use = types.get(typer.bound[id(original)])
            if use is None:
                raise NotUnderstood(f"the sum {node} has no bounds, and its index types no quantity")
            upper = Var("m") if use.layer == SAMPLES else Sym("s", (use.written,))  # type: ignore[arg-type]
            return replace(node, lower=Num(Fraction(1)), upper=upper)
        return None

    free = {key[1]: (use.layer if use else None) for key, use in types.items() if key[0] == "free"}
    filled = typer.bound and (rebuild(lhs, fill), rebuild(rhs, fill))
    return Typing(free, *(filled or (lhs, rhs)))


def _sum_var(key: tuple, *sides: Node) -> str:
    """The letter of the sum ``key`` stands for."""
    return next((n.var.name for side in sides for n in descendants(side)
                 if isinstance(n, Sum) and id(n) == key[1] and n.var is not None), "an index")
