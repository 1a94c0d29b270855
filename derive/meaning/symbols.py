"""The symbol table: what each name of the seed's notation means on one network.

W^l_ij, b^l_i and x, y are the parameters and data; z^l_i, a^l_i and h_{W,b}(x)
come from the forward pass; δ^l_i is the true residual ∂J(W,b;x,y)/∂z^l_i;
J(W,b;x,y) and J(W,b) are the losses; s_l, m, n_l and λ are numbers; f, f',
exp, log, tanh, σ, … are the registry's functions and activations. Indices
arrive as whole numbers: the evaluator (derive.meaning.evaluator) reads them.

Under a derivative with respect to z^l or a^l the network is cut there (``Cut``):
that quantity becomes fresh symbols and the forward pass runs on from it; the
layers below the cut are read at their own fresh z (held fixed).

Two signals leave this module: ``Unfit`` (an index outside this network, e.g.
δ^1 or W^l_ij with i > s_{l+1}: that instance does not exist) and
``NotUnderstood`` (a reason why a row has no meaning here: "not checked").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from derive.errors import DeriveError, NotUnderstood
from derive.meaning.arrays import Vec, as_value
from derive.model.autodiff import Derivatives, differentiate
from derive.model.loss import full_loss, sample_loss
from derive.model.network import Forward, Indexed, Network
from derive.model.views import delta_in
from derive.primitives import Activation, Function, function, reading
from derive.reader.conditions import RELU, STEP

__all__ = ["SymbolTable", "Env", "Cut", "Unfit", "PARAMETERS", "LAYERED"]

PARAMETERS = frozenset({"W", "w", "b"})
LAYERED = PARAMETERS | {"z", "a", "delta"}  # a superscript is the layer


class Unfit(DeriveError):
    """An index outside this network: the instance does not exist here."""


@dataclass(frozen=True)
class Cut:
    """Where the network is cut: z^layer are fresh symbols (layer 1: not cut, a^1 = x), or, ``on_a``, a^layer
    are (the loss then depends on them through z^{layer+1} = W^layer a^layer + b^layer)."""

    layer: int = 1
    on_a: bool = False

    @property
    def position(self) -> int:
        """Its place along the forward pass: not cut < a^1 < z^2 < a^2 < z^3 < …"""
        return 2 * self.layer + self.on_a

    def below(self, name: str, l: int) -> bool:
        """Whether z^l (``name`` "z") or a^l lies below the cut: read at its own fresh z, not moved by the cut."""
        return 2 * l + (name == "a") < self.position

    def __str__(self) -> str:
        return f"{'a' if self.on_a else 'z'}^{self.layer}"


@dataclass(frozen=True)
class Env:
    """Index values in effect: units and layers, samples (bound by a sum up to m), and the cut."""

    units: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)
    cut: Cut = Cut()


class SymbolTable:
    """The meaning of names on ``net``; the residuals and forward passes it builds are shared by every row."""

    def __init__(self, net: Network):
        self.net, self.eng, self.xp = net, net.eng, net.eng.xp

    def world(self, cut: int = 1, sample: int | None = None) -> Forward:
        """The forward pass of the sample (x, y) or of sample k, uncut or cut at z^cut."""
        return self.net.world(sample) if cut == 1 else self.net.world(cut=cut)

    def forward(self, cut: Cut, sample: int | None = None) -> Forward:
        """The forward pass in the network cut at ``cut`` (of the sample (x, y), or sample k, when not cut)."""
        return self.a_world(cut.layer) if cut.on_a else self.world(cut.layer, sample)

    @cached_property
    def _made(self) -> dict:
        return {}

    def alpha(self, l: int) -> dict:
        """Fresh symbols standing for a^l when the network is cut at a^l."""
        key = ("alpha", l)
        if key not in self._made:
            self._made[key] = Indexed(f"a^{l}", {i: self.xp.Symbol(f"a^{l}_{{{i}}}") for i in self.net.units(l)})
        return self._made[key]

    def a_world(self, l: int) -> Forward:
        """The network cut at a^l: a^l fresh, z^{k+1} = W^k a^k + b^k and a^{k+1} = f(z^{k+1}) from there on."""
        key = ("world", l)
        if key not in self._made:
            net, f = self.net, self.eng.f
            z, a = {}, {l: self.alpha(l)}
            for k in range(l, net.n_l):
                z[k + 1] = Indexed(f"z^{k + 1}", {i: sum((net.W[k][i, j] * a[k][j] for j in net.units(k)), net.b[k][i])
                                                  for i in net.units(k + 1)})
                a[k + 1] = Indexed(f"a^{k + 1}", {i: f(zi) for i, zi in z[k + 1].items()})
            self._made[key] = Forward(z, a, l)
        return self._made[key]

    @cached_property
    def derivatives(self) -> Derivatives:
        return differentiate(self.net)

    def constant(self, name: str) -> Any | None:
        """λ, m and n_l; None for any other name."""
        net = self.net
        return {"lambda": net.lam_symbol, "m": self.xp.Integer(net.m),
                "n_l": self.xp.Integer(net.n_l)}.get(name)

    def width(self, l: int) -> int:
        """s_l."""
        if not 1 <= l <= self.net.n_l:
            raise Unfit(f"s_{l} does not exist (layers 1..{self.net.n_l})")
        return self.net.s(l)

    def layer(self, name: str, l: int, cut: Cut) -> dict:
        """W^l, b^l (by unit keys), or z^l, a^l, δ^l in the world cut at ``cut`` (z^l, a^l below it: see below)."""
        net = self.net
        if name in PARAMETERS:
            if not 1 <= l < net.n_l:
                raise Unfit(f"{name}^{l} does not exist (layers 1..{net.n_l - 1} have weights)")
            return net.W[l] if name in ("W", "w") else net.b[l]
        if name == "delta":
            if not 2 <= l <= net.n_l:
                raise Unfit(f"δ^{l} does not exist (layers 2..{net.n_l} have residuals)")
            if cut.below("z", l):
                raise NotUnderstood(f"δ^{l} is not defined while differentiating with respect to {cut}")
            return self.delta(l, cut)
        if not 1 <= l <= net.n_l or (name == "z" and l == 1):
            raise Unfit(f"{name}^{l} does not exist")
        # Below the cut, a layer is read at its own fresh z^l (x for a^1): the cut does not move it, so
        # its derivative there is 0, and d_by_cut reads it back as the forward pass has it.
        world = self.world(l) if cut.below(name, l) else self.forward(cut)
        return world.a[l] if name == "a" else world.z[l]

    def delta(self, l: int, cut: Cut) -> dict:
        """δ^l in the world cut at ``cut``; cut at a^k, it is δ^l of the cut at z^{k+1} with z^{k+1} = W^k a^k + b^k."""
        if not cut.on_a:
            return delta_in(self.derivatives, self.world(cut.layer), l)
        key = ("delta", cut.layer, l)
        if key not in self._made:
            above, world = cut.layer + 1, self.a_world(cut.layer)
            swap = {fresh: world.z[above][u] for u, fresh in self.net.zeta(above).items()}
            self._made[key] = {i: e.xreplace(swap) for i, e in self.derivatives.within[above][l].items()}
        return self._made[key]

    def whole(self, name: str, table: dict) -> Any:
        """A layer written without unit indices: W^l a matrix, the others vectors."""
        return as_value(table, matrix=name in ("W", "w"))

    def data(self, name: str, sample: int | None, cut: Cut) -> dict:
        """x or y of the sample (x, y), or of sample k: no z moves them (x = a^1 is fresh in the cut at a^1)."""
        if name == "x" and sample is None and cut == Cut(1, on_a=True):
            return self.alpha(1)
        return self.net.x(sample) if name == "x" else self.net.y(sample)

    def sample(self, k: int) -> int:
        if not 1 <= k <= self.net.m:  # (sample 0 is on no network; sample m + 1 is on a larger one)
            raise (Unfit if k > 0 else NotUnderstood)(f"sample {k} does not exist (samples run 1..m, m = {self.net.m})")
        return k

    def function(self, name: str) -> Callable | None:
        """What ``name(…)`` computes on engine expressions: a function of the registry, the network's
        f (f') for the network's own activation (σ, σ' when f is the logistic function), or another
        activation's formula (and the f' its entry writes)."""
        entry, ops = reading(name), self.eng.ops
        if name == STEP:  # the unit step \mathbb{1}[z > 0] (derive.reader.conditions)
            return self.step
        if entry is None and name.endswith("'"):  # σ'(z): the activation's derivative
            entry = reading(name[:-1])
            if not isinstance(entry, Activation):
                return None
            if entry is self.net.activation:
                return self.eng.fprime
            return lambda t: entry.fprime(entry.f(t, ops), t, ops)
        if isinstance(entry, Function):
            return getattr(ops, entry.attr)
        if isinstance(entry, Activation):
            if entry is self.net.activation:
                return self.eng.f
            return lambda t: entry.f(t, ops)
        return None

    def step(self, t) -> Any:
        """H(t) = relu(t)/t = (1 + t/√t²)/2: 1 for t > 0, 0 for t < 0, undefined at 0 like relu's f' (never drawn:
        [t > 0] and [t ≥ 0] are one function); relu is the network's f if it is its activation; H(relu e) = H(e)."""
        relu = reading(RELU)
        if not isinstance(relu, Activation):
            raise NotUnderstood(f"no activation reads as {RELU}")
        applied = self.eng.applied(t) if relu is self.net.activation else None
        if applied is not None and applied[0] is function("f"):
            t = applied[1]
        return (self.eng.f(t) if relu is self.net.activation else relu.f(t, self.eng.ops)) / t

    def loss(self, sample: int | None, cut: Cut, full: bool) -> Any:
        """J(W,b), or J(W,b;x,y) at the sample (x, y) or sample k."""
        cut_at = "a" if cut.on_a else "z"
        if full:
            if cut != Cut():
                raise NotUnderstood(f"J(W,b) is not defined while differentiating with respect to {cut_at}")
            return full_loss(self.net)
        if sample is not None and cut != Cut():
            raise NotUnderstood(f"J(W,b;x^{sample},y^{sample}) is not defined while differentiating with respect to "
                                f"{cut_at}")
        world = self.forward(cut) if sample is None else self.world(1, sample)
        return sample_loss(self.net, world, self.net.y(sample))

    def output(self, sample: int | None, cut: Cut) -> Vec:
        """h_{W,b}(x) = a^{n_l} of the sample."""
        world = self.forward(cut) if sample is None else self.world(1, sample)
        return Vec(tuple(world.a[self.net.n_l].values()))

    def d(self, body, variable) -> Any:
        """∂body/∂variable, written with f'."""
        try:
            d = self.eng.gradient(self.xp.sympify(body), [variable])[variable]
        except ValueError as exc:  # e.g. f'' is needed
            raise NotUnderstood(f"cannot differentiate: {exc}") from None
        if self.eng.name == "sympy" and d.has(self.xp.Derivative, self.xp.Subs):  # SymPy differentiates f' silently
            raise NotUnderstood("cannot differentiate: the derivative of f' (f'') is not read")
        return d

    def cut_at(self, name: str, l: int, outer: Cut) -> Cut:
        """The cut of a derivative with respect to z^l or a^l (``name``), checked: that layer exists and the cut is
        not below ``outer``, the cut of a derivative it is inside."""
        cut = Cut(l, on_a=name == "a")
        if not (1 if cut.on_a else 2) <= l <= self.net.n_l:
            raise Unfit(f"{cut} does not exist")
        if cut.position < outer.position:
            raise NotUnderstood(f"∂/∂{cut} inside a derivative with respect to {outer}")
        return cut

    def fresh(self, cut: Cut, i: int) -> Any:
        """The fresh symbol standing for z^l_i (a^l_i) in the network cut at z^l (a^l)."""
        symbols = self.alpha(cut.layer) if cut.on_a else self.net.zeta(cut.layer)
        if i not in symbols:
            raise Unfit(f"{cut}_{i} does not exist")
        return symbols[i]

    def d_by_cut(self, body, fresh, cut: Cut, outer: Cut) -> Any:
        """∂body/∂``fresh`` (body read in the network cut at ``cut``), read back in the world cut at ``outer``: the
        fresh z^k of the layers between (z^l itself, and those read below ``cut``) and a^l become that world's."""
        d = self.d(body, fresh)
        there = self.forward(outer)
        back = {s: there.z[k][u] for k in range(outer.layer + 1, cut.layer + 1) for u, s in self.net.zeta(k).items()}
        if cut.on_a and cut != outer:
            back.update({s: there.a[cut.layer][u] for u, s in self.alpha(cut.layer).items()})
        return d.xreplace(back) if back else d

    def below_cut(self, body, cut: Cut) -> bool:
        """Whether ``body`` holds a layer below the cut (read at its own fresh z, see ``layer``)."""
        fresh = {s for k in range(2, self.net.n_l + 1) if cut.below("z", k) for s in self.net.zeta(k).values()}
        return bool(fresh) and bool(fresh & set(getattr(body, "free_symbols", ())))

    def bias_dropped(self, body, cut: Cut) -> bool:
        """Whether ``body`` is z^{l+1}_j written without its bias (harmless under ∂/∂z^l and ∂/∂a^l)."""
        l = cut.layer
        if l >= self.net.n_l:
            return False
        z_next = self.forward(cut).z[l + 1]
        return any(self.xp.expand(body - z_next[j] + bias) == 0 for j, bias in self.net.b[l].items())
