"""The numeric second opinion: the automatic derivatives against a claim, in NumPy.

The automatic side is the differentiated loss with a concrete activation put in
for f, evaluated over many random draws at once by one walk of its DAG (each
shared subexpression once, as arrays over the draws). The hand side is the claim's
own formula evaluated on a NumPy view of the network: z and a from a layer-by-layer
forward pass written here, independently of the symbolic path.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, cached_property

import numpy as np

from checks.draws import Draws, OneBased, columns, free_lambda
from checks.results import NumericResult, Status, Worst
from derive.errors import ClaimError
from derive.model.autodiff import Derivatives
from derive.model.backprop import Claim
from derive.model.dag import cached_plan, plan, run
from derive.model.engines import Engine
from derive.model.network import Network
from derive.model.quantity import Quantity
from derive.model.views import Lazy
from derive.primitives import Activation, concrete, ops
from derive.settings import Settings

__all__ = ["Evaluator", "check_numeric", "evaluators_for", "tested", "at_draws", "Tally"]


class Evaluator:
    """Everything numeric for one network, one activation and one set of draws, made once."""

    def __init__(self, d: Derivatives, act: Activation, draws: Draws):
        self.d, self.act, self.draws, self.net = d, act, draws, d.net

    def prepare(self) -> None:
        """Evaluate the automatic side now (so that this cost can be timed on its own)."""
        _ = self._per_sample, self.full_values  # cached properties: computed here, used later

    def _values(self, tables: dict, args: list, samples: tuple) -> list[dict]:
        """For each of ``samples``, every entry of ``tables`` (wrt -> layer -> unit(s) -> expression) keyed
        (wrt, l, i, j), at the draws with (x, y) read at that sample: one walk, the samples side by side."""
        keys, exprs = [], []
        for wrt, table in tables.items():
            for l, units in table.items():
                for unit, e in units.items():
                    keys.append((wrt, l, *(unit if isinstance(unit, tuple) else (unit, None))))
                    exprs.append(e)
        cols = columns(self.net, self.draws, args, samples)
        values = np.split(at_draws(self.net, self.act, exprs, args, cols), len(samples), axis=1)
        return [dict(zip(keys, v)) for v in values]

    @cached_property
    def _per_sample(self) -> dict:
        net = self.net
        keys = (None, *net.samples)
        return dict(zip(keys, self._values(self.d.at[None], [*net.parameters, *net.data(), *free_lambda(net)], keys)))

    def sample_values(self, sample=None) -> dict:
        """Automatic δ (uncut network) and per-sample gradients at sample k, keyed (wrt, l, i, j)."""
        return self._per_sample[sample]

    @cached_property
    def full_values(self) -> dict:
        """Automatic gradients of J(W,b), keyed (wrt, l, i, j)."""
        net = self.net
        args = [*net.parameters, *(s for k in net.samples for s in net.data(k)), *free_lambda(net)]
        return self._values(self.d.full, args, (None,))[0]

    @cached_property
    def uncut(self) -> dict:
        """Automatic values at the sample (x, y)."""
        return self.sample_values(None)

    @cached_property
    def view(self) -> NumericView:
        return NumericView(self)

    def automatic(self, q: Quantity, l: int, i: int, j) -> np.ndarray:
        return (self.uncut if q.per_sample else self.full_values)[(q.wrt, l, i, j)]


class NumericView:
    """The network as NumPy arrays over draws, for a claim's formula (see derive.model.backprop)."""

    def __init__(self, ev: Evaluator):
        net, dr, act, np_ops = ev.net, ev.draws, ev.act, ops("numpy")
        self.n_l, self.m, self.lam = net.n_l, net.m, dr.lam
        self.s, self.units, self.samples = net.s, net.units, net.samples
        self.W = {l: OneBased(f"W^{l}", w) for l, w in dr.W.items()}
        self.b = {l: OneBased(f"b^{l}", v) for l, v in dr.b.items()}
        self.x, self.y = OneBased("x", dr.x[None]), OneBased("y", dr.y[None])
        self.f, self.ops = (lambda t: act.f(t, np_ops)), np_ops
        self.fprime = lambda t: np_ops.lift(act.fprime(self.f(t), t, np_ops), t)
        a, z = {1: dr.x[None]}, {}
        g = net.output.layer  # the output layer's own g (softmax: of the whole layer), or f
        for l in range(1, net.n_l):  # z^{l+1} = W^l a^l + b^l, a^{l+1} = f(z^{l+1}), all draws at once
            z[l + 1] = np.einsum("ijd,jd->id", dr.W[l], a[l]) + dr.b[l]
            a[l + 1] = self.f(z[l + 1]) if g is None or l + 1 < net.n_l else \
                np.array([np_ops.lift(v, z[l + 1][0]) for v in g(list(z[l + 1]), np_ops)])
        self.z = {l: OneBased(f"z^{l}", v) for l, v in z.items()}
        self.a = {l: OneBased(f"a^{l}", v) for l, v in a.items()}
        self.delta = Lazy(lambda l: _GradView(ev.uncut, "z", l, f"δ^{l}"))
        self.dJ_dW = Lazy(lambda k: _SampleGrad(ev, k, "W"))
        self.dJ_db = Lazy(lambda k: _SampleGrad(ev, k, "b"))


