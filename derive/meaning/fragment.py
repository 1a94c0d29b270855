"""The fragment an equation must lie in to be proved for every width and depth, and what it needs.

See docs/all-widths.md for the argument. In one place (a network depth n_l and a
value of the free layer l) this module says which layers the equation reaches
and, for each layer T and for the samples, R_T: the largest number of sums over
T in one product term (a width s_T, 1/s_T, m or 1/m counts as one more; the
sums hidden in the model's own quantities count too, as upper bounds). A
construct outside the fragment raises NotCovered with the reason, and the
equation is then proved on the test networks only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction

from derive.errors import DeriveError
from derive.meaning.indices import INDEX_LETTERS, SAMPLES, is_m, is_width, layer_value, letters
from derive.meaning.reach import reach_of
from derive.reader.ast import Add, Call, Derivative, Frac, Mul, Neg, Node, Norm, Num, Pow, Sum, Sym, Var, descendants

__all__ = ["NotCovered", "Needs", "needs"]


class NotCovered(DeriveError):
    """An equation outside the all-widths fragment; the message says which construct and why."""


@dataclass(frozen=True)
class Needs:
    """What an equation needs at one place: the layers it reaches and R_T per layer (or SAMPLES)."""

    reach: frozenset[int]
    sums: Counter


def needs(lhs: Node, rhs: Node, n_l: int, layers: dict[str, int], top: int | None = None) -> Needs:
    """Reach and R_T of ``lhs = rhs`` (bound-less sums already given bounds) at depth ``n_l``.

    ``top`` is the highest layer of the window: a δ below it hides the sums of the layers up to it.
    """
    walk = _Walk(n_l, layers, top)
    degree = walk.sums(lhs).most(walk.sums(rhs))
    return Needs(frozenset(reach_of(lhs, n_l, layers) | reach_of(rhs, n_l, layers)), degree.up + degree.down)


@dataclass(frozen=True)
class _Degree:
    """Per type: the most sums and widths (``up``) and the most divisions by a width (``down``) in one
    product term. The grid must span both: (s³ − 10s² + 35s − 50 + 24/s) vanishes at s = 1..4 but
    not at 5, so 1/s_T counts apart from the sums (docs/all-widths.md)."""

    up: Counter = field(default_factory=Counter)
    down: Counter = field(default_factory=Counter)

    def most(self, other: _Degree) -> _Degree:
        return _Degree(_max(self.up, other.up), _max(self.down, other.down))

    def __add__(self, other: _Degree) -> _Degree:  # a product of the two
        return _Degree(self.up + other.up, self.down + other.down)

    def times(self, k: int) -> _Degree:
        """The k-th power (k < 0: of the inverse)."""
        up, down = (self.up, self.down) if k >= 0 else (self.down, self.up)
        return _Degree(_scaled(up, abs(k)), _scaled(down, abs(k)))

    def __bool__(self) -> bool:
        return bool(+self.up or +self.down)


def _scaled(counts: Counter, k: int) -> Counter:
    return Counter({t: k * v for t, v in counts.items()})


def _one(T: int | str, count: int = 1) -> _Degree:
    return _Degree(Counter({T: count}))


def _max(p: Counter, q: Counter) -> Counter:
    return Counter({k: max(p[k], q[k]) for k in p.keys() | q.keys()})


NONE = _Degree()


class _Walk:
    def __init__(self, n_l: int, layers: dict[str, int], top: int | None):
        self.n_l, self.layers, self.top = n_l, layers, top if top is not None else n_l

    def layer(self, node: Node) -> int:
        return layer_value(node, self.layers, self.n_l)

    def hidden_delta(self, L: int) -> _Degree:
        """δ^L below the window's top is f'(z^L_i) Σ_j W^L_ji δ^{L+1}_j: one sum per layer up to the top."""
        return _Degree(Counter(range(L + 1, min(self.top, self.n_l) + 1)))

    def sums(self, node: Node) -> _Degree:  # noqa: C901 - one case per node class
        if isinstance(node, Num):
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
            if den and not _widths_only(node.den):
                raise NotCovered(f"division by {node.den}, which depends on the widths")
            return self.sums(node.num) + den.times(-1)
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
        if node.name == "z" and node.sup is not None:
            return _one(self.layer(node.sup) - 1)  # z^L_i = Σ_j W^{L-1}_ij a^{L-1}_j + b^{L-1}_i
        if node.name == "delta" and node.sup is not None:
            return self.hidden_delta(self.layer(node.sup))
        return NONE

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
        if exp.value < 0 and base and not _widths_only(node.base):
            raise NotCovered(f"{node}: a negative power of something that depends on the widths")
        return base.times(int(exp.value))

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
        if is_m(upper):
            return self.sums(node.body) + _one(SAMPLES)
        if is_width(upper):
            assert isinstance(upper, Sym)
            return self.sums(node.body) + _one(self.layer(upper.sub[0]))
        if "n_l" in letters(upper):
            raise NotCovered(f"{node}: a sum over layers")
        raise NotCovered(f"{node}: a sum over part of a layer (up to {upper})")

    def call(self, node: Call) -> _Degree:
        if node.name == "J":
            if len(node.args) == 2:
                raise NotCovered("the value of J(W,b), whose weight-decay term is a sum over layers")
            return _one(self.n_l)  # ½ Σ_i (a^{n_l}_i − y_i)²
        if node.name == "h":
            return NONE
        for arg in node.args:
            if not _faithful(arg):
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
            return self.hidden_delta(L) + (_Degree(Counter({SAMPLES: 1}), Counter({SAMPLES: 1}))
                                           if len(body.args) == 2 else NONE)  # J(W,b) = (1/m) Σ_k …
        top = max(reach_of(body, self.n_l, self.layers), default=L)
        return self.sums(body) + _Degree(Counter(range(L + 1, top)))  # the chain rule through the layers between

def _widths_only(node: Node) -> bool:
    """A product of widths, m and numbers (1/s_T is a polynomial's worth of one more sum)."""
    if isinstance(node, Num) or is_width(node) or (isinstance(node, (Var, Sym)) and node.name == "m"):
        return True
    if isinstance(node, Mul):
        return all(map(_widths_only, node.factors))
    if isinstance(node, Pow):
        return _widths_only(node.base) and isinstance(node.exp, Num)
    return False


def _faithful(arg: Node) -> bool:
    """f may take a sum-free argument that holds no part of a forward quantity (a bias b^L_p beside a
    weight W^L_{p·}), or exactly a forward quantity written out: Σ_q W^L_{pq} a^L_q + b^L_p. Anything
    else can equal a forward quantity at one width and not at another (docs/all-widths.md)."""
    inside = list(descendants(arg))
    if not any(isinstance(n, (Sum, Norm)) or is_width(n) or (isinstance(n, (Var, Sym)) and n.name == "m")
               for n in inside):
        biases = {(str(n.sup), str(n.sub[0])) for n in inside if isinstance(n, Sym) and n.name == "b" and n.sub}
        weights = {(str(n.sup), str(n.sub[0])) for n in inside if isinstance(n, Sym) and n.name in ("W", "w") and n.sub}
        return not biases & weights
    return _forward_quantity(arg)


def _forward_quantity(arg: Node) -> bool:
    """Exactly Σ_{q=1}^{s_L} W^L_{pq} a^L_q + b^L_p (in either order; the product in either order)."""
    if not (isinstance(arg, Add) and len(arg.terms) == 2):
        return False
    total = next((t for t in arg.terms if isinstance(t, Sum)), None)
    bias = next((t for t in arg.terms if isinstance(t, Sym) and t.name == "b"), None)
    if total is None or bias is None or total.var is None or len(bias.sub) != 1 or not isinstance(total.body, Mul):
        return False
    q, p, L = total.var, bias.sub[0], bias.sup
    want = {Sym("W", (p, q), L), Sym("a", (q,), L)}
    width = total.upper
    return (len(total.body.factors) == 2 and set(total.body.factors) in (want, {Sym("w", (p, q), L), Sym("a", (q,), L)})
            and is_width(width) and isinstance(width, Sym) and width.sub[0] == L and p != q)
