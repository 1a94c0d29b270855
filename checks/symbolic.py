"""Symbolic equality of a claim and the automatic derivative, entry by entry.

Two methods, both treating every applied f(e), f'(e) as an unknown (so a pass
holds for every differentiable f):

- ``exact``: a canonical form — every f(e), f'(e) rebuilt from the inside out
  with its argument expanded, a concrete activation's f' read as people write it
  (a(1 - a) with a = f(t), for the logistic f) — then auto - hand is expanded; 0 is a proof.
  Its cost grows with the number of expanded terms. A difference that is not 0 and has no
  witness (below) is decided once more with concrete functions written through exp and log
  and as a rational function (checks.exponentials): rows that write σ, tanh, log(e^x), or
  a(1 − a) in a denominator out are proved there, and only those rows pay for it.
- ``probabilistic``: both sides evaluated modulo a 127-bit prime at random points
  (checks.identity); its cost grows with the size of the expression DAG, and a
  pass is a proof up to a stated error bound.

A difference is only called ``refuted`` when a witness confirms it: both sides
at a random rational point, exactly for generic f (f a random cubic) unless exp, log or
tanh is called, to 60 digits otherwise (and the difference must be the same at 120 digits,
not rounding). Otherwise ``undecided``, never passed.

checks.identity and checks.exponentials are imported where a run needs them (a witness, the modulo-p
method, an undecided difference): a default check, which needs neither, starts without compiling them.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from checks.results import Failure, Status, SymbolicResult, Verdict
from derive.errors import ClaimError
from derive.model.autodiff import Derivatives
from derive.model.backprop import Claim
from derive.model.dag import children, post_order
from derive.model.engines import Engine, engine
from derive.model.network import Network
from derive.model.views import view_for
from derive.primitives import Activation, function

__all__ = ["Canonical", "check_symbolic", "Together", "modulo_p_together", "decide", "witness", "fprime_lemma",
           "proves_fprime", "written_fprime", "PROVED_FPRIMES", "method_for", "EXACT_UP_TO", "EXACT_PATHS"]

EXACT_UP_TO = 120  # parameters: up to this, "auto" expands exactly (fast there); above, it evaluates modulo p
EXACT_PATHS = 1024  # … and paths from layer 2 to the output: an expanded δ^2 has about this many terms per entry
WITNESS_TRIES = 3
WITNESS_DIGITS = 60  # of a witness in floating point; a difference must survive twice as many
_SHOWN = 240  # characters of a difference shown in a report
UNDECIDED_NOTE = "the difference is not identically 0, but no point was found where it is non-zero"


class Canonical:
    """Canonical forms under one activation, memoised across the entries of a run."""

    def __init__(self, eng: Engine, act: Activation):
        self.eng, self.act = eng, act
        self._calls: dict = {}

    def __call__(self, expr):
        done = lambda node: () if node in self._calls else children(node)  # a rebuilt call's insides are done
        for c in post_order([expr], done):  # inner calls first
            applied = self.eng.applied(c)
            if c not in self._calls and applied is not None and applied[0].unknown:
                self._calls[c] = self._rebuild(c)
        return self.eng.xp.expand(self._swapped(expr))

    def _swapped(self, expr):
        """``expr`` with its calls rebuilt: only the outermost are handed to xreplace (which does not look
        inside what it replaces), so the cost follows ``expr``, not every call met so far."""
        outer, stack, seen = {}, [expr], set()
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                if node in self._calls:
                    outer[node] = self._calls[node]
                else:
                    stack.extend(children(node))
        return expr.xreplace(outer) if outer else expr

    def _rebuild(self, call):
        """f(e) or f'(e) with e expanded, and the activation's f (if rational) and written f' put in."""
        eng, act, ops = self.eng, self.act, self.eng.ops
        fn, arg = eng.applied(call) or (None, call)
        arg = eng.xp.expand(self._swapped(arg))
        a = act.f(arg, ops) if act.rational else ops.f(arg)  # f of any other activation stays unknown
        return a if fn is function("f") else ops.lift(act.fprime(a, arg, ops), arg)


#: The registry's written f', each proved the derivative of its f by SymPy (``proves_fprime``, run on every
#: entry by tests/test_activations.py), keyed by the formulas themselves: an edited formula is proved afresh.
PROVED_FPRIMES = frozenset({
    "(1 + exp(-t))**(-1) | (1 - (1 + exp(-t))**(-1))/(1 + exp(-t))",
    "tanh(t) | 1 - tanh(t)**2",
    "log(1 + exp(t)) | (1 + exp(-t))**(-1)",
    "t | 1",
    "(1/2)*(t + sqrt(t**2)) | (1/2)*(t + sqrt(t**2))/t",
})