class _GradView:
    def __init__(self, values: dict, wrt: str, l: int, name: str):
        self.values, self.wrt, self.l, self.name = values, wrt, l, name

    def __getitem__(self, key):
        i, j = key if isinstance(key, tuple) else (key, None)
        try:
            return self.values[(self.wrt, self.l, i, j)]
        except KeyError:
            raise ClaimError(f"{self.name}_{{{key}}} does not exist in this network") from None


class _SampleGrad:
    def __init__(self, ev: Evaluator, k: int, wrt: str):
        if k not in ev.net.samples:
            raise ClaimError(f"sample {k} does not exist (m = {ev.net.m})")
        self.values, self.wrt = ev.sample_values(k), wrt

    def __getitem__(self, l):
        return _GradView(self.values, self.wrt, l, f"∂J/∂{self.wrt}^{l}")


def at_draws(net: Network, act: Activation, exprs: list, args: list, cols: np.ndarray) -> np.ndarray:
    """``exprs`` with ``act`` put in for f and its true derivative for f' (the engine's derivative of f, not
    the f' people write), at the draws ``cols`` (one row per symbol of ``args``): one walk of their shared
    DAG, each node once, vectorised over the draws. An (exprs × draws) array."""
    if not exprs:
        return np.zeros((0, cols.shape[1]))
    f, df = _concrete(net.eng, act)
    values = _walk(net.eng, exprs, dict(zip(args, cols)).__getitem__, {"f": f, "f'": df})
    return np.array([np.broadcast_to(v, cols.shape[1:]) for v in values], dtype=float).reshape(len(exprs), -1)


def _walk(eng: Engine, exprs: list, symbol: Callable, unknown: dict) -> list:
    return run(cached_plan(eng, tuple(exprs)), symbol, float, _numpy_call(unknown), np.power)


def _numpy_call(unknown: dict) -> Callable:
    np_ops = ops("numpy")
    return lambda fn, v: unknown[fn.name](v) if fn.unknown else getattr(np_ops, fn.attr)(v)


@cache
def _concrete(eng: Engine, act: Activation) -> tuple[Callable, Callable]:
    """f and its true derivative as NumPy functions, evaluated from the engine's own expressions."""
    t = eng.xp.Symbol("t")
    ft = eng.xp.sympify(act.f(t, eng.ops))
    f, df = plan(eng, [ft]), plan(eng, [ft.diff(t)])
    call = _numpy_call({})
    return (lambda v: run(f, lambda s: v, float, call, np.power)[0]), \
        (lambda v: run(df, lambda s: v, float, call, np.power)[0])


