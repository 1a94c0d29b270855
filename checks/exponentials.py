"""Concrete functions decided exactly: every function written through exp and log of its argument.

``Exponentials`` rewrites an engine's expressions, over the DAG (each shared node once), by
identities that hold for every real value of the symbols:

- a registry function with an ``as_exp`` (tanh) and the activation's f (the logistic σ, tanh,
  log(1+e^t) …) become that formula; the activation's f' the derivative of its formula;
  generic f and f' (and an activation without ``as_exp``) stay unknowns;
- exp(u), with u = Σ c_m·m expanded (m monomials in the symbols and in u's other factors —
  f(…), 1/(1+…) — each taken as one variable; c_m rational), becomes Π exp(m)^{c_m}; exp(m)^c
  is the Laurent monomial Y_m^{c·D_m} of a fresh unknown Y_m = exp(m/D_m), D_m the common
  denominator of m's exponents;
- log(p·q) = log p + log q when p is provably positive (an exponential, a positive number,
  sums, products and powers of those): log(exp(u)) = u (u is real), a positive rational by
  its prime factors; the rest stays an unknown log of what is left (its sign is the argument's).

``exactly_zero`` decides that a rewritten difference is 0 (checks.rational): each unknown left
(f, f', log …) becomes a variable keyed by its expanded argument, the whole is put over one
denominator and the numerator expanded. Sound: every rewrite is an identity, and reading equal
things as independent variables can only hide an equality, never invent one; the witness
(checks.symbolic) evaluates the sides as written, not the rewrite. checks.identity evaluates
the same rewritten DAG modulo p.

>>> from derive.model.engines import engine
>>> from derive.primitives import activation
>>> eng = engine("symengine"); z = eng.xp.Symbol("z")
>>> exactly_zero(eng, activation("generic"), eng.ops.tanh(z) - (1 - eng.ops.exp(-2 * z)) / (1 + eng.ops.exp(-2 * z)))
True
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from functools import reduce

from checks.rational import is_zero, rebuild
from derive.model.dag import children, post_order
from derive.model.engines import Engine
from derive.primitives import Activation, Function, function

__all__ = ["Exponentials", "exactly_zero", "concrete_in"]

MARK = "exp·"  # exp of one monomial, until the Laurent variable of that monomial is known
MAX_TERMS = 64  # monomials of an exponent expanded at most; beyond, its terms stay unknowns
FACTOR_BELOW = 10**12  # positive integers whose logarithm is split into logarithms of primes


class Exponentials:
    """The rewrite of the module docstring, under one activation, memoised across calls."""

    def __init__(self, eng: Engine, act: Activation):
        self.eng, self.act, self.xp, self.ops = eng, act, eng.xp, eng.ops
        self._mark = eng.xp.Function(MARK)
        self._new: dict = {}
        self._symbols: dict = {}
        self._exp, self._log, self._f, self._fprime = (function(n) for n in ("exp", "log", "f", "f'"))
        self._t, self._d = eng.xp.Symbol("t·"), None

    def __call__(self, roots: list) -> list:
        """``roots`` rewritten, with Laurent variables Y_m consistent across them."""
        return self._laurent([self._walk(r) for r in roots])

    def _children(self, node) -> tuple:
        if node in self._new:
            return ()
        found = self.eng.applied(node)
        return (found[1],) if found is not None else children(node)

    def _walk(self, root):
        new = self._new
        for node in post_order([root], self._children):
            if node in new:
                continue
            found = self.eng.applied(node)
            if found is not None:
                new[node] = self._call(found[0], new[found[1]])
            elif node == self.xp.E:
                new[node] = self._mark(1)
            elif node.is_Atom or node.is_Number or not node.args:
                new[node] = node
            else:
                args = [new[c] for c in node.args]
                new[node] = node if all(a is c or a == c for a, c in zip(args, node.args)) else node.func(*args)
        return new[root]

    def _fresh(self, expr, done):
        """``expr`` rewritten, where ``done`` is rewritten already."""
        self._new.setdefault(done, done)
        return self._walk(expr)

    def _call(self, fn: Function, arg):
        if fn is self._exp:
            return self._exp_of(arg)
        if fn is self._log:
            return self._log_of(arg)
        if fn is self._f or fn is self._fprime:
            formula = self.act.as_exp
            if formula is None:
                return getattr(self.ops, fn.attr)(arg)
            value = formula(arg, self.ops) if fn is self._f else self._derivative().xreplace({self._t: arg})
            return self._fresh(value, arg)
        if fn.as_exp is None or fn.unknown:
            return getattr(self.ops, fn.attr)(arg)
        return self._fresh(fn.as_exp(arg, self.ops), arg)

    def _derivative(self):
        """d/dt of the activation's formula, at the symbol ``self._t``."""
        if self._d is None:
            assert self.act.as_exp is not None
            self._d = self.act.as_exp(self._t, self.ops).diff(self._t)
        return self._d

    # ---------------------------------------------------------------- exp

    def _exp_of(self, u):
        terms: dict = {}
        self._split(u, Fraction(1), terms)
        out = [self._mark(self._monomial(m)) ** self.eng.number(c) for m, c in terms.items() if c]
        return reduce(operator.mul, out, self.xp.Integer(1))

    def _split(self, u, scale: Fraction, terms: dict) -> None:
        """u·scale added into ``terms`` (monomial -> coefficient), expanded where that stays small."""
        if u.is_Add:
            for t in u.args:
                self._split(t, scale, terms)
            return
        c = _rational(u.args[0]) if u.is_Mul and len(u.args) == 2 and u.args[1].is_Add else None
        if c is not None:
            self._split(u.args[1], scale * c, terms)
            return
        p = self._poly(u)
        if p is None:  # too many terms once expanded: the term (without its coefficient) is one factor
            q = _rational(u.args[0]) if u.is_Mul else None
            p = {self._atom(reduce(operator.mul, u.args[1:]) if q is not None else u): q or Fraction(1)}
        for m, c in p.items():
            terms[m] = terms.get(m, 0) + c * scale

    def _poly(self, u) -> dict | None:
        """u as a polynomial {monomial: coefficient} in its symbols and its other factors (f(…), 1/(1+…),
        each taken as one variable); a monomial is a sorted tuple of (name, power). None: too many terms."""
        c = _rational(u)
        if c is not None:
            return {(): c}
        if u.is_Add or u.is_Mul:
            parts, k = list(u.args), 1
        elif u.is_Pow and u.args[1].is_Integer and 1 < int(u.args[1]) <= 4:
            parts, k = [u.args[0]], int(u.args[1])
        else:
            return {self._atom(u): Fraction(1)}
        out: dict | None = {} if u.is_Add else {(): Fraction(1)}
        for part in parts:
            p = self._poly(part)
            for _ in range(k):
                out = (_plus if u.is_Add else _times)(out, p)
            if out is None:
                return None
        return out

    def _atom(self, u) -> tuple:
        """The monomial u (a symbol, or a factor taken as one variable)."""
        name = str(u) if u.is_Symbol else "·" + str(u)
        self._symbols[name] = u
        return ((name, 1),)

    def _monomial(self, m: tuple):
        return reduce(operator.mul, (self._symbols[name] ** k for name, k in m), self.xp.Integer(1))

    def _laurent(self, roots: list) -> list:
        """Each exp(m)^c as Y_m^{c·D_m}, Y_m = exp(m/D_m) a fresh variable."""
        powers: dict = {}
        for n in post_order(roots):
            if self._is_mark(n):
                powers.setdefault(n, {Fraction(1)})
            elif n.is_Pow and self._is_mark(n.args[0]) and _rational(n.args[1]) is not None:
                powers.setdefault(n.args[0], {Fraction(1)}).add(_rational(n.args[1]))
        if not powers:
            return roots
        swap = {}
        for mark, exponents in powers.items():
            d = math.lcm(*(q.denominator for q in exponents))
            y = self.xp.Symbol(f"exp⟨{mark.args[0]}⟩" if d == 1 else f"exp⟨{mark.args[0]}/{d}⟩")
            swap.update({mark**self.eng.number(q): y ** int(q * d) for q in exponents})
            swap[mark] = y**d
        return rebuild(roots, swap)

    def _is_mark(self, node) -> bool:
        name = node.get_name() if hasattr(node, "get_name") else type(node).__name__  # symengine, SymPy
        return name == MARK

    # ---------------------------------------------------------------- log

    def _log_of(self, a):
        factors = a.args if a.is_Mul else (a,)
        known = [g for g in factors if self._positive(g)]
        rest = [g for g in factors if not self._positive(g)]
        terms = [self._log_positive(g) for g in known]
        if rest:
            terms.append(self.ops.log(reduce(operator.mul, rest, self.xp.Integer(1))))
        return self.xp.Add(*terms)

    def _positive(self, g) -> bool:
        q = _rational(g)
        if q is not None:
            return q > 0
        found = self.eng.applied(g)
        if found is not None:
            return found[0] is self._exp
        if self._is_mark(g):
            return True
        if g.is_Pow:
            return self._positive(g.args[0]) and g.args[1].is_Number
        return (g.is_Add or g.is_Mul) and all(self._positive(h) for h in g.args)

    def _log_positive(self, g):
        """log g for a provably positive g."""
        q = _rational(g)
        if q is not None:
            return self._log_number(q)
        found = self.eng.applied(g)
        if found is not None:  # exp: the only applied function that is provably positive
            return found[1]
        if self._is_mark(g):
            return g.args[0]
        if g.is_Pow:
            return g.args[1] * self._log_positive(g.args[0])
        if g.is_Mul:
            return self.xp.Add(*(self._log_positive(h) for h in g.args))
        return self.ops.log(g)

    def _log_number(self, q: Fraction):
        if max(q.numerator, q.denominator) >= FACTOR_BELOW:
            return self.ops.log(self.eng.number(q))
        import sympy

        primes = {**sympy.factorint(q.numerator)}
        for p, k in sympy.factorint(q.denominator).items():
            primes[p] = primes.get(p, 0) - k
        return self.xp.Add(*(k * self.ops.log(self.xp.Integer(int(p))) for p, k in primes.items() if p > 1))


