"""The numeric second opinion: the automatic derivatives, lambdified, against a claim in NumPy.

The automatic side is the differentiated loss with a concrete activation put in
for f, lambdified (with common-subexpression elimination) and evaluated over
many random draws at once. The hand side is the claim's own formula evaluated
on a NumPy view of the network: z and a from a layer-by-layer forward pass
written here, independently of the symbolic path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from derive.activations import CONCRETE, Activation
from derive.autodiff import Derivatives
from derive.backprop import Claim, entries, entry_label
from derive.dag import post_order
from derive.errors import ClaimError
from derive.network import Network
from derive.views import Lazy

__all__ = ["DEFAULTS", "Draws", "NumericResult", "Evaluator", "check_numeric", "draw", "columns", "instantiate",
           "free_lambda", "Tally", "Worst"]

# Named defaults: how many draws, which seed, what relative error passes (float64).
DEFAULTS = {"draws": 64, "seed": 0, "rtol": 1e-9}
LAMBDA_RANGE = (0.1, 1.0)
COMPILE_ABOVE = 1000  # draws: above this, compiling the lambdified function (LLVM) pays for itself


@dataclass(frozen=True)
class Draws:
    """Random values of every symbol, one column per draw: ``W[l]`` is (s_{l+1}, s_l, draws)."""

    W: dict
    b: dict
    x: dict  # sample k (None: the sample (x, y)) -> (s_1, draws)
    y: dict
    lam: np.ndarray
    count: int
    seed: int


def draw(net: Network, count: int, seed: int) -> Draws:
    """``count`` random draws: W ~ N(0, 1/s_l), b, x ~ N(0, 1), y ~ U(0, 1), λ ~ U(0.1, 1) unless fixed."""
    rng = np.random.default_rng(seed)
    W = {l: rng.standard_normal((net.s(l + 1), net.s(l), count)) / np.sqrt(net.s(l)) for l in range(1, net.n_l)}
    b = {l: rng.standard_normal((net.s(l + 1), count)) for l in range(1, net.n_l)}
    keys = (None, *net.samples)
    x = {k: rng.standard_normal((net.s(1), count)) for k in keys}
    y = {k: rng.uniform(0.0, 1.0, (net.s(net.n_l), count)) for k in keys}
    lam = rng.uniform(*LAMBDA_RANGE, count) if net.lam is None else np.full(count, float(net.lam))
    return Draws(W, b, x, y, lam, count, seed)


class OneBased:
    """A NumPy array indexed like the seed (1-based units); the last axis is the draw."""

    def __init__(self, name: str, array: np.ndarray):
        self.name, self.array = name, array

    def __getitem__(self, key):
        key = key if isinstance(key, tuple) else (key,)
        if len(key) != self.array.ndim - 1 or any(not 1 <= k <= n for k, n in zip(key, self.array.shape)):
            raise ClaimError(f"{self.name}_{{{','.join(map(str, key))}}} does not exist in this network")
        return self.array[tuple(k - 1 for k in key)]


@dataclass(frozen=True)
class Worst:
    entry: str
    draw: int
    activation: str
    automatic: float
    hand: float


@dataclass(frozen=True)
class NumericResult:
    status: str  # "passed" or "failed"
    max_abs_error: float
    max_rel_error: float
    worst: Worst | None
    draws: int
    reason: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class Evaluator:
    """Everything numeric for one network, one activation and one set of draws, made once."""

    def __init__(self, d: Derivatives, act: Activation, draws: Draws):
        self.d, self.act, self.draws, self.net = d, act, draws, d.net

    def _columns(self, args: list, sample=None) -> np.ndarray:
        return columns(self.net, self.draws, args, sample)

    def prepare(self) -> None:
        """Lambdify both automatic functions now (so that this cost can be timed on its own)."""
        _ = self._sample_fn, self._full_fn  # cached properties: built here, used later

    def _lambdified(self, tables: dict, args: list) -> tuple:
        """(keys, args, function) for every entry of ``tables`` (kind -> layer -> unit(s) -> expression)."""
        keys, exprs = [], []
        for kind, table in tables.items():
            for l, units in table.items():
                for unit, e in units.items():
                    keys.append((kind, l, *(unit if isinstance(unit, tuple) else (unit, None))))
                    exprs.append(e)
        compiled = self.draws.count > COMPILE_ABOVE
        return keys, args, self.net.eng.lambdify(args, instantiate(self.net, self.act, exprs), compiled=compiled)

    @cached_property
    def _sample_fn(self):
        net, at = self.net, self.d.at[None]
        args = [*net.parameters, *net.x().values(), *net.y().values(), *free_lambda(net)]
        return self._lambdified({"delta": at.delta, "dW": at.dW, "db": at.db}, args)

    def sample_values(self, sample=None) -> dict:
        """Automatic δ (uncut network) and per-sample gradients at sample k, keyed (kind, l, i, j)."""
        keys, args, fn = self._sample_fn
        return dict(zip(keys, fn(self._columns(args, sample))))

    @cached_property
    def _full_fn(self):
        net = self.net
        args = [*net.parameters, *(s for k in net.samples for s in (*net.x(k).values(), *net.y(k).values())),
                *free_lambda(net)]
        return self._lambdified({"dW": self.d.dW, "db": self.d.db}, args)

    @cached_property
    def full_values(self) -> dict:
        """Automatic gradients of J(W,b), keyed (kind, l, i, j)."""
        keys, args, fn = self._full_fn
        return dict(zip(keys, fn(self._columns(args, None))))

    @cached_property
    def view(self) -> "NumericView":
        return NumericView(self)

    def automatic(self, lhs: str, l: int, i: int, j) -> np.ndarray:
        kind = {"delta_output": "delta", "delta_hidden": "delta", "grad_W_sample": "dW", "grad_b_sample": "db"}
        if lhs in kind:
            return self.uncut[(kind[lhs], l, i, j)]
        return self.full_values[("dW" if lhs == "grad_W" else "db", l, i, j)]

    @cached_property
    def uncut(self) -> dict:
        """Automatic values at the sample (x, y)."""
        return self.sample_values(None)


def columns(net: Network, dr: Draws, args: list, sample: int | None = None) -> np.ndarray:
    """The drawn values of the symbols ``args``, one row each (x, y read at ``sample`` if given)."""
    values = {}
    for l in range(1, net.n_l):
        values.update({w: dr.W[l][i - 1, j - 1] for (i, j), w in net.W[l].items()})
        values.update({s: dr.b[l][i - 1] for i, s in net.b[l].items()})
    for k in (None, *net.samples):
        values.update({s: dr.x[k][j - 1] for j, s in net.x(k).items()})
        values.update({s: dr.y[k][i - 1] for i, s in net.y(k).items()})
    if sample is not None:
        values.update({s: dr.x[sample][j - 1] for j, s in net.x().items()})
        values.update({s: dr.y[sample][i - 1] for i, s in net.y().items()})
    values.update({s: dr.lam for s in free_lambda(net)})
    missing = [a for a in args if a not in values]
    if missing:
        raise ClaimError(f"no value is drawn for {missing[0]}")
    return np.array([np.broadcast_to(values[a], (dr.count,)) for a in args], dtype=float)


class NumericView:
    """The network as NumPy arrays over draws, for a claim's formula (see derive.backprop)."""

    def __init__(self, ev: Evaluator):
        net, dr, act = ev.net, ev.draws, ev.act
        self.n_l, self.m, self.lam = net.n_l, net.m, dr.lam
        self.s, self.units, self.samples = net.s, net.units, net.samples
        self.W = {l: OneBased(f"W^{l}", w) for l, w in dr.W.items()}
        self.b = {l: OneBased(f"b^{l}", v) for l, v in dr.b.items()}
        self.x, self.y = OneBased("x", dr.x[None]), OneBased("y", dr.y[None])
        self.f = act.np_f
        self.fprime = lambda t: act.np_fprime_of_a(act.np_f(t), t)
        a, z = {1: dr.x[None]}, {}
        for l in range(1, net.n_l):  # z^{l+1} = W^l a^l + b^l, a^{l+1} = f(z^{l+1}), all draws at once
            z[l + 1] = np.einsum("ijd,jd->id", dr.W[l], a[l]) + dr.b[l]
            a[l + 1] = act.np_f(z[l + 1])
        self.z = {l: OneBased(f"z^{l}", v) for l, v in z.items()}
        self.a = {l: OneBased(f"a^{l}", v) for l, v in a.items()}
        self.delta = Lazy(lambda l: _GradView(ev.uncut, "delta", l, f"δ^{l}"))
        self.dJ_dW = Lazy(lambda k: _SampleGrad(ev, k, "dW"))
        self.dJ_db = Lazy(lambda k: _SampleGrad(ev, k, "db"))