class Tally:
    """The running worst error over entries, draws and activations; stops at the first NaN or inf."""

    def __init__(self, draws: int):
        self.draws, self.max_abs, self.max_rel, self.reason = draws, 0.0, 0.0, ""
        self.worst: Worst | None = None
        self.undefined = 0  # draws where neither side is finite (log 0, 0/0, overflow): nothing to compare

    def add(self, labels: list[str], activation: str, auto: np.ndarray, hand: np.ndarray) -> bool:
        """Fold in entries (rows) over all draws (columns); False once one side only is NaN or inf, or neither
        side is finite at every draw of an entry (then nothing was compared)."""
        both = ~np.isfinite(auto) & ~np.isfinite(hand)
        if both.any():
            if both.all(axis=1).any():
                row = int(np.argmax(both.all(axis=1)))
                self.worst = Worst(labels[row], 1, activation, float("nan"), float("nan"))
                self.max_abs = self.max_rel = float("nan")
                self.reason = f"neither side is finite (NaN or inf) at any draw of {labels[row]} ({activation})"
                return False
            self.undefined += int(both.sum())
            auto, hand = np.where(both, 0.0, auto), np.where(both, 0.0, hand)
        if not np.isfinite(auto - hand).all():  # one pass; NaN or inf on either side shows here
            for side, values in (("automatic", auto), ("hand", hand)):
                bad = ~np.isfinite(values)
                if bad.any():
                    e, d = np.unravel_index(int(np.argmax(bad)), bad.shape)
                    self.worst = Worst(labels[e], int(d) + 1, activation, float(auto[e, d]), float(hand[e, d]))
                    self.max_abs = self.max_rel = float("nan")
                    self.reason = f"the {side} side is {values[e, d]} at {labels[e]}, draw {d + 1} ({activation})"
                    return False
        err = np.abs(auto - hand)
        scale = np.maximum(np.abs(auto), np.abs(hand))
        np.maximum(scale, 1.0, out=scale)
        rel = np.divide(err, scale, out=scale)
        rel[both] = -1.0  # never the worst draw
        self.max_abs = max(self.max_abs, float(err.max()))
        e, d = np.unravel_index(int(np.argmax(rel)), rel.shape)
        if self.worst is None or rel[e, d] > self.max_rel:
            self.max_rel = float(rel[e, d])
            self.worst = Worst(labels[e], int(d) + 1, activation, float(auto[e, d]), float(hand[e, d]))
        return True

    def result(self, rtol: float) -> NumericResult:
        ok = not self.reason and self.max_rel <= rtol
        return NumericResult(Status.PASSED if ok else Status.FAILED, self.max_abs, self.max_rel, self.worst,
                             self.draws, self.reason, self.undefined)


def check_numeric(claim: Claim, evaluators: list[Evaluator], rtol: float = Settings.rtol) -> NumericResult:
    """Compare ``claim`` with the automatic derivative over every draw, for each evaluator's activation."""
    tally, q = Tally(evaluators[0].draws.count), claim.quantity
    for ev in evaluators:
        cells = list(q.entries(ev.net.sizes))
        if not cells:
            continue
        auto = np.array([ev.automatic(q, l, i, j) for l, i, j in cells])
        hand = np.empty_like(auto)
        for row, (l, i, j) in enumerate(cells):
            try:
                hand[row] = claim.formula(ev.view, l, i, j)
            except ClaimError:
                raise
            except Exception as exc:
                raise ClaimError(f"claim {claim.id!r} cannot be evaluated numerically at layer {l}: "
                                 f"{type(exc).__name__}: {exc}") from None
        if not tally.add([q.label_of(*c) for c in cells], ev.act.name, auto, hand):
            break
    return tally.result(rtol)


def tested(act: Activation) -> tuple[Activation, ...]:
    """The activations a numeric check runs with: every concrete one when f is generic."""
    return concrete() if act.generic else (act,)


def evaluators_for(d: Derivatives, draws: Draws) -> list[Evaluator]:
    """One evaluator per activation to test (for the generic f, those whose outputs the loss admits)."""
    return [Evaluator(d, act, draws) for act in d.net.tested]
