"""The oracle's network, in plain SymPy: the seed's model at a random rational point, with f generic.

z^{l+1} = W^l a^l + b^l, a^{l+1} = f(z^{l+1}), a^1 = x; J(W,b;x,y) = ½‖a^{n_l} − y‖²;
J(W,b) = (1/m) Σ_k J(W,b;x^k,y^k) + (λ/2) Σ_l Σ_i Σ_j (W^l_ji)²; δ^l_i = ∂J(W,b;x,y)/∂z^l_i.

W, b, x, y (the current sample's), x^k, y^k and λ are random rationals; f stays a SymPy function, so
values are expressions in atoms f(c) and f'(c). A derivative puts one symbol t in place of one
quantity (a weight, a bias, or z^L_i of the current sample: the network cut at layer L and run on
from there), differentiates in t by the chain rule (``derivative``, the same as ``sympy.diff``, which
is slow on these nested expressions), and puts the value back. ``number`` finally gives each atom
f(c), f'(c) the value of a random function at c: a difference that is zero as a polynomial in the
atoms is 0 for every f; one that is not is nonzero there with probability ~1.
"""

from __future__ import annotations

import random

import sympy as sp

__all__ = ["f", "fprime", "derivative", "number", "Net", "Ctx"]


class f(sp.Function):
    """The generic activation: its derivative is f'."""

    def fdiff(self, argindex=1):
        return fprime(self.args[0])


class fprime(sp.Function):
    """f', undefined: its derivative is f''."""

    def fdiff(self, argindex=1):
        return fsecond(self.args[0])


class fsecond(sp.Function):
    """f'', undefined (the seed never needs it; a mutant may)."""


def derivative(e, t, memo: dict | None = None):
    """de/dt for e built from numbers, t, +, ×, powers with a constant exponent and f, f', f''."""
    memo = {} if memo is None else memo
    if e == t:
        return sp.Integer(1)
    if e.is_Number or e.is_Symbol:
        return sp.Integer(0)
    if e in memo:
        return memo[e]
    if e.is_Add:
        out = sp.Add(*(derivative(a, t, memo) for a in e.args))
    elif e.is_Mul:
        parts = [(k, derivative(a, t, memo)) for k, a in enumerate(e.args)]
        out = sp.Add(*(sp.Mul(*e.args[:k], d, *e.args[k + 1:]) for k, d in parts if d != 0))
    elif e.is_Pow and e.exp.is_Number:
        out = e.exp * e.base ** (e.exp - 1) * derivative(e.base, t, memo)
    elif isinstance(e, (f, fprime)):
        inner = derivative(e.args[0], t, memo)
        out = e.fdiff() * inner if inner != 0 else sp.Integer(0)
    else:
        raise TypeError(f"no derivative for {type(e).__name__}")
    memo[e] = out
    return out


def number(e, seed: str, memo: dict | None = None):
    """e with every atom f(c), f'(c), f''(c) replaced by a random function's value at c (``seed`` picks
    the functions): an exact number."""
    memo = {} if memo is None else memo
    if e.is_Number:
        return e
    if e not in memo:
        if e.is_Add or e.is_Mul or e.is_Pow:
            memo[e] = e.func(*(number(a, seed, memo) for a in e.args))
        elif isinstance(e, (f, fprime, fsecond)):
            rnd = random.Random(f"{seed} {type(e).__name__} {number(e.args[0], seed, memo)}")
            memo[e] = sp.Rational(rnd.choice([-1, 1]) * rnd.randint(1, 10**6), rnd.randint(1, 10**3))
        else:
            raise TypeError(f"not a number: {e}")
    return memo[e]


class Net:
    """Sizes, m, and random rational values of W, b, x, y (the current sample), x^k, y^k and λ."""

    def __init__(self, sizes: tuple[int, ...], m: int, point: int):
        rnd = random.Random(f"{sizes} {m} {point}")
        draw = lambda: sp.Rational(rnd.choice([-1, 1]) * rnd.randint(1, 999), rnd.randint(1, 97))
        self.sizes, self.n_l, self.m, self.seed = sizes, len(sizes), m, f"{sizes} {m} {point}"
        self.W = {(L, i, j): draw() for L in range(1, self.n_l) for i in range(1, sizes[L] + 1)
                  for j in range(1, sizes[L - 1] + 1)}
        self.b = {(L, i): draw() for L in range(1, self.n_l) for i in range(1, sizes[L] + 1)}
        self.x = {k: tuple(draw() for _ in range(sizes[0])) for k in (None, *range(1, m + 1))}
        self.y = {k: tuple(draw() for _ in range(sizes[-1])) for k in (None, *range(1, m + 1))}
        self.lam = draw()

    def s(self, L: int) -> int:
        return self.sizes[L - 1]


class Ctx:
    """A network with some quantities replaced by symbols: ("W", L, i, j), ("b", L, i), or ("z", L, i)
    (the current sample's network cut at layer L)."""

    def __init__(self, net: Net, over: dict | None = None):
        self.net, self.over, self._forward = net, over or {}, {}

    def replaced(self, key: tuple, value) -> Ctx:
        return Ctx(self.net, {**self.over, key: value})

    def W(self, L: int, i: int, j: int):
        return self.over.get(("W", L, i, j), self.net.W[L, i, j])

    def b(self, L: int, i: int):
        return self.over.get(("b", L, i), self.net.b[L, i])

    def forward(self, sample: int | None) -> tuple[dict, dict]:
        """(z, a) of a sample (None: the current one), each {layer: tuple of units}."""
        if sample not in self._forward:
            net = self.net
            z: dict[int, tuple] = {}
            a: dict[int, tuple] = {1: net.x[sample]}
            for L in range(2, net.n_l + 1):
                zl = [sum(self.W(L - 1, i, j) * a[L - 1][j - 1] for j in range(1, net.s(L - 1) + 1)) + self.b(L - 1, i)
                      for i in range(1, net.s(L) + 1)]
                if sample is None:
                    zl = [self.over.get(("z", L, i), v) for i, v in enumerate(zl, 1)]
                z[L], a[L] = tuple(zl), tuple(f(v) for v in zl)
            self._forward[sample] = (z, a)
        return self._forward[sample]

    def loss(self, xs: int | None, ys: int | None):
        """J(W,b;x^xs,y^ys) (None: the current sample's x or y)."""
        out = self.forward(xs)[1][self.net.n_l]
        return sp.Rational(1, 2) * sum((o - t) ** 2 for o, t in zip(out, self.net.y[ys]))

    def full_loss(self):
        """J(W,b)."""
        net = self.net
        data = sum(self.loss(k, k) for k in range(1, net.m + 1)) / net.m
        return data + net.lam / 2 * sum(self.W(*key) ** 2 for key in net.W)

    def partial(self, key: tuple, body) -> object:
        """∂body/∂(the quantity ``key``) at this point: ``body(ctx)`` is evaluated with the quantity a symbol."""
        t = sp.Dummy("t")
        return derivative(body(self.replaced(key, t)), t).xreplace({t: self.quantity(key[0], key[1], key[2:])})

    def quantity(self, name: str, L: int, subs: tuple[int, ...]):
        """W^L_ij, b^L_i, z^L_i, a^L_i or δ^L_i (name "delta") of the current sample."""
        if name == "W":
            return self.W(L, *subs)
        if name == "b":
            return self.b(L, *subs)
        if name == "delta":
            return self.partial(("z", L, *subs), lambda ctx: ctx.loss(None, None))
        z, a = self.forward(None)
        return (z if name == "z" else a)[L][subs[0] - 1]
