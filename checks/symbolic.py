"""Symbolic equality of a claim and the automatic derivative, entry by entry.

Two methods, both treating every applied f(e), f'(e) as an unknown (so a pass
holds for every differentiable f):

- ``exact``: a canonical form — every f(e), f'(e) rebuilt from the inside out
  with its argument expanded, a concrete activation's f' read as people write it
  (sigmoid: f'(t) = f(t)(1 - f(t))) — then auto - hand is expanded; 0 is a proof.
  Its cost grows with the number of expanded terms.
- ``probabilistic``: both sides evaluated modulo a 127-bit prime at random points
  (checks.identity); its cost grows with the size of the expression DAG, and a
  pass is a proof up to a stated error bound.

A difference is only called ``refuted`` when a witness confirms it: both sides
at a random rational point, exactly for generic f (f a random cubic), to 60
digits for a concrete activation. Otherwise ``undecided``, never passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from checks.identity import error_bound, probably_equal, witness_values
from derive.activations import Activation
from derive.autodiff import Derivatives
from derive.backprop import Claim, entries, entry_label
from derive.dag import post_order
from derive.engine import Engine
from derive.errors import ClaimError
from derive.views import automatic, view_for

__all__ = ["SymbolicResult", "EntryFailure", "Verdict", "Canonical", "check_symbolic", "decide", "witness",
           "fprime_lemma", "METHODS", "EXACT_UP_TO"]

METHODS = ("auto", "exact", "probabilistic")
EXACT_UP_TO = 120  # parameters: below this, "auto" expands exactly (fast there); above, it evaluates modulo p
WITNESS_TRIES = 3
_SHOWN = 240  # characters of a difference shown in a report
UNDECIDED_NOTE = "the difference is not identically 0, but no point was found where it is non-zero"


@dataclass(frozen=True)
class EntryFailure:
    """The first entry that did not cancel: where, the difference, and a witness if found."""

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
    method: str = "exact"
    error: float = 0.0  # for a probabilistic proof: the chance it is wrong

    @property
    def passed(self) -> bool:
        return self.status in ("proved", "vacuous")

    @property
    def label(self) -> str:
        """The status as a person reads it, e.g. 'proved (probabilistic, error ≤ 1e-70)'."""
        if self.status == "proved" and self.method == "probabilistic":
            return f"proved (probabilistic, error ≤ {max(self.error, 1e-300):.0e})"
        return self.status


@dataclass(frozen=True)
class Verdict:
    """The decision on one entry: 'proved', 'refuted' or 'undecided', with the evidence against."""

    status: str
    difference: str = ""
    automatic: str | None = None
    hand: str | None = None
    witness: str | None = None


class Canonical:
    """Canonical forms under one activation, memoised across the entries of a run."""

    def __init__(self, eng: Engine, act: Activation):
        self.eng, self.act, self._calls = eng, act, {}

    def __call__(self, expr):
        for c in post_order([expr]):  # inner calls first
            if c not in self._calls and self.eng.head(c) in ("f", "f'"):
                self._calls[c] = self._rebuild(c)
        return self.eng.xp.expand(expr.xreplace(self._calls) if self._calls else expr)

    def _rebuild(self, call):
        eng, act = self.eng, self.act
        arg = eng.xp.expand(call.args[0].xreplace(self._calls) if self._calls else call.args[0])
        is_f = eng.head(call) == "f"
        if act.generic:
            return eng.f(arg) if is_f else eng.fprime(arg)
        if act.name == "identity":
            return arg if is_f else eng.xp.Integer(1)
        return eng.f(arg) if is_f else act.fprime_of_a(eng.f(arg), arg, eng.xp)


@cache
def fprime_lemma(act: Activation) -> bool:
    """Whether SymPy proves that the f' people write for ``act`` is the derivative of its f."""
    if act.generic:
        return True
    import sympy

    t = sympy.Symbol("t")
    ft = act.f_of(t, sympy)
    gap = sympy.diff(ft, t) - act.fprime_of_a(ft, t, sympy)
    return sympy.simplify(gap.rewrite(sympy.exp)) == 0


