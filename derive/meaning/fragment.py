"""The fragment an equation must lie in to be proved for every width and depth, and what it needs.

See docs/all-widths.md for the argument. In one place (a network depth n_l and a
value of the free layer l) this module says which layers the equation reaches
and, for each layer T and for the samples, R_T: the largest number of sums over
T in one product term (a width s_T, 1/s_T, m or 1/m counts as one more; the
sums hidden in the model's own quantities count too, as upper bounds), plus the
sums of every denominator that clearing multiplies in (softmax's Σ_k e^{z_k}, the
Σ_k y_k of targets that are a distribution: §5). A construct outside the fragment
raises NotCovered with the reason, and the equation is then proved on the test
networks only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from derive.errors import DeriveError
from derive.meaning.faithful import faithful, widths_only
from derive.meaning.indices import INDEX_LETTERS, SAMPLES, is_m, is_width, layer_value, letters
from derive.meaning.reach import reach_of
from derive.meaning.top import SEED_TOP, Top
from derive.reader.ast import (
    Add,
    Call,
    Derivative,
    Frac,
    Kronecker,
    Mul,
    Neg,
    Node,
    Norm,
    Num,
    Pow,
    Sum,
    Sym,
    Var,
    descendants,
)

__all__ = ["NotCovered", "Needs", "needs"]


class NotCovered(DeriveError):
    """An equation outside the all-widths fragment; the message says which construct and why."""


@dataclass(frozen=True)
class Needs:
    """What an equation needs at one place: the layers it reaches and R_T per layer (or SAMPLES)."""

    reach: frozenset[int]
    sums: Counter


def needs(lhs: Node, rhs: Node, n_l: int, layers: dict[str, int], top: int | None = None,
          output: Top = SEED_TOP, bottom: int = 1) -> Needs:
    """Reach and R_T of ``lhs = rhs`` (bound-less sums already given bounds) at depth ``n_l``.

    ``top`` is the highest layer of the window: a δ below it hides the sums of the layers up to it, and,
    when it is the output layer, what the loss and output layer ``output`` hide there. ``bottom`` is its
    lowest: where one sample's z^{bottom} is written outside f, the width-1 layer below it cannot stand
    for every family of samples (docs/all-widths.md §2, several samples).
    """
    degree = (walk := _Walk(n_l, layers, top, output, bottom)).sums(lhs).most(walk.sums(rhs))
    if walk.edges >= {"a or z", "delta"}:  # one sample's δ^{top} beside that sample's a or z there
        raise NotCovered("several samples' δ and a or z at the top of the window (docs/all-widths.md §2)")
    return Needs(frozenset(reach_of(lhs, n_l, layers) | reach_of(rhs, n_l, layers)),
                 degree.up + degree.down + degree.cleared)


@dataclass(frozen=True)
class _Degree:
    """Per type: the most sums and widths (``up``) and the most divisions by a width (``down``) in one
    product term. The grid must span both: (s³ − 10s² + 35s − 50 + 24/s) vanishes at s = 1..4 but
    not at 5, so 1/s_T counts apart from the sums (docs/all-widths.md). ``cleared``: the sums of the
    denominators that clearing multiplies every term by; they add up over the terms of a sum, as each
    term's denominator multiplies the others."""

    up: Counter = field(default_factory=Counter)
    down: Counter = field(default_factory=Counter)
    cleared: Counter = field(default_factory=Counter)

    def most(self, other: _Degree) -> _Degree:
        if not (self and other):  # most degrees are NONE: spare the copies
            return self or other
        return _Degree(_max(self.up, other.up), _max(self.down, other.down), self.cleared + other.cleared)

    def __add__(self, other: _Degree) -> _Degree:  # a product of the two
        if not (self and other):
            return self or other
        return _Degree(self.up + other.up, self.down + other.down, self.cleared + other.cleared)

    def times(self, k: int) -> _Degree:
        """The k-th power (k < 0: of the inverse of a product of widths)."""
        up, down = (self.up, self.down) if k >= 0 else (self.down, self.up)
        return _Degree(_scaled(up, abs(k)), _scaled(down, abs(k)), _scaled(self.cleared, abs(k)))

    def inverse(self, monomial: bool) -> _Degree:
        """1/e of an e with sums: e's denominators come up, e (cleared of them) goes down. A ``monomial``
        e's numerator has only e's own sums; a sum's numerator also has those its terms cleared."""
        below = self.up + (Counter() if monomial else self.cleared + self.down)
        return _Degree(self.cleared + self.down, Counter(), below)

    def __bool__(self) -> bool:
        return any(v > 0 for counts in (self.up, self.down, self.cleared) for v in counts.values())


