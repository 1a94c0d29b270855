"""Exact symbolic equality of a claim and the automatic derivative, entry by entry.

Canonical form: every f(e) and f'(e) is rebuilt from the inside out with its
argument expanded, and a concrete activation's f' is read as people write it
(sigmoid: f'(t) = f(t)(1 - f(t))); then auto - hand is expanded. The applied
f(e) are treated as independent unknowns, so an expansion to 0 is a proof.
A non-zero expansion is only called ``refuted`` when a witness confirms it: the
difference evaluated at a random rational point, exactly for generic f (f a
random cubic), to 60 digits for a concrete activation. Otherwise ``undecided``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

import sympy

from derive.activations import Activation
from derive.autodiff import Derivatives
from derive.backprop import Claim, entries, entry_label
from derive.engine import Engine
from derive.errors import ClaimError
from derive.views import automatic, view_for

__all__ = ["SymbolicResult", "EntryFailure", "Verdict", "Canonical", "check_symbolic", "decide", "witness",
           "canonical", "fprime_lemma"]

WITNESS_TRIES = 3
_SHOWN = 240  # characters of a difference shown in a report
UNDECIDED_NOTE = "the difference did not expand to 0, but no point was found where it is non-zero"


@dataclass(frozen=True)
class EntryFailure:
    """The first entry that did not cancel: where, the canonical difference, and a witness if found."""

    entry: str
    l: int
    i: int
    j: int | None
    difference: str
    automatic: str | None = None
    hand: str | None = None
    witness: str | None = None


@dataclass(frozen=True)
class SymbolicResult:
    status: str  # "proved", "refuted", "undecided", or "vacuous" (the network has no such entry)
    entries: int
    failure: EntryFailure | None = None
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.status in ("proved", "vacuous")


class Canonical:
    """Canonical forms under one activation, memoised across the entries of a run."""

    def __init__(self, eng: Engine, act: Activation):
        self.eng, self.act, self._calls = eng, act, {}

    def __call__(self, expr):
        todo = [c for c in self.eng.calls(expr) if c not in self._calls]
        for c in sorted(todo, key=lambda c: len(self.eng.calls(c.args[0]))):
            self._calls[c] = self._rebuild(c)
        swap = {c: self._calls[c] for c in self.eng.calls(expr)}
        return self.eng.xp.expand(expr.xreplace(swap) if swap else expr)

    def _rebuild(self, call):
        eng, act = self.eng, self.act
        arg = eng.xp.expand(call.args[0].xreplace({c: self._calls[c] for c in eng.calls(call.args[0])}))
        is_f = eng.head(call) == "f"
        if act.generic:
            return eng.f(arg) if is_f else eng.fprime(arg)
        if act.name == "identity":
            return arg if is_f else eng.xp.Integer(1)
        return eng.f(arg) if is_f else act.fprime_of_a(eng.f(arg), arg, eng.xp)


def canonical(eng: Engine, act: Activation, expr):
    """The canonical form of ``expr`` under ``act`` (see the module docstring)."""
    return Canonical(eng, act)(expr)


@cache
def fprime_lemma(act: Activation) -> bool:
    """Whether SymPy proves that the f' people write for ``act`` is the derivative of its f."""
    if act.generic:
        return True
    t = sympy.Symbol("t")
    ft = act.f_of(t, sympy)
    gap = sympy.diff(ft, t) - act.fprime_of_a(ft, t, sympy)
    return sympy.simplify(gap.rewrite(sympy.exp)) == 0


def witness(eng: Engine, act: Activation, auto, hand, seed: int) -> tuple[str, str, str] | None:
    """Both sides at a random rational point, or None when they agree at every try.

    Generic f is a random cubic with rational coefficients, so both values are exact
    rationals and compared exactly; a concrete activation is evaluated to 60 digits.
    The point depends only on ``seed`` (symbols are visited in name order).
    """
    auto_s, hand_s = eng.to_sympy(auto), eng.to_sympy(hand)
    symbols = sorted(auto_s.free_symbols | hand_s.free_symbols, key=str)
    rnd = random.Random(seed)
    for _ in range(WITNESS_TRIES):
        if act.generic:
            c = [sympy.Rational(rnd.randint(-2, 2), rnd.randint(2, 4)) for _ in range(4)]  # small: values stay small
            func = lambda t: c[0] + c[1] * t + c[2] * t**2 + c[3] * t**3  # noqa: E731
            dfunc = lambda t: c[1] + 2 * c[2] * t + 3 * c[3] * t**2  # noqa: E731
            about = f"f(t) = {sympy.sstr(func(sympy.Symbol('t')))}"
        else:
            t = sympy.Symbol("t")
            func = lambda u: sympy.N(act.f_of(u, sympy), 60)  # noqa: E731
            dfunc = lambda u: sympy.N(sympy.diff(act.f_of(t, sympy), t).subs(t, u), 60)  # noqa: E731
            about = f"f = {act.name}"
        point = {s: sympy.Rational(rnd.randint(-2, 2), rnd.randint(1, 4)) for s in symbols}
        a, h = (_evaluate(e, point, func, dfunc) for e in (auto_s, hand_s))
        if a is None or h is None:
            return None
        differs = a != h if act.generic else abs(a - h) > sympy.Float(10) ** -40 * (1 + abs(a) + abs(h))
        if differs:
            digits = _digits(a, h)
            return _shown(a, digits), _shown(h, digits), f"{about}; automatic − hand = {_shown(a - h)}"
    return None