def witness(eng: Engine, act: Activation, auto, hand, seed: int) -> tuple[str, str, str] | None:
    """Both sides at a random rational point, printed, or None when they agree at every try."""
    import mpmath
    import sympy

    for k in range(WITNESS_TRIES):
        found = witness_values(eng, act, auto, hand, seed * WITNESS_TRIES + k)
        if found is None:
            return None
        a, h, about = found
        if act.generic:
            a, h = sympy.Rational(a.numerator, a.denominator), sympy.Rational(h.numerator, h.denominator)
            differs = a != h
        else:
            differs = abs(a - h) > mpmath.mpf(10) ** -40 * (1 + abs(a) + abs(h))
            a, h = sympy.Float(a, 60), sympy.Float(h, 60)
        if differs:
            digits = _digits(a, h)
            return _shown(a, digits), _shown(h, digits), f"{about}; automatic − hand = {_shown(a - h)}"
    return None


def decide(eng: Engine, act: Activation, canon: Canonical, auto, hand, seed: int) -> Verdict:
    """Whether ``auto`` equals ``hand`` exactly; a non-zero difference needs a witness to refute."""
    diff = canon(auto - hand)
    if diff == 0:
        return Verdict("proved")
    return _against(eng, act, auto, hand, seed, _short(str(diff)))


def _against(eng: Engine, act: Activation, auto, hand, seed: int, shown: str) -> Verdict:
    found = witness(eng, act, auto, hand, seed)
    if found is None:
        return Verdict("undecided", shown)
    a, h, about = found
    return Verdict("refuted", shown, a, h, about)


def method_for(method: str, parameters: int) -> str:
    """The method "auto" stands for on a network with this many parameters."""
    return method if method != "auto" else ("exact" if parameters <= EXACT_UP_TO else "probabilistic")


def _hand_sides(claim: Claim, d: Derivatives) -> list:
    views, out = {}, []
    for l, i, j in entries(claim.lhs, d.net.sizes):
        try:
            hand = claim.formula(view_for(d, claim.lhs, l, views), l, i, j)
        except ClaimError:
            raise
        except Exception as exc:  # a user's formula: say which claim broke, never a traceback
            raise ClaimError(f"claim {claim.id!r} cannot be evaluated at layer {l}: "
                             f"{type(exc).__name__}: {exc}") from None
        out.append(((l, i, j), automatic(d, claim.lhs, l, i, j), d.net.eng.xp.sympify(hand)))
    return out


def check_symbolic(claim: Claim, d: Derivatives, canon: Canonical | None = None, seed: int = 0,
                   method: str = "auto") -> SymbolicResult:
    """Decide ``claim`` for every entry (l, i, j) of the network of ``d`` (see the module docstring)."""
    eng, act = d.net.eng, d.net.activation
    method = method_for(method, d.net.parameter_count)
    sides = _hand_sides(claim, d)
    if not sides:
        return SymbolicResult("vacuous", 0, None, "this network has no entry of this claim (e.g. no hidden layer)",
                              method)
    if method == "exact":
        canon = canon or Canonical(eng, act)
        verdicts = (decide(eng, act, canon, a, h, seed + k) for k, (_, a, h) in enumerate(sides, 1))
    else:
        equal = probably_equal(eng, act, [(a, h) for _, a, h in sides], seed)
        verdicts = (Verdict("proved") if ok else _against(eng, act, a, h, seed + k, "non-zero modulo p")
                    for k, ((_, a, h), ok) in enumerate(zip(sides, equal), 1))
    undecided = None
    for ((l, i, j), _, _), v in zip(sides, verdicts):
        if v.status == "proved":
            continue
        failure = EntryFailure(entry_label(claim.lhs, l, i, j), l, i, j, v.difference, v.automatic, v.hand, v.witness)
        if v.status == "refuted":
            return SymbolicResult("refuted", len(sides), failure, method=method)
        undecided = undecided or failure
    if undecided:
        return SymbolicResult("undecided", len(sides), undecided, UNDECIDED_NOTE, method)
    if not fprime_lemma(act):
        return SymbolicResult("undecided", len(sides), None, f"could not prove the written f' of {act.name}", method)
    error = error_bound(eng, [(a, h) for _, a, h in sides]) if method == "probabilistic" else 0.0
    return SymbolicResult("proved", len(sides), method=method, error=error)


def _digits(a, h) -> int:
    """Enough significant digits (12 or more, at most 60) for a and h to print differently."""
    import sympy

    scale = max(abs(a), abs(h))
    gap = abs(a - h)
    return 12 if scale == 0 or gap == 0 else min(60, 12 + max(0, int(sympy.log(scale / gap, 10))))


def _shown(value, digits: int = 12) -> str:
    """A value of a witness to ``digits`` significant digits, however large."""
    import sympy

    return sympy.sstr(sympy.N(value, digits))


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