def _scaled(counts: Counter, k: int) -> Counter:
    return Counter({t: k * v for t, v in counts.items()})


def _one(T: int | str) -> _Degree:
    return _Degree(Counter({T: 1}))


def _max(p: Counter, q: Counter) -> Counter:
    return Counter({k: max(p[k], q[k]) for k in p.keys() | q.keys()})


NONE = _Degree()


class _Walk:
    def __init__(self, n_l: int, layers: dict[str, int], top: int | None, output: Top, bottom: int):
        self.n_l, self.layers, self.top = n_l, layers, top if top is not None else n_l
        self.output = output if self.top == n_l else SEED_TOP
        self.bound: list[str] = []  # the indices of the sums around the node walked
        self.bottom = bottom  # the lowest layer of the window
        self.edges: set[str] = set()  # what of several samples the equation writes at the top of the window

    def layer(self, node: Node) -> int:
        return layer_value(node, self.layers, self.n_l)

    def hidden_delta(self, L: int) -> _Degree:
        """δ^L below the window's top is f'(z^L_i) Σ_j W^L_ji δ^{L+1}_j: one sum per layer up to the top,
        and δ^{n_l} what the loss's residual, as written out, has."""
        own = self.written(self.output.delta) if self.top == self.n_l else NONE
        return _Degree(Counter(range(L + 1, min(self.top, self.n_l) + 1))) + own

    def written(self, node: Node | None) -> _Degree:
        """The degree of one of the output's formulas, walked outside any sum of the equation."""
        if node is None:
            return NONE
        bound, self.bound = self.bound, []
        try:
            return self.sums(node)
        finally:
            self.bound = bound

    def sums(self, node: Node) -> _Degree:  # noqa: C901 - one case per node class
        if isinstance(node, (Num, Kronecker)):  # δ_{ij} is 1 or 0 by the pattern of equal indices: no sum
            return NONE
        if is_m(node):
            return _one(SAMPLES)
        if isinstance(node, Var):
            if node.name in INDEX_LETTERS or node.name in ("l", "n_l"):
                raise NotCovered(f"the index {node} is used as a number")
            return NONE
        if isinstance(node, Sym):
            return self.symbol(node)
        if isinstance(node, Add):
            out = NONE
            for t in node.terms:
                out = out.most(self.sums(t))
            return out
        if isinstance(node, Neg):
            return self.sums(node.x)
        if isinstance(node, Mul):
            return sum((self.sums(f) for f in node.factors), NONE) + self.matrix_products(node)
        if isinstance(node, Frac):
            den = self.sums(node.den)
            return self.sums(node.num) + (self.inverse(node.den, den) if den and not widths_only(node.den)
                                          else den.times(-1))
        if isinstance(node, Pow):
            return self.power(node)
        if isinstance(node, Norm):
            raise NotCovered(f"the norm {node} is not squared")
        if isinstance(node, Sum):
            return self.sum(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Derivative):
            return self.derivative(node)
        raise NotCovered(f"{type(node).__name__} is not in the fragment")

    def symbol(self, node: Sym) -> _Degree:
        if is_width(node):
            return _one(self.layer(node.sub[0]))
        for index in node.sub:
            if isinstance(index, Num):
                raise NotCovered(f"{node} names a fixed unit number")
            if not (isinstance(index, Var) and index.name in INDEX_LETTERS):
                raise NotCovered(f"{node} has an index expression ({index})")
        self.one_sample(node)
        if node.name == "z" and node.sup is not None:
            return _one(self.layer(node.sup) - 1)  # z^L_i = Σ_j W^{L-1}_ij a^{L-1}_j + b^{L-1}_i
        if node.name == "delta" and node.sup is not None:
            return self.hidden_delta(self.layer(node.sup))
        if node.name == "y" and self.output.distribution:  # y_i / Σ_k y_k off the simplex (§5)
            return _Degree(cleared=Counter({self.n_l: 1}))
        if node.name == "a" and node.sup is not None and self.output.softmax and self.layer(node.sup) == self.n_l:
            return _Degree(cleared=Counter({self.n_l: 1}))  # e^{z_i} / Σ_k e^{z_k}
        return NONE

    def one_sample(self, node: Sym, inside_f: bool = False) -> None:
        """Several samples' a, z at the edges of the window (docs/all-widths.md §2): the width-1 layer below
        realises z^{bottom,(k)} of rank ≤ 2 in (unit, sample), and the width-1 tail δ^{top,(k)}_j / f'(z^{top,(k)}_j)
        of rank 1, which an equation writing both could see. (δ^{top,(k)} itself is noted here too.)"""
        if node.sample is not None and node.name == "delta" and node.sup is not None:
            self.edges |= {"delta"} if self.layer(node.sup) == self.top else set()
        if node.sample is None or node.sup is None or node.name not in ("z", "a"):
            return
        L = self.layer(node.sup)
        if node.name == "z" and L == self.bottom > 1 and not inside_f:
            raise NotCovered(f"{node}: a sample's z outside f at the bottom of the window (docs/all-widths.md §2)")
        if L == self.top < self.n_l:
            self.edges.add("a or z")

    def matrix_products(self, node: Mul) -> _Degree:
        """W^L times a vector of layer L written without indices: a sum over layer L."""
        return _Degree(Counter(self.layer(f.sup) for f in node.factors
                               if isinstance(f, Sym) and f.name in ("W", "w") and not f.sub and f.sup is not None))

    def power(self, node: Pow) -> _Degree:
        exp = node.exp
        if isinstance(node.base, Norm) and exp == Num(Fraction(2)):  # ‖v‖² = Σ_i v_i²
            return self.sums(node.base.x).times(2) + _one(self.vector_layer(node.base.x))
        base = self.sums(node.base)
        if not (isinstance(exp, Num) and exp.value.denominator == 1):
            if base or self.sums(exp):
                raise NotCovered(f"{node}: a power that is not a whole number, of something that depends on the widths")
            return NONE
        if exp.value < 0 and base and not widths_only(node.base):
            return self.inverse(node.base, base).times(-int(exp.value))
        return base.times(int(exp.value))

    def inverse(self, den: Node, degree: _Degree) -> _Degree:
        """1/den where den has sums: cleared by multiplying through, when it is a product of letters, forward
        quantities and sums of such (never 0 at any width), or the output couples its units (softmax's
        Σ_k e^{z_k} > 0; docs/all-widths.md §5); not where den runs over the index of a sum around it
        (clearing would multiply a product over the layer in)."""
        inside = list(descendants(den))
        monomial = not any(isinstance(n, Add) for n in inside)
        never_zero = monomial and not any(isinstance(n, Kronecker) or n == Num(Fraction(0)) for n in inside)
        if not (self.output.clears or never_zero):
            raise NotCovered(f"division by {den}, which depends on the widths")
        out = degree.inverse(monomial)
        if +out.cleared and {n.name for n in inside if isinstance(n, Var)} & set(self.bound):
            raise NotCovered(f"division by {den}, which has sums, inside a sum over its index")
        return out

    def vector_layer(self, node: Node) -> int:
        """The layer whose units a vector written without indices runs over."""
        for n in descendants(node):
            if isinstance(n, Sym) and not n.sub and n.sup is not None and n.name in ("z", "a", "delta"):
                return self.layer(n.sup)
            if (isinstance(n, Sym) and n.name == "y") or (isinstance(n, Call) and n.name == "h"):
                return self.n_l
            if isinstance(n, Sym) and n.name == "x":
                return 1
        raise NotCovered(f"the norm of {node}, whose layer is not known")

    def sum(self, node: Sum) -> _Degree:
        if node.lower != Num(Fraction(1)):
            raise NotCovered(f"{node}: a sum that does not start at 1")
        upper = node.upper
        if is_m(upper) or is_width(upper):
            self.bound.append(node.var.name if node.var is not None else "")
            try:
                body = self.sums(node.body)
            finally:
                self.bound.pop()
            return body + _one(SAMPLES if is_m(upper) else self.layer(upper.sub[0]))  # type: ignore[union-attr]
        if "n_l" in letters(upper):
            raise NotCovered(f"{node}: a sum over layers")
        raise NotCovered(f"{node}: a sum over part of a layer (up to {upper})")

    def call(self, node: Call) -> _Degree:
        if node.name == "J":
            if len(node.args) == 2:
                raise NotCovered("the value of J(W,b), whose weight-decay term is a sum over layers")
            if self.output.softmax:
                raise NotCovered("the value of J under a softmax output, which takes the log of Σ_k e^{z_k}")
            return _one(self.n_l) + self.written(self.output.da)  # Σ_i of a term shaped like ∂J/∂a_i
        if node.name == "h":
            return NONE
        for arg in node.args:
            for n in descendants(arg):
                if isinstance(n, Sym):
                    self.one_sample(n, inside_f=True)
            if not faithful(arg):
                raise NotCovered(f"{node.name} of an argument that is not faithful (docs/all-widths.md): {arg}")
        return NONE

    def derivative(self, node: Derivative) -> _Degree:
        body, wrt = node.body, node.wrt
        if isinstance(body, Derivative) or (body is not None and any(
                isinstance(n, Derivative) for n in descendants(body))):
            raise NotCovered("a second derivative")
        if wrt.sup is None or body is None:
            raise NotCovered(f"the derivative {node}")
        L = self.layer(wrt.sup) + (wrt.name in ("W", "w", "b"))  # the layer of the δ it brings
        # (∂J/∂a^L = Σ_k W^L_kj δ^{L+1}_k has the sums of δ^L = f'(z^L_j) Σ_k W^L_kj δ^{L+1}_k; at L = n_l, none)
        self.symbol(wrt)
        if isinstance(body, Call) and body.name == "J":
            if L == self.top and any(isinstance(n, Sym) and n.sample is not None for n in descendants(body)):
                self.edges.add("delta")  # ∂J(W,b;x^{(k)},y^{(k)}) brings δ^{top,(k)}
            own = self.written(self.output.da) if wrt.name == "a" and L == self.n_l else self.hidden_delta(L)
            return own + (_Degree(Counter({SAMPLES: 1}), Counter({SAMPLES: 1}))
                          if len(body.args) == 2 else NONE)  # J(W,b) = (1/m) Σ_k …
        top = max(reach_of(body, self.n_l, self.layers), default=L)
        if self.output.softmax and top == self.n_l:  # (N/Q)' = (N'Q − NQ')/Q²: Q twice; ∂e^{z_k}/∂z_i = δ_ki e^{z_k}
            if not (wrt.name == "z" and L == self.n_l):
                raise NotCovered(f"the derivative {node} of the softmax output by a quantity below it")
            inner = self.sums(body)
            return _Degree(inner.up, inner.down, inner.cleared + inner.cleared)
        return self.sums(body) + _Degree(Counter(range(L + 1, top)))  # the chain rule through the layers between