def _rational(n) -> Fraction | None:
    """The value of an exact rational number, else None."""
    return Fraction(str(n)) if n.is_Number and (n.is_Integer or n.is_Rational) else None


def _plus(p: dict | None, q: dict | None) -> dict | None:
    if p is None or q is None:
        return None
    out = dict(p)
    for m, c in q.items():
        out[m] = out.get(m, 0) + c
    return out if len(out) <= MAX_TERMS else None


def _times(p: dict | None, q: dict | None) -> dict | None:
    if p is None or q is None or len(p) * len(q) > MAX_TERMS * MAX_TERMS:
        return None
    out: dict = {}
    for m1, c1 in p.items():
        for m2, c2 in q.items():
            powers = dict(m1)
            for name, k in m2:
                powers[name] = powers.get(name, 0) + k
            m = tuple(sorted(powers.items()))
            out[m] = out.get(m, 0) + c1 * c2
    return out if len(out) <= MAX_TERMS else None


def concrete_in(eng: Engine, act: Activation, roots: list) -> bool:
    """Whether ``roots`` apply a function the rewrite writes out: exp, log, one with ``as_exp``, or a concrete f."""
    exp, log, f, fprime = (function(n) for n in ("exp", "log", "f", "f'"))
    for node in post_order(roots):
        found = eng.applied(node)
        fn = None if found is None else found[0]
        if fn is exp or fn is log or (fn is not None and fn.as_exp is not None and not fn.unknown) or node == eng.xp.E:
            return True
        if (fn is f or fn is fprime) and act.as_exp is not None:
            return True
    return False


def exactly_zero(eng: Engine, act: Activation, diff) -> bool:
    """Whether ``diff`` is identically 0 once concrete functions are written out (see the module docstring)."""
    (rewritten,) = Exponentials(eng, act)([diff])
    return is_zero(rewritten)
