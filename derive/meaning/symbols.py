"""The symbol table: what each name of the seed's notation means on one network.

W^l_ij, b^l_i and x, y are the parameters and data; z^l_i, a^l_i and h_{W,b}(x)
come from the forward pass; δ^l_i is the true residual ∂J(W,b;x,y)/∂z^l_i;
J(W,b;x,y) and J(W,b) are the losses; s_l, m, n_l and λ are numbers; f, f',
exp, log, tanh, σ, … are the registry's functions and activations. Indices
arrive as whole numbers: the evaluator (derive.meaning.evaluator) reads them.

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
from derive.model.network import Forward, Network
from derive.model.views import delta_in
from derive.primitives import Activation, Function, reading

__all__ = ["SymbolTable", "Env", "Unfit", "PARAMETERS", "LAYERED"]

PARAMETERS = frozenset({"W", "w", "b"})
LAYERED = PARAMETERS | {"z", "a", "delta"}  # a superscript is the layer


class Unfit(DeriveError):
    """An index outside this network: the instance does not exist here."""


@dataclass(frozen=True)
class Env:
    """Index values in effect: units and layers, samples (bound by a sum up to m), and the cut layer."""

    units: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)
    cut: int = 1


class SymbolTable:
    """The meaning of names on ``net``; the residuals and forward passes it builds are shared by every row."""

    def __init__(self, net: Network):
        self.net, self.eng, self.xp = net, net.eng, net.eng.xp

    def world(self, cut: int = 1, sample: int | None = None) -> Forward:
        """The forward pass of the sample (x, y) or of sample k, uncut or cut at a layer."""
        return self.net.world(sample) if cut == 1 else self.net.world(cut=cut)

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

    def layer(self, name: str, l: int, cut: int) -> dict:
        """W^l, b^l (by unit keys), or z^l, a^l, δ^l in the world cut at ``cut``."""
        net = self.net
        if name in PARAMETERS:
            if not 1 <= l < net.n_l:
                raise Unfit(f"{name}^{l} does not exist (layers 1..{net.n_l - 1} have weights)")
            return net.W[l] if name in ("W", "w") else net.b[l]
        if name == "delta":
            if not 2 <= l <= net.n_l:
                raise Unfit(f"δ^{l} does not exist (layers 2..{net.n_l} have residuals)")
            if l < cut:
                raise NotUnderstood(f"δ^{l} is not defined while differentiating with respect to z^{cut}")
            return delta_in(self.derivatives, self.world(cut), l)
        if not 1 <= l <= net.n_l or (name == "z" and l == 1):
            raise Unfit(f"{name}^{l} does not exist")
        if l < cut:
            raise NotUnderstood(f"{name}^{l} is not defined while differentiating with respect to z^{cut}")
        world = self.world(cut)
        return world.a[l] if name == "a" else world.z[l]

    def whole(self, name: str, table: dict) -> Any:
        """A layer written without unit indices: W^l a matrix, the others vectors."""
        return as_value(table, matrix=name in ("W", "w"))

    def data(self, name: str, sample: int | None, cut: int) -> dict:
        """x or y of the sample (x, y), or of sample k."""
        if sample is None and name == "x" and cut > 1:
            raise NotUnderstood(f"x is not defined while differentiating with respect to z^{cut}")
        return self.net.x(sample) if name == "x" else self.net.y(sample)

    def sample(self, k: int) -> int:
        if not 1 <= k <= self.net.m:
            raise Unfit(f"sample {k} does not exist (m = {self.net.m})")
        return k

    def function(self, name: str) -> Callable | None:
        """What ``name(…)`` computes on engine expressions: a function of the registry, the network's
        f for the network's own activation (σ when f is the logistic function), or another activation's formula."""
        entry = reading(name)
        if isinstance(entry, Function):
            return getattr(self.eng.ops, entry.attr)
        if isinstance(entry, Activation):
            if entry is self.net.activation:
                return self.eng.f
            return lambda t: entry.f(t, self.eng.ops)
        return None

    def loss(self, sample: int | None, cut: int, full: bool) -> Any:
        """J(W,b), or J(W,b;x,y) at the sample (x, y) or sample k."""
        if full:
            if cut > 1:
                raise NotUnderstood("J(W,b) is not defined while differentiating with respect to z")
            return full_loss(self.net)
        if sample is not None and cut > 1:
            raise NotUnderstood(f"J(W,b;x^{sample},y^{sample}) is not defined while differentiating with respect to z")
        world = self.world(cut) if sample is None else self.world(1, sample)
        return sample_loss(self.net, world, self.net.y(sample))

    def output(self, sample: int | None, cut: int) -> Vec:
        """h_{W,b}(x) = a^{n_l} of the sample."""
        world = self.world(cut) if sample is None else self.world(1, sample)
        return Vec(tuple(world.a[self.net.n_l].values()))

    def d(self, body, variable) -> Any:
        """∂body/∂variable, written with f'."""
        try:
            return self.eng.gradient(self.xp.sympify(body), [variable])[variable]
        except ValueError as exc:  # e.g. f'' is needed
            raise NotUnderstood(f"cannot differentiate: {exc}") from None

    def cut_layer(self, l: int, cut: int) -> int:
        """The layer l of a derivative with respect to z^l, checked: it exists and is not below ``cut``."""
        if not 2 <= l <= self.net.n_l:
            raise Unfit(f"z^{l} does not exist")
        if l < cut:
            raise NotUnderstood(f"∂/∂z^{l} inside a derivative with respect to z^{cut}")
        return l

    def fresh_z(self, l: int, i: int) -> Any:
        """The fresh symbol standing for z^l_i in the network cut at l."""
        if i not in self.net.zeta(l):
            raise Unfit(f"z^{l}_{i} does not exist")
        return self.net.zeta(l)[i]

    def d_by_z(self, body, zeta, l: int, cut: int) -> Any:
        """∂body/∂z^l_i (``zeta``, body read in the network cut at l), read back where the cut is ``cut``."""
        d = self.d(body, zeta)
        if l == cut:
            return d
        return d.xreplace({fresh: self.world(cut).z[l][u] for u, fresh in self.net.zeta(l).items()})

    def bias_dropped(self, body, l: int) -> bool:
        """Whether ``body`` is z^{l+1}_j written without its bias (harmless under ∂/∂z^l)."""
        if l >= self.net.n_l:
            return False
        z_next = self.world(l).z[l + 1]
        return any(self.xp.expand(body - z_next[j] + bias) == 0 for j, bias in self.net.b[l].items())