def _evaluate(expr, point: dict, func, dfunc):
    """``expr`` at ``point``, calls evaluated from the inside out; None if a value is not a finite number."""
    values = dict(point)
    calls = [c for c in expr.atoms(sympy.core.function.AppliedUndef) if c.func.__name__ in ("f", "f'")]
    for c in sorted(calls, key=lambda c: len(c.args[0].atoms(sympy.core.function.AppliedUndef))):
        arg = c.args[0].xreplace(values)
        if not arg.is_number:
            return None
        values[c] = func(arg) if c.func.__name__ == "f" else dfunc(arg)
    out = expr.xreplace(values)
    out = sympy.N(out, 60) if not out.is_Rational else out
    return out if out.is_number and out.is_finite else None


@dataclass(frozen=True)
class Verdict:
    """The decision on one entry: 'proved', 'refuted' or 'undecided', with the evidence against."""

    status: str
    difference: str = ""
    automatic: str | None = None
    hand: str | None = None
    witness: str | None = None


def decide(eng: Engine, act: Activation, canon: Canonical, auto, hand, seed: int) -> Verdict:
    """Whether ``auto`` equals ``hand`` exactly; a non-zero difference needs a witness to refute."""
    diff = canon(auto - hand)
    if diff == 0:
        return Verdict("proved")
    shown = _short(str(diff))
    found = witness(eng, act, auto, hand, seed)
    if found is None:
        return Verdict("undecided", shown)
    a, h, about = found
    return Verdict("refuted", shown, a, h, about)


def check_symbolic(claim: Claim, d: Derivatives, canon: Canonical | None = None, seed: int = 0) -> SymbolicResult:
    """Decide ``claim`` exactly for every entry (l, i, j) of the network of ``d``."""
    eng, act = d.net.eng, d.net.activation
    canon = canon or Canonical(eng, act)
    views, refuted, undecided, count = {}, None, None, 0
    for l, i, j in entries(claim.lhs, d.net.sizes):
        count += 1
        auto = automatic(d, claim.lhs, l, i, j)
        try:
            hand = claim.formula(view_for(d, claim.lhs, l, views), l, i, j)
        except ClaimError:
            raise
        except Exception as exc:  # a user's formula: say which claim broke, never a traceback
            raise ClaimError(f"claim {claim.id!r} cannot be evaluated at layer {l}: {type(exc).__name__}: {exc}") from None
        if refuted:
            continue
        v = decide(eng, act, canon, auto, hand, seed + count)
        failure = EntryFailure(entry_label(claim.lhs, l, i, j), l, i, j, v.difference, v.automatic, v.hand, v.witness)
        if v.status == "refuted":
            refuted = failure
        elif v.status == "undecided" and undecided is None:
            undecided = failure
    if count == 0:
        return SymbolicResult("vacuous", 0, None, "this network has no entry of this claim (e.g. no hidden layer)")
    if refuted:
        return SymbolicResult("refuted", count, refuted)
    if undecided:
        return SymbolicResult("undecided", count, undecided, UNDECIDED_NOTE)
    if not fprime_lemma(act):
        return SymbolicResult("undecided", count, None, f"could not prove the written f' of {act.name}")
    return SymbolicResult("proved", count)


def _digits(a, h) -> int:
    """Enough significant digits (12 or more, at most 60) for a and h to print differently."""
    scale = max(abs(a), abs(h))
    gap = abs(a - h)
    return 12 if scale == 0 or gap == 0 else min(60, 12 + max(0, int(sympy.log(scale / gap, 10))))


def _shown(value, digits: int = 12) -> str:
    """A value of a witness to ``digits`` significant digits, however large."""
    return sympy.sstr(sympy.N(value, digits))


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
