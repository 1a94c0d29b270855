"""Randomised exact identity test and witnesses, both evaluated over the expression DAG.

``probably_equal``: both sides evaluated modulo the prime p = 2^127 - 1 at a
random point, with f, f' and every function of the registry that has no exact
value (exp, log, tanh) as random functions of their argument's value. If
auto - hand is not identically zero as a polynomial in the symbols and the
applied functions, a point makes it vanish with probability at
most deg/p (Schwartz–Zippel), plus at most (calls²·deg)/p for two different
arguments that happen to share a value; two independent points square that.
The cost grows with the number of distinct subexpressions, not expanded terms.

``witness_values``: both sides at a random rational point — exact rationals with
f a random cubic for generic f, 60-digit floats for a concrete activation — a
real counterexample when they differ.
"""

from __future__ import annotations

import hashlib
import random
from fractions import Fraction
from functools import cache

from derive.model.dag import evaluate, post_order
from derive.model.engines import Engine, engine
from derive.primitives import Activation, Function, Ops, function, ops

__all__ = ["P", "TRIALS", "probably_equal", "error_bound", "witness_values"]

P = 2**127 - 1
TRIALS = 2


class Zp:
    """An element of the integers modulo P."""

    __slots__ = ("v",)

    def __init__(self, v: int):
        self.v = v % P

    def __add__(self, o):
        return Zp(self.v + _zp(o).v)

    __radd__ = __add__

    def __sub__(self, o):
        return Zp(self.v - _zp(o).v)

    def __rsub__(self, o):
        return Zp(_zp(o).v - self.v)

    def __mul__(self, o):
        return Zp(self.v * _zp(o).v)

    __rmul__ = __mul__

    def __neg__(self):
        return Zp(-self.v)

    def __truediv__(self, o):
        return self * _zp(o) ** -1

    def __rtruediv__(self, o):
        return _zp(o) * self**-1

    def __pow__(self, e: int):
        if e < 0 and self.v == 0:
            raise ZeroDivisionError("division by zero modulo p")
        return Zp(pow(self.v, e, P))

    def __eq__(self, o):
        return isinstance(o, Zp) and self.v == o.v

    def __hash__(self):
        return hash(self.v)


def _zp(x) -> Zp:
    return x if isinstance(x, Zp) else Zp(int(x))


def _oracle(seed: int, name: str, value: Zp) -> Zp:
    """A random function: the same (seed, name, value) always gives the same element."""
    digest = hashlib.blake2b(f"{seed}:{name}:{value.v}".encode(), digest_size=16).digest()
    return Zp(int.from_bytes(digest, "big"))


def _mod_p(seed: int) -> Ops:
    """The registry's functions modulo P: their exact value where they have one, else a random function."""
    def make(fn: Function):
        return fn.mod_p if fn.mod_p is not None else lambda v: _oracle(seed, fn.name, v)
    return Ops(make, lambda c, like: _zp(c))


def _call(act: Activation, field: Ops):
    """The value of a function at ``v``, with the activation's f and written f' put in for f and f'."""
    def call(fn: Function, v):
        if not fn.unknown:
            return getattr(field, fn.attr)(v)
        a = act.f(v, field) if act.rational else field.f(v)  # f stays unknown unless rational
        return a if fn is function("f") else field.lift(act.fprime(a, v, field), v)
    return call


def _mod_values(eng: Engine, act: Activation, roots: list, seed: int) -> list:
    def number(n):
        q = Fraction(str(n))
        return Zp(q.numerator) / Zp(q.denominator)

    return evaluate(eng, roots, lambda s: _oracle(seed, "symbol", Zp(int.from_bytes(str(s).encode(), "big"))),
                    number, _call(act, _mod_p(seed)))


def probably_equal(eng: Engine, act: Activation, pairs: list[tuple], seed: int) -> list[bool]:
    """For each (auto, hand): equal at TRIALS independent random points modulo P."""
    roots = [e for pair in pairs for e in pair]
    equal = [True] * len(pairs)
    for trial in range(TRIALS):
        try:
            values = _mod_values(eng, act, roots, seed * TRIALS + trial)
        except ZeroDivisionError:  # a denominator vanished at this point: try the next one
            continue
        equal = [e and values[2 * k] == values[2 * k + 1] for k, e in enumerate(equal)]
    return equal


