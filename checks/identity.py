"""Randomised exact identity test and witnesses, both evaluated over the expression DAG.

``probably_equal``: both sides evaluated modulo the prime p = 2^127 - 1 at a
random point, with f, f' and every function of the registry that has no exact
value (exp, log, tanh) as random functions of their argument's value. If
auto - hand is not identically zero as a polynomial in the symbols and the
applied functions, a point makes it vanish with probability at
most deg/p (Schwartz–Zippel), plus at most (calls²·deg)/p for two different
arguments that happen to share a value; two independent points square that.
The cost grows with the number of distinct subexpressions, not expanded terms.
A pair that differs as it stands and calls exp, log, tanh or a concrete f is
tested again rewritten through exp and log (checks.exponentials: exp of a
polynomial is a Laurent monomial in fresh variables), and the error bound is that
of what was tested. A point where a denominator vanishes is replaced by a fresh
one; without enough points nothing is called equal.

``witness_values``: both sides at a random rational point — exact rationals with
f a random cubic for generic f, floats of 60 (or more) digits where exp, log or
tanh is called or the activation is concrete — a real counterexample when they differ.
"""

from __future__ import annotations

import hashlib
import random
from fractions import Fraction
from functools import cache

from checks.exponentials import Exponentials, concrete_in
from derive.model.dag import Plan, Ring, cached_plan, evaluate, post_order, run
from derive.model.engines import Engine, engine
from derive.primitives import Activation, Function, Ops, function, ops

__all__ = ["P", "TRIALS", "probably_equal", "equal_as", "error_bound", "witness_values"]

P = 2**127 - 1
TRIALS = 2
RETRIES = 4  # fresh points tried in place of ones where a denominator vanishes


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


def _product_mod(xs: list) -> int:
    out = 1
    for x in xs:
        out = out * x % P
    return out


def _pow_mod(base: int, e: int) -> int:
    if e < 0 and base == 0:
        raise ZeroDivisionError("division by zero modulo p")
    return pow(base, e, P)


MOD_P = Ring(lambda xs: sum(xs) % P, _product_mod, _pow_mod)  # plain integers: no object per operation


def _mod_values(eng: Engine, act: Activation, roots: list, seed: int) -> list:
    """The roots at a random point modulo P, as plain integers (Zp only at the registry's functions)."""
    def number(n) -> int:
        q = Fraction(str(n))
        return (Zp(q.numerator) / Zp(q.denominator)).v

    call = _call(act, _mod_p(seed))
    symbol = lambda s: _oracle(seed, "symbol", Zp(int.from_bytes(str(s).encode(), "big"))).v
    return run(cached_plan(eng, tuple(roots)), symbol, number, lambda fn, v: _zp(call(fn, _zp(v))).v, ring=MOD_P)


def probably_equal(eng: Engine, act: Activation, pairs: list[tuple], seed: int) -> list[bool]:
    """For each (auto, hand): equal at TRIALS independent random points modulo P (see ``equal_as``)."""
    return [tested is not None for tested in equal_as(eng, act, pairs, seed)]


def equal_as(eng: Engine, act: Activation, pairs: list[tuple], seed: int) -> list[tuple | None]:
    """For each (auto, hand): the pair found equal at TRIALS random points modulo P — itself, or, where
    it applies exp, log, tanh or a concrete f and differs as it stands, its rewrite through exp and log
    (checks.exponentials) — or None. ``error_bound`` of the pairs returned bounds the chance of a wrong "equal"."""
    equal = _equal_at(eng, act, pairs, seed)
    tested = [pair if ok else None for pair, ok in zip(pairs, equal)]
    redo = [k for k, ok in enumerate(equal) if not ok and concrete_in(eng, act, list(pairs[k]))]
    if redo:
        rewrite = Exponentials(eng, act)
        again = [tuple(rewrite(list(pairs[k]))) for k in redo]
        try:
            for k, pair, ok in zip(redo, again, _equal_at(eng, act, again, seed)):
                tested[k] = pair if ok else None
        except ValueError:  # a power the rewrite left that is not an integer one: not decided here
            pass
    return tested


def _equal_at(eng: Engine, act: Activation, pairs: list[tuple], seed: int) -> list[bool]:
    """Equal at TRIALS random points; a point where a denominator vanishes is replaced by a fresh one
    (at most RETRIES times), and without TRIALS points nothing is called equal."""
    roots = [e for pair in pairs for e in pair]
    equal, done = [True] * len(pairs), 0
    points = [seed * TRIALS + trial for trial in range(TRIALS)] + [-1 - seed * RETRIES - r for r in range(RETRIES)]
    for point in points:
        if done == TRIALS:
            break
        try:
            values = _mod_values(eng, act, roots, point)
        except ZeroDivisionError:  # a denominator vanished at this point: try the next one
            continue
        done += 1
        equal = [e and values[2 * k] == values[2 * k + 1] for k, e in enumerate(equal)]
    return equal if done == TRIALS else [False] * len(pairs)