class _GradView:
    def __init__(self, values: dict, kind: str, l: int, name: str):
        self.values, self.kind, self.l, self.name = values, kind, l, name

    def __getitem__(self, key):
        i, j = key if isinstance(key, tuple) else (key, None)
        try:
            return self.values[(self.kind, self.l, i, j)]
        except KeyError:
            raise ClaimError(f"{self.name}_{{{key}}} does not exist in this network") from None


class _SampleGrad:
    def __init__(self, ev: Evaluator, k: int, kind: str):
        if k not in ev.net.samples:
            raise ClaimError(f"sample {k} does not exist (m = {ev.net.m})")
        self.values, self.kind = ev.sample_values(k), kind

    def __getitem__(self, l):
        return _GradView(self.values, self.kind, l, ("∂J/∂W^" if self.kind == "dW" else "∂J/∂b^") + str(l))


def free_lambda(net: Network) -> list:
    return [net.lam_symbol] if net.lam is None else []


def instantiate(net: Network, act: Activation, exprs: list) -> list:
    """``exprs`` with the activation put in for f and its true derivative for f'."""
    eng, xp = net.eng, net.eng.xp
    t = xp.Symbol("t")
    ft = act.f_of(t, xp)
    dft = ft.diff(t)
    done: dict = {}
    for c in post_order(exprs):  # inner calls first
        head = eng.head(c)
        if head in ("f", "f'"):
            arg = c.args[0].xreplace(done) if done else c.args[0]
            done[c] = (ft if head == "f" else dft).xreplace({t: arg})
    return eng.replace_all(exprs, done)