def degree(eng: Engine, roots: list) -> int:
    """An upper bound on the total degree of the roots as polynomials in symbols and applied functions."""
    deg: dict = {}
    for node in post_order(roots):
        if node.is_Number:
            deg[node] = 0
        elif node.is_Add:
            deg[node] = max(deg[c] for c in node.args)
        elif node.is_Mul:
            deg[node] = sum(deg[c] for c in node.args)
        elif node.is_Pow:
            base, exp = node.args
            deg[node] = abs(int(exp)) * deg[base] if exp.is_Integer else deg[base]
        else:
            deg[node] = 1
    return max((deg[r] for r in roots), default=0)


def error_bound(eng: Engine, pairs: list[tuple]) -> float:
    """The chance that a non-identity passed every trial, by Schwartz–Zippel and a union bound."""
    roots = [e for pair in pairs for e in pair]
    nodes = post_order(roots)
    calls = sum(1 for n in nodes if not (n.is_Number or n.is_Symbol or n.is_Add or n.is_Mul or n.is_Pow))
    d = max(degree(eng, roots), 1)
    per_trial = (d + calls * calls * d) / P
    return min(1.0, float(per_trial**TRIALS) * max(len(pairs), 1))


def _rational_field(c: list[Fraction]) -> Ops:
    """Exact rationals, with f the cubic of coefficients ``c``; a function with no exact value has none here."""
    cubic = {"f": lambda t: c[0] + c[1] * t + c[2] * t**2 + c[3] * t**3,
             "f'": lambda t: c[1] + 2 * c[2] * t + 3 * c[3] * t**2}

    def make(fn: Function):
        def inexact(v):
            raise ValueError(f"{fn.name} of a rational is not rational")
        return cubic.get(fn.name) or fn.mod_p or inexact
    return Ops(make, lambda c, like: Fraction(c))


def _mpmath_field(act: Activation) -> Ops:
    """60-digit floats, with f the activation and f' its true derivative (SymPy's, not the written one)."""
    mp = ops("mpmath")
    true = {"f": lambda t: act.f(t, mp), "f'": _derivative_fn(act)}
    return Ops(lambda fn: true.get(fn.name) or getattr(mp, fn.attr), lambda c, like: c)


def witness_values(eng: Engine, act: Activation, auto, hand, seed: int):
    """(auto, hand, what f was) at a random rational point, or None if a value is not finite."""
    import mpmath
    import sympy

    rnd = random.Random(seed)
    leaf: dict = {}
    if act.generic:
        c = [Fraction(rnd.randint(-2, 2), rnd.randint(2, 4)) for _ in range(4)]
        field = _rational_field(c)
        t = sympy.Symbol("t")
        about = "f(t) = " + sympy.sstr(sum(sympy.Rational(q.numerator, q.denominator) * t**k for k, q in enumerate(c)))
        number = lambda n: Fraction(str(n))
        symbol = lambda s: leaf.setdefault(str(s), Fraction(rnd.randint(-2, 2), rnd.randint(1, 4)))
    else:
        mpmath.mp.dps = 60
        field = _mpmath_field(act)
        about = f"f = {act.name}"
        number = lambda n: mpmath.mpf(Fraction(str(n)).numerator) / Fraction(str(n)).denominator
        symbol = lambda s: leaf.setdefault(str(s), mpmath.mpf(rnd.randint(-2, 2)) / rnd.randint(1, 4))
    try:
        for s in sorted({str(n) for n in post_order([auto, hand]) if n.is_Symbol}):
            symbol(s)
        a, h = evaluate(eng, [auto, hand], symbol, number, lambda fn, v: getattr(field, fn.attr)(v))
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return a, h, about


@cache
def _derivative_fn(act: Activation):
    """The derivative of a concrete activation's f (SymPy's derivative, evaluated with mpmath)."""
    import sympy

    t = sympy.Symbol("t")
    return sympy.lambdify(t, sympy.diff(act.f(t, engine("sympy").ops), t), "mpmath")