def _degree_and_calls(p: Plan) -> tuple[int, int]:
    """An upper bound on the total degree of the roots as polynomials in symbols and applied functions, and
    how many applied functions the plan holds (for the chance that two arguments share a value)."""
    deg = [0] * len(p.steps)
    for k, (kind, payload, kids) in enumerate(p.steps):
        if kind == "add":
            deg[k] = max(deg[c] for c in kids)
        elif kind == "mul":
            deg[k] = sum(deg[c] for c in kids)
        elif kind == "pow":
            deg[k] = abs(int(payload)) * deg[kids[0]] if payload.is_Integer else deg[kids[0]]
        elif kind != "number":
            deg[k] = 1
    return max((deg[r] for r in p.roots), default=0), sum(kind == "call" for kind, _, _ in p.steps)


def error_bound(eng: Engine, pairs: list[tuple]) -> float:
    """The chance that a non-identity passed every trial, by Schwartz–Zippel and a union bound."""
    d, calls = _degree_and_calls(cached_plan(eng, tuple(e for pair in pairs for e in pair)))
    d = max(d, 1)
    per_trial = (d + calls * calls * d) / P
    return min(1.0, float(per_trial**TRIALS) * max(len(pairs), 1))


class _Inexact(ValueError):
    """A function with no exact value was called at a rational point."""


def _cubic(c: list) -> dict:
    return {"f": lambda t: c[0] + c[1] * t + c[2] * t**2 + c[3] * t**3,
            "f'": lambda t: c[1] + 2 * c[2] * t + 3 * c[3] * t**2}


def _rational_field(c: list[Fraction]) -> Ops:
    """Exact rationals, with f the cubic of coefficients ``c``; a function with no exact value has none here."""
    cubic = _cubic(c)

    def make(fn: Function):
        def inexact(v):
            raise _Inexact(f"{fn.name} of a rational is not rational")
        return cubic.get(fn.name) or fn.mod_p or inexact
    return Ops(make, lambda c, like: Fraction(c))


def _mpmath_field(act: Activation, c: list[Fraction] | None = None) -> Ops:
    """60-digit floats, with f the activation and f' its true derivative (SymPy's, not the written one),
    or for generic f the cubic of coefficients ``c``."""
    mp = ops("mpmath")
    true = _cubic([_mpf(q) for q in c]) if c is not None else {"f": lambda t: act.f(t, mp), "f'": _derivative_fn(act)}
    return Ops(lambda fn: true.get(fn.name) or getattr(mp, fn.attr), lambda c, like: c)


def _mpf(q: Fraction):
    import mpmath
    return mpmath.mpf(q.numerator) / q.denominator


def witness_values(eng: Engine, act: Activation, auto, hand, seed: int, digits: int = 60):
    """(auto, hand, what f was) at a random rational point, or None if a value is not finite or not real.

    Exact rationals for generic f (f a random cubic) unless a function with no exact value (exp,
    log, tanh) is called; then, and for a concrete activation, floats of ``digits`` digits (mpmath)."""
    import mpmath
    import sympy

    rnd = random.Random(seed)
    c = None
    if act.generic:
        c = [Fraction(rnd.randint(-2, 2), rnd.randint(2, 4)) for _ in range(4)]
        t = sympy.Symbol("t")
        about = "f(t) = " + sympy.sstr(sum(sympy.Rational(q.numerator, q.denominator) * t**k for k, q in enumerate(c)))
    else:
        about = f"f = {act.name}"
    names = sorted({str(n) for n in post_order([auto, hand]) if n.is_Symbol})
    point = {s: Fraction(rnd.randint(-2, 2), rnd.randint(1, 4)) for s in names}
    try:
        if c is not None:
            try:
                a, h = _at(eng, [auto, hand], point, _rational_field(c), lambda q: q)
                return a, h, about
            except _Inexact:
                pass
        mpmath.mp.dps = digits
        a, h = _at(eng, [auto, hand], point, _mpmath_field(act, c), _mpf)
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    if any(isinstance(v, mpmath.mpc) or not mpmath.isfinite(v) for v in (a, h)):
        return None
    return a, h, about


def _at(eng: Engine, roots: list, point: dict, field: Ops, exact) -> list:
    """The roots at ``point`` (symbol name -> Fraction), numbers and point made values by ``exact``."""
    return evaluate(eng, roots, lambda s: exact(point[str(s)]), lambda n: exact(Fraction(str(n))),
                    lambda fn, v: getattr(field, fn.attr)(v))


@cache
def _derivative_fn(act: Activation):
    """The derivative of a concrete activation's f (SymPy's derivative, evaluated with mpmath)."""
    import sympy

    t = sympy.Symbol("t")
    return sympy.lambdify(t, sympy.diff(act.f(t, engine("sympy").ops), t), "mpmath")