class Tally:
    """The running worst error over entries, draws and activations; stops at the first NaN or inf."""

    def __init__(self, draws: int):
        self.draws, self.worst, self.max_abs, self.max_rel, self.reason = draws, None, 0.0, 0.0, ""

    def add(self, labels: list[str], activation: str, auto: np.ndarray, hand: np.ndarray) -> bool:
        """Fold in entries (rows) over all draws (columns); False once a side is NaN or inf."""
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
        self.max_abs = max(self.max_abs, float(err.max()))
        e, d = np.unravel_index(int(np.argmax(rel)), rel.shape)
        if self.worst is None or rel[e, d] > self.max_rel:
            self.max_rel = float(rel[e, d])
            self.worst = Worst(labels[e], int(d) + 1, activation, float(auto[e, d]), float(hand[e, d]))
        return True

    def result(self, rtol: float) -> NumericResult:
        ok = not self.reason and self.max_rel <= rtol
        return NumericResult("passed" if ok else "failed", self.max_abs, self.max_rel, self.worst, self.draws,
                             self.reason)


def check_numeric(claim: Claim, evaluators: list[Evaluator], rtol: float = DEFAULTS["rtol"]) -> NumericResult:
    """Compare ``claim`` with the automatic derivative over every draw, for each evaluator's activation."""
    tally = Tally(evaluators[0].draws.count)
    for ev in evaluators:
        cells = list(entries(claim.lhs, ev.net.sizes))
        if not cells:
            continue
        auto = np.array([ev.automatic(claim.lhs, l, i, j) for l, i, j in cells])
        hand = np.empty_like(auto)
        for row, (l, i, j) in enumerate(cells):
            try:
                hand[row] = claim.formula(ev.view, l, i, j)
            except ClaimError:
                raise
            except Exception as exc:
                raise ClaimError(f"claim {claim.id!r} cannot be evaluated numerically at layer {l}: "
                                 f"{type(exc).__name__}: {exc}") from None
        if not tally.add([entry_label(claim.lhs, *c) for c in cells], ev.act.name, auto, hand):
            break
    return tally.result(rtol)


def evaluators_for(d: Derivatives, draws: Draws) -> list[Evaluator]:
    """One evaluator per activation to test: every concrete one when f is generic."""
    acts = CONCRETE if d.net.activation.generic else (d.net.activation,)
    return [Evaluator(d, act, draws) for act in acts]
