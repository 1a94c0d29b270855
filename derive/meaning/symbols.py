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

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
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
_LOG_DENOMINATORS = 12  # \log_b x is read as an exact p/q (q up to this) when x^q = b^p
_LOG_BITS = 4096  # the size of b^p and x^q that finding it may build


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
        """W^l, b^l (by unit keys), or z^l, a^l, δ^l in the world cut at ``cut`` (z^l, a^l below it: see below)."""
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
        # Below the cut, a layer is read at its own fresh z^l (x for a^1): z^{cut} does not move it, so
        # its derivative with respect to z^{cut} is 0, and d_by_z reads it back as the forward pass has it.
        world = self.world(min(l, cut))
        return world.a[l] if name == "a" else world.z[l]

    def whole(self, name: str, table: dict) -> Any:
        """A layer written without unit indices: W^l a matrix, the others vectors."""
        return as_value(table, matrix=name in ("W", "w"))

    def data(self, name: str, sample: int | None, cut: int) -> dict:
        """x or y of the sample (x, y), or of sample k: no z moves them."""
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

    def apply(self, name: str, unary: Callable, x, where: object, base=None) -> Any:
        """``unary(x)``, the function ``name`` (a logarithm to ``base`` when given), refusing what is
        undefined there: log 0, the log of a negative number, a base 1, or an engine's zoo, nan or ±oo."""
        if name == "log":
            for v in (x,) if base is None else (x, base):
                if v == 0:
                    raise NotUnderstood(f"log 0 is undefined (in {where})")
                if getattr(v, "is_negative", None) is True:
                    raise NotUnderstood(f"the log of a negative number is undefined (in {where})")
            if base is not None:
                if base == 1:
                    raise NotUnderstood(f"division by zero in {where} (log 1 = 0)")
                exact = _exact_log(x, base)
                return self.eng.number(exact) if exact is not None else self.defined(unary(x) / unary(base), where)
        return self.defined(unary(x), where)

    def defined(self, value, where: object) -> Any:
        """``value``, unless the engine made it undefined: zoo (a division by zero), nan, ±oo, or not real."""
        xp = self.xp
        if value == xp.zoo:
            raise NotUnderstood(f"division by zero in {where}")
        if value == xp.nan or value == xp.oo or value == -xp.oo:
            raise NotUnderstood(f"{where} is undefined")
        if getattr(value, "is_Number", False) and getattr(value, "is_real", None) is False:
            raise NotUnderstood(f"{where} is not a real number")
        return value

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
        """∂body/∂z^l_i (``zeta``, body read in the network cut at l), read back where the cut is ``cut``:
        the fresh z^k of the layers cut < k ≤ l (z^l, and those read below the cut) become that world's z^k."""
        d = self.d(body, zeta)
        back = {fresh: self.world(cut).z[k][u] for k in range(cut + 1, l + 1) for u, fresh in self.net.zeta(k).items()}
        return d.xreplace(back) if back else d

    def below_cut(self, body, cut: int) -> bool:
        """Whether ``body`` holds a layer below the cut (read at its own fresh z, see ``layer``)."""
        fresh = {s for k in range(2, cut) for s in self.net.zeta(k).values()}
        return bool(fresh) and bool(fresh & set(getattr(body, "free_symbols", ())))

    def bias_dropped(self, body, l: int) -> bool:
        """Whether ``body`` is z^{l+1}_j written without its bias (harmless under ∂/∂z^l)."""
        if l >= self.net.n_l:
            return False
        z_next = self.world(l).z[l + 1]
        return any(self.xp.expand(body - z_next[j] + bias) == 0 for j, bias in self.net.b[l].items())


def _exact_log(x, base) -> Fraction | None:
    """log_base x as an exact fraction where it is one (log_2 8 = 3, log_4 2 = 1/2, log_10 1 = 0), else None."""
    if not (getattr(x, "is_Rational", False) and getattr(base, "is_Rational", False)):
        return None
    a, b = (Fraction(*map(int, v.as_numer_denom())) for v in (x, base))
    if a <= 0 or b <= 0 or b == 1:
        return None
    k = (math.log(a.numerator) - math.log(a.denominator)) / (math.log(b.numerator) - math.log(b.denominator))
    bits = max(n.bit_length() for n in (a.numerator, a.denominator, b.numerator, b.denominator))
    for q in range(1, _LOG_DENOMINATORS + 1):  # a = b^(p/q) exactly when a^q = b^p
        p = round(k * q)
        if max(abs(p), q) * bits <= _LOG_BITS and a**q == b**p:
            return Fraction(p, q)
    return None