@cache
def fprime_lemma(act: Activation) -> bool:
    """Whether the f' people write for ``act`` is the derivative of its f: shipped, or proved by SymPy now."""
    return act.generic or written_fprime(act) in PROVED_FPRIMES or proves_fprime(act)


def written_fprime(act: Activation) -> str:
    """``f(t) | f'`` as symengine prints them: the key of ``PROVED_FPRIMES``."""
    xp, ops = engine("symengine").xp, engine("symengine").ops
    t = xp.Symbol("t")
    ft = xp.sympify(act.f(t, ops))
    return f"{ft} | {xp.sympify(act.fprime(ft, t, ops))}"


def proves_fprime(act: Activation) -> bool:
    """Whether SymPy proves that the f' people write for ``act`` is the derivative of its f (0.5–1.3 s)."""
    import sympy

    ops = engine("sympy").ops
    t = sympy.Symbol("t")
    ft = act.f(t, ops)
    gap = sympy.diff(ft, t) - act.fprime(ft, t, ops)
    return sympy.simplify(gap.rewrite(sympy.exp)) == 0


def witness(eng: Engine, act: Activation, auto, hand, seed: int) -> tuple[str, str, str] | None:
    """Both sides at a random rational point, printed, or None when they agree at every try."""
    import mpmath
    import sympy

    from checks.identity import witness_values

    for k in range(WITNESS_TRIES):
        found = witness_values(eng, act, auto, hand, seed * WITNESS_TRIES + k)
        if found is None:  # a value is not finite (or not real) at this point: try the next one
            continue
        a, h, about = found
        if isinstance(a, Fraction) and isinstance(h, Fraction):  # generic f at a rational point: exact
            a, h = sympy.Rational(a.numerator, a.denominator), sympy.Rational(h.numerator, h.denominator)
            differs = a != h
        else:
            differs = abs(a - h) > mpmath.mpf(10) ** -40 * (1 + abs(a) + abs(h)) and _resolved(
                a - h, witness_values(eng, act, auto, hand, seed * WITNESS_TRIES + k, 2 * WITNESS_DIGITS))
            mpmath.mp.dps = WITNESS_DIGITS
            a, h = sympy.Float(a, WITNESS_DIGITS), sympy.Float(h, WITNESS_DIGITS)
        if differs:
            digits = _digits(a, h)
            return _shown(a, digits), _shown(h, digits), f"{about}; automatic − hand = {_shown(a - h)}"
    return None


def _resolved(gap, finer) -> bool:
    """Whether a difference found in floating point is one, not rounding: at twice the digits it is the same."""
    if finer is None:
        return False
    again = finer[0] - finer[1]
    return abs(gap - again) <= abs(again) / 1000


def decide(eng: Engine, act: Activation, canon: Canonical, auto, hand, seed: int, where: str, entry=None) -> Verdict:
    """Whether ``auto`` equals ``hand`` exactly; a non-zero difference needs a witness to refute."""
    diff = canon(auto - hand)
    if diff == 0:
        return Verdict(Status.PROVED)
    verdict = _against(eng, act, auto, hand, seed, Failure(where, _short(str(diff)), entry=entry))
    if verdict.status is Status.UNDECIDED:  # decided once more with concrete functions written out
        from checks.exponentials import exactly_zero

        if exactly_zero(eng, act, diff):
            return Verdict(Status.PROVED)
    return verdict


def _against(eng: Engine, act: Activation, auto, hand, seed: int, failure: Failure) -> Verdict:
    found = witness(eng, act, auto, hand, seed)
    if found is None:
        return Verdict(Status.UNDECIDED, failure)
    a, h, about = found
    return Verdict(Status.REFUTED, Failure(failure.where, failure.difference, a, h, about, failure.entry))


def method_for(method: str, net: Network) -> str:
    """The method "auto" stands for on ``net``: exact expansion where it stays small (few parameters and few
    paths through the layers: its terms grow as their product), evaluation modulo p elsewhere."""
    small = net.parameter_count <= EXACT_UP_TO and math.prod(net.sizes[1:]) <= EXACT_PATHS
    return method if method != "auto" else ("exact" if small else "probabilistic")


def _hand_sides(claim: Claim, d: Derivatives) -> list:
    views: dict = {}
    out, q = [], claim.quantity
    for l, i, j in q.entries(d.net.sizes):
        try:
            hand = claim.formula(view_for(d, q, l, views), l, i, j)
        except ClaimError:
            raise
        except Exception as exc:  # a user's formula: say which claim broke, never a traceback
            raise ClaimError(f"claim {claim.id!r} cannot be evaluated at layer {l}: "
                             f"{type(exc).__name__}: {exc}") from None
        out.append(((l, i, j), d.automatic(q, l, i, j), d.net.eng.xp.sympify(hand)))
    return out


@dataclass(frozen=True)
class Together:
    """Every claim's entries tested modulo p at once: their union DAG evaluated once per trial (the claims
    share the automatic side), and one error bound for all of them."""

    sides: dict[str, list]
    tested: dict[str, list]
    error: float


def modulo_p_together(claims: tuple[Claim, ...], d: Derivatives, seed: int) -> Together:
    """``claims`` tested together (a claim whose formula cannot be evaluated is left to report it alone)."""
    from checks.identity import equal_as, error_bound

    sides: dict[str, list] = {}
    for c in claims:
        with contextlib.suppress(ClaimError):
            sides[c.id] = _hand_sides(c, d)
    tested = equal_as(d.net.eng, d.net.activation, [(a, h) for s in sides.values() for _, a, h in s], seed)
    out, k = {}, 0
    for cid, s in sides.items():
        out[cid], k = tested[k: k + len(s)], k + len(s)
    return Together(sides, out, error_bound(d.net.eng, [t for t in tested if t is not None]))


def check_symbolic(claim: Claim, d: Derivatives, canon: Canonical | None = None, seed: int = 0,
                   method: str = "auto", together: Together | None = None) -> SymbolicResult:
    """Decide ``claim`` for every entry (l, i, j) of the network of ``d`` (see the module docstring), modulo p
    with the other claims where ``together`` holds it."""
    eng, act, q = d.net.eng, d.net.activation, claim.quantity
    method = method_for(method, d.net)
    joint = together if together is not None and method == "probabilistic" and claim.id in together.sides else None
    sides = joint.sides[claim.id] if joint else _hand_sides(claim, d)
    if not sides:
        return SymbolicResult(Status.VACUOUS, 0, None,
                              "this network has no entry of this claim (e.g. no hidden layer)", method)
    tested: list = []  # the pairs found equal modulo p, as they were tested (rewritten, where that was needed)
    if method == "exact":
        canon = canon or Canonical(eng, act)
        verdicts = (decide(eng, act, canon, a, h, seed + k, q.label_of(*e), e) for k, (e, a, h) in enumerate(sides, 1))
    else:
        from checks.identity import equal_as, error_bound

        tested = joint.tested[claim.id] if joint else equal_as(eng, act, [(a, h) for _, a, h in sides], seed)
        verdicts = (Verdict(Status.PROVED) if ok is not None else
                    _against(eng, act, a, h, seed + k, Failure(q.label_of(*e), "non-zero modulo p", entry=e))
                    for k, ((e, a, h), ok) in enumerate(zip(sides, tested), 1))
    undecided = None
    for v in verdicts:
        if v.status is Status.REFUTED:
            return SymbolicResult(Status.REFUTED, len(sides), v.failure, method=method)
        if v.status is Status.UNDECIDED:
            undecided = undecided or v.failure
    if undecided:
        return SymbolicResult(Status.UNDECIDED, len(sides), undecided, UNDECIDED_NOTE, method)
    if not fprime_lemma(act):
        return SymbolicResult(Status.UNDECIDED, len(sides), None, f"could not prove the written f' of {act.name}",
                              method)
    error = 0.0 if method != "probabilistic" else joint.error if joint else error_bound(eng, tested)
    return SymbolicResult(Status.PROVED, len(sides), method=method, error=error)


def _digits(a, h) -> int:
    """Enough significant digits (12 or more, at most 60) for a and h to print differently: 12 more than
    the decimal exponent of scale/gap, counted on an integer (exact for rationals, no floating log)."""
    scale, gap = max(abs(a), abs(h)), abs(a - h)
    if scale == 0 or gap == 0:
        return 12
    whole, extra = int(scale / gap), 0
    while whole >= 10 and extra < 48:
        whole, extra = whole // 10, extra + 1
    return 12 + extra


def _shown(value, digits: int = 12) -> str:
    """A value of a witness to ``digits`` significant digits, however large."""
    import sympy

    return sympy.sstr(sympy.N(value, digits))


def _short(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
